/** The perturbed copies explain runs: the explained row with some features replaced by a baseline. */
import { allocate, type Tensor, type TypedElements } from '../runtime/tensor.ts';

/** What an occluded element becomes: zero, the mean of the explained row, or a value the client gives. */
export type Baseline = { kind: 'ZERO' } | { kind: 'MEAN' } | { kind: 'VALUE'; value: number };

/** The data types explain can perturb: their elements are plain JS numbers in a typed array. */
export const PERTURBABLE = ['FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'UINT8', 'UINT16', 'UINT32'] as const;

export type PerturbableDataType = (typeof PERTURBABLE)[number];

/** The typed arrays of those data types. */
type NumberArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

export function isPerturbable(dataType: string): dataType is PerturbableDataType {
  return (PERTURBABLE as readonly string[]).includes(dataType);
}

/** The one value every occluded element of `row` takes, rounded for an integer input (as its typed array would store it). */
export function baselineValueOf(row: ArrayLike<number>, baseline: Baseline, dataType: PerturbableDataType): number {
  let value = 0;
  if (baseline.kind === 'VALUE') value = baseline.value;
  else if (baseline.kind === 'MEAN' && row.length > 0) {
    let sum = 0;
    for (let i = 0; i < row.length; i++) sum += row[i]!;
    value = sum / row.length;
  }
  return dataType === 'FP32' || dataType === 'FP64' ? value : Math.round(value);
}

/**
 * `copies.length` rows stacked along the batch dim `axis` of the explained tensor (one row: that dim is 1), or the
 * one copy alone when the input has no batch dim: copy `c` is the row with every element of the features
 * `copies[c]` set to `value`.
 */
export function perturbedBatch(
  row: Tensor & { dataType: PerturbableDataType },
  axis: number | null,
  features: readonly (readonly number[])[],
  copies: readonly (readonly number[])[],
  value: number,
): Tensor {
  const source = row.data as NumberArray;
  const size = source.length;
  // Row-major with the batch dim of size 1 at `axis`: each copy is blocks of `inner` elements, one per `outer` index.
  const outer = axis === null ? 1 : row.shape.slice(0, axis).reduce((count, dim) => count * dim, 1);
  const inner = size / outer;
  const data = allocate(row.dataType, size * copies.length) as NumberArray;
  const copy = new Float64Array(size);
  for (const [c, occluded] of copies.entries()) {
    copy.set(source);
    for (const feature of occluded) for (const index of features[feature]!) copy[index] = value;
    for (let block = 0; block < outer; block++) {
      data.set(copy.subarray(block * inner, (block + 1) * inner), (block * copies.length + c) * inner);
    }
  }
  const shape = row.shape.map((dim, index) => (index === axis ? copies.length : dim));
  return { dataType: row.dataType, shape, data: data as TypedElements };
}
