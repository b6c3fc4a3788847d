/** Messages between the raw baseline's main thread and its workers. */
export interface RawWorkerData {
  modelPath: string;
  intraOpNumThreads: number;
}

export interface RawRequest {
  id: number;
  input: string;
  shape: number[];
  data: Float32Array;
}

export type RawResponse = { id: number; ok: true; computeMs: number; bytes: number } | { id: number; ok: false; error: string };
