/**
 * Explain: which parts of an input made a classifier choose a class, found by running perturbed copies of the input
 * through the version's own batcher. It knows the predictor, not GraphQL; the copies ride in batches like any
 * request, so an explanation of a few hundred copies costs a few runs.
 */
import type { TensorInput, TensorLimits } from '../batching/decode-inputs.ts';
import type { Predictor, ServableVersion } from '../batching/predictor.ts';
import { versionLabel } from '../errors.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { ExplainMethod } from './estimate.ts';
import { kernelShap } from './kernel-shap.ts';
import { occlusion } from './occlusion.ts';
import type { Baseline } from './perturb.ts';
import { prepareExplain } from './prepare.ts';
import { scoreInput } from './target.ts';

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
  /** KERNEL_SHAP: the coalitions sampled; all of them when there are fewer. @default 2 × features + 2048 */
  samples?: number | null | undefined;
  /** KERNEL_SHAP: the seed of the sampler; the same seed, the same coalitions. @default 0 */
  seed?: number | null | undefined;
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
  /**
   * FP32, shaped like the explained input: each element its feature's attribution (every element of a patch gets the
   * patch's, as Captum reports it). Occlusion: the drop of the target's score when the feature alone is occluded;
   * KernelSHAP: the feature's Shapley value, all of them adding up to the score less the all-baseline copy's.
   */
  attributions: Tensor;
  /** The elements or patches attributed. */
  features: number;
  /** Rows run: the input itself and the perturbed copies. */
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
      const prepared = prepareExplain(version, request, { predictor, limits, maxEvaluations, concurrency });
      const { method, evaluation, output, samples } = prepared;
      const { features } = evaluation;
      const input = await scoreInput(evaluation, request.target, { label: versionLabel(version), output });
      const { target, score } = input;
      const { values, figures } =
        method === 'OCCLUSION'
          ? await occlusion(evaluation, target, score)
          : await kernelShap(evaluation, target, score, { samples, seed: request.seed ?? 0 });
      const explained = evaluation.input.tensor;
      const attributions = new Float32Array(explained.data.length);
      for (const [feature, indices] of features.entries()) for (const index of indices) attributions[index] = values[feature]!;
      const requests = input.figures.requests + figures.requests;
      const runRows = input.figures.runRows + figures.runRows;
      return {
        method,
        input: evaluation.input.name,
        output,
        target,
        score,
        attributions: { dataType: 'FP32', shape: [...explained.shape], data: attributions },
        features: features.length,
        evaluations: prepared.evaluations,
        timing: {
          totalMs: performance.now() - started,
          requests,
          meanBatchSize: requests > 0 ? runRows / requests : 0,
        },
      };
    },
  };
}
