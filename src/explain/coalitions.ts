/** The coalitions KernelSHAP evaluates: which features keep their value, and how much each counts in the regression. */
import { seededRandom } from '../runtime/seeded-random.ts';

export interface Coalitions {
  /** Per coalition, 1 for a feature present (its value kept), 0 for one replaced by the baseline. */
  present: Uint8Array[];
  /** Per coalition, its weight in the regression. */
  weights: Float64Array;
}

/** Coalitions other than all and none: 2^features − 2, or Infinity past what a number counts exactly. */
export function allCoalitions(features: number): number {
  return features > 52 ? Number.POSITIVE_INFINITY : 2 ** features - 2;
}

/**
 * `count` coalitions of `features` features. When that is all of them, each is listed once with its Shapley kernel
 * weight, (M − 1) / (C(M, k) · k · (M − k)), and the regression gives the exact Shapley values. Otherwise they are
 * drawn from that kernel (a size k with probability ∝ (M − 1) / (k · (M − k)), then k features at random), so each
 * counts 1; each draw is paired with its complement, which halves the variance for free (Covert & Lee, 2021).
 */
export function coalitionsOf(features: number, count: number, seed: number): Coalitions {
  if (count >= allCoalitions(features)) return enumerate(features);
  const random = seededRandom(seed);
  const sizes = Array.from({ length: features - 1 }, (_, index) => {
    const k = index + 1;
    return (features - 1) / (k * (features - k));
  });
  const total = sizes.reduce((sum, weight) => sum + weight, 0);
  const order = Array.from({ length: features }, (_, index) => index);
  const present: Uint8Array[] = [];
  while (present.length < count) {
    let pick = random() * total;
    let k = 1;
    while (k < features - 1 && pick >= sizes[k - 1]!) {
      pick -= sizes[k - 1]!;
      k++;
    }
    // A partial Fisher–Yates shuffle: the first k of `order` are a uniform k-subset.
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(random() * (features - i));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const coalition = new Uint8Array(features);
    for (let i = 0; i < k; i++) coalition[order[i]!] = 1;
    present.push(coalition);
    if (present.length < count) present.push(coalition.map((bit) => 1 - bit));
  }
  return { present, weights: new Float64Array(count).fill(1) };
}

function enumerate(features: number): Coalitions {
  const present: Uint8Array[] = [];
  const weights: number[] = [];
  for (let mask = 1; mask < 2 ** features - 1; mask++) {
    const coalition = new Uint8Array(features);
    let k = 0;
    for (let feature = 0; feature < features; feature++) {
      if (Math.floor(mask / 2 ** feature) % 2 === 1) {
        coalition[feature] = 1;
        k++;
      }
    }
    present.push(coalition);
    weights.push((features - 1) / (binomial(features, k) * k * (features - k)));
  }
  return { present, weights: Float64Array.from(weights) };
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i++) result = (result * (n - k + i)) / i;
  return result;
}
