/**
 * The server's health and the work under each model version, read from the serving core: what
 * `Query.health`, `Subscription.health` and the HTTP probes present, and what the registry asks
 * before evicting a version.
 */
import type { Predictor } from '../batching/predictor.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { Model } from '../registry/model-version.ts';
import type { Generator } from '../streaming/generation/generator.ts';

/** The work under one session key, or summed over a model's versions. */
export interface Work {
  /** Requests (and generation streams) waiting for a worker or a decode step. */
  queued: number;
  /** Requests running on a worker. */
  inFlight: number;
  /** Generation streams open. */
  streams: number;
}

export interface ModelHealth extends Work {
  name: string;
  ready: boolean;
  reason: string | null;
}

/**
 * With Redis: CONNECTED, or DEGRADED while it cannot be reached (events stay on this replica, rate
 * limits count here). Degraded is still ready: the replica serves everything it did alone.
 */
export type EventBusState = 'CONNECTED' | 'DEGRADED';

/** One replica sharing this Redis, as this one last heard of it. */
export interface ReplicaHealth {
  name: string;
  ready: boolean;
  /** When it was last heard from, in ms since the epoch; this replica's own entry is always now. */
  seenAt: number;
}

export interface Health {
  live: boolean;
  ready: boolean;
  models: ModelHealth[];
  /** Absent for a process on its own (no Redis). */
  eventBus?: EventBusState;
  /** The replicas sharing Redis, this one included; absent for a process on its own. */
  replicas?: ReplicaHealth[];
}

/** Where work is counted. */
export interface WorkSources {
  predictor: Pick<Predictor, 'stats'>;
  generator: Pick<Generator, 'stats'>;
}

export interface HealthSources extends WorkSources {
  registry: Pick<ModelRegistry, 'started' | 'list'>;
  /** Whether the server is shutting down. */
  draining: () => boolean;
  /** With Redis, whether it is reachable. */
  eventBus?: (() => EventBusState) | undefined;
  /** With Redis, the replicas heard from lately. */
  replicas?: (() => ReplicaHealth[]) | undefined;
}

/** The work under one session key now. */
function workOf(key: string, { predictor, generator }: WorkSources): Work {
  const stats = predictor.stats(key);
  const generation = generator.stats(key);
  const waitingStreams = generation?.waitingStreams ?? 0;
  return {
    queued: (stats?.queued ?? 0) + waitingStreams,
    inFlight: stats?.inFlight ?? 0,
    streams: (generation?.activeStreams ?? 0) + waitingStreams,
  };
}

/** Whether anything is queued, running or streaming under a session key: such a version is never evicted. */
export function isBusy(key: string, sources: WorkSources): boolean {
  const { queued, inFlight, streams } = workOf(key, sources);
  return queued + inFlight + streams > 0;
}

/**
 * Live: the process answers. Ready: the first load of the repository has settled and the
 * server is not shutting down; a model that failed does not make the server unready, it is
 * reported in `models` with its reason.
 */
export function readHealth(sources: HealthSources): Health {
  const health: Health = {
    live: true,
    ready: sources.registry.started && !sources.draining(),
    models: sources.registry.list().map((model) => modelHealth(model, sources)),
  };
  if (sources.eventBus) health.eventBus = sources.eventBus();
  if (sources.replicas) health.replicas = sources.replicas();
  return health;
}

function modelHealth(model: Model, sources: WorkSources): ModelHealth {
  const ready = model.versions.some((version) => version.state === 'READY');
  const failed = model.versions.find((version) => version.stateReason);
  const work: Work = { queued: 0, inFlight: 0, streams: 0 };
  for (const { key } of model.versions) {
    const { queued, inFlight, streams } = workOf(key, sources);
    work.queued += queued;
    work.inFlight += inFlight;
    work.streams += streams;
  }
  return { name: model.name, ready, reason: ready ? null : (model.error ?? failed?.stateReason ?? 'no version is READY'), ...work };
}
