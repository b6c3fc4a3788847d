/** Which queued requests can share one ONNX run: grouping by input names, dtypes and non-batch dims. */
import { type BatchAxes, batchAxisOf } from '../runtime/batch-axes.ts';
import type { Tensor } from '../runtime/tensor.ts';

export interface Batchable {
  inputs: Record<string, Tensor>;
  /** The outputs asked for, or null for all of them. */
  outputs: string[] | null;
}

/** Inputs without a batch dim share a run only when equal; past this size they are not compared. */
const COMPARABLE_ELEMENTS = 64;

/**
 * Splits requests into groups that can share one run: the same input names and data types,
 * the same dims except the batch dim, equal values for inputs without a batch dim, and the
 * same outputs asked for. Order is kept within and across groups.
 */
export function groupByShape<T extends Batchable>(requests: readonly T[], batchAxes: BatchAxes = {}): T[][] {
  const groups = new Map<string, T[]>();
  let unique = 0;
  for (const request of requests) {
    const key = shapeKey(request, batchAxes, () => unique++);
    const group = groups.get(key);
    if (group) group.push(request);
    else groups.set(key, [request]);
  }
  return [...groups.values()];
}

function shapeKey({ inputs, outputs }: Batchable, batchAxes: BatchAxes, nextUnique: () => number): string {
  const parts = Object.keys(inputs)
    .sort()
    .map((name) => {
      const { dataType, shape, data } = inputs[name]!;
      const axis = batchAxisOf(batchAxes, name);
      if (axis !== null) return `${name}:${dataType}:${shape.map((dim, index) => (index === axis ? '*' : dim)).join('x')}`;
      const value = data.length <= COMPARABLE_ELEMENTS ? Array.from(data as ArrayLike<unknown>, String).join(',') : `#${nextUnique()}`;
      return `${name}:${dataType}:${shape.join('x')}=${value}`;
    });
  parts.push(outputs === null ? '*' : [...outputs].sort().join(','));
  return parts.join('|');
}
