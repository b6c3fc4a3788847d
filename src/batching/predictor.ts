/** predict and predictFrames: one batcher (and sequence store) per loaded version, with deadlines and timings. */
import { randomUUID } from 'node:crypto';
import { InferError, versionLabel } from '../errors.ts';
import type { SequenceConfig } from '../repository/model-config.ts';
import type { BatchAxes } from '../runtime/batch-axes.ts';
import { formatShape, type Tensor } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { WorkerPool } from '../runtime/worker-pool.ts';
import { type Batcher, type BatcherStats, type BatchResponse, createBatcher, type RunReport } from './batcher.ts';
import {
  checkInputCount,
  checkOutputs,
  decodeInputs,
  decodeTensorInput,
  type ServedVersion,
  type TensorInput,
  type TensorLimits,
} from './decode-inputs.ts';
import { cutFrames } from './frames.ts';
import { decodeImages, type ImageLimits, type ImagePreprocessing, type ImageScale } from './image-inputs.ts';
import { createSequenceStore, type SequenceStep, type SequenceStore } from './sequence-store.ts';

/** A loaded model version as the predictor needs to know it (the registry's versions are such). */
export interface ServableVersion {
  key: string;
  model: string;
  version: number;
  signature: ModelSignature | null;
  settings: {
    batchAxes: BatchAxes | null;
    maxBatchSize: number;
    maxQueueDelayMs: number;
    maxQueueSize: number;
    sequence: SequenceConfig | null;
    /** How an image becomes its input tensor (model.json `preprocessing`); null when the version takes no images. */
    preprocessing?: ImagePreprocessing | null;
    /** Set for a pipeline, which runs its steps' models rather than a model of its own. */
    pipeline?: unknown;
  };
}

export interface PredictRequest {
  inputs: readonly TensorInput[];
  /** Outputs to compute; all of them when absent. */
  outputs?: readonly string[] | null | undefined;
  /** Deadline from now, counting time in the queue; past it the request is dropped unrun. */
  timeoutMs?: number | null | undefined;
  /** Aborts when the client goes away: a queued request is then dropped. */
  signal?: AbortSignal | undefined;
  /** For a stateful model: the sequence this call belongs to; its state is fed in and kept. */
  sequence?: SequenceStep | null | undefined;
  /** The caller's trace span, opaque here: handed back in `onRun` with the run the request rode in. */
  trace?: unknown;
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
  /** When an image was sent: how many of its pixels one pixel of its tensor spans (boxes found in the tensor scale by it). */
  imageScale?: ImageScale | null;
}

export interface FramesRequest {
  /** The whole buffer (the framed input) and any other inputs, sent with every frame. */
  inputs: readonly TensorInput[];
  frame: { input: string; size: number; axis?: number | null | undefined };
  outputs?: readonly string[] | null | undefined;
  /** Aborts the frame in flight and ends the stream (the client went away). */
  signal?: AbortSignal | undefined;
  /** As PredictRequest's: each frame's run reports it. */
  trace?: unknown;
  /** Ends the stream at the next frame: the frame in flight is still answered (the server shuts down). */
  stop?: AbortSignal | undefined;
}

export interface FrameResponse extends PredictResponse {
  index: number;
  /** Frames the buffer was cut into. */
  count: number;
}

export interface PredictorOptions {
  pool: WorkerPool;
  /** What a client's tensors may be at most: bytes and elements of each, how many; pixels of an image. */
  limits: TensorLimits & Pick<ImageLimits, 'maxImagePixels'>;
  /** Told of every ONNX run of a version, for the metrics' histograms. */
  onRun?: (version: { model: string; version: number }, run: RunReport) => void;
}

export interface PredictorStats extends BatcherStats {
  /** Sequences whose state is held. */
  sequences: number;
}

export interface Predictor {
  predict(version: ServableVersion, request: PredictRequest): Promise<PredictResponse>;
  /**
   * Runs a stateful model over a whole buffer as one sequence, frame by frame, yielding each
   * frame's outputs as soon as they are computed. Frames of concurrent streams share runs.
   */
  predictFrames(version: ServableVersion, request: FramesRequest): AsyncGenerator<FrameResponse>;
  /** Live figures of one version, or null before its first request. */
  stats(key: string): PredictorStats | null;
  /** Waits until nothing is queued or running anywhere. */
  drain(): Promise<void>;
  /** Waits for a session key's queued and running requests, then forgets its batcher (after a reload or unload). */
  release(key: string): Promise<void>;
  dispose(): void;
}

