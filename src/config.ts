import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Batching settings every model gets unless its model.json says otherwise. */
export interface BatchingDefaults {
  /** Largest batch in items (rows of the batch dim). */
  maxBatchSize: number;
  /** How long a batch may wait to fill while the model's workers are busy, in ms. */
  maxQueueDelayMs: number;
  /** Requests queued per model version past which new ones get OVERLOADED. */
  maxQueueSize: number;
  /** Workers holding a session of each model; capped at the pool size. */
  instances: number;
  /** onnxruntime intra-op threads per session. */
  intraOpNumThreads: number;
}

export interface Config {
  /** @default 4000 */
  port: number;
  /** @default '0.0.0.0' */
  host: string;
  /** The model repository folder. @default './models' */
  modelRepository: string;
  /** Inference worker threads shared by all models. @default one per core */
  workers: number;
  batching: BatchingDefaults;
  /** Largest tensor a client may send, in bytes, in any wire form. @default 64 MiB */
  maxTensorBytes: number;
  /** Whether GraphiQL is served at /graphql to browsers. @default true */
  graphiql: boolean;
  /** Whether changes in the model repository are picked up by themselves (else only rescanRepository does). @default false */
  watch: boolean;
  /** Whether versions load on their first request instead of at start. @default false */
  lazyLoad: boolean;
  /** Bytes the loaded versions may take together (estimated: model file size × instances); past it the least recently used idle ones are unloaded. 0: no limit. @default 0 */
  memoryBudget: number;
  /** Quiet time after a change before it is picked up, in ms. @default 1000 */
  watchDebounceMs: number;
  /** Text generation limits every decoder model gets unless its model.json says otherwise. */
  generation: {
    /** Streams per model version at once; past it, OVERLOADED. @default 64 */
    maxStreams: number;
    /** The largest maxTokens a request may ask for. @default 1024 */
    maxTokens: number;
    /** Events buffered per stream for a client that reads slowly; past it the stream pauses. @default 64 */
    maxBufferedEvents: number;
  };
}

const int = z.coerce.number().int();

const schema = z.object({
  port: int.min(0).max(65_535).default(4000),
  host: z.string().min(1).default('0.0.0.0'),
  modelRepository: z.string().min(1).default('./models'),
  workers: int.min(1).max(256).default(availableParallelism()),
  maxBatchSize: int.min(1).max(65_536).default(32),
  maxQueueDelayMs: z.coerce.number().min(0).max(10_000).default(2),
  maxQueueSize: int.min(1).default(1024),
  instances: int.min(1).max(256).default(availableParallelism()),
  intraOpNumThreads: int.min(1).max(64).default(1),
  maxTensorBytes: int.min(1).default(64 * 1024 * 1024),
  graphiql: z.stringbool().default(true),
  watch: z.stringbool().default(false),
  lazyLoad: z.stringbool().default(false),
  memoryBudget: int.min(0).default(0),
  watchDebounceMs: int.min(0).default(1000),
  maxStreams: int.min(1).default(64),
  maxTokens: int.min(1).default(1024),
  maxBufferedEvents: int.min(1).default(64),
});

/** Each setting, its flag (kebab-case of the key) and its environment variable. */
const ENVIRONMENT: Record<keyof z.input<typeof schema>, string> = {
  port: 'PORT',
  host: 'HOST',
  modelRepository: 'MODEL_REPOSITORY',
  workers: 'WORKERS',
  maxBatchSize: 'MAX_BATCH_SIZE',
  maxQueueDelayMs: 'MAX_QUEUE_DELAY_MS',
  maxQueueSize: 'MAX_QUEUE_SIZE',
  instances: 'INSTANCES',
  intraOpNumThreads: 'INTRA_OP_NUM_THREADS',
  maxTensorBytes: 'MAX_TENSOR_BYTES',
  graphiql: 'GRAPHIQL',
  watch: 'WATCH',
  lazyLoad: 'LAZY_LOAD',
  memoryBudget: 'MEMORY_BUDGET',
  watchDebounceMs: 'WATCH_DEBOUNCE_MS',
  maxStreams: 'MAX_STREAMS',
  maxTokens: 'MAX_TOKENS',
  maxBufferedEvents: 'MAX_BUFFERED_EVENTS',
};

