/** Joining tensors along an axis and cutting them apart again: how requests share one run. */
import { allocate, elementCount, type Tensor, type TensorElements } from '../runtime/tensor.ts';

/** Joins tensors equal in every dim but `axis` along that axis, into one freshly allocated tensor. */
export function concatAlong(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new RangeError('concatAlong needs at least one tensor');
  const outer = elementCount(first.shape.slice(0, axis));
  const inner = elementCount(first.shape.slice(axis + 1));
  const rows = tensors.reduce((sum, tensor) => sum + (tensor.shape[axis] ?? 0), 0);
  const shape = first.shape.map((dim, index) => (index === axis ? rows : dim));
  const data = allocate(first.dataType, elementCount(shape));
  let offset = 0;
  for (let block = 0; block < outer; block++) {
    for (const tensor of tensors) {
      const size = tensor.shape[axis]! * inner;
      copyElements(tensor.data, block * size, data, offset, size);
      offset += size;
    }
  }
  return { dataType: first.dataType, shape, data };
}

/** Cuts a tensor along `axis` into pieces of `sizes[i]` along it, each owning its buffer. */
export function splitAlong(tensor: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const outer = elementCount(tensor.shape.slice(0, axis));
  const inner = elementCount(tensor.shape.slice(axis + 1));
  const total = tensor.shape[axis]!;
  let start = 0;
  return sizes.map((size) => {
    const shape = tensor.shape.map((dim, index) => (index === axis ? size : dim));
    const data = allocate(tensor.dataType, elementCount(shape));
    const count = size * inner;
    for (let block = 0; block < outer; block++) copyElements(tensor.data, (block * total + start) * inner, data, block * count, count);
    start += size;
    return { dataType: tensor.dataType, shape, data };
  });
}

/** Copies `count` elements of one data type: typed arrays as one block, strings one by one. */
function copyElements(source: TensorElements, from: number, target: TensorElements, to: number, count: number): void {
  if (Array.isArray(target)) {
    const strings = source as string[];
    for (let index = 0; index < count; index++) target[to + index] = strings[from + index]!;
  } else {
    (target as Uint8Array).set((source as Uint8Array).subarray(from, from + count), to);
  }
}
