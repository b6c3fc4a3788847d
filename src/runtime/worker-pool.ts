/** The shared pool of inference threads: which worker holds which session, runs spread to the least loaded. */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { deserializeError, InferError } from '../errors.ts';
import type { DecodeResult, PrefillRow } from './decoder-streams.ts';
import { siblingModule, startSourceThread } from './source-thread.ts';
import { type Tensor, withOwnBuffer } from './tensor.ts';
import type { ModelSignature } from './tensor-spec.ts';
import type { RunResult, SessionOptions, WorkerData, WorkerRequest, WorkerResponse, WorkerResults } from './worker-protocol.ts';

export interface WorkerPoolOptions {
  /**
   * Inference threads shared by every model of the server.
   * @default os.availableParallelism()
   */
  size?: number;
  /** How much nicer the inference threads run than the event loop (see thread-priority.ts). @default 0 */
  nice?: number;
}

export interface LoadOptions extends SessionOptions {
  /** On how many workers the version holds a session (capped at the pool size). */
  instances: number;
}

export interface WorkerStats {
  sessions: number;
  inFlight: number;
  /** How many times this worker's thread died and was replaced since the pool started. */
  restarts: number;
}

/** What the pool tells its listeners once a dead thread has been replaced and its sessions reloaded. */
export interface WorkerExit {
  /** The worker's index, as in `stats()`. */
  worker: number;
  /** The thread's exit code (1 after `terminateWorker`). */
  exitCode: number;
  /** Requests it held, failed with MODEL_NOT_READY. */
  failedRequests: number;
  /** The session keys it was running when it died: the suspects, when a model's run kills its thread. */
  running: string[];
  /** The session keys it held, reloaded on the replacement. */
  keys: string[];
  /** The keys whose reload on the replacement failed: they serve only where other workers hold them. */
  notReloaded: string[];
}

/**
 * One worker that a decoder's generation streams are pinned to: their KV caches live on that thread
 * (decoder-streams.ts), so every step of theirs runs there. Once the thread has died, every call
 * fails with MODEL_NOT_READY: the caches died with it, and the replacement thread holds none.
 */
export interface PinnedDecoder {
  /** The worker's index, as in `stats()`. */
  readonly worker: number;
  prefill(streams: PrefillRow[], padId: number): Promise<DecodeResult>;
  decode(streams: number[]): Promise<DecodeResult>;
  /** Frees the streams' caches, after the steps sent before it. */
  free(streams: number[]): void;
}

export interface WorkerPool extends AsyncDisposable {
  readonly size: number;
  /** Loads `path` as `key` on the `instances` least-loaded workers; resolves with its inputs and outputs. */
  load(key: string, path: string, options: LoadOptions): Promise<ModelSignature>;
  unload(key: string): Promise<void>;
  /** Runs on the least busy worker holding `key`. Feed buffers are transferred, not copied. */
  run(key: string, feeds: Record<string, Tensor>, outputs?: string[]): Promise<RunResult>;
  /** The least busy worker holding `key`, for generation streams to keep their caches on (waits for a reload in progress). */
  pinDecoder(key: string): Promise<PinnedDecoder>;
  /** Runs sent and not yet answered on the least busy worker holding `key` (Infinity when none holds it). */
  leastInFlight(key: string): number;
  /** Calls `listener` after every run, when some worker may have become idle. */
  onRunSettled(listener: () => void): () => void;
  /** Calls `listener` each time a thread died and its replacement has reloaded (or failed to reload) its sessions. */
  onWorkerExit(listener: (exit: WorkerExit) => void): () => void;
  /**
   * Ends worker `index`'s thread the way a crash would: what it held fails at once (MODEL_NOT_READY),
   * it takes no new work, and once onnxruntime has returned it ends; a replacement starts and reloads
   * its sessions. An operator's and a test's tool; resolves once the old thread is gone.
   */
  terminateWorker(index: number): Promise<void>;
  stats(): WorkerStats[];
  /** Refuses new runs, waits for onnxruntime to return the runs in flight, then ends every thread; a second call waits for the first. */
  close(): Promise<void>;
}

/** Requests that run a session: they count as in flight, and the pool closes only once they are answered. */
const RUNS = new Set<WorkerRequest['type']>(['run', 'prefill', 'decode']);

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
  isRun: boolean;
  key: string;
}

