/** The shared pool of inference threads: which worker holds which session, runs spread to the least loaded. */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { deserializeError, InferError } from '../errors.ts';
import { type Tensor, withOwnBuffer } from './tensor.ts';
import type { ModelSignature } from './tensor-spec.ts';
import type { RunResult, SessionOptions, WorkerRequest, WorkerResponse, WorkerResults } from './worker-protocol.ts';

export interface WorkerPoolOptions {
  /**
   * Inference threads shared by every model of the server.
   * @default os.availableParallelism()
   */
  size?: number;
}

export interface LoadOptions extends SessionOptions {
  /** On how many workers the version holds a session (capped at the pool size). */
  instances: number;
}

export interface WorkerStats {
  sessions: number;
  inFlight: number;
}

export interface WorkerPool extends AsyncDisposable {
  readonly size: number;
  /** Loads `path` as `key` on the `instances` least-loaded workers; resolves with its inputs and outputs. */
  load(key: string, path: string, options: LoadOptions): Promise<ModelSignature>;
  unload(key: string): Promise<void>;
  /** Runs on the least busy worker holding `key`. Feed buffers are transferred, not copied. */
  run(key: string, feeds: Record<string, Tensor>, outputs?: string[]): Promise<RunResult>;
  /** Runs sent and not yet answered on the least busy worker holding `key` (Infinity when none holds it). */
  leastInFlight(key: string): number;
  /** Calls `listener` after every run, when some worker may have become idle. */
  onRunSettled(listener: () => void): () => void;
  stats(): WorkerStats[];
  close(): Promise<void>;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  isRun: boolean;
}

interface Slot {
  worker: Worker;
  sessions: Map<string, { path: string; options: SessionOptions }>;
  pending: Map<number, Pending>;
  inFlight: number;
}

export function createWorkerPool({ size = availableParallelism() }: WorkerPoolOptions = {}): WorkerPool {
  let nextId = 1;
  let closed = false;
  const listeners = new Set<() => void>();
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: spawn(),
    sessions: new Map(),
    pending: new Map(),
    inFlight: 0,
  }));
  slots.forEach(watch);

  function watch(slot: Slot): void {
    const fail = (error: Error) => {
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
      slot.inFlight = 0;
    };
    slot.worker.on('message', (response: WorkerResponse) => {
      const pending = slot.pending.get(response.id);
      if (!pending) return;
      slot.pending.delete(response.id);
      if (pending.isRun) slot.inFlight--;
      if (response.ok) pending.resolve(response.result);
      else pending.reject(deserializeError(response.error));
      if (pending.isRun) for (const listener of listeners) listener();
    });
    slot.worker.on('error', (error) => fail(new InferError('INTERNAL', 'an inference worker failed', { cause: error })));
    slot.worker.on('exit', () => {
      if (closed) return;
      fail(new InferError('INTERNAL', 'an inference worker exited'));
      // A crashed thread is replaced and given back the sessions it held.
      slot.worker = spawn();
      watch(slot);
      for (const [key, { path, options }] of slot.sessions) void send<'load'>(slot, { type: 'load', key, path, options }).catch(() => {});
    });
  }

  function send<T extends WorkerRequest['type']>(
    slot: Slot,
    request: Omit<Extract<WorkerRequest, { type: T }>, 'id'>,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerResults[T]> {
    if (closed) return Promise.reject(new InferError('MODEL_NOT_READY', 'the server is shutting down'));
    const id = nextId++;
    const isRun = request.type === 'run';
    if (isRun) slot.inFlight++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, isRun });
      slot.worker.postMessage({ ...request, id }, transfer);
    });
  }

  function holders(key: string): Slot[] {
    return slots.filter((slot) => slot.sessions.has(key));
  }

  return {
    size,

    async load(key, path, { instances, ...options }) {
      const chosen = [...slots]
        .sort((a, b) => a.sessions.size - b.sessions.size || a.inFlight - b.inFlight)
        .slice(0, Math.max(1, Math.min(instances, size)));
      // Reserve the slots first so that concurrent loads spread over the pool.
      for (const slot of chosen) slot.sessions.set(key, { path, options });
      try {
        const signatures = await Promise.all(chosen.map((slot) => send<'load'>(slot, { type: 'load', key, path, options })));
        return signatures[0]!;
      } catch (error) {
        await this.unload(key);
        throw error;
      }
    },

    async unload(key) {
      const held = holders(key);
      for (const slot of held) slot.sessions.delete(key);
      await Promise.all(held.map((slot) => send<'unload'>(slot, { type: 'unload', key }).catch(() => null)));
    },

    run(key, feeds, outputs) {
      const held = holders(key);
      if (held.length === 0) return Promise.reject(new InferError('MODEL_NOT_READY', `model version ${key} is not loaded`));
      const slot = held.reduce((best, candidate) => (candidate.inFlight < best.inFlight ? candidate : best));
      const transfer: ArrayBuffer[] = [];
      const sent: Record<string, Tensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) {
        const { data } = tensor;
        if (Array.isArray(data)) {
          sent[name] = tensor;
          continue;
        }
        const owning = withOwnBuffer(data);
        transfer.push(owning.buffer as ArrayBuffer);
        sent[name] = { ...tensor, data: owning as typeof data };
      }
      return send<'run'>(slot, { type: 'run', key, feeds: sent, outputs: outputs ?? null }, transfer);
    },

    leastInFlight(key) {
      return Math.min(...holders(key).map((slot) => slot.inFlight));
    },

    onRunSettled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stats() {
      return slots.map((slot) => ({ sessions: slot.sessions.size, inFlight: slot.inFlight }));
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
      for (const slot of slots) {
        for (const pending of slot.pending.values()) pending.reject(new InferError('MODEL_NOT_READY', 'the server is shutting down'));
      }
    },

    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

/** Starts a worker thread; from TypeScript sources (tests, `npm start`) it first registers tsx in that thread. */
function spawn(): Worker {
  const entry = new URL(import.meta.url.endsWith('.ts') ? './worker.ts' : './worker.js', import.meta.url);
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(bootstrap, { eval: true });
}
