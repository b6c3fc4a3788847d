/**
 * Dynamic batching for one loaded model version: a scheduler, so it runs a little past the
 * usual file size.
 *
 * One long-lived DataLoader (`cache: false`) collects requests. When a batch opens, it is
 * dispatched on the next turn of the event loop if a worker holding the model has room (it
 * runs fewer than `pipelineDepth` batches, by default: it is idle). Otherwise it
 * keeps filling and goes out as soon as one of the model's own runs finishes.
 * When the model's workers are busy with other models' work instead, the batch waits at most
 * `maxQueueDelayMs` and is then queued on a worker, so that no model starves another.
 *
 * Each batch is split into groups of equal shapes and into chunks of at most `maxBatchSize`
 * rows; a chunk is one ONNX run. When a run of several requests fails, each is retried alone,
 * so one bad request fails alone.
 */
import DataLoader from 'dataloader';
import { InferError, toInferError } from '../errors.ts';
import { type BatchAxes, batchAxisOf } from '../runtime/batch-axes.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { RunResult } from '../runtime/worker-protocol.ts';
import { concatAlong, splitAlong } from './concat.ts';
import { groupByShape } from './shape-groups.ts';

/** Where batches run: the worker pool, bound to one model version. */
export interface BatchRunner {
  run(feeds: Record<string, Tensor>, outputs: string[] | null): Promise<RunResult>;
  /** Runs sent and not yet answered on the least busy worker holding the model. */
  leastInFlight(): number;
  /** Calls `listener` whenever any run of the pool settles. */
  onRunSettled(listener: () => void): () => void;
}

export interface BatcherOptions {
  /** Names the model version in messages, e.g. `model "glyphs" v1`. */
  label: string;
  runner: BatchRunner;
  /** Largest run, in rows of the batch dim; 1 for a model without one. */
  maxBatchSize: number;
  /** Where each input's and output's batch dim is; dim 0 for a tensor not named. */
  batchAxes?: BatchAxes;
  /** How long a batch waits for workers busy with other models, in ms. */
  maxQueueDelayMs: number;
  /** Requests waiting to be dispatched, past which new ones are refused with OVERLOADED. */
  maxQueueSize: number;
  /**
   * Runs a worker may hold at once. With 2, the next batch waits in the worker's queue while
   * the current one runs, so the worker never idles through a round trip to a busy event
   * loop; measured on the example models it made batches smaller and cost more than it saved.
   * @default 1
   */
  pipelineDepth?: number;
  /** Told of every ONNX run once it returned, for the metrics' histograms and the trace spans. */
  onRun?: (run: RunReport) => void;
}

/**
 * One ONNX run: its rows, its compute time and how long each request in it waited, in ms; and, for
 * the spans made after the fact, its requests and when each step happened (`performance.now()` ms).
 */
export interface RunReport {
  batchSize: number;
  computeMs: number;
  queueMs: readonly number[];
  /** The requests that rode in the run, in the order of `queueMs`. */
  requests: readonly RunRequest[];
  /** When the batch left the queue. */
  dispatchedAt: number;
  /** When the run was sent to a worker, and when its answer came back. */
  startedAt: number;
  endedAt: number;
  /** When session.run started on the worker, on this thread's clock. */
  computeStartedAt: number;
}

/** A request as a run report shows it: what its caller attached, and when it was queued. */
export interface RunRequest {
  readonly trace?: unknown;
  readonly enqueuedAt: number;
}

export interface BatchRequest {
  inputs: Record<string, Tensor>;
  outputs: string[] | null;
  /** Rows along the batch dim (1 for a model without one). */
  rows: number;
  /**
   * Abandons the request: a queued one is dropped unrun, a running one is answered at once (its
   * run goes on for the others in it). A `TimeoutError` reason, as `AbortSignal.timeout` gives,
   * means its deadline passed; any other, that its client went away.
   */
  signal?: AbortSignal;
  /** The caller's own value (its trace span), opaque here: handed back with the run in `onRun`. */
  trace?: unknown;
}

export interface BatchResponse {
  outputs: Record<string, Tensor>;
  queueMs: number;
  computeMs: number;
  /** Rows in the run this request rode in. */
  batchSize: number;
}

