/** The messages between the worker pool and its inference threads. */
import type { SerializedError } from '../errors.ts';
import type { DecodeResult, PrefillRow } from './decoder-streams.ts';
import type { Tensor } from './tensor.ts';
import type { ModelSignature } from './tensor-spec.ts';

/** Session options a model version loads with; each is explicit, never onnxruntime's default. */
/** What each inference thread is started with. */
export interface WorkerData {
  /** How much nicer than the event loop the thread runs (thread-priority.ts). */
  nice: number;
}

export interface SessionOptions {
  intraOpNumThreads: number;
}

export type WorkerRequest =
  | { id: number; type: 'load'; key: string; path: string; options: SessionOptions }
  | { id: number; type: 'run'; key: string; feeds: Record<string, Tensor>; outputs: string[] | null }
  | { id: number; type: 'unload'; key: string }
  /** Generation (decoder-streams.ts): the streams' caches stay on the thread; only token ids cross. */
  | { id: number; type: 'prefill'; key: string; streams: PrefillRow[]; padId: number }
  | { id: number; type: 'decode'; key: string; streams: number[] }
  | { id: number; type: 'free'; key: string; streams: number[] };

export interface RunResult {
  outputs: Record<string, Tensor>;
  /** Time inside session.run on the worker, in milliseconds. */
  computeMs: number;
  /**
   * When session.run started, in ms since the epoch (the worker's `performance.timeOrigin + performance.now()`):
   * each thread has its own `performance.now()` origin, and this is the clock they share, for the compute span.
   */
  computeStartedAt: number;
}

export interface WorkerResults {
  load: ModelSignature;
  run: RunResult;
  unload: null;
  prefill: DecodeResult;
  decode: DecodeResult;
  free: null;
}

export type WorkerResponse =
  | { id: number; ok: true; result: WorkerResults[keyof WorkerResults] }
  | { id: number; ok: false; error: SerializedError };
