import { seededRandom } from './seeded-random.ts';
/** How the next token is picked from a row of logits. */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy); higher flattens the distribution. */
  temperature: number;
  /** Keep only the k most likely tokens; 0 keeps all. */
  topK: number;
  /** Keep the smallest set of tokens whose probabilities reach p; 1 keeps all. */
  topP: number;
  /** Same seed, same choices: one PRNG per stream. */
  seed: number;
}

export type Sampler = (logits: Float32Array) => number;

export function createSampler({ temperature, topK, topP, seed }: SamplingOptions): Sampler {
  const random = seededRandom(seed);
  if (temperature === 0) return argmax;
  if (topK === 0 && topP >= 1) {
    // Nothing to cut: sample from the whole distribution without sorting it.
    return (logits) => {
      let max = -Infinity;
      for (const value of logits) if (value > max) max = value;
      let total = 0;
      const weights = new Float64Array(logits.length);
      for (let id = 0; id < logits.length; id++) total += weights[id] = Math.exp((logits[id]! - max) / temperature);
      let target = random() * total;
      for (let id = 0; id < logits.length; id++) {
        target -= weights[id]!;
        if (target <= 0) return id;
      }
      return argmax(logits);
    };
  }
  return (logits) => {
    const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]!);
    const kept = topK > 0 ? order.slice(0, topK) : order;
    const max = logits[kept[0]!]!;
    const weights = kept.map((id) => Math.exp((logits[id]! - max) / temperature));
    const total = weights.reduce((sum, weight) => sum + weight, 0);
    let cut = kept.length;
    if (topP < 1) {
      let mass = 0;
      for (let index = 0; index < kept.length; index++) {
        mass += weights[index]! / total;
        if (mass >= topP) {
          cut = index + 1;
          break;
        }
      }
    }
    const keptTotal = weights.slice(0, cut).reduce((sum, weight) => sum + weight, 0);
    let target = random() * keptTotal;
    for (let index = 0; index < cut; index++) {
      target -= weights[index]!;
      if (target <= 0) return kept[index]!;
    }
    return kept[cut - 1]!;
  };
}

export function argmax(logits: Float32Array): number {
  let best = 0;
  for (let index = 1; index < logits.length; index++) if (logits[index]! > logits[best]!) best = index;
  return best;
}
