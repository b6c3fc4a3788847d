/** How a version is served: the server's defaults with its model.json on top, and the check of its sequence config. */
import type { BatchingDefaults } from '../config.ts';
import type { SequenceConfig } from '../repository/model-config.ts';
import type { ModelEntry } from '../repository/scan-repository.ts';
import { formatShape } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import { preprocessingOf } from './image-preprocessing.ts';
import type { VersionSettings } from './model-version.ts';
import { decodingsOf } from './output-decoding.ts';

export function settingsOf(entry: ModelEntry, defaults: BatchingDefaults): VersionSettings {
  const { maxBatchSize, maxQueueDelayMs, maxQueueSize, instances, intraOpNumThreads } = entry.config;
  const overrides = Object.fromEntries(
    Object.entries({ maxBatchSize, maxQueueDelayMs, maxQueueSize, instances, intraOpNumThreads }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  return {
    ...defaults,
    ...overrides,
    batchAxes: null,
    sequence: entry.config.sequence ?? null,
    generation: entry.config.generation ?? {},
    preprocessing: preprocessingOf(entry.config.preprocessing),
    decodings: entry.error ? {} : decodingsOf(entry),
    pipeline: entry.config.pipeline ?? null,
  };
}

/** A sequence's state map must pair inputs and outputs of the model that agree in type and shape. */
export function checkSequence(sequence: SequenceConfig | null, { inputs, outputs }: ModelSignature): void {
  if (!sequence) return;
  for (const [input, output] of Object.entries(sequence.state)) {
    const from = outputs.find((spec) => spec.name === output);
    const to = inputs.find((spec) => spec.name === input);
    if (!to) throw new Error(`model.json "sequence.state" names input "${input}", which the model does not have`);
    if (!from) throw new Error(`model.json "sequence.state" names output "${output}", which the model does not have`);
    if (from.dataType !== to.dataType || from.shape.length !== to.shape.length) {
      throw new Error(
        `model.json "sequence.state": output "${output}" (${from.dataType} ${formatShape(from.shape)}) ` +
          `cannot feed input "${input}" (${to.dataType} ${formatShape(to.shape)})`,
      );
    }
  }
}
