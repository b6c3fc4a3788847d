/** Where each tensor of a model has its batch dim: what lets requests share one run. */

/** Per tensor name, its batch dim, or null for a tensor without one; a name not listed has it first. */
export type BatchAxes = Readonly<Record<string, number | null>>;

/** The batch dim of the tensor `name`, or null when it has none. */
export function batchAxisOf(axes: BatchAxes, name: string): number | null {
  return name in axes ? axes[name]! : 0;
}
