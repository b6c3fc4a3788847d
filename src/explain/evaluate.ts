/** Runs explain's perturbed copies through the version's own batcher: many rows a request, several requests at once. */
import { concatAlong } from '../batching/concat.ts';
import type { Predictor, ServableVersion } from '../batching/predictor.ts';
import { InferError, versionLabel } from '../errors.ts';
import type { Tensor } from '../runtime/tensor.ts';
import { type PerturbableDataType, perturbedBatch } from './perturb.ts';
import { rowScores } from './scores.ts';

/** A tensor of one row, and its batch dim (null for none). */
export interface RowTensor<T extends Tensor = Tensor> {
  name: string;
  tensor: T;
  axis: number | null;
}

export interface Evaluation {
  predictor: Predictor;
  version: ServableVersion;
  /** The explained input. */
  input: RowTensor<Tensor & { dataType: PerturbableDataType }>;
  /** The model's other inputs, sent along with every copy. */
  others: readonly RowTensor[];
  /** The output holding the class scores, and its batch dim. */
  output: { name: string; axis: number | null };
  features: readonly (readonly number[])[];
  /** What an occluded element becomes. */
  value: number;
  /** Rows in one request: the version's maxBatchSize, or 1 when the input has no batch dim. */
  rowsPerRequest: number;
  /** Requests in flight at once. */
  concurrency: number;
  signal?: AbortSignal | undefined;
  trace?: unknown;
}

/** How the copies ran: predict requests sent, and the rows of the ONNX runs they rode in, summed over requests. */
export interface EvaluationFigures {
  requests: number;
  runRows: number;
}

/**
 * Evaluates the copies (each the list of features it occludes) and hands each copy's class scores to `score`, which
 * keeps what it needs (one class's score), so that the scores of thousands of copies are never held at once. The
 * first failure abandons the requests still queued (through their signal) and is thrown; so does the client going away.
 */
export async function evaluateCopies(
  evaluation: Evaluation,
  copies: readonly (readonly number[])[],
  score: (copy: number, scores: Float64Array) => void,
): Promise<EvaluationFigures> {
  const { predictor, version, input, others, output, features, value, rowsPerRequest, concurrency, trace } = evaluation;
  const stop = new AbortController();
  const signal = evaluation.signal ? AbortSignal.any([evaluation.signal, stop.signal]) : stop.signal;
  const figures: EvaluationFigures = { requests: 0, runRows: 0 };
  const tiled = new Map<number, { name: string; shape: readonly number[]; tensor: Tensor }[]>();
  // Inputs other than the explained one are the same in every copy: repeated along their batch dim, once per size.
  const othersFor = (rows: number) => {
    let inputs = tiled.get(rows);
    if (!inputs) {
      inputs = others.map(({ name, tensor, axis }) => {
        const repeated = axis === null || rows === 1 ? tensor : concatAlong(new Array<Tensor>(rows).fill(tensor), axis);
        return { name, shape: repeated.shape, tensor: repeated };
      });
      tiled.set(rows, inputs);
    }
    return inputs;
  };

  let next = 0;
  async function worker(): Promise<void> {
    while (next < copies.length && !signal.aborted) {
      const start = next;
      next += rowsPerRequest;
      const chunk = copies.slice(start, start + rowsPerRequest);
      const batch = perturbedBatch(input.tensor, input.axis, features, chunk, value);
      const { outputs, timing } = await predictor.predict(version, {
        inputs: [{ name: input.name, shape: batch.shape, tensor: batch }, ...othersFor(chunk.length)],
        outputs: [output.name],
        signal,
        trace,
      });
      figures.requests++;
      figures.runRows += timing.batchSize;
      const tensor = outputs[output.name]!;
      for (let row = 0; row < chunk.length; row++) score(start + row, rowScores(tensor, output.axis, chunk.length, row));
    }
  }

  // The first failure is the one to report: the requests it abandons fail after it, as cancelled.
  let failure: { error: unknown } | null = null;
  const workers = Array.from({ length: Math.min(concurrency, Math.ceil(copies.length / rowsPerRequest)) }, () =>
    worker().catch((error: unknown) => {
      failure ??= { error };
      stop.abort();
    }),
  );
  await Promise.all(workers);
  if (failure) throw (failure as { error: unknown }).error;
  // The client went away between two requests: nothing failed, but the copies left were never run.
  if (evaluation.signal?.aborted)
    throw new InferError('DEADLINE_EXCEEDED', `${versionLabel(version)}: explain was cancelled by the client`);
  return figures;
}
