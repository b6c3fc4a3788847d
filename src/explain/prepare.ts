/** Everything an explain is checked for before any runs, and the plan of its evaluations. */
import { decodeInputs } from '../batching/decode-inputs.ts';
import type { ServableVersion } from '../batching/predictor.ts';
import { InferError, versionLabel } from '../errors.ts';
import { batchAxisOf } from '../runtime/batch-axes.ts';
import { formatShape, type Tensor } from '../runtime/tensor.ts';
import { DEFAULT_PATCH_SIZE, EXPLAIN_METHODS, type ExplainMethod, evaluationsOf } from './estimate.ts';
import type { Evaluation, RowTensor } from './evaluate.ts';
import type { ExplainerOptions, ExplainRequest } from './explainer.ts';
import { featuresOf } from './features.ts';
import { KERNEL_SHAP_MAX_FEATURES, kernelShapSamples } from './kernel-shap.ts';
import { baselineValueOf, isPerturbable, PERTURBABLE, type PerturbableDataType } from './perturb.ts';
import { scoresOutput } from './scores.ts';

export interface PreparedExplain {
  method: ExplainMethod;
  evaluation: Evaluation;
  /** The output whose scores are explained. */
  output: string;
  /** Rows the explain will run, within the limit. */
  evaluations: number;
  /** KERNEL_SHAP's coalitions (0 for occlusion). */
  samples: number;
}

/**
 * Checks an explain against the version (its method, patch size and samples; the output that holds the scores;
 * the input explained, one row of numbers; its evaluations within the limit) and plans its evaluations.
 * Every refusal names the model, the tensor, what was expected and what came.
 */
export function prepareExplain(
  version: ServableVersion,
  request: ExplainRequest,
  { predictor, limits, maxEvaluations, concurrency }: Required<ExplainerOptions>,
): PreparedExplain {
  const label = versionLabel(version);
  const { signature, settings } = version;
  if (!signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
  const method = request.method ?? 'OCCLUSION';
  const patchSize = request.patchSize ?? DEFAULT_PATCH_SIZE;
  if (!EXPLAIN_METHODS.includes(method)) throw new InferError('INVALID_ARGUMENT', `explain has no method ${method}`);
  if (!Number.isInteger(patchSize) || patchSize < 1) {
    throw new InferError('INVALID_ARGUMENT', `explain of ${label}: patchSize must be a whole number from 1, got ${patchSize}`);
  }
  const { samples, seed } = request;
  if (method !== 'KERNEL_SHAP' && ((samples ?? null) !== null || (seed ?? null) !== null)) {
    throw new InferError('INVALID_ARGUMENT', `explain of ${label}: samples and seed are for method KERNEL_SHAP, not ${method}`);
  }
  if (samples !== null && samples !== undefined && !(Number.isInteger(samples) && samples >= 1)) {
    throw new InferError('INVALID_ARGUMENT', `explain of ${label}: samples must be a whole number from 1, got ${samples}`);
  }
  const { batchAxes } = settings;
  const axisOf = (name: string) => (batchAxes === null ? null : batchAxisOf(batchAxes, name));
  const output = scoresOutput(label, signature, request.output, axisOf);
  const inputName = request.input ?? signature.inputs[0]?.name;
  if (inputName === undefined || !signature.inputs.some((spec) => spec.name === inputName)) {
    const known = signature.inputs.map((spec) => `"${spec.name}"`).join(', ') || 'none';
    throw new InferError('INVALID_ARGUMENT', `${label} has no input "${inputName}" to explain (inputs: ${known})`, {
      details: { tensor: inputName ?? null },
    });
  }
  const served = { label, signature, batchAxes, maxBatchSize: settings.maxBatchSize };
  const decoded = decodeInputs(served, request.inputs, limits);
  if (decoded.rows !== 1) {
    throw new InferError('INVALID_TENSOR', `explain of ${label} takes one row of input, got ${decoded.rows}`, {
      details: { tensor: inputName },
    });
  }
  const tensor = decoded.inputs[inputName]!;
  if (!isPerturbable(tensor.dataType)) {
    throw new InferError(
      'INVALID_ARGUMENT',
      `input "${inputName}" of ${label} is ${tensor.dataType}: explain perturbs numbers, of ${PERTURBABLE.join(', ')}`,
      { details: { tensor: inputName } },
    );
  }
  const axis = axisOf(inputName);
  const rowShape = tensor.shape.filter((_, index) => index !== axis);
  const features = featuresOf(rowShape, patchSize);
  if (method === 'KERNEL_SHAP' && features.length > KERNEL_SHAP_MAX_FEATURES) {
    throw new InferError(
      'QUERY_TOO_COMPLEX',
      `explain of input "${inputName}" ${formatShape(tensor.shape)} of ${label}: KERNEL_SHAP attributes at most ` +
        `${KERNEL_SHAP_MAX_FEATURES} features, and patchSize ${patchSize} makes ${features.length}: give a larger patchSize`,
    );
  }
  const evaluations = evaluationsOf(method, features.length, samples);
  if (evaluations > maxEvaluations) {
    throw new InferError(
      'QUERY_TOO_COMPLEX',
      `explain of input "${inputName}" ${formatShape(tensor.shape)} of ${label} would run ${evaluations} evaluations, over the ` +
        `limit of ${maxEvaluations}: give a larger patchSize${method === 'KERNEL_SHAP' ? ' or fewer samples' : ''}`,
    );
  }
  const row = tensor as Tensor & { dataType: PerturbableDataType };
  const rowElements = tensor.data.length;
  const evaluation: Evaluation = {
    predictor,
    version,
    input: { name: inputName, tensor: row, axis },
    others: Object.entries(decoded.inputs)
      .filter(([name]) => name !== inputName)
      .map(([name, other]): RowTensor => ({ name, tensor: other, axis: axisOf(name) })),
    output: { name: output, axis: axisOf(output) },
    features,
    value: baselineValueOf(row.data as ArrayLike<number>, request.baseline ?? { kind: 'ZERO' }, row.dataType),
    // A request may hold no more rows than a client's tensor may hold elements.
    rowsPerRequest:
      axis === null ? 1 : Math.max(1, Math.min(settings.maxBatchSize, Math.floor(limits.maxTensorElements / Math.max(rowElements, 1)))),
    concurrency,
    signal: request.signal,
    trace: request.trace,
  };
  return { method, evaluation, output, evaluations, samples: method === 'KERNEL_SHAP' ? kernelShapSamples(features.length, samples) : 0 };
}
