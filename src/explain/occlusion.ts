/** Occlusion: each feature's attribution is how much the target's score drops when that feature alone is replaced by the baseline. */
import { InferError } from '../errors.ts';
import { type Evaluation, type EvaluationFigures, evaluateCopies } from './evaluate.ts';

export interface Attributions {
  /** Per element of the explained row: its feature's drop (every element of a patch gets the patch's drop, as Captum's Occlusion gives it). */
  attributions: Float32Array;
  target: number;
  score: number;
  figures: EvaluationFigures;
}

/**
 * Runs the input itself first (its scores choose the default target, and show the output's class count before
 * thousands of copies are sent), then one copy per feature, in full batches. For a linear model the attribution
 * of an element is exactly its weight for the target × (its value − the baseline).
 */
export async function occlusionAttributions(
  evaluation: Evaluation,
  requested: number | null | undefined,
  label: string,
  output: string,
): Promise<Attributions> {
  let original: Float64Array = new Float64Array(0);
  const first = await evaluateCopies(evaluation, [[]], (_, scores) => {
    original = scores;
  });
  const target = requested ?? argmax(original);
  if (!Number.isInteger(target) || target < 0 || target >= original.length) {
    throw new InferError(
      'INVALID_ARGUMENT',
      `target of explain: output "${output}" of ${label} has ${original.length} classes, expected a class index from 0 to ${original.length - 1}, got ${target}`,
      { details: { tensor: output } },
    );
  }
  const score = original[target]!;
  const { features } = evaluation;
  const drops = new Float64Array(features.length);
  const rest = await evaluateCopies(
    evaluation,
    features.map((_, feature) => [feature]),
    (copy, scores) => {
      drops[copy] = score - scores[target]!;
    },
  );
  const attributions = new Float32Array(evaluation.input.tensor.data.length);
  for (const [feature, indices] of features.entries()) for (const index of indices) attributions[index] = drops[feature]!;
  return {
    attributions,
    target,
    score,
    figures: { requests: first.requests + rest.requests, runRows: first.runRows + rest.runRows },
  };
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
