/** A version's model.json `postprocessing` as it is served: dictionaries read, defaults filled, checked against the model once loaded. */
import { readDictionary } from '../processing/ctc.ts';
import type { TextBoxOptions } from '../processing/text-boxes.ts';
import type { ModelEntry } from '../repository/scan-repository.ts';
import { formatShape } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';

export type OutputDecoding =
  | { kind: 'TEXT_BOXES'; options: TextBoxOptions }
  | { kind: 'CTC_TEXT'; characters: readonly string[] }
  | { kind: 'CLASSES'; softmax: boolean };

/** PaddleOCR's DBPostProcess defaults (tools/infer/utility.py). */
const TEXT_BOX_DEFAULTS: TextBoxOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 };

/** Output name → its decoding; empty for a model that declares none. */
export function decodingsOf(entry: ModelEntry): Record<string, OutputDecoding> {
  return Object.fromEntries(
    Object.entries(entry.config.postprocessing ?? {}).map(([output, config]): [string, OutputDecoding] => {
      switch (config.kind) {
        case 'TEXT_BOXES': {
          const D = TEXT_BOX_DEFAULTS;
          const options: TextBoxOptions = {
            threshold: config.threshold ?? D.threshold,
            boxThreshold: config.boxThreshold ?? D.boxThreshold,
            unclipRatio: config.unclipRatio ?? D.unclipRatio,
            minSize: config.minSize ?? D.minSize,
            maxCandidates: config.maxCandidates ?? D.maxCandidates,
          };
          return [output, { kind: 'TEXT_BOXES', options }];
        }
        case 'CTC_TEXT':
          return [
            output,
            {
              kind: 'CTC_TEXT',
              characters: readDictionary(entry.dictionaries[config.dictionary]!, { spaceLast: config.spaceLast ?? true }),
            },
          ];
        default:
          return [output, { kind: 'CLASSES', softmax: config.softmax ?? false }];
      }
    }),
  );
}

/** Throws, naming the model.json field, when a decoding names an output the model lacks or one it cannot decode. */
export function checkDecodings(decodings: Record<string, OutputDecoding>, { outputs }: ModelSignature): void {
  for (const [name, decoding] of Object.entries(decodings)) {
    const field = `model.json "postprocessing.${name}"`;
    const spec = outputs.find((output) => output.name === name);
    if (!spec) {
      throw new Error(
        `${field} names output "${name}", which the model does not have (outputs: ${outputs.map((output) => `"${output.name}"`).join(', ')})`,
      );
    }
    const shape = formatShape(spec.shape);
    if (decoding.kind === 'TEXT_BOXES' && !(spec.shape.length === 4 && spec.shape[1] === 1) && spec.shape.length !== 3) {
      throw new Error(`${field}: TEXT_BOXES decodes a probability map [N, 1, H, W] or [N, H, W], and "${name}" is ${shape}`);
    }
    if (decoding.kind === 'CTC_TEXT') {
      const classes = spec.shape.at(-1);
      if (spec.shape.length !== 3 || (classes !== -1 && classes !== decoding.characters.length + 1)) {
        throw new Error(
          `${field}: CTC_TEXT decodes [N, steps, classes] with classes = 1 blank + ${decoding.characters.length} characters ` +
            `of its dictionary = ${decoding.characters.length + 1}, and "${name}" is ${shape}`,
        );
      }
    }
    if (decoding.kind === 'CLASSES' && spec.shape.length !== 2) {
      throw new Error(`${field}: CLASSES decodes [N, classes], and "${name}" is ${shape}`);
    }
  }
}
