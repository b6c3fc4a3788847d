/** A classifier's scores as its k best classes, with the model's labels: the SDK's ranking, for outputs that are one. */
import { type RankedClass, type Tensor, topK } from '../../clients/sdk/src/index.ts';

/** The k best of the first row of a floating-point [1, classes] output, or undefined when it is not one. */
export function topKOf(tensor: Tensor, labels: readonly string[] | null, k: number): RankedClass[] | undefined {
  if ((tensor.dataType !== 'FP32' && tensor.dataType !== 'FP64') || tensor.shape.length !== 2 || tensor.shape[0] !== 1) return undefined;
  return topK(tensor.data, labels, k);
}
