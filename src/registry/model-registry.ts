/**
 * The registry: the state machine of version lifecycles (UNAVAILABLE, LOADING, READY, UNLOADING,
 * FAILED) and its events, wired to the parts it drives: the catalog (catalog.ts), routing
 * (routing.ts), the session loader, the eviction choice and the alias editor. A state machine,
 * so it runs past the usual file size.
 *
 * Versions load as the model's version policy says (latest 1 by default); the others are
 * listed UNAVAILABLE with their cause. Reload is without downtime: the new load is made next to
 * the serving one under a new session key, requests switch to it at once, and the old key is
 * drained (the `drain` hook waits for its queued and running work) before its sessions are
 * released. A reload that fails leaves the serving load untouched.
 */
import type { BatchingDefaults } from '../config.ts';
import { InferError } from '../errors.ts';
import { scanModel, scanRepository } from '../repository/scan-repository.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { WorkerPool } from '../runtime/worker-pool.ts';
import { type AliasTarget, aliasTargetOf, createAliasEditor } from './aliases.ts';
import { createCatalog } from './catalog.ts';
import { bytesInUse, chooseEvictions } from './eviction.ts';
import type { ModelEventListener } from './model-events.ts';
import { type Model, type ModelState, type ModelVersion, versionKey } from './model-version.ts';
import { pipelineProblem } from './pipeline-steps.ts';
import { viewOf } from './registry-view.ts';
import { defaultVersion, namedVersions, type RoutingOptions, requestedVersion, servingVersion } from './routing.ts';
import { createSessionLoader } from './session-loader.ts';
import { loadsOnRequest, type UnavailableCause, unavailableReason } from './unavailable-cause.ts';
import { policySelects } from './version-policy.ts';
import { settingsOf } from './version-settings.ts';

/** What a pipeline's version lists as its signature: it takes an image (encoded bytes); its results are typed, not tensors. */
const PIPELINE_SIGNATURE: ModelSignature = {
  inputs: [{ name: 'image', dataType: 'UINT8', shape: [-1], dimNames: ['bytes'] }],
  outputs: [],
};

export interface ModelRegistryOptions {
  /** The model repository folder. */
  root: string;
  /** The workers that hold every version's sessions. */
  pool: WorkerPool;
  /** The server's batching settings, under what each model.json says. */
  defaults: BatchingDefaults;
  /** Waits until nothing is queued or running under a session key (its batcher, its streams). @default resolves at once */
  drain?: (key: string) => Promise<void>;
  /** For weighted aliases. @default Math.random */
  random?: () => number;
  /** Whether a session key has work queued or running: such a version is never evicted. @default never busy */
  isBusy?: (key: string) => boolean;
  /** Versions load on their first request (acquire) instead of at start. @default false */
  lazy?: boolean;
  /** Estimated bytes loaded versions may take together, in bytes; 0 for no limit. @default 0 */
  memoryBudget?: number;
  /**
   * A version running on `maxCrashes` inference threads that died within `windowMs` ms is marked
   * FAILED instead of being reloaded again. @default { maxCrashes: 3, windowMs: 60000 }
   */
  crashLoop?: { maxCrashes: number; windowMs: number };
  /** The clock of the crash window, in ms. @default Date.now */
  now?: () => number;
  /**
   * Brings the repository folder up to date before a rescan reads it: a repository in object storage
   * downloads what changed into its cache. @default nothing to do
   */
  updateFolder?: () => Promise<void>;
}

