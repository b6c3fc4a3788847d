/** The class explained: the one asked for, or the input's top class, read from a run of the input itself. */
import { InferError } from '../errors.ts';
import { type Evaluation, type EvaluationFigures, evaluateCopies } from './evaluate.ts';

/**
 * Runs the input as given, alone: its scores choose the default target and show the output's class count before
 * thousands of copies are sent. Every method needs the input's score as well.
 */
export async function scoreInput(
  evaluation: Evaluation,
  requested: number | null | undefined,
  { label, output }: { label: string; output: string },
): Promise<{ target: number; score: number; figures: EvaluationFigures }> {
  let scores: Float64Array = new Float64Array(0);
  const figures = await evaluateCopies(evaluation, [[]], (_, row) => {
    scores = row;
  });
  const target = requested ?? argmax(scores);
  if (!Number.isInteger(target) || target < 0 || target >= scores.length) {
    throw new InferError(
      'INVALID_ARGUMENT',
      `target of explain: output "${output}" of ${label} has ${scores.length} classes, expected a class index from 0 to ${scores.length - 1}, got ${target}`,
      { details: { tensor: output } },
    );
  }
  return { target, score: scores[target]!, figures };
}

function argmax(values: Float64Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
