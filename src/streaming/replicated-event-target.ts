/**
 * An event target for yoga's pub/sub that delivers each event on this replica at once and also
 * publishes it through Redis (@graphql-yoga/redis-event-target) for the other replicas; what they
 * publish comes in from Redis, is validated, and is delivered here.
 *
 * Not the Redis event target alone: with it a replica hears even its own events only through
 * Redis, so losing Redis would silence this replica's subscribers too. Here the local delivery
 * never depends on Redis, and Redis carries only what other replicas need.
 */
import { createRedisEventTarget } from '@graphql-yoga/redis-event-target';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { RedisLink } from './redis-link.ts';

/** A zod schema per topic: an event read back from Redis is `unknown` until its topic's schema accepts it. */
export type EventSchemas<Topics extends Record<string, unknown>> = { [Topic in keyof Topics & string]: z.ZodType<Topics[Topic]> };

export interface ReplicatedEventTargetOptions<Topics extends Record<string, unknown>> {
  link: RedisLink;
  prefix: string;
  origin: string;
  schemas: EventSchemas<Topics>;
  onProblem: (problem: { topic: string; kind: 'invalid' | 'unpublished'; error: unknown }) => void;
}

/** The Redis channel of a topic: pub/sub ignores Redis's database number, so the prefix keeps deployments apart. */
export function eventChannel(prefix: string, topic: string): string {
  return `${prefix}events:${topic}`;
}

/** What travels on a channel: the event and the replica that published it. */
const envelopeSchema = z.object({ origin: z.string(), event: z.unknown() });

/** The detail of a message that was not JSON: the serializer must not throw inside ioredis's message handler. */
const UNREADABLE = Symbol('unreadable');

export interface ReplicatedEventTarget {
  /** What createPubSub is given. */
  readonly target: EventTarget;
  /** Stops listening on Redis (the link itself is closed by its owner). */
  close(): void;
}

export function createReplicatedEventTarget<Topics extends Record<string, unknown>>({
  link,
  prefix,
  origin,
  schemas,
  onProblem,
}: ReplicatedEventTargetOptions<Topics>): ReplicatedEventTarget {
  const local = new EventTarget();
  const channelOf = (topic: string) => eventChannel(prefix, topic);
  // The Redis event target calls publish, subscribe and unsubscribe without awaiting them: a call
  // that fails (Redis down, or the link closed with a subscription still queued) is caught here
  // rather than left as an unhandled rejection, which would end the process.
  const { subscriber } = link;
  const subscribeClient = {
    on: subscriber.on.bind(subscriber),
    subscribe: (...channels: string[]) => subscriber.subscribe(...channels).catch(() => 0),
    unsubscribe: (...channels: string[]) => subscriber.unsubscribe(...channels).catch(() => 0),
  } as unknown as Redis;
  const publishClient = {
    publish: (channel: string, message: string) =>
      link.commands.publish(channel, message).catch((error: unknown) => {
        // A publish past the command timeout is late, not lost: it stays on the socket and Redis
        // still delivers it (ioredis's timeout only stops waiting for the answer).
        if (!isTimeout(error)) onProblem({ topic: channel.slice(channelOf('').length), kind: 'unpublished', error });
        return 0;
      }),
  } as unknown as Redis;
  const redis = createRedisEventTarget({
    publishClient,
    subscribeClient,
    serializer: {
      stringify: JSON.stringify,
      parse: (text: string) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return UNREADABLE;
        }
      },
    },
  });

  /** Delivers here what another replica published on `topic`, once it passes the envelope's and the topic's schemas. */
  function receiverOf(topic: keyof Topics & string) {
    return (message: Event) => {
      const envelope = envelopeSchema.safeParse((message as CustomEvent<unknown>).detail);
      if (!envelope.success) return onProblem({ topic, kind: 'invalid', error: envelope.error });
      if (envelope.data.origin === origin) return;
      const event = schemas[topic].safeParse(envelope.data.event);
      if (!event.success) return onProblem({ topic, kind: 'invalid', error: event.error });
      local.dispatchEvent(new CustomEvent(topic, { detail: event.data }));
    };
  }

  // Every topic is listened to from the start, not when its first subscriber comes: an event
  // published while a SUBSCRIBE is still on its way would be lost, and the link reports "connected"
  // only once these subscriptions are answered.
  const receivers = (Object.keys(schemas) as (keyof Topics & string)[]).map((topic) => {
    const receive = receiverOf(topic);
    redis.addEventListener(channelOf(topic), receive);
    return { channel: channelOf(topic), receive };
  });

  const target: EventTarget = {
    addEventListener: (...args: Parameters<EventTarget['addEventListener']>) => local.addEventListener(...args),
    removeEventListener: (...args: Parameters<EventTarget['removeEventListener']>) => local.removeEventListener(...args),
    dispatchEvent(event) {
      local.dispatchEvent(event);
      const detail = (event as CustomEvent<unknown>).detail;
      redis.dispatchEvent(new CustomEvent(channelOf(event.type), { detail: { origin, event: detail } }));
      return true;
    },
  };
  return {
    target,
    close() {
      for (const { channel, receive } of receivers) redis.removeEventListener(channel, receive);
    },
  };
}

/** ioredis's command timeout: a plain Error with this message (ioredis exports no class for it). */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.message === 'Command timed out';
}
