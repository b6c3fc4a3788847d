import type { Tensor } from '../runtime/tensor.ts';

export interface Batchable {
  inputs: Record<string, Tensor>;
  /** The outputs asked for, or null for all of them. */
  outputs: string[] | null;
}

/**
 * Splits requests into groups that can share one run: the same input names, data types and
 * non-batch dims, and the same outputs asked for. Order is kept within and across groups.
 */
export function groupByShape<T extends Batchable>(requests: readonly T[]): T[][] {
  const groups = new Map<string, T[]>();
  for (const request of requests) {
    const key = shapeKey(request);
    const group = groups.get(key);
    if (group) group.push(request);
    else groups.set(key, [request]);
  }
  return [...groups.values()];
}

function shapeKey({ inputs, outputs }: Batchable): string {
  const parts = Object.keys(inputs)
    .sort()
    .map((name) => {
      const { dataType, shape } = inputs[name]!;
      return `${name}:${dataType}:${shape.slice(1).join('x')}`;
    });
  parts.push(outputs === null ? '*' : [...outputs].sort().join(','));
  return parts.join('|');
}
