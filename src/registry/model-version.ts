/** The records of the catalog (a model, its versions, how each is served) and where a model's batch dims are. */

import type { BatchingDefaults } from '../config.ts';
import type { ModelConfig, PipelineConfig, SequenceConfig, VersionPolicy } from '../repository/model-config.ts';
import type { ModelEntry, TokenizerFiles } from '../repository/scan-repository.ts';
import type { BatchAxes } from '../runtime/batch-axes.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { AliasTarget } from './aliases.ts';
import type { ImagePreprocessing } from './image-preprocessing.ts';
import type { OutputDecoding } from './output-decoding.ts';
import type { UnavailableCause } from './unavailable-cause.ts';

export const MODEL_STATES = ['UNAVAILABLE', 'LOADING', 'READY', 'UNLOADING', 'FAILED'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

/** How one loaded version is served: the server's defaults with model.json on top. */
export interface VersionSettings extends BatchingDefaults {
  /** Where each tensor's batch dim is, or null when requests run one at a time. */
  batchAxes: BatchAxes | null;
  sequence: SequenceConfig | null;
  generation: NonNullable<ModelConfig['generation']>;
  /** How a client makes the input tensor from an image; null for a model that takes none. */
  preprocessing: ImagePreprocessing | null;
  /** Output name → how its values are decoded into typed results (model.json `postprocessing`). */
  decodings: Record<string, OutputDecoding>;
  /** For a pipeline: its steps (model.json `pipeline`); null for a model. */
  pipeline: PipelineConfig | null;
}

export interface ModelVersion {
  readonly model: string;
  readonly version: number;
  /** The session key of the serving load, unique across the server: `name@version`, `name@version#n` after a reload. */
  key: string;
  readonly path: string;
  state: ModelState;
  /** Why it is in its state, for people: derived from `unavailableCause` when UNAVAILABLE, else a load's failure or a reload's outcome. */
  stateReason: string | null;
  /** Why it is UNAVAILABLE, when something decided so; null before its first load and in every other state. */
  unavailableCause: UnavailableCause | null;
  signature: ModelSignature | null;
  settings: VersionSettings;
  labels: string[] | null;
  tokenizerFiles: TokenizerFiles | null;
  /** Time the last load took, in ms (warm-up included). */
  loadMs: number | null;
  /** Time the warm-up runs took, in ms; null without warm-up. */
  warmupMs: number | null;
  /** Estimated bytes the loaded version takes: its model file once per instance (the weights dominate). */
  memoryBytes: number | null;
  /** `performance.now()` of its last request, for LRU eviction. */
  lastUsed: number;
}

export interface Model {
  readonly name: string;
  readonly directory: string;
  /** What the last scan of the model's folder said. */
  entry: ModelEntry;
  policy: VersionPolicy;
  aliases: Map<string, AliasTarget>;
  /** Per alias, its earlier targets, the last one first out (rollback). */
  aliasHistory: Map<string, AliasTarget[]>;
  description: string | null;
  task: string | null;
  labels: string[] | null;
  /** Why the whole model cannot be served (bad model.json, no versions), naming the file; null when fine. */
  error: string | null;
  /** For a pipeline of other models: its steps (model.json `pipeline`). Its one version, 1, is READY while they can serve. */
  pipeline: PipelineConfig | null;
  versions: ModelVersion[];
}

export function versionKey(model: string, version: number): string {
  return `${model}@${version}`;
}

/**
 * Where a model's batch dims are. model.json's `batchDim: 0` puts it first everywhere and
 * `null` turns batching off. Otherwise: dim 0 everywhere when every input and output has a
 * dynamic dim 0; else, when the first input's dim 0 has a name that every output shares, that
 * named dim wherever it appears (silero VAD: `input [batch, n]`, `h [2, batch, 64]`), and
 * inputs without it (a scalar sample rate) must then be equal to share a run.
 */
export function inferBatchAxes({ inputs, outputs }: ModelSignature, config: ModelConfig): BatchAxes | null {
  const specs = [...inputs, ...outputs];
  const every = (axis: number | null): BatchAxes => Object.fromEntries(specs.map((spec) => [spec.name, axis]));
  if (config.batchDim === null || inputs.length === 0) return null;
  if (config.batchDim === 0 || specs.every((spec) => spec.shape.length > 0 && spec.shape[0] === -1)) return every(0);
  const symbol = inputs.find((spec) => spec.shape[0] === -1 && spec.dimNames[0])?.dimNames[0];
  if (!symbol) return null;
  const axes: BatchAxes = Object.fromEntries(
    specs.map((spec) => {
      const axis = spec.dimNames.indexOf(symbol);
      return [spec.name, axis >= 0 && spec.shape[axis] === -1 ? axis : null];
    }),
  );
  return outputs.every((spec) => axes[spec.name] !== null) ? axes : null;
}
