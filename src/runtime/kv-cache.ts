/**
 * Moving cache tensors between one stream's own [1, H, L, D] and a batch's [B, H, T, D],
 * where rows are left-padded to the longest: the attention mask hides the padding.
 */
import { allocate, type DataType, type Tensor, type TypedElements } from './tensor.ts';

export interface CacheShape {
  heads: number;
  headDim: number;
  dataType: DataType;
}

/** Stacks each stream's past (null for none yet) into one left-padded [B, H, T, D] tensor. */
export function stackPast(pasts: readonly (Tensor | null)[], length: number, { heads, headDim, dataType }: CacheShape): Tensor {
  const data = allocate(dataType, pasts.length * heads * length * headDim) as TypedElements;
  pasts.forEach((past, row) => {
    if (!past) return;
    const own = past.shape[2]!;
    const source = past.data as TypedElements;
    for (let head = 0; head < heads; head++) {
      const from = head * own * headDim;
      const to = ((row * heads + head) * length + (length - own)) * headDim;
      (data as Float32Array).set((source as Float32Array).subarray(from, from + own * headDim), to);
    }
  });
  return { dataType, shape: [pasts.length, heads, length, headDim], data };
}

/** Cuts each stream's own last `lengths[row]` positions out of a left-padded [B, H, T, D] tensor. */
export function unstackPresent(present: Tensor, lengths: readonly number[]): Tensor[] {
  const [, heads = 0, total = 0, headDim = 0] = present.shape;
  const source = present.data as Float32Array;
  return lengths.map((own, row) => {
    const data = allocate(present.dataType, heads * own * headDim) as Float32Array;
    for (let head = 0; head < heads; head++) {
      const from = ((row * heads + head) * total + (total - own)) * headDim;
      data.set(source.subarray(from, from + own * headDim), head * own * headDim);
    }
    return { dataType: present.dataType, shape: [1, heads, own, headDim], data };
  });
}

/** Left-padded token rows with their attention mask and positions (cumsum of the mask − 1, as Hugging Face does). */
export function leftPadded(rows: readonly (readonly number[])[], pastLengths: readonly number[], padId: number) {
  const width = Math.max(...rows.map((row) => row.length));
  const maxPast = Math.max(...pastLengths);
  const ids = new BigInt64Array(rows.length * width);
  const positions = new BigInt64Array(rows.length * width);
  const mask = new BigInt64Array(rows.length * (maxPast + width));
  rows.forEach((row, index) => {
    const pad = width - row.length;
    const past = pastLengths[index]!;
    for (let column = 0; column < width; column++) {
      const token = column < pad ? padId : row[column - pad]!;
      ids[index * width + column] = BigInt(token);
      // Padding gets position 1, as Hugging Face fills it; the mask keeps it from mattering.
      positions[index * width + column] = BigInt(column < pad ? 1 : past + column - pad);
    }
    const maskWidth = maxPast + width;
    const realFrom = maxPast - past;
    for (let column = 0; column < maskWidth; column++) {
      const inPast = column < maxPast;
      const real = inPast ? column >= realFrom : column - maxPast >= pad;
      mask[index * maskWidth + column] = real ? 1n : 0n;
    }
  });
  return {
    inputIds: { dataType: 'INT64', shape: [rows.length, width], data: ids } satisfies Tensor,
    positionIds: { dataType: 'INT64', shape: [rows.length, width], data: positions } satisfies Tensor,
    attentionMask: { dataType: 'INT64', shape: [rows.length, maxPast + width], data: mask } satisfies Tensor,
    width,
    maxPast,
  };
}