const FLAG_ALIASES: Record<string, keyof typeof ENVIRONMENT> = { models: 'modelRepository' };

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

export const USAGE = `Usage: infergraph [options]

  --models, --model-repository DIR   model repository (MODEL_REPOSITORY, default ./models)
  --port N                           port for HTTP and WebSocket (PORT, default 4000)
  --host ADDR                        address to listen on (HOST, default 0.0.0.0)
  --workers N                        inference threads (WORKERS, default one per core)
  --max-batch-size N                 items per batch (MAX_BATCH_SIZE, default 32)
  --max-queue-delay-ms MS            batch fill wait while busy (MAX_QUEUE_DELAY_MS, default 2)
  --max-queue-size N                 queued requests per model (MAX_QUEUE_SIZE, default 1024)
  --instances N                      workers per model (INSTANCES, default one per core)
  --intra-op-num-threads N           threads per session (INTRA_OP_NUM_THREADS, default 1)
  --max-tensor-bytes N               largest input tensor (MAX_TENSOR_BYTES, default 64 MiB)
  --graphiql true|false              serve GraphiQL (GRAPHIQL, default true)
  --watch true|false                 pick up repository changes (WATCH, default false)
  --watch-debounce-ms MS             quiet time before a change loads (WATCH_DEBOUNCE_MS, default 1000)
  --lazy-load true|false             load versions on first request (LAZY_LOAD, default false)
  --memory-budget BYTES              evict idle versions past it, LRU (MEMORY_BUDGET, default 0: none)
  --max-streams N                    generation streams per model (MAX_STREAMS, default 64)
  --max-tokens N                     largest maxTokens of a request (MAX_TOKENS, default 1024)
  --max-buffered-events N            events held for a slow reader (MAX_BUFFERED_EVENTS, default 64)
`;

/**
 * The only reader of flags and environment: flags win over variables, both are checked once
 * here, and a bad value stops the server with a message naming the setting.
 */
export function loadConfig(argv: readonly string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config {
  const options = Object.fromEntries(
    [...Object.keys(ENVIRONMENT), ...Object.keys(FLAG_ALIASES)].map((key) => [kebab(key), { type: 'string' as const }]),
  );
  const { values } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  const raw: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(ENVIRONMENT)) {
    const value = values[kebab(key)] ?? env[variable];
    if (value !== undefined) raw[key] = value;
  }
  for (const [flag, key] of Object.entries(FLAG_ALIASES)) {
    const value = values[kebab(flag)];
    if (value !== undefined) raw[key] = value;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`invalid configuration: ${z.prettifyError(parsed.error)}`);
  const {
    port,
    host,
    modelRepository,
    workers,
    maxTensorBytes,
    graphiql,
    watch,
    watchDebounceMs,
    lazyLoad,
    memoryBudget,
    maxStreams,
    maxTokens,
    maxBufferedEvents,
    ...batching
  } = parsed.data;
  return {
    port,
    host,
    modelRepository: resolve(modelRepository),
    workers,
    maxTensorBytes,
    graphiql,
    watch,
    watchDebounceMs,
    lazyLoad,
    memoryBudget,
    batching,
    generation: { maxStreams, maxTokens, maxBufferedEvents },
  };
}

/** A complete config for tests and embedding: the defaults, with `overrides` on top. */
export function defineConfig(
  overrides: Partial<Omit<Config, 'batching' | 'generation'>> & {
    batching?: Partial<BatchingDefaults>;
    generation?: Partial<Config['generation']>;
  } = {},
): Config {
  const base = loadConfig([], {});
  return {
    ...base,
    ...overrides,
    batching: { ...base.batching, ...overrides.batching },
    generation: { ...base.generation, ...overrides.generation },
  };
}
