/**
 * The evaluations an explain will take, read from its GraphQL input before it runs (for the cost limit and the
 * work budget), before anything is checked. The shape read is the whole explained tensor, batch dim included: a
 * batch dim of 1 leaves the count of elements and of patches (over the last two dims) as the row gives them.
 */
import { countFeatures } from './features.ts';

export const DEFAULT_PATCH_SIZE = 1;

/** The explain input as the estimate reads it: unknown, since it comes before validation. */
interface ExplainArgs {
  inputs?: unknown;
  input?: unknown;
  patchSize?: unknown;
}

/** Occlusion's evaluations: the input itself, then one copy per feature. */
export function occlusionEvaluations(features: number): number {
  return features + 1;
}

/** The evaluations of an explain, and the elements of each evaluated row; zeros for an input that does not read (it is refused later). */
export function estimateExplain(args: unknown): { evaluations: number; elementsPerRow: number } {
  const { inputs, input, patchSize } = (args ?? {}) as ExplainArgs;
  if (!Array.isArray(inputs)) return { evaluations: 0, elementsPerRow: 0 };
  const tensors = inputs as { name?: unknown; shape?: unknown }[];
  const explained = (typeof input === 'string' ? tensors.find((tensor) => tensor?.name === input) : tensors[0]) ?? {};
  const shape = Array.isArray(explained.shape) ? explained.shape.map((dim) => (typeof dim === 'number' && dim > 0 ? dim : 0)) : [];
  const size = typeof patchSize === 'number' && patchSize >= 1 ? patchSize : DEFAULT_PATCH_SIZE;
  const elementsPerRow = tensors.reduce((total, tensor) => {
    const dims = Array.isArray(tensor?.shape) ? tensor.shape : [];
    return total + dims.reduce<number>((count, dim) => count * (typeof dim === 'number' && dim > 0 ? dim : 0), 1);
  }, 0);
  return { evaluations: occlusionEvaluations(countFeatures(shape, size)), elementsPerRow };
}
