/** Occlusion: each feature's attribution is how much the target's score drops when that feature alone is replaced by the baseline. */
import { type Evaluation, type EvaluationFigures, evaluateCopies } from './evaluate.ts';

/**
 * Per feature, the drop of the target's score (the input's is `score`) when it alone is occluded. For a linear
 * model, the drop for an element is exactly its weight for the target × (its value − the baseline).
 */
export async function occlusion(
  evaluation: Evaluation,
  target: number,
  score: number,
): Promise<{ values: Float64Array; figures: EvaluationFigures }> {
  const { features } = evaluation;
  const values = new Float64Array(features.length);
  const figures = await evaluateCopies(
    evaluation,
    features.map((_, feature) => [feature]),
    (copy, scores) => {
      values[copy] = score - scores[target]!;
    },
  );
  return { values, figures };
}
