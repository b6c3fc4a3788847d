/** The event bus subscriptions read from: in-process by default, shared through Redis when given one. */
import { createPubSub, type PubSubEventTarget } from '@graphql-yoga/subscription';
import type { RedisLink } from './redis-link.ts';
import { createReplicatedEventTarget, type EventSchemas } from './replicated-event-target.ts';

/**
 * Where state changes are published for subscribers. In-process by default; with Redis, events
 * published on any replica reach subscribers on every replica (replicated-event-target.ts), and
 * nothing above this interface knows which.
 */
export interface EventBus<Topics extends Record<string, unknown>> extends AsyncDisposable {
  publish<Topic extends keyof Topics & string>(topic: Topic, event: Topics[Topic]): void;
  /** Every event published on `topic` from now on, until the iterator is returned. */
  subscribe<Topic extends keyof Topics & string>(topic: Topic): AsyncIterableIterator<Topics[Topic]>;
  /** Stops listening to Redis (a bus without it has nothing to stop). */
  close(): Promise<void>;
}

export interface RedisBusOptions<Topics extends Record<string, unknown>> {
  link: RedisLink;
  /** Channels are named `${prefix}events:${topic}`. */
  prefix: string;
  /** This replica's id: its own events come back from Redis and are skipped, having been delivered here already. */
  origin: string;
  /** What each topic's events must look like when read back from Redis. */
  schemas: EventSchemas<Topics>;
  /** An event from Redis that did not pass its schema (dropped), or a publish Redis refused (the event stayed local). */
  onProblem: (problem: { topic: string; kind: 'invalid' | 'unpublished'; error: unknown }) => void;
}

export function createEventBus<Topics extends Record<string, unknown>>({
  redis,
}: {
  redis?: RedisBusOptions<Topics>;
} = {}): EventBus<Topics> {
  const replicated = redis ? createReplicatedEventTarget(redis) : null;
  const eventTarget = replicated?.target as PubSubEventTarget<{ [Topic in keyof Topics & string]: [Topics[Topic]] }> | undefined;
  const pubSub = createPubSub<{ [Topic in keyof Topics & string]: [Topics[Topic]] }>(eventTarget ? { eventTarget } : {});
  const bus: EventBus<Topics> = {
    publish: (topic, event) => pubSub.publish(topic, ...([event] as [Topics[typeof topic]] as never)),
    subscribe: (topic) => pubSub.subscribe(...([topic] as never)) as unknown as AsyncIterableIterator<Topics[typeof topic]>,
    async close() {
      replicated?.close();
    },
    [Symbol.asyncDispose]() {
      return bus.close();
    },
  };
  return bus;
}