export interface BatcherStats {
  requests: number;
  failures: number;
  /** Requests answered with outputs. */
  successes: number;
  runs: number;
  items: number;
  /** Requests waiting to be dispatched. */
  queued: number;
  /** Requests dispatched and not yet answered. */
  inFlight: number;
  /** Requests whose run returned: the ones `queueMsTotal` and `requestComputeMsTotal` sum over. */
  ran: number;
  queueMsTotal: number;
  /** Each run's compute time once, in ms. */
  computeMsTotal: number;
  /** Each request's run's compute time, in ms: a run of three requests counts three times. */
  requestComputeMsTotal: number;
  /** Time from submit to answer of the requests answered with outputs, and of those answered with an error, in ms. */
  successMsTotal: number;
  failureMsTotal: number;
  /** When the last request was submitted, in ms since the epoch; 0 before the first. */
  lastRequestAt: number;
  /** By batch size (rows in the run): how many runs had it, and their compute time in ms. */
  runsBySize: Record<number, { runs: number; computeMsTotal: number }>;
}

export function emptyStats(): BatcherStats {
  return {
    requests: 0,
    failures: 0,
    successes: 0,
    runs: 0,
    items: 0,
    queued: 0,
    inFlight: 0,
    ran: 0,
    queueMsTotal: 0,
    computeMsTotal: 0,
    requestComputeMsTotal: 0,
    successMsTotal: 0,
    failureMsTotal: 0,
    lastRequestAt: 0,
    runsBySize: {},
  };
}

export interface Batcher {
  submit(request: BatchRequest): Promise<BatchResponse>;
  stats(): BatcherStats;
  /** Resolves when nothing is queued or in flight. */
  drained(): Promise<void>;
  dispose(): void;
}

interface Pending extends BatchRequest {
  enqueuedAt: number;
  /** Set once the request was answered early (deadline, cancellation) and must not run. */
  abandoned: InferError | null;
  dispatched: boolean;
}

