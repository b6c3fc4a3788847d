import type { BatchingDefaults } from '../config.ts';
import type { ModelConfig } from '../repository/model-config.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';

export const MODEL_STATES = ['UNAVAILABLE', 'LOADING', 'READY', 'UNLOADING', 'FAILED'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

/** How one loaded version is served: the server's defaults with model.json on top. */
export interface VersionSettings extends BatchingDefaults {
  /** The batch dim of every input and output, or null when requests run one at a time. */
  batchDim: 0 | null;
}

export interface ModelVersion {
  readonly model: string;
  readonly version: number;
  /** Unique across the server: `name@version`. */
  readonly key: string;
  readonly path: string;
  state: ModelState;
  stateReason: string | null;
  signature: ModelSignature | null;
  settings: VersionSettings;
  labels: string[] | null;
  /** Time the last load took, in ms. */
  loadMs: number | null;
}

export interface Model {
  readonly name: string;
  description: string | null;
  task: string | null;
  labels: string[] | null;
  /** Why the whole model cannot be served (bad model.json, no versions), naming the file; null when fine. */
  error: string | null;
  versions: ModelVersion[];
}

export function versionKey(model: string, version: number): string {
  return `${model}@${version}`;
}

/** The batch dim a model is served with: model.json's word, else dim 0 when every input and output has a dynamic dim 0. */
export function inferBatchDim(signature: ModelSignature, config: ModelConfig): 0 | null {
  if (config.batchDim !== undefined) return config.batchDim;
  const specs = [...signature.inputs, ...signature.outputs];
  if (signature.inputs.length === 0) return null;
  return specs.every((spec) => spec.shape.length > 0 && spec.shape[0] === -1) ? 0 : null;
}
