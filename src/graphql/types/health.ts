import type { Model } from '../../registry/model-version.ts';
import type { Builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

export interface ModelHealth {
  name: string;
  ready: boolean;
  reason: string | null;
  /** Over all versions: requests waiting for a worker, running, and generation streams open. */
  queued: number;
  inFlight: number;
  streams: number;
}

export interface Health {
  live: boolean;
  ready: boolean;
  models: ModelHealth[];
}

/**
 * Live: the process answers. Ready: the first load of the repository has settled and the
 * server is not shutting down; a model that failed does not make the server unready, it is
 * reported in `models` with its reason.
 */
export function readHealth(context: HealthSources): Health {
  return {
    live: true,
    ready: context.registry.started && !context.draining(),
    models: context.registry.list().map((model) => modelHealth(model, context)),
  };
}

type HealthSources = Pick<GraphQLContext, 'registry' | 'predictor' | 'generator' | 'draining'>;

function modelHealth(model: Model, { predictor, generator }: HealthSources): ModelHealth {
  const ready = model.versions.some((version) => version.state === 'READY');
  const failed = model.versions.find((version) => version.stateReason);
  let queued = 0;
  let inFlight = 0;
  let streams = 0;
  for (const { key } of model.versions) {
    const work = workOf(key, { predictor, generator });
    queued += work.queued;
    inFlight += work.inFlight;
    streams += work.streams;
  }
  return {
    name: model.name,
    ready,
    reason: ready ? null : (model.error ?? failed?.stateReason ?? 'no version is READY'),
    queued,
    inFlight,
    streams,
  };
}

/** The work under one session key now: requests (and streams) waiting, requests running, streams open. */
export function workOf(
  key: string,
  { predictor, generator }: Pick<GraphQLContext, 'predictor' | 'generator'>,
): Pick<ModelHealth, 'queued' | 'inFlight' | 'streams'> {
  const stats = predictor.stats(key);
  const generation = generator.stats(key);
  const waitingStreams = generation?.waitingStreams ?? 0;
  return {
    queued: (stats?.queued ?? 0) + waitingStreams,
    inFlight: stats?.inFlight ?? 0,
    streams: (generation?.activeStreams ?? 0) + waitingStreams,
  };
}

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

  const HealthRef = builder.objectRef<Health>('Health').implement({
    fields: (t) => ({
      live: t.exposeBoolean('live'),
      ready: t.exposeBoolean('ready', { description: 'Whether the server takes traffic: models loaded, not shutting down.' }),
      models: t.field({ type: [ModelHealthRef], resolve: (health) => health.models }),
    }),
  });

  builder.queryField('health', (t) => t.field({ type: HealthRef, resolve: (_root, _args, context) => readHealth(context) }));
  return { HealthRef };
}