interface Slot {
  worker: Worker;
  sessions: Map<string, { path: string; options: SessionOptions }>;
  pending: Map<number, Pending>;
  inFlight: number;
  /** Sessions a replacement thread is still loading: runs wait for them (the thread answers messages concurrently). */
  reloading: Map<string, Promise<void>>;
  restarts: number;
  /** Set by terminateWorker: the thread takes no new work and ends once onnxruntime has returned what it holds. */
  retiring: boolean;
  /** While retiring: resolves once the replacement thread is started and reloading its sessions. */
  replaced: Promise<void>;
  /** Fails what the thread holds at once, then ends it (see terminateWorker). */
  retire(): Promise<void>;
}

export function createWorkerPool({ size = availableParallelism(), nice = 0 }: WorkerPoolOptions = {}): WorkerPool {
  let nextId = 1;
  let closed = false;
  /** The one close, which a second caller waits for too. */
  let closing: Promise<void> | null = null;
  const listeners = new Set<() => void>();
  const exitListeners = new Set<(exit: WorkerExit) => void>();
  const slots: Slot[] = Array.from({ length: size }, () => ({
    worker: spawn(nice),
    sessions: new Map(),
    pending: new Map(),
    inFlight: 0,
    reloading: new Map(),
    restarts: 0,
    retiring: false,
    replaced: Promise.resolve(),
    retire: async () => {},
  }));
  slots.forEach(watch);

  function watch(slot: Slot): void {
    const { worker } = slot;
    /** Requests failed by retire whose answers the thread still owes: it ends once they came. */
    const owed = new Set<number>();
    let paid = () => {};
    const running = new Set<string>();
    const fail = (error: Error) => {
      const failed = slot.pending.size;
      for (const pending of slot.pending.values()) if (pending.isRun) running.add(pending.key);
      for (const pending of slot.pending.values()) pending.reject(error);
      slot.pending.clear();
      slot.inFlight = 0;
      // The runs are settled for their callers: whoever waits for an idle worker may go on.
      for (const listener of listeners) listener();
      return failed;
    };
    worker.on('message', (response: WorkerResponse) => {
      if (owed.delete(response.id) && owed.size === 0) paid();
      const pending = slot.pending.get(response.id);
      if (!pending) return;
      slot.pending.delete(response.id);
      if (pending.isRun) slot.inFlight--;
      if (response.ok) pending.resolve(response.result);
      else pending.reject(deserializeError(response.error));
      if (pending.isRun) for (const listener of listeners) listener();
    });
    // MODEL_NOT_READY, not INTERNAL: the request was sound and the version is being reloaded on a
    // new thread (or serves elsewhere), so a retry (here or on another replica) is the right answer.
    const crashed = () =>
      new InferError('MODEL_NOT_READY', 'the inference thread running this request crashed; it is being replaced, retry');
    let failedRequests = 0;
    let replaced = () => {};
    slot.retire = async () => {
      if (slot.retiring) return slot.replaced;
      slot.retiring = true;
      slot.replaced = new Promise<void>((resolve) => (replaced = resolve));
      for (const id of slot.pending.keys()) owed.add(id);
      failedRequests += fail(crashed());
      // Ending a thread in the middle of an onnxruntime call aborts the whole process (its completion
      // throws into a torn-down environment: "terminate called after throwing Napi::Error"), so the
      // thread ends once onnxruntime has returned; the clients were answered above, and these answers are dropped.
      if (owed.size > 0) await new Promise<void>((resolve) => (paid = resolve));
      await worker.terminate();
      await slot.replaced;
    };
    worker.on('error', () => {
      if (!closed) failedRequests += fail(crashed());
    });
    worker.on('exit', (exitCode) => {
      if (closed) return;
      failedRequests += fail(crashed());
      // A crashed thread is replaced and given back the sessions it held.
      slot.restarts++;
      slot.retiring = false;
      slot.worker = spawn(nice);
      watch(slot);
      const keys = [...slot.sessions.keys()];
      const notReloaded: string[] = [];
      const reloads = [...slot.sessions].map(([key, { path, options }]) => {
        const reload = send<'load'>(slot, { type: 'load', key, path, options }).then(
          () => {},
          () => {
            notReloaded.push(key);
            slot.sessions.delete(key);
          },
        );
        slot.reloading.set(key, reload);
        return reload.finally(() => slot.reloading.delete(key));
      });
      replaced();
      const index = slots.indexOf(slot);
      void Promise.all(reloads).then(() => {
        for (const listener of exitListeners)
          listener({ worker: index, exitCode, failedRequests, running: [...running], keys, notReloaded });
      });
    });
  }

  function send<T extends WorkerRequest['type']>(
    slot: Slot,
    request: Omit<Extract<WorkerRequest, { type: T }>, 'id'>,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerResults[T]> {
    if (closed) return Promise.reject(new InferError('MODEL_NOT_READY', 'the server is shutting down'));
    const id = nextId++;
    const isRun = RUNS.has(request.type);
    if (isRun) slot.inFlight++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, isRun, key: request.key });
      slot.worker.postMessage({ ...request, id }, transfer);
    });
  }

  function holders(key: string): Slot[] {
    return slots.filter((slot) => slot.sessions.has(key) && !slot.reloading.has(key) && !slot.retiring);
  }

  /** The least busy holder of `key` that is ready now, else the reloads to wait for (none when no worker holds it). */
  function holderOf(key: string): Slot | Promise<void>[] {
    const ready = holders(key);
    if (ready.length > 0) return ready.reduce((best, candidate) => (candidate.inFlight < best.inFlight ? candidate : best));
    return slots.flatMap((slot) => slot.reloading.get(key) ?? (slot.retiring && slot.sessions.has(key) ? [slot.replaced] : []));
  }

  function runOn(slot: Slot, key: string, feeds: Record<string, Tensor>, outputs: string[] | undefined): Promise<RunResult> {
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
      const holder = holderOf(key);
      if (!Array.isArray(holder)) return runOn(holder, key, feeds, outputs);
      if (holder.length === 0) return Promise.reject(new InferError('MODEL_NOT_READY', `model version ${key} is not loaded`));
      // Its only holders are threads being replaced: the run waits for the first reload.
      return Promise.race(holder).then(() => this.run(key, feeds, outputs));
    },

    async pinDecoder(key) {
      let holder = holderOf(key);
      while (Array.isArray(holder)) {
        if (holder.length === 0) throw new InferError('MODEL_NOT_READY', `model version ${key} is not loaded`);
        await Promise.race(holder);
        holder = holderOf(key);
      }
      const slot = holder;
      const incarnation = slot.restarts;
      const lost = () =>
        slot.restarts !== incarnation || slot.retiring
          ? new InferError('MODEL_NOT_READY', 'the inference thread holding this generation’s cache crashed and was replaced; retry')
          : null;
      const sendPinned = <T extends 'prefill' | 'decode'>(request: Omit<Extract<WorkerRequest, { type: T }>, 'id'>) => {
        const error = lost();
        return error ? Promise.reject(error) : send<T>(slot, request);
      };
      return {
        worker: slots.indexOf(slot),
        prefill: (streams, padId) => sendPinned<'prefill'>({ type: 'prefill', key, streams, padId }),
        decode: (streams) => sendPinned<'decode'>({ type: 'decode', key, streams }),
        free: (streams) => {
          if (!lost()) send<'free'>(slot, { type: 'free', key, streams }).catch(() => {});
        },
      };
    },

    onWorkerExit(listener) {
      exitListeners.add(listener);
      return () => exitListeners.delete(listener);
    },

    async terminateWorker(index) {
      const slot = slots[index];
      if (!slot) throw new InferError('INVALID_ARGUMENT', `there is no worker ${index}; the pool has ${size} (0 to ${size - 1})`);
      await slot.retire();
    },

    leastInFlight(key) {
      return Math.min(...holders(key).map((slot) => slot.inFlight));
    },

    onRunSettled(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    stats() {
      return slots.map((slot) => ({ sessions: slot.sessions.size, inFlight: slot.inFlight, restarts: slot.restarts }));
    },

    close() {
      closing ??= (async () => {
        // New runs are refused from here on; the threads end once onnxruntime has returned the runs it
        // holds, since ending one inside an onnxruntime call aborts the whole process (see retire).
        closed = true;
        await new Promise<void>((resolve) => {
          const check = () => {
            if (slots.some((slot) => slot.inFlight > 0)) return;
            listeners.delete(check);
            resolve();
          };
          listeners.add(check);
          check();
        });
        await Promise.all(slots.map((slot) => slot.worker.terminate()));
        for (const slot of slots) {
          for (const pending of slot.pending.values()) pending.reject(new InferError('MODEL_NOT_READY', 'the server is shutting down'));
        }
      })();
      return closing;
    },

    [Symbol.asyncDispose]() {
      return this.close();
    },
  };
}

/** Starts an inference thread (worker.ts), `nice` steps nicer than the event loop. */
function spawn(nice: number): Worker {
  const workerData: WorkerData = { nice };
  return startSourceThread(siblingModule('worker', import.meta.url), { workerData });
}
