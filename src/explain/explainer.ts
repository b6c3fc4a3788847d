/**
 * Explain: which parts of an input made a classifier choose a class, found by running perturbed copies of the input
 * through the version's own batcher. It knows the predictor, not GraphQL; the copies ride in batches like any
 * request, so an explanation of a few hundred copies costs a few runs.
 */
import { decodeInputs, type TensorInput, type TensorLimits } from '../batching/decode-inputs.ts';
import type { Predictor, ServableVersion } from '../batching/predictor.ts';
import { InferError, versionLabel } from '../errors.ts';
import { batchAxisOf } from '../runtime/batch-axes.ts';
import { formatShape, type Tensor } from '../runtime/tensor.ts';
import { DEFAULT_PATCH_SIZE, occlusionEvaluations } from './estimate.ts';
import type { Evaluation, RowTensor } from './evaluate.ts';
import { featuresOf } from './features.ts';
import { occlusionAttributions } from './occlusion.ts';
import { type Baseline, baselineValueOf, isPerturbable, PERTURBABLE, type PerturbableDataType } from './perturb.ts';
import { scoresOutput } from './scores.ts';

export const EXPLAIN_METHODS = ['OCCLUSION'] as const;

export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

export interface ExplainRequest {
  inputs: readonly TensorInput[];
  /** The input whose elements are attributed; the model's first when absent. */
  input?: string | null | undefined;
  /** The output holding the class scores; the model's first when absent. */
  output?: string | null | undefined;
  /** The class explained; the input's top class when absent. */
  target?: number | null | undefined;
  method?: ExplainMethod | null | undefined;
  /** The side of a square patch of an image-shaped input, or the length of a run of a flat one. @default 1 */
  patchSize?: number | null | undefined;
  /** What an occluded element becomes. @default zero */
  baseline?: Baseline | null | undefined;
  /** Aborts when the client goes away: the copies not yet run are dropped. */
  signal?: AbortSignal | undefined;
  /** The caller's trace span, handed to every request of the copies. */
  trace?: unknown;
}

export interface ExplainTiming {
  totalMs: number;
  /** Predict requests the copies were sent in. */
  requests: number;
  /** Mean rows of the ONNX runs those requests rode in. */
  meanBatchSize: number;
}

export interface Explanation {
  method: ExplainMethod;
  /** The explained input and the output whose scores were read. */
  input: string;
  output: string;
  target: number;
  /** The target's score on the unperturbed input. */
  score: number;
  /** FP32, shaped like the explained input: each element the drop of the target's score when its feature is occluded. */
  attributions: Tensor;
  /** The elements or patches occluded one at a time. */
  features: number;
  /** Rows run: the input itself and one perturbed copy per feature. */
  evaluations: number;
  timing: ExplainTiming;
}

export interface ExplainerOptions {
  predictor: Predictor;
  /** What a client's tensors may be at most, as for predict. */
  limits: TensorLimits;
  /** The most rows one explain may run; past it, QUERY_TOO_COMPLEX before any runs. */
  maxEvaluations: number;
  /**
   * Requests of copies in flight at once. Each is a full batch already; a few at once keep every worker holding
   * the model busy while the next batch gathers, and leave most of the version's queue to other clients.
   * @default 4
   */
  concurrency?: number;
}

export interface Explainer {
  explain(version: ServableVersion, request: ExplainRequest): Promise<Explanation>;
}

export function createExplainer({ predictor, limits, maxEvaluations, concurrency = 4 }: ExplainerOptions): Explainer {
  return {
    async explain(version, request) {
      const started = performance.now();
      const label = versionLabel(version);
      const { signature, settings } = version;
      if (!signature) throw new InferError('MODEL_NOT_READY', `${label} is not loaded`);
      const method = request.method ?? 'OCCLUSION';
      const patchSize = request.patchSize ?? DEFAULT_PATCH_SIZE;
      if (!EXPLAIN_METHODS.includes(method)) throw new InferError('INVALID_ARGUMENT', `explain has no method ${method}`);
      if (!Number.isInteger(patchSize) || patchSize < 1) {
        throw new InferError('INVALID_ARGUMENT', `explain of ${label}: patchSize must be a whole number from 1, got ${patchSize}`);
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
      const evaluations = occlusionEvaluations(features.length);
      if (evaluations > maxEvaluations) {
        throw new InferError(
          'QUERY_TOO_COMPLEX',
          `explain of input "${inputName}" ${formatShape(tensor.shape)} of ${label} would run ${evaluations} evaluations, over the ` +
            `limit of ${maxEvaluations}: give a larger patchSize`,
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
      const { attributions, target, score, figures } = await occlusionAttributions(evaluation, request.target, label, output);
      return {
        method,
        input: inputName,
        output,
        target,
        score,
        attributions: { dataType: 'FP32', shape: [...tensor.shape], data: attributions },
        features: features.length,
        evaluations,
        timing: {
          totalMs: performance.now() - started,
          requests: figures.requests,
          meanBatchSize: figures.requests > 0 ? figures.runRows / figures.requests : 0,
        },
      };
    },
  };
}
