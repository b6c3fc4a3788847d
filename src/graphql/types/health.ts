/** The Health and ModelHealth types and `Query.health`: a presentation of src/health. */
import { type Health, type ModelHealth, type ReplicaHealth, readHealth } from '../../health/read-health.ts';
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

  const ReplicaHealthRef = builder.objectRef<ReplicaHealth>('ReplicaHealth').implement({
    description: 'A replica sharing this Redis, as this replica last heard of it.',
    fields: (t) => ({
      name: t.exposeString('name', { description: "The replica's name, as model events give it (`ModelEvent.replica`)." }),
      ready: t.exposeBoolean('ready'),
      seenAt: t.string({
        description: 'When it was last heard from (every 2 s; this replica: now), as an ISO 8601 time.',
        resolve: (entry) => new Date(entry.seenAt).toISOString(),
      }),
    }),
  });

  const HealthRef = builder.objectRef<Health>('Health').implement({
    fields: (t) => ({
      replicas: t.field({
        type: [ReplicaHealthRef],
        nullable: true,
        description:
          'With Redis, every replica sharing it, this one included (one unheard of for 6 s is dropped); null for a server on its own. Needs the models:read scope.',
        authScopes: { 'models:read': true },
        resolve: (health) => health.replicas ?? null,
      }),
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
