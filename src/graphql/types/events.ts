/** Subscription.modelEvents and Subscription.health. */
import type { EnumRef } from '@pothos/core';
import { readHealth } from '../../health/read-health.ts';
import type { ReplicaModelEvent } from '../../registry/model-events.ts';
import type { ModelState } from '../../registry/model-version.ts';
import { untilAborted } from '../../streaming/until-aborted.ts';
import { withTicks } from '../../streaming/with-ticks.ts';
import type { Builder, SchemaTypes } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';
import type { HealthRefs } from './health.ts';

const MIN_INTERVAL_MS = 100;

export function addEventSubscriptions(
  builder: Builder,
  { HealthRef, ModelStateRef }: HealthRefs & { ModelStateRef: EnumRef<SchemaTypes, ModelState> },
) {
  const ModelEventRef = builder.objectRef<ReplicaModelEvent>('ModelEvent').implement({
    description: 'A model version changed state, or an alias moved to it (the reason says which alias).',
    fields: (t) => ({
      model: t.exposeString('model'),
      version: t.string({ resolve: (event) => String(event.version) }),
      state: t.field({ type: ModelStateRef, resolve: (event) => event.state }),
      reason: t.string({ nullable: true, resolve: (event) => event.reason }),
      at: t.string({ description: 'When, as an ISO 8601 time.', resolve: (event) => new Date(event.at).toISOString() }),
      replica: t.exposeString('replica', {
        description: 'The replica whose version it is: with several replicas sharing Redis, each reports its own versions.',
      }),
    }),
  });

  builder.subscriptionField('modelEvents', (t) =>
    t.field({
      type: ModelEventRef,
      description:
        'Every state change of every version (LOADING, READY, FAILED with its reason, ' +
        'UNLOADING...) as it happens; of one model when `model` is given.',
      args: { model: t.arg.string() },
      authScopes: { 'models:read': true },
      subscribe: (_root, { model }, { bus, registry, shutdown }) =>
        onlyOf(
          untilAborted(bus.subscribe('model-events'), shutdown),
          (event) => registry.isVisible(event.model) && (model == null || event.model === model),
        ),
      resolve: (event) => event,
    }),
  );

  builder.subscriptionField('health', (t) =>
    t.field({
      type: HealthRef,
      description: 'The health object now, then on every model state change and every intervalMs (default 5000, at least 100).',
      args: { intervalMs: t.arg.int({ defaultValue: 5000, required: true }) },
      authScopes: { 'models:read': true },
      subscribe: (_root, { intervalMs }, context) => healthStream(context, Math.max(MIN_INTERVAL_MS, intervalMs)),
      resolve: (_health, _args, context) => readHealth(context),
    }),
  );
}

/** The events a subscriber may see and asked for: of the models its registry shows, of one model when it named one. */
async function* onlyOf(
  events: AsyncIterableIterator<ReplicaModelEvent>,
  wanted: (event: ReplicaModelEvent) => boolean,
): AsyncGenerator<ReplicaModelEvent> {
  try {
    for await (const event of events) if (wanted(event)) yield event;
  } finally {
    await events.return?.();
  }
}

/** Yields a signal to read the health: at once, on each event, at each tick, and once more when the server shuts down. */
async function* healthStream(context: GraphQLContext, intervalMs: number): AsyncGenerator<true> {
  const changes = withTicks(untilAborted(context.bus.subscribe('model-events'), context.shutdown), intervalMs);
  try {
    yield true;
    for await (const _change of changes) yield true;
    // The changes end only when the server shuts down: readiness has just turned false, which a watcher wants to see.
    yield true;
  } finally {
    await changes.return?.();
  }
}