export function createBatcher({
  label,
  runner,
  maxBatchSize,
  maxQueueDelayMs,
  maxQueueSize,
  pipelineDepth = 1,
  batchAxes = {},
  onRun,
}: BatcherOptions): Batcher {
  const stats = emptyStats();
  let ownRuns = 0;
  const waiting: (() => void)[] = [];
  const drainWaiters: (() => void)[] = [];
  const notifyIfDrained = () => {
    if (stats.queued === 0 && stats.inFlight === 0) for (const resolve of drainWaiters.splice(0)) resolve();
  };

  function schedule(dispatch: () => void): void {
    let sent = false;
    const send = () => {
      if (sent) return;
      sent = true;
      clearTimeout(timer);
      const index = waiting.indexOf(send);
      if (index >= 0) waiting.splice(index, 1);
      dispatch();
    };
    waiting.push(send);
    // The delay only bounds waiting on other models' work: while the model's own runs are
    // in flight, one of them ending wakes the batch, and it keeps filling until then.
    const overdue = () => {
      if (ownRuns === 0) send();
      else timer = setTimeout(overdue, maxQueueDelayMs);
    };
    let timer = setTimeout(overdue, maxQueueDelayMs);
    setImmediate(wake);
  }

  function wake(): void {
    while (waiting.length > 0 && runner.leastInFlight() < pipelineDepth) waiting[0]!();
  }
  const stopListening = runner.onRunSettled(wake);

  const loader = new DataLoader<Pending, BatchResponse>(runBatch, {
    cache: false,
    // Every request has at least one row, so a batch never needs more requests than rows.
    maxBatchSize,
    batchScheduleFn: schedule,
  });

  /** The worker knows sessions, not models: a refusal of the inputs gets the model's name here. */
  function named(error: InferError): InferError {
    if (error.code !== 'INFERENCE_REJECTED') return error;
    return new InferError(error.code, `${label}: ${error.message}`, { cause: error, details: error.details });
  }

  async function runBatch(batch: readonly Pending[]): Promise<(BatchResponse | Error)[]> {
    const dispatchedAt = performance.now();
    const results = new Map<Pending, BatchResponse | Error>();
    const live = batch.filter((request) => {
      if (request.abandoned) results.set(request, request.abandoned);
      else request.dispatched = true;
      return !request.abandoned;
    });
    stats.queued -= live.length;
    stats.inFlight += live.length;
    const chunks = groupByShape(live, batchAxes).flatMap((group) => chunkByRows(group, maxBatchSize));
    await Promise.all(chunks.map((chunk) => runChunk(chunk, dispatchedAt, results)));
    stats.inFlight -= live.length;
    notifyIfDrained();
    return batch.map((request) => results.get(request)!);
  }

  async function runChunk(chunk: Pending[], dispatchedAt: number, results: Map<Pending, BatchResponse | Error>): Promise<void> {
    try {
      const answers = await runTogether(chunk, dispatchedAt);
      for (const [index, request] of chunk.entries()) results.set(request, answers[index]!);
    } catch (error) {
      if (chunk.length === 1) {
        results.set(chunk[0]!, named(toInferError(error)));
        return;
      }
      await Promise.all(chunk.map((request) => runChunk([request], dispatchedAt, results)));
    }
  }

  async function runTogether(chunk: Pending[], dispatchedAt: number): Promise<BatchResponse[]> {
    const first = chunk[0]!;
    const rows = chunk.map((request) => request.rows);
    const batchSize = rows.reduce((sum, count) => sum + count, 0);
    // Inputs without a batch dim are equal across the chunk (grouping saw to it): the first one serves all.
    const feeds =
      chunk.length === 1
        ? first.inputs
        : Object.fromEntries(
            Object.entries(first.inputs).map(([name, tensor]) => {
              const axis = batchAxisOf(batchAxes, name);
              return [
                name,
                axis === null
                  ? tensor
                  : concatAlong(
                      chunk.map((request) => request.inputs[name]!),
                      axis,
                    ),
              ];
            }),
          );
    ownRuns++;
    const startedAt = performance.now();
    let result: RunResult;
    try {
      result = await runner.run(feeds, first.outputs);
    } finally {
      ownRuns--;
    }
    const endedAt = performance.now();
    stats.runs++;
    stats.items += batchSize;
    stats.computeMsTotal += result.computeMs;
    stats.runsBySize[batchSize] ??= { runs: 0, computeMsTotal: 0 };
    const sized = stats.runsBySize[batchSize];
    sized.runs++;
    sized.computeMsTotal += result.computeMs;
    const split = Object.entries(result.outputs).map(([name, tensor]) => {
      if (chunk.length === 1) return [name, [tensor]] as const;
      const axis = batchAxisOf(batchAxes, name);
      if (axis === null) return [name, chunk.map(() => tensor)] as const;
      if (tensor.shape[axis] !== batchSize) {
        throw new InferError('INTERNAL', `output "${name}" of ${label} has ${tensor.shape[axis]} rows for a batch of ${batchSize}`);
      }
      return [name, splitAlong(tensor, rows, axis)] as const;
    });
    const answers = chunk.map((request, index) => {
      const queueMs = dispatchedAt - request.enqueuedAt;
      stats.ran++;
      stats.queueMsTotal += queueMs;
      stats.requestComputeMsTotal += result.computeMs;
      const outputs = Object.fromEntries(split.map(([name, pieces]) => [name, pieces[index]!]));
      return { outputs, queueMs, computeMs: result.computeMs, batchSize };
    });
    onRun?.({
      batchSize,
      computeMs: result.computeMs,
      queueMs: answers.map((answer) => answer.queueMs),
      requests: chunk,
      dispatchedAt,
      startedAt,
      endedAt,
      computeStartedAt: result.computeStartedAt - performance.timeOrigin,
    });
    return answers;
  }

  return {
    async submit(request) {
      if (stats.queued >= maxQueueSize) {
        throw new InferError('OVERLOADED', `${label} has ${stats.queued} requests queued (maxQueueSize ${maxQueueSize}); retry later`);
      }
      stats.requests++;
      stats.queued++;
      stats.lastRequestAt = Date.now();
      const pending: Pending = { ...request, enqueuedAt: performance.now(), abandoned: null, dispatched: false };
      try {
        const answer = await abandonable(pending, loader.load(pending));
        stats.successes++;
        stats.successMsTotal += performance.now() - pending.enqueuedAt;
        return answer;
      } catch (error) {
        stats.failures++;
        stats.failureMsTotal += performance.now() - pending.enqueuedAt;
        throw error;
      }
    },
    stats: () => ({
      ...stats,
      runsBySize: Object.fromEntries(Object.entries(stats.runsBySize).map(([size, figures]) => [size, { ...figures }])),
    }),
    drained() {
      if (stats.queued === 0 && stats.inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => drainWaiters.push(resolve));
    },
    dispose() {
      stopListening();
    },
  };

  /** The answer, or the reason the request was abandoned if its signal aborts first. */
  function abandonable(pending: Pending, answer: Promise<BatchResponse>): Promise<BatchResponse> {
    const { signal } = pending;
    if (!signal) return answer;
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
        const where = pending.dispatched ? 'while it ran' : 'while it was queued';
        const error = new InferError(
          'DEADLINE_EXCEEDED',
          timedOut ? `${label}: the request's deadline passed ${where}` : `${label}: the request was cancelled by the client`,
        );
        // A queued request leaves the queue now, so it holds no place under maxQueueSize.
        if (!pending.dispatched) stats.queued--;
        pending.abandoned = error;
        notifyIfDrained();
        reject(error);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      answer.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }
}

function chunkByRows<T extends { rows: number }>(group: T[], maxRows: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let rows = 0;
  for (const request of group) {
    if (current.length > 0 && rows + request.rows > maxRows) {
      chunks.push(current);
      current = [];
      rows = 0;
    }
    current.push(request);
    rows += request.rows;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
