import { allocate } from '../runtime/codec.ts';
import { elementCount, type Tensor, type TensorElements } from '../runtime/tensor.ts';

/** Joins tensors of equal non-batch dims along dim 0 into one freshly allocated tensor. */
export function concatRows(tensors: readonly Tensor[]): Tensor {
  const first = tensors[0];
  if (!first) throw new RangeError('concatRows needs at least one tensor');
  const rows = tensors.reduce((sum, tensor) => sum + (tensor.shape[0] ?? 0), 0);
  const shape = [rows, ...first.shape.slice(1)];
  const data = allocate(first.dataType, elementCount(shape));
  let offset = 0;
  for (const tensor of tensors) {
    if (Array.isArray(data)) {
      for (const value of tensor.data as string[]) data[offset++] = value;
    } else {
      (data as Uint8Array).set(tensor.data as Uint8Array, offset);
      offset += tensor.data.length;
    }
  }
  return { dataType: first.dataType, shape, data };
}

/** Cuts a batched tensor back along dim 0 into pieces of `rows[i]` rows, each owning its buffer. */
export function splitRows(tensor: Tensor, rows: readonly number[]): Tensor[] {
  const rowSize = elementCount(tensor.shape.slice(1));
  const pieces: Tensor[] = [];
  let offset = 0;
  for (const count of rows) {
    const end = offset + count * rowSize;
    pieces.push({ dataType: tensor.dataType, shape: [count, ...tensor.shape.slice(1)], data: tensor.data.slice(offset, end) as TensorElements });
    offset = end;
  }
  return pieces;
}
