/** How many rows an explain runs, known before it runs: for its own limit, and for the cost limit and work budget. */
import { countFeatures } from './features.ts';
import { kernelShapSamples } from './kernel-shap.ts';

export const DEFAULT_PATCH_SIZE = 1;

export const EXPLAIN_METHODS = ['OCCLUSION', 'KERNEL_SHAP'] as const;

export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

/** Rows run: the input itself, then for occlusion one copy per feature; for KernelSHAP the all-baseline copy and each coalition. */
export function evaluationsOf(method: ExplainMethod, features: number, samples: number | null | undefined): number {
  return method === 'OCCLUSION' ? 1 + features : 2 + kernelShapSamples(features, samples);
}

/** The explain input as the estimate reads it: unknown, since it comes before validation. */
interface ExplainArgs {
  inputs?: unknown;
  input?: unknown;
  patchSize?: unknown;
  method?: unknown;
  samples?: unknown;
}

/**
 * The evaluations of an explain and the elements of each row evaluated, read from its GraphQL input before anything
 * is checked (zeros for an input that does not read: it is refused later). The shape read is the whole explained
 * tensor, batch dim included: a batch dim of 1 leaves the count of elements, and of patches over the last two
 * dims, as the row alone gives them.
 */
export function estimateExplain(args: unknown): { evaluations: number; elementsPerRow: number } {
  const { inputs, input, patchSize, method, samples } = (args ?? {}) as ExplainArgs;
  if (!Array.isArray(inputs)) return { evaluations: 0, elementsPerRow: 0 };
  const tensors = inputs as { name?: unknown; shape?: unknown }[];
  const dimsOf = (tensor: { shape?: unknown } | undefined) =>
    (Array.isArray(tensor?.shape) ? tensor.shape : []).map((dim: unknown) => (typeof dim === 'number' && dim > 0 ? dim : 0));
  const explained = typeof input === 'string' ? tensors.find((tensor) => tensor?.name === input) : tensors[0];
  const size = typeof patchSize === 'number' && patchSize >= 1 ? patchSize : DEFAULT_PATCH_SIZE;
  const features = countFeatures(dimsOf(explained), size);
  const evaluations = evaluationsOf(
    method === 'KERNEL_SHAP' ? 'KERNEL_SHAP' : 'OCCLUSION',
    features,
    typeof samples === 'number' && samples >= 0 ? samples : null,
  );
  const elementsPerRow = tensors.reduce((total, tensor) => total + dimsOf(tensor).reduce((count, dim) => count * dim, 1), 0);
  return { evaluations, elementsPerRow };
}