const SEQUENCE_IDLE_TIMEOUT_MS = 60_000;
const MAX_SEQUENCES = 1024;

export function createPredictor({ pool, limits, onRun }: PredictorOptions): Predictor {
  const imageLimits: ImageLimits = { maxTensorBytes: limits.maxTensorBytes, maxImagePixels: limits.maxImagePixels };
  const batchers = new Map<string, Batcher>();
  const sequenceStores = new Map<string, SequenceStore>();

  function batcherOf(version: ServableVersion, label: string): Batcher {
    let batcher = batchers.get(version.key);
    if (!batcher) {
      const { key } = version;
      const { maxBatchSize, maxQueueDelayMs, maxQueueSize, batchAxes } = version.settings;
      const labels = { model: version.model, version: version.version };
      batcher = createBatcher({
        label,
        maxBatchSize,
        maxQueueDelayMs,
        maxQueueSize,
        ...(batchAxes ? { batchAxes } : {}),
        ...(onRun ? { onRun: (run: RunReport) => onRun(labels, run) } : {}),
        runner: {
          run: (feeds, outputs) => pool.run(key, feeds, outputs ?? undefined),
          leastInFlight: () => pool.leastInFlight(key),
          onRunSettled: (listener) => pool.onRunSettled(listener),
        },
      });
      batchers.set(key, batcher);
    }
    return batcher;
  }

  function sequencesOf(version: ServableVersion, signature: ModelSignature, label: string, config: SequenceConfig): SequenceStore {
    // By model and version, not session key: a reload keeps the sequences running.
    const id = storeIdOf(version.key);
    let store = sequenceStores.get(id);
    if (!store) {
      store = createSequenceStore({
        label,
        stateInputs: signature.inputs.filter((spec) => spec.name in config.state),
        batchAxes: version.settings.batchAxes ?? {},
        idleTimeoutMs: config.idleTimeoutMs ?? SEQUENCE_IDLE_TIMEOUT_MS,
        maxSequences: config.maxSequences ?? MAX_SEQUENCES,
      });
      sequenceStores.set(id, store);
    }
    return store;
  }

  return {
    async predict(version, { inputs: sent, outputs, timeoutMs, signal, sequence, trace }) {
      const started = performance.now();
      const label = versionLabel(version);
      const { signature } = version;
      if (!signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
      if (version.settings.pipeline) {
        throw new InferError('INVALID_ARGUMENT', `${label} is a pipeline: send its image to runPipeline`, {
          details: { model: version.model },
        });
      }
      if (timeoutMs !== undefined && timeoutMs !== null && timeoutMs <= 0) {
        throw new InferError('DEADLINE_EXCEEDED', `${label}: timeoutMs must be positive, got ${timeoutMs}`);
      }
      const served: ServedVersion = { label, signature, ...version.settings };
      const deadline = timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined;
      const abandon = signal && deadline ? AbortSignal.any([signal, deadline]) : (signal ?? deadline);
      const requested = checkOutputs(served, outputs);
      const { inputs, imageScale } = await decodeImages(
        { label, signature, preprocessing: version.settings.preprocessing ?? null },
        sent,
        imageLimits,
      );
      const submit = (decodedInputs: Record<string, Tensor>, rows: number, fetch: string[] | null): Promise<BatchResponse> =>
        batcherOf(version, label).submit({
          inputs: decodedInputs,
          rows,
          outputs: fetch,
          ...(abandon ? { signal: abandon } : {}),
          trace,
        });
      const answer = ({ outputs: tensors, queueMs, computeMs, batchSize }: BatchResponse): PredictResponse => ({
        outputs: tensors,
        timing: { queueMs, computeMs, batchSize, totalMs: performance.now() - started },
        imageScale,
      });

      const config = version.settings.sequence;
      if (!sequence) {
        if (config) {
          const state = Object.keys(config.state).join('", "');
          throw new InferError(
            'INVALID_ARGUMENT',
            `${label} keeps state ("${state}") from call to call: send each call with a sequence { id, start, end }`,
          );
        }
        const decoded = decodeInputs(served, inputs, limits);
        // Every output named is all of them: such a request runs, and so batches, with those that name none.
        const fetch = requested?.length === signature.outputs.length ? null : requested;
        return answer(await submit(decoded.inputs, decoded.rows, fetch));
      }
      if (!config)
        throw new InferError(
          'INVALID_ARGUMENT',
          `${label} keeps no state between calls (its model.json has no "sequence"); leave sequence out`,
        );
      const carried = new Set(Object.keys(config.state));
      const decoded = decodeInputs(served, inputs, limits, carried);
      if (decoded.rows !== 1) throw new InferError('INVALID_TENSOR', `${label}: a sequence call takes one row, got ${decoded.rows}`);
      const stateOutputs = Object.values(config.state);
      // The state outputs are always fetched, to be kept; the client sees them only when it asks.
      const fetch = requested ? [...new Set([...requested, ...stateOutputs])] : null;
      return sequencesOf(version, signature, label, config).step(sequence, async (state) => {
        const response = await submit({ ...decoded.inputs, ...state }, 1, fetch);
        const next = Object.fromEntries(Object.entries(config.state).map(([input, output]) => [input, response.outputs[output]!]));
        const shown = Object.fromEntries(
          Object.entries(response.outputs).filter(([name]) => (requested ? requested.includes(name) : !stateOutputs.includes(name))),
        );
        return { result: answer({ ...response, outputs: shown }), state: next };
      });
    },

    async *predictFrames(version, { inputs, frame, outputs, signal, stop, trace }) {
      const label = versionLabel(version);
      const { signature, settings } = version;
      if (!signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
      if (!settings.sequence) throw new InferError('INVALID_ARGUMENT', `${label} keeps no state between calls, so it cannot stream frames`);
      checkInputCount(label, inputs, limits);
      const framed = inputs.find((input) => input.name === frame.input);
      if (!framed) throw new InferError('INVALID_TENSOR', `${label}: frame.input "${frame.input}" is not among the inputs given`);
      const whole = decodeTensorInput({ label, signature, ...settings }, framed, limits);
      const axis = frame.axis ?? whole.shape.length - 1;
      if (!Number.isInteger(axis) || axis < 0 || axis >= whole.shape.length) {
        throw new InferError(
          'INVALID_ARGUMENT',
          `${label}: frame.axis ${axis} is not a dim of input "${frame.input}" ${formatShape(whole.shape)}`,
        );
      }
      if (!(frame.size >= 1)) throw new InferError('INVALID_ARGUMENT', `${label}: frame.size must be 1 or more, got ${frame.size}`);
      const frames = cutFrames(whole, axis, frame.size);
      const others = inputs.filter((input) => input !== framed);
      const id = `frames-${randomUUID()}`;
      let ended = false;
      try {
        for (const [index, tensor] of frames.entries()) {
          if (index > 0 && stop?.aborted) return;
          const last = index === frames.length - 1;
          const response = await this.predict(version, {
            inputs: [{ name: frame.input, shape: tensor.shape, tensor }, ...others],
            outputs,
            signal,
            sequence: { id, start: index === 0, end: last },
            trace,
          });
          ended = last;
          yield { ...response, index, count: frames.length };
        }
      } finally {
        if (!ended) sequenceStores.get(storeIdOf(version.key))?.drop(id);
      }
    },

    stats(key) {
      const batcher = batchers.get(key);
      return batcher ? { ...batcher.stats(), sequences: sequenceStores.get(storeIdOf(key))?.size ?? 0 } : null;
    },

    async release(key) {
      const batcher = batchers.get(key);
      if (!batcher) return;
      await batcher.drained();
      batcher.dispose();
      batchers.delete(key);
    },

    async drain() {
      await Promise.all([...batchers.values()].map((batcher) => batcher.drained()));
    },

    dispose() {
      for (const batcher of batchers.values()) batcher.dispose();
      for (const store of sequenceStores.values()) store.dispose();
    },
  };
}

/** A session key without its reload generation (`name@version#n` → `name@version`): sequences outlive reloads. */
function storeIdOf(key: string): string {
  return key.split('#')[0]!;
}
