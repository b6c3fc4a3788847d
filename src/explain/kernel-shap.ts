/**
 * KernelSHAP (Lundberg & Lee, 2017): the Shapley values of the features, estimated by a weighted linear regression
 * of the target's score on which features a copy keeps, under the constraint that they add up to the input's score
 * less the all-baseline copy's.
 */
import { InferError } from '../errors.ts';
import { allCoalitions, coalitionsOf } from './coalitions.ts';
import { type Evaluation, type EvaluationFigures, evaluateCopies } from './evaluate.ts';

/**
 * The regression solves a dense system of one unknown per feature on the event loop: 256 solve in a few ms, while
 * thousands would hold every other request up for seconds. Larger inputs are explained in patches.
 */
export const KERNEL_SHAP_MAX_FEATURES = 256;

/** Coalitions sampled when the request names none: shap's own default. */
function defaultSamples(features: number): number {
  return 2 * features + 2048;
}

/** The coalitions evaluated: those asked (or the default), or all of them when there are fewer. */
export function kernelShapSamples(features: number, samples: number | null | undefined): number {
  return Math.max(0, Math.min(samples ?? defaultSamples(features), allCoalitions(features)));
}

export interface KernelShapOptions {
  samples: number;
  seed: number;
}

/** Per feature, its estimated Shapley value for the target's score; `score` is the input's. */
export async function kernelShap(
  evaluation: Evaluation,
  target: number,
  score: number,
  { samples, seed }: KernelShapOptions,
): Promise<{ values: Float64Array; figures: EvaluationFigures }> {
  const features = evaluation.features.length;
  const { present, weights } = coalitionsOf(features, samples, seed);
  const all = Array.from({ length: features }, (_, feature) => feature);
  // The all-baseline copy first, then each coalition, occluding the features it lacks.
  const copies = [all, ...present.map((coalition) => all.filter((feature) => coalition[feature] === 0))];
  const outcomes = new Float64Array(copies.length);
  const figures = await evaluateCopies(evaluation, copies, (copy, scores) => {
    outcomes[copy] = scores[target]!;
  });
  const empty = outcomes[0]!;
  const total = score - empty;
  const values = new Float64Array(features);
  if (features === 1) values[0] = total;
  else if (features > 1) {
    // The constraint removes the last feature's unknown: φ_last = total − Σ φ_j, so each coalition z gives the row
    // (z_j − z_last) and the outcome y − f(∅) − z_last · total.
    const last = features - 1;
    const normal = new Float64Array(last * last);
    const right = new Float64Array(last);
    const row = new Float64Array(last);
    for (const [s, coalition] of present.entries()) {
      const weight = weights[s]!;
      const zLast = coalition[last]!;
      for (let j = 0; j < last; j++) row[j] = coalition[j]! - zLast;
      const y = outcomes[s + 1]! - empty - zLast * total;
      for (let i = 0; i < last; i++) {
        const wi = weight * row[i]!;
        if (wi === 0) continue;
        right[i]! += wi * y;
        for (let j = 0; j < last; j++) normal[i * last + j]! += wi * row[j]!;
      }
    }
    const solved = solve(normal, right, last);
    let sum = 0;
    for (let j = 0; j < last; j++) {
      values[j] = solved[j]!;
      sum += solved[j]!;
    }
    values[last] = total - sum;
  }
  return { values, figures };
}

/**
 * Solves the symmetric system `a` x = `b` (n × n, row-major) by Gaussian elimination with partial pivoting, after a
 * ridge of 1e-9 of its largest diagonal so that too few samples give small values, not NaN. Written here: no
 * linear-algebra package is a dependency, and this is the only system the server solves.
 */
function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, a[i * n + i]!);
  const ridge = largest * 1e-9 || 1e-12;
  for (let i = 0; i < n; i++) a[i * n + i]! += ridge;
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let r = column + 1; r < n; r++) if (Math.abs(a[r * n + column]!) > Math.abs(a[pivot * n + column]!)) pivot = r;
    if (pivot !== column) {
      for (let c = 0; c < n; c++) [a[column * n + c], a[pivot * n + c]] = [a[pivot * n + c]!, a[column * n + c]!];
      [b[column], b[pivot]] = [b[pivot]!, b[column]!];
    }
    const diagonal = a[column * n + column]!;
    if (diagonal === 0) throw new InferError('INTERNAL', 'KernelSHAP: the regression has no solution');
    for (let r = column + 1; r < n; r++) {
      const factor = a[r * n + column]! / diagonal;
      if (factor === 0) continue;
      for (let c = column; c < n; c++) a[r * n + c]! -= factor * a[column * n + c]!;
      b[r]! -= factor * b[column]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let sum = b[r]!;
    for (let c = r + 1; c < n; c++) sum -= a[r * n + c]! * x[c]!;
    x[r] = sum / a[r * n + r]!;
  }
  return x;
}