export interface ModelRegistry extends AsyncDisposable {
  /** Scans the repository and loads what each policy selects; resolves when every load has settled. */
  start(): Promise<void>;
  /** True once the first scan's loads have settled, until close. */
  readonly started: boolean;
  list(): Model[];
  get(name: string): Model | undefined;
  /**
   * The version a request is served by: `version` is a version number or an alias; without it,
   * the alias `default` when there is one, else the highest READY version. Throws when none can serve.
   */
  resolve(name: string, version?: string | null): ModelVersion;
  /**
   * Like resolve, for a request about to be served: a version not loaded yet (lazy loading, or
   * evicted under the memory budget) is loaded first, and the request waits for it.
   */
  acquire(name: string, version?: string | null): Promise<ModelVersion>;
  /** Estimated bytes of the loaded versions. */
  memoryInUse(): number;
  /** The version shown as a model's default: its `default` alias's heaviest target, else the highest READY, else the highest. */
  defaultVersion(model: Model): ModelVersion | undefined;
  /** Loads a model's selected versions, or one version (whatever the policy). */
  load(name: string, version?: string | null): Promise<Model>;
  /** Unloads a model's versions, or one, after their work in flight. */
  unload(name: string, version?: string | null): Promise<Model>;
  /** Re-reads the model's folder and loads its versions again without downtime. */
  reload(name: string, version?: string | null): Promise<Model>;
  /** Points an alias at versions (with weights); the previous target is kept for rollback. */
  setAlias(name: string, alias: string, target: AliasTarget): Promise<Model>;
  /** Moves an alias back to where it pointed before its last change. */
  rollbackAlias(name: string, alias: string): Promise<Model>;
  /** Takes the aliases the model's model.json says now: what another replica's setAlias or rollbackAlias wrote there. */
  adoptAliases(name: string): Promise<Model>;
  /** Reads the repository again: new models and versions load, vanished ones unload. */
  rescan(): Promise<Model[]>;
  /** What a repository watcher calls: models it knows reload (new config, replaced files), the rest come by rescan. */
  refresh(names: ReadonlySet<string>): Promise<void>;
  /** Listens to every state change; returns the function that stops listening. */
  onEvent(listener: ModelEventListener): () => void;
  /** Whether this registry shows the model of that name at all (the whole registry shows every one; a view, some). */
  isVisible(name: string): boolean;
  /**
   * The registry as a caller who may see only the models `visible` accepts sees it: the others are
   * absent from lists and events, and naming one answers MODEL_NOT_FOUND exactly as a name that does not exist.
   */
  viewFor(visible: (name: string) => boolean): ModelRegistry;
  close(): Promise<void>;
}

