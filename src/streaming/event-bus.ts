/** The event bus subscriptions read from: in-process by default. */
import { createPubSub, type PubSubEventTarget } from '@graphql-yoga/subscription';

/**
 * Where state changes are published for subscribers. In-process by default; several replicas
 * share events by passing a distributed event target (Redis, with
 * @graphql-yoga/redis-event-target) behind the same interface.
 */
export interface EventBus<Topics extends Record<string, unknown>> {
  publish<Topic extends keyof Topics & string>(topic: Topic, event: Topics[Topic]): void;
  /** Every event published on `topic` from now on, until the iterator is returned. */
  subscribe<Topic extends keyof Topics & string>(topic: Topic): AsyncIterableIterator<Topics[Topic]>;
}

export function createEventBus<Topics extends Record<string, unknown>>({
  eventTarget,
}: {
  eventTarget?: PubSubEventTarget<{ [Topic in keyof Topics & string]: [Topics[Topic]] }>;
} = {}): EventBus<Topics> {
  const pubSub = createPubSub<{ [Topic in keyof Topics & string]: [Topics[Topic]] }>(eventTarget ? { eventTarget } : {});
  return {
    publish: (topic, event) => pubSub.publish(topic, ...([event] as [Topics[typeof topic]] as never)),
    subscribe: (topic) => pubSub.subscribe(...([topic] as never)) as unknown as AsyncIterableIterator<Topics[typeof topic]>,
  };
}
