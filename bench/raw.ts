/**
 * The baseline: onnxruntime-node in this process, without the server. Sessions live on
 * worker_threads (as many as the server has, one intra-op thread each) and every request is
 * one message to the least busy worker and one answer back, timed here on the main thread.
 */
import type { Worker } from 'node:worker_threads';
import type { RawRequest, RawResponse, RawWorkerData } from './raw-protocol.ts';
import { spawnTsWorker } from './ts-worker.ts';

export interface RawPoolOptions {
  modelPath: string;
  /** @default 2 */
  workers?: number;
  /** @default 1 */
  intraOpNumThreads?: number;
}

export interface RawRun {
  computeMs: number;
}

export interface RawPool extends AsyncDisposable {
  /** The model's inputs, as onnxruntime reads them. */
  inputNames: readonly string[];
  /** Runs one batch; `data` is copied to the worker, as a server's decoded input would be. */
  run(input: string, shape: number[], data: Float32Array): Promise<RawRun>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve(run: RawRun): void; reject(error: Error): void }>;
}

export async function createRawPool({ modelPath, workers = 2, intraOpNumThreads = 1 }: RawPoolOptions): Promise<RawPool> {
  let nextId = 1;
  const data: RawWorkerData = { modelPath, intraOpNumThreads };
  let inputNames: readonly string[] = [];
  const slots: Slot[] = await Promise.all(
    Array.from({ length: workers }, async () => {
      const worker = spawnTsWorker(new URL('./raw-worker.ts', import.meta.url), data);
      inputNames = await new Promise<readonly string[]>((resolve, reject) => {
        worker.once('message', (ready: { inputNames: readonly string[] }) => resolve(ready.inputNames));
        worker.once('error', reject);
      });
      const slot: Slot = { worker, pending: new Map() };
      worker.on('message', (response: RawResponse) => {
        const pending = slot.pending.get(response.id);
        if (!pending) return;
        slot.pending.delete(response.id);
        if (response.ok) pending.resolve({ computeMs: response.computeMs });
        else pending.reject(new Error(response.error));
      });
      return slot;
    }),
  );

  return {
    inputNames,
    run(input, shape, tensor) {
      const slot = slots.reduce((best, candidate) => (candidate.pending.size < best.pending.size ? candidate : best));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, input, shape, data: tensor } satisfies RawRequest);
      });
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(slots.map((slot) => slot.worker.terminate()));
    },
  };
}
