/** A classifier's scores as its k best classes, with the model's labels. */
import type { Tensor } from '../../clients/sdk/src/index.ts';

export interface Ranked {
  index: number;
  label: string;
  score: number;
}

/** The k best of the first row of a floating-point [1, classes] output, or undefined when it is not one. */
export function topK(tensor: Tensor, labels: readonly string[] | null, k: number): Ranked[] | undefined {
  if ((tensor.dataType !== 'FP32' && tensor.dataType !== 'FP64') || tensor.shape.length !== 2 || tensor.shape[0] !== 1) return undefined;
  return Array.from(tensor.data, (score, index) => ({ index, label: labels?.[index] ?? String(index), score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
