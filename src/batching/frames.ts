/** Cutting a long input into the fixed-size frames a streaming model takes. */
import { allocate, elementCount, type Tensor } from '../runtime/tensor.ts';
import { concatAlong, splitAlong } from './concat.ts';

/**
 * Cuts a tensor along `axis` into frames of `size`; the last frame is filled up with zeros,
 * as a streaming model expects whole frames.
 */
export function cutFrames(tensor: Tensor, axis: number, size: number): Tensor[] {
  const length = tensor.shape[axis]!;
  const count = Math.max(1, Math.ceil(length / size));
  const missing = count * size - length;
  const padded = missing === 0 ? tensor : concatAlong([tensor, zerosLike(tensor, axis, missing)], axis);
  return splitAlong(padded, new Array<number>(count).fill(size), axis);
}

/** Zeros of the tensor's type and shape, but `length` long along `axis`. */
function zerosLike({ dataType, shape }: Tensor, axis: number, length: number): Tensor {
  const zeros = shape.map((dim, index) => (index === axis ? length : dim));
  return { dataType, shape: zeros, data: allocate(dataType, elementCount(zeros)) };
}
