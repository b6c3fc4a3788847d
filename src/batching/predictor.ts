import { InferError } from '../errors.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { WorkerPool } from '../runtime/worker-pool.ts';
import { createBatcher, type Batcher, type BatcherStats } from './batcher.ts';
import { checkOutputs, decodeInputs, type ServedVersion, type TensorInput } from './decode-inputs.ts';

/** A loaded model version as the predictor needs to know it (the registry's versions are such). */
export interface ServableVersion {
  key: string;
  model: string;
  version: number;
  signature: ModelSignature | null;
  settings: { batchDim: 0 | null; maxBatchSize: number; maxQueueDelayMs: number; maxQueueSize: number };
}

export interface PredictRequest {
  inputs: readonly TensorInput[];
  /** Outputs to compute; all of them when absent. */
  outputs?: readonly string[] | null | undefined;
  /** Deadline from now, counting time in the queue; past it the request is dropped unrun. */
  timeoutMs?: number | null | undefined;
  /** Aborts when the client goes away: a queued request is then dropped. */
  signal?: AbortSignal | undefined;
}

export interface PredictTiming {
  queueMs: number;
  computeMs: number;
  totalMs: number;
  /** Rows in the ONNX run this request rode in. */
  batchSize: number;
}

export interface PredictResponse {
  outputs: Record<string, Tensor>;
  timing: PredictTiming;
}

export interface PredictorOptions {
  pool: WorkerPool;
  /** Largest tensor a client may send, in bytes. */
  maxTensorBytes: number;
}

export interface Predictor {
  predict(version: ServableVersion, request: PredictRequest): Promise<PredictResponse>;
  /** Live figures of one version, or null before its first request. */
  stats(key: string): BatcherStats | null;
  /** Waits until nothing is queued or running anywhere. */
  drain(): Promise<void>;
}

export function createPredictor({ pool, maxTensorBytes }: PredictorOptions): Predictor {
  const batchers = new Map<string, Batcher>();

  function batcherOf(version: ServableVersion, label: string): Batcher {
    let batcher = batchers.get(version.key);
    if (!batcher) {
      const { key } = version;
      const { maxBatchSize, maxQueueDelayMs, maxQueueSize } = version.settings;
      batcher = createBatcher({
        label,
        maxBatchSize,
        maxQueueDelayMs,
        maxQueueSize,
        runner: {
          run: (feeds, outputs) => pool.run(key, feeds, outputs ?? undefined),
          isIdle: () => pool.isIdle(key),
          onRunSettled: (listener) => pool.onRunSettled(listener),
        },
      });
      batchers.set(key, batcher);
    }
    return batcher;
  }

  return {
    async predict(version, { inputs, outputs, timeoutMs, signal }) {
      const started = performance.now();
      const label = `model "${version.model}" v${version.version}`;
      if (!version.signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
      if (timeoutMs !== undefined && timeoutMs !== null && timeoutMs <= 0) {
        throw new InferError('DEADLINE_EXCEEDED', `${label}: timeoutMs must be positive, got ${timeoutMs}`);
      }
      const served: ServedVersion = { label, signature: version.signature, ...version.settings };
      const decoded = decodeInputs(served, inputs, maxTensorBytes);
      const response = await batcherOf(version, label).submit({
        ...decoded,
        outputs: checkOutputs(served, outputs),
        deadline: timeoutMs ? started + timeoutMs : null,
        ...(signal ? { signal } : {}),
      });
      const { outputs: tensors, queueMs, computeMs, batchSize } = response;
      return { outputs: tensors, timing: { queueMs, computeMs, batchSize, totalMs: performance.now() - started } };
    },

    stats: (key) => batchers.get(key)?.stats() ?? null,

    async drain() {
      await Promise.all([...batchers.values()].map((batcher) => batcher.drained()));
    },
  };
}
