import type { BatchingDefaults } from '../config.ts';
import { InferError } from '../errors.ts';
import { scanRepository, type ModelEntry } from '../repository/scan-repository.ts';
import type { SequenceConfig } from '../repository/model-config.ts';
import { formatShape } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { WorkerPool } from '../runtime/worker-pool.ts';
import type { ModelEventListener } from './model-events.ts';
import { inferBatchAxes, versionKey, type Model, type ModelState, type ModelVersion } from './model-version.ts';

export interface ModelRegistryOptions {
  /** The model repository folder. */
  root: string;
  pool: WorkerPool;
  defaults: BatchingDefaults;
}

export interface ModelRegistry extends AsyncDisposable {
  /** Scans the repository and loads every version; resolves when every load has settled. */
  start(): Promise<void>;
  /** True once the first scan's loads have settled, until close. */
  readonly started: boolean;
  list(): Model[];
  get(name: string): Model | undefined;
  /** The version a request for `name` (and `version`, when given) is served by; throws when there is none READY. */
  resolve(name: string, version?: string | null): ModelVersion;
  /** The version served when a request names none: the highest READY one, else the highest. */
  defaultVersion(model: Model): ModelVersion | undefined;
  /** Listens to every state change; returns the function that stops listening. */
  onEvent(listener: ModelEventListener): () => void;
  close(): Promise<void>;
}

export function createModelRegistry({ root, pool, defaults }: ModelRegistryOptions): ModelRegistry {
  const models = new Map<string, Model>();
  const listeners = new Set<ModelEventListener>();
  let started = false;

  function transition(version: ModelVersion, state: ModelState, reason: string | null = null): void {
    version.state = state;
    version.stateReason = reason;
    const event = { model: version.model, version: version.version, state, reason, at: Date.now() };
    for (const listener of listeners) listener(event);
  }

  function register(entry: ModelEntry): Model {
    const model: Model = {
      name: entry.name,
      description: entry.config.description ?? null,
      task: entry.config.task ?? null,
      labels: entry.labels,
      error: entry.error,
      versions: entry.versions.map(({ version, path }) => ({
        model: entry.name,
        version,
        key: versionKey(entry.name, version),
        path,
        state: 'UNAVAILABLE',
        stateReason: null,
        signature: null,
        settings: {
          ...defaults,
          ...pickBatching(entry),
          batchAxes: null,
          sequence: entry.config.sequence ?? null,
          generation: entry.config.generation ?? {},
        },
        labels: entry.labels,
        tokenizerFiles: entry.tokenizer,
        loadMs: null,
      })),
    };
    models.set(model.name, model);
    return model;
  }

  async function load(entry: ModelEntry, version: ModelVersion): Promise<void> {
    const problem = entry.error ?? entry.versions.find((candidate) => candidate.version === version.version)?.error;
    if (problem) return transition(version, 'FAILED', problem);
    transition(version, 'LOADING');
    const started = performance.now();
    try {
      const { instances, intraOpNumThreads } = version.settings;
      const signature = await pool.load(version.key, version.path, { instances, intraOpNumThreads });
      version.signature = signature;
      version.settings.batchAxes = inferBatchAxes(signature, entry.config);
      if (version.settings.batchAxes === null) version.settings.maxBatchSize = 1;
      checkSequence(version.settings.sequence, signature);
      version.loadMs = performance.now() - started;
      transition(version, 'READY');
    } catch (error) {
      // A model that loaded but is misconfigured must not keep its sessions.
      await pool.unload(version.key);
      transition(version, 'FAILED', `${version.path} cannot be loaded: ${(error as Error).message}`);
    }
  }

  const registry: ModelRegistry = {
    get started() {
      return started;
    },

    async start() {
      const entries = await scanRepository(root);
      const loads = entries.flatMap((entry) => {
        const model = register(entry);
        return model.versions.map((version) => load(entry, version));
      });
      await Promise.all(loads);
      started = true;
    },

    list: () => [...models.values()],
    get: (name) => models.get(name),

    defaultVersion(model) {
      const newestFirst = [...model.versions].reverse();
      return newestFirst.find((version) => version.state === 'READY') ?? newestFirst[0];
    },

    resolve(name, requested) {
      const model = models.get(name);
      if (!model) {
        const known = [...models.keys()].join(', ') || 'none';
        throw new InferError('MODEL_NOT_FOUND', `model "${name}" is not in the repository (models: ${known})`, {
          details: { model: name },
        });
      }
      const version =
        requested === undefined || requested === null
          ? registry.defaultVersion(model)
          : model.versions.find((candidate) => String(candidate.version) === requested);
      if (!version) {
        const known = model.versions.map((candidate) => candidate.version).join(', ') || 'none';
        const what = requested == null ? 'no version' : `no version "${requested}"`;
        throw new InferError('MODEL_NOT_FOUND', `model "${name}" has ${what} (versions: ${known})`, {
          details: { model: name, version: requested ?? null },
        });
      }
      if (version.state !== 'READY') {
        const reason = version.stateReason ?? model.error;
        throw new InferError(
          'MODEL_NOT_READY',
          `model "${name}" v${version.version} is ${version.state}${reason ? `: ${reason}` : ''}`,
          { details: { model: name, version: String(version.version), state: version.state } },
        );
      }
      return version;
    },

    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async close() {
      started = false;
      const loaded = [...models.values()].flatMap((model) => model.versions).filter((version) => version.state === 'READY');
      await Promise.all(
        loaded.map(async (version) => {
          transition(version, 'UNLOADING');
          await pool.unload(version.key);
          transition(version, 'UNAVAILABLE', 'the server is shutting down');
        }),
      );
    },

    [Symbol.asyncDispose]() {
      return registry.close();
    },
  };
  return registry;
}

function pickBatching({ config }: ModelEntry): Partial<BatchingDefaults> {
  const { maxBatchSize, maxQueueDelayMs, maxQueueSize, instances, intraOpNumThreads } = config;
  return Object.fromEntries(
    Object.entries({ maxBatchSize, maxQueueDelayMs, maxQueueSize, instances, intraOpNumThreads }).filter(
      ([, value]) => value !== undefined,
    ),
  );
}

/** A sequence's state map must pair inputs and outputs of the model that agree in type and shape. */
function checkSequence(sequence: SequenceConfig | null, { inputs, outputs }: ModelSignature): void {
  if (!sequence) return;
  for (const [input, output] of Object.entries(sequence.state)) {
    const from = outputs.find((spec) => spec.name === output);
    const to = inputs.find((spec) => spec.name === input);
    if (!to) throw new Error(`model.json "sequence.state" names input "${input}", which the model does not have`);
    if (!from) throw new Error(`model.json "sequence.state" names output "${output}", which the model does not have`);
    if (from.dataType !== to.dataType || from.shape.length !== to.shape.length) {
      throw new Error(`model.json "sequence.state": output "${output}" (${from.dataType} ${formatShape(from.shape)}) cannot feed input "${input}" (${to.dataType} ${formatShape(to.shape)})`);
    }
  }
}