export function createModelRegistry(options: ModelRegistryOptions): ModelRegistry {
  const {
    root,
    pool,
    defaults,
    drain = async () => {},
    random = Math.random,
    isBusy = () => false,
    lazy = false,
    memoryBudget = 0,
    crashLoop = { maxCrashes: 3, windowMs: 60_000 },
    now = Date.now,
    updateFolder = async () => {},
  } = options;
  const catalog = createCatalog({ defaults });
  const { modelOf } = catalog;
  const sessions = createSessionLoader({ pool, defaults, makeRoom });
  const aliases = createAliasEditor();
  const listeners = new Set<ModelEventListener>();
  /** Loads under way, so that concurrent first requests share one. */
  const loading = new Map<ModelVersion, Promise<void>>();
  const routing: RoutingOptions = { random, lazy };
  let started = false;
  let reloads = 0;

  function transition(version: ModelVersion, state: ModelState, reason: string | null = null, cause: UnavailableCause | null = null): void {
    version.state = state;
    version.stateReason = reason;
    version.unavailableCause = cause;
    const event = { model: version.model, version: version.version, state, reason, at: Date.now() };
    for (const listener of listeners) listener(event);
    if (!catalog.get(version.model)?.pipeline) followSteps(version.model);
  }

  /** A step's version changed state: each pipeline using it that serves, or waits for its steps, takes stock again. */
  function followSteps(step: string): void {
    for (const model of catalog.list()) {
      if (!model.pipeline?.steps.some((candidate) => candidate.model === step)) continue;
      for (const version of model.versions) {
        if (version.state === 'READY' || version.unavailableCause === 'steps') settlePipeline(model, version);
      }
    }
  }

  /** A pipeline's version is READY while its steps can serve, else UNAVAILABLE or FAILED naming the step; it has no sessions. */
  function settlePipeline(model: Model, version: ModelVersion, reason: string | null = null): void {
    const problem = model.error
      ? { state: 'FAILED' as const, reason: model.error }
      : pipelineProblem(model.pipeline!, catalog.get, routing);
    if (!problem) {
      if (version.state === 'READY' && reason === null) return;
      Object.assign(version, { signature: PIPELINE_SIGNATURE, settings: settingsOf(model.entry, defaults), loadMs: 0, memoryBytes: 0 });
      transition(version, 'READY', reason);
      return;
    }
    if (version.state === problem.state && version.stateReason === problem.reason) return;
    version.signature = null;
    transition(version, problem.state, problem.reason, problem.state === 'UNAVAILABLE' ? 'steps' : null);
  }

  /** When the threads running each version died lately, in ms: the evidence of a crash loop. */
  const crashes = new WeakMap<ModelVersion, number[]>();
  pool.onWorkerExit(({ worker, running, keys, notReloaded }) => {
    for (const version of catalog.loadedVersions()) {
      if (!keys.includes(version.key)) continue;
      const at = now();
      const recent = (crashes.get(version) ?? []).filter((time) => at - time < crashLoop.windowMs);
      // Only a version that was running when the thread died is a suspect; the others merely shared it.
      if (running.includes(version.key)) recent.push(at);
      crashes.set(version, recent);
      const stranded = notReloaded.includes(version.key) && !Number.isFinite(pool.leastInFlight(version.key));
      if (recent.length >= crashLoop.maxCrashes || stranded) {
        const reason = stranded
          ? `its inference thread (worker ${worker}) crashed and it could not be reloaded`
          : `its runs crashed ${recent.length} inference threads within ${crashLoop.windowMs} ms; not reloaded again until the model is reloaded`;
        transition(version, 'FAILED', reason);
        version.signature = null;
        void pool.unload(version.key);
      } else {
        transition(
          version,
          'READY',
          `its inference thread (worker ${worker}) crashed; ${notReloaded.includes(version.key) ? 'serving on the other workers' : 'reloaded on a replacement'}`,
        );
      }
    }
  });

  /**
   * Tells listeners that an alias now points at versions: one event per version, its state unchanged,
   * the move in its reason. An alias move is a change of what requests are served by, which a watcher
   * of modelEvents wants to see as much as a state change.
   */
  function announceAlias(model: Model, alias: string, target: AliasTarget): void {
    const total = target.reduce((sum, { weight }) => sum + weight, 0);
    for (const { version: number, weight } of target) {
      const version = model.versions.find((candidate) => candidate.version === number);
      if (!version) continue;
      const share = target.length > 1 ? ` (weight ${weight} of ${total})` : '';
      const event = {
        model: model.name,
        version: number,
        state: version.state,
        reason: `alias "${alias}" now points here${share}`,
        at: Date.now(),
      };
      for (const listener of listeners) listener(event);
    }
  }

  /** Makes a version UNAVAILABLE for `cause`, with the reason clients read derived from it. */
  function release(model: Model, version: ModelVersion, cause: UnavailableCause): void {
    transition(version, 'UNAVAILABLE', unavailableReason(cause, model.policy), cause);
  }

  /** Unloads the least recently used idle versions until `bytes` more fit in the budget (as far as idle ones allow). */
  async function makeRoom(bytes: number, incoming: ModelVersion): Promise<void> {
    // A pipeline holds no sessions: unloading it would free nothing.
    const loaded = catalog.loadedVersions().filter((version) => !modelOf(version.model).pipeline);
    const evicted = chooseEvictions({ loaded, incoming, incomingBytes: bytes, budgetBytes: memoryBudget, isBusy });
    // Their models are looked up now: a rescan during the unloads may take one out of the catalog.
    const victims = evicted.map((version) => ({ model: modelOf(version.model), version }));
    for (const { model, version } of victims) await unloadVersion(model, version, 'evicted');
  }

  async function loadVersion(model: Model, version: ModelVersion): Promise<void> {
    if (version.state === 'READY' || version.state === 'LOADING') return;
    if (model.pipeline) return settlePipeline(model, version);
    transition(version, 'LOADING');
    try {
      Object.assign(version, await sessions.load(model.entry, version, version.key));
      transition(version, 'READY');
    } catch (error) {
      const problem = (error as Error).message;
      transition(version, 'FAILED', problem.startsWith(model.directory) ? problem : `${version.path} cannot be loaded: ${problem}`);
    }
  }

  async function unloadVersion(model: Model, version: ModelVersion, cause: UnavailableCause): Promise<void> {
    if (version.state !== 'READY') {
      // One not loaded is marked as let go, unless that would tell listeners nothing new: it is
      // already UNAVAILABLE with this reason (the same cause and, for the policy, the same policy).
      const unchanged = version.state === 'UNAVAILABLE' && version.stateReason === unavailableReason(cause, model.policy);
      if (version.state !== 'UNLOADING' && !unchanged) release(model, version, cause);
      return;
    }
    transition(version, 'UNLOADING');
    await drain(version.key);
    await pool.unload(version.key);
    version.signature = null;
    release(model, version, cause);
  }

  async function reloadVersion(model: Model, version: ModelVersion): Promise<void> {
    if (version.state !== 'READY') return loadVersion(model, version);
    if (model.pipeline) return settlePipeline(model, version, 'reloaded');
    const key = `${versionKey(model.name, version.version)}#${++reloads}`;
    try {
      const loaded = await sessions.load(model.entry, version, key);
      const previous = version.key;
      Object.assign(version, loaded);
      transition(version, 'READY', 'reloaded');
      // Requests already queued or running under the old key finish there; then it goes.
      await drain(previous);
      await pool.unload(previous);
    } catch (error) {
      transition(version, 'READY', `reload failed, still serving the previous load: ${(error as Error).message}`);
    }
  }

  /**
   * Loads what the policy selects (or reloads it, with `reloading`), then unloads what it no
   * longer selects: in that order, so that a new version serves before the old one goes.
   */
  async function applyPolicy(model: Model, reloading = false): Promise<void> {
    const [kept, dropped] = partition(model.versions, policySelects(model));
    await Promise.all(kept.map((version) => (reloading ? reloadVersion(model, version) : loadVersion(model, version))));
    await Promise.all(dropped.map((version) => unloadVersion(model, version, 'policy')));
  }

  const registry: ModelRegistry = {
    get started() {
      return started;
    },

    async start() {
      const entries = await scanRepository(root);
      if (lazy) {
        for (const entry of entries) {
          const model = catalog.add(entry);
          const selected = policySelects(model);
          for (const version of model.versions) release(model, version, selected(version) ? 'lazy' : 'policy');
        }
      } else {
        // All in the catalog first: a pipeline looks its steps up there.
        const models = entries.map((entry) => catalog.add(entry));
        // One after another under a budget, so that each load sees what the others took.
        if (memoryBudget > 0) for (const model of models) await applyPolicy(model);
        else await Promise.all(models.map((model) => applyPolicy(model)));
      }
      started = true;
    },

    async acquire(name, requested) {
      let version: ModelVersion;
      try {
        version = registry.resolve(name, requested);
      } catch (error) {
        const waiting =
          error instanceof InferError && error.code === 'MODEL_NOT_READY' ? requestedVersion(modelOf(name), requested, routing) : undefined;
        const loadable = waiting && (loading.has(waiting) || loadsOnRequest(waiting.unavailableCause));
        if (!waiting || !loadable) throw error;
        let load = loading.get(waiting);
        if (!load) {
          load = loadVersion(modelOf(name), waiting).finally(() => loading.delete(waiting));
          loading.set(waiting, load);
        }
        await load;
        version = registry.resolve(name, String(waiting.version));
      }
      version.lastUsed = performance.now();
      return version;
    },

    memoryInUse: () => bytesInUse(catalog.loadedVersions()),

    list: catalog.list,
    get: catalog.get,

    defaultVersion,

    resolve: (name, requested) => servingVersion(modelOf(name), requested, routing),

    async load(name, requested) {
      const model = modelOf(name);
      if (requested === undefined || requested === null) await applyPolicy(model);
      else await Promise.all(namedVersions(model, requested).map((version) => loadVersion(model, version)));
      return model;
    },

    async unload(name, requested) {
      const model = modelOf(name);
      await Promise.all(namedVersions(model, requested).map((version) => unloadVersion(model, version, 'unloaded')));
      return modelOf(name);
    },

    async reload(name, requested) {
      const model = modelOf(name);
      catalog.update(model, await scanModel(model.name, model.directory));
      if (requested === undefined || requested === null) await applyPolicy(model, true);
      else await Promise.all(namedVersions(model, requested).map((version) => reloadVersion(model, version)));
      return model;
    },

    async setAlias(name, alias, target) {
      const model = modelOf(name);
      await aliases.set(model, alias, target);
      announceAlias(model, alias, target);
      return model;
    },

    async rollbackAlias(name, alias) {
      const model = modelOf(name);
      announceAlias(model, alias, await aliases.rollback(model, alias));
      return model;
    },

    async adoptAliases(name) {
      const model = modelOf(name);
      const { config } = await scanModel(model.name, model.directory);
      const onDisk = new Map(Object.entries(config.aliases ?? {}).map(([alias, target]) => [alias, aliasTargetOf(target)]));
      for (const [alias, target] of aliases.adopt(model, onDisk)) announceAlias(model, alias, target);
      return model;
    },

    async rescan() {
      await updateFolder();
      const entries = await scanRepository(root);
      const seen = new Set(entries.map((entry) => entry.name));
      // New models join the catalog before any policy applies: a pipeline looks its steps up there.
      const added = new Set(entries.filter((entry) => !catalog.get(entry.name)).map((entry) => catalog.add(entry)));
      await Promise.all(
        entries.map(async (entry) => {
          const model = modelOf(entry.name);
          if (!added.has(model)) {
            catalog.update(model, entry);
            const onDisk = new Set(entry.versions.map((version) => version.version));
            for (const version of model.versions.filter((candidate) => !onDisk.has(candidate.version))) {
              await unloadVersion(model, version, 'gone');
              model.versions.splice(model.versions.indexOf(version), 1);
            }
          }
          await applyPolicy(model);
        }),
      );
      for (const model of catalog.list().filter((candidate) => !seen.has(candidate.name))) {
        await Promise.all(model.versions.map((version) => unloadVersion(model, version, 'gone')));
        catalog.remove(model);
      }
      return catalog.list();
    },

    async refresh(names) {
      const known = [...names].filter((name) => catalog.get(name));
      if (known.length < names.size) await registry.rescan();
      await Promise.all(known.map((name) => registry.reload(name).catch(() => {})));
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    isVisible: () => true,
    viewFor: (visible) => viewOf(registry, visible),

    async close() {
      started = false;
      await Promise.all(
        catalog.loadedVersions().map(async (version) => {
          const model = modelOf(version.model);
          transition(version, 'UNLOADING');
          await pool.unload(version.key);
          release(model, version, 'shutdown');
        }),
      );
    },

    [Symbol.asyncDispose]() {
      return registry.close();
    },
  };
  return registry;
}

function partition<T>(items: readonly T[], test: (item: T) => boolean): [T[], T[]] {
  return [items.filter(test), items.filter((item) => !test(item))];
}
