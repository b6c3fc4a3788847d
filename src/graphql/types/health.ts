/** The Health and ModelHealth types and `Query.health`: a presentation of src/health. */
import { type Health, type ModelHealth, readHealth } from '../../health/read-health.ts';
import type { Builder } from '../builder.ts';

export interface HealthRefs {
  HealthRef: ReturnType<typeof addHealth>['HealthRef'];
}

export function addHealth(builder: Builder) {
  const ModelHealthRef = builder.objectRef<ModelHealth>('ModelHealth').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      ready: t.exposeBoolean('ready', { description: 'Whether some version of the model is READY.' }),
      reason: t.string({ nullable: true, resolve: (health) => health.reason }),
      queued: t.exposeInt('queued', { description: 'Requests (and generation streams) waiting, over all versions.' }),
      inFlight: t.exposeInt('inFlight', { description: 'Requests running, over all versions.' }),
      streams: t.exposeInt('streams', { description: 'Generation streams open, over all versions.' }),
    }),
  });

  const EventBusStateRef = builder.enumType('EventBusState', {
    description: 'How this replica reaches the Redis that several replicas share.',
    values: {
      CONNECTED: { description: 'Events, admin changes and rate limits are shared with the other replicas.' },
      DEGRADED: {
        description:
          'Redis cannot be reached: events stay on this replica, rate limits count per replica; it serves as before and reconnects by itself.',
      },
    } as const,
  });

  const HealthRef = builder.objectRef<Health>('Health').implement({
    fields: (t) => ({
      eventBus: t.field({
        type: EventBusStateRef,
        nullable: true,
        description: 'With Redis (--redis-url), whether it is reachable; null for a server on its own.',
        resolve: (health) => health.eventBus ?? null,
      }),
      live: t.exposeBoolean('live'),
      ready: t.exposeBoolean('ready', { description: 'Whether the server takes traffic: models loaded, not shutting down.' }),
      models: t.field({
        type: [ModelHealthRef],
        description: 'Per-model readiness; needs the models:read scope.',
        authScopes: { 'models:read': true },
        resolve: (health) => health.models,
      }),
    }),
  });

  builder.queryField('health', (t) => t.field({ type: HealthRef, resolve: (_root, _args, context) => readHealth(context) }));
  return { HealthRef };
}
