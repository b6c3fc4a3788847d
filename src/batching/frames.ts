import { allocate } from '../runtime/codec.ts';
import { elementCount, type Tensor } from '../runtime/tensor.ts';
import { splitAlong } from './concat.ts';

/**
 * Cuts a tensor along `axis` into frames of `size`; the last frame is filled up with zeros,
 * as a streaming model expects whole frames.
 */
export function cutFrames(tensor: Tensor, axis: number, size: number): Tensor[] {
  const length = tensor.shape[axis]!;
  const count = Math.max(1, Math.ceil(length / size));
  const padded = count * size === length ? tensor : padAlong(tensor, axis, count * size);
  return splitAlong(padded, new Array<number>(count).fill(size), axis);
}

function padAlong(tensor: Tensor, axis: number, length: number): Tensor {
  const shape = tensor.shape.map((dim, index) => (index === axis ? length : dim));
  const outer = elementCount(tensor.shape.slice(0, axis));
  const inner = elementCount(tensor.shape.slice(axis + 1));
  const have = tensor.shape[axis]! * inner;
  const data = allocate(tensor.dataType, elementCount(shape)) as Float32Array;
  for (let block = 0; block < outer; block++) {
    data.set((tensor.data as Float32Array).subarray(block * have, (block + 1) * have), block * length * inner);
  }
  return { dataType: tensor.dataType, shape, data };
}
