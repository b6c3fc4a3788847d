import type { Model } from '../../registry/model-version.ts';
import type { Builder } from '../builder.ts';
import type { GraphQLContext } from '../context.ts';

export interface ModelHealth {
  name: string;
  ready: boolean;
  reason: string | null;
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
export function readHealth({ registry, draining }: Pick<GraphQLContext, 'registry' | 'draining'>): Health {
  return {
    live: true,
    ready: registry.started && !draining(),
    models: registry.list().map(modelHealth),
  };
}

function modelHealth(model: Model): ModelHealth {
  const ready = model.versions.some((version) => version.state === 'READY');
  const failed = model.versions.find((version) => version.stateReason);
  return { name: model.name, ready, reason: ready ? null : (model.error ?? failed?.stateReason ?? 'no version is READY') };
}

export function addHealth(builder: Builder) {
  const ModelHealthRef = builder.objectRef<ModelHealth>('ModelHealth').implement({
    fields: (t) => ({
      name: t.exposeString('name'),
      ready: t.exposeBoolean('ready', { description: 'Whether some version of the model is READY.' }),
      reason: t.string({ nullable: true, resolve: (health) => health.reason }),
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
}
