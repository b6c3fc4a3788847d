/** The event bus subscriptions read from: in-process by default, shared through Redis when given one. */
import { createChannel } from './channel.ts';
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

export interface EventBusOptions<Topics extends Record<string, unknown>> {
  /** Shares events with the other replicas through Redis; absent, the bus is this process's alone. */
  redis?: RedisBusOptions<Topics>;
  /**
   * Events a subscriber may leave unread; past it its subscription ends, after the events it holds
   * (Redis does the same to a pub/sub client that falls behind). @default 1000
   */
  maxUnreadEvents?: number;
  /** Called when a subscription is ended for falling behind. */
  onOverflow?: (topic: string) => void;
}

/**
 * The bus on an EventTarget: this process's, or the replicated one. Not yoga's createPubSub: its
 * Repeater throws from the publisher's call once a subscriber leaves 1024 pushes unread (a client
 * that stops reading its socket), an uncaught exception that would end the server; here each
 * subscriber has its own bounded queue instead.
 */
export function createEventBus<Topics extends Record<string, unknown>>({
  redis,
  maxUnreadEvents = 1000,
  onOverflow,
}: EventBusOptions<Topics> = {}): EventBus<Topics> {
  const replicated = redis ? createReplicatedEventTarget(redis) : null;
  const target = replicated?.target ?? new EventTarget();
  const bus: EventBus<Topics> = {
    publish(topic, event) {
      target.dispatchEvent(new CustomEvent(topic, { detail: event }));
    },
    subscribe<Topic extends keyof Topics & string>(topic: Topic) {
      const stopListening = () => target.removeEventListener(topic, listener);
      const channel = createChannel<Topics[Topic]>({ onReturn: stopListening });
      // Listening from the call on, not from the first read: an event published in between is not lost.
      const listener = (event: Event) => {
        if (channel.size >= maxUnreadEvents) {
          stopListening();
          channel.close();
          onOverflow?.(topic);
          return;
        }
        channel.push((event as CustomEvent<Topics[Topic]>).detail);
      };
      target.addEventListener(topic, listener);
      return channel.iterator;
    },
    async close() {
      replicated?.close();
    },
    [Symbol.asyncDispose]() {
      return bus.close();
    },
  };
  return bus;
}
