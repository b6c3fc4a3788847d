/**
 * Request payloads for the example models: one row each, a few distinct ones to cycle through.
 * The shapes are the models' own (ocr-direction's H and W are dynamic in the ONNX file, fixed
 * by its preprocessing at 48 × 192).
 */
import { GLYPH_PIXELS, generateGlyphs } from '../scripts/models/glyphs.ts';
import { createRandom } from '../scripts/models/prng.ts';

/** Away from the build's train and test seeds (1, 2), as glyphs-model.ts asks. */
const BENCH_SEED = 7;

export interface ModelSamples {
  /** The shape of one row, without the batch dim. */
  rowShape: number[];
  /** Distinct rows, each `rowShape` elements of float32. */
  rows: Float32Array[];
}

const GENERATORS: Record<string, (count: number) => ModelSamples> = {
  glyphs(count) {
    const { pixels } = generateGlyphs({ count, seed: BENCH_SEED });
    return { rowShape: [GLYPH_PIXELS], rows: split(pixels, count) };
  },
  'ocr-direction'(count) {
    const rowShape = [3, 48, 192];
    const random = createRandom(BENCH_SEED);
    // A text line scaled to [-1, 1]: the compute cost of a convolution does not depend on the picture.
    const pixels = Float32Array.from({ length: count * 3 * 48 * 192 }, () => random.uniform(-1, 1));
    return { rowShape, rows: split(pixels, count) };
  },
};

export const KNOWN_MODELS = Object.keys(GENERATORS);

export function samplesFor(model: string, count: number): ModelSamples {
  const generate = GENERATORS[model];
  if (!generate) throw new Error(`the bench has no sample inputs for model "${model}" (known: ${KNOWN_MODELS.join(', ')})`);
  return generate(count);
}

/** `rows` copies of sample rows side by side, as one batch. */
export function stackRows(samples: ModelSamples, rows: number, first = 0): Float32Array {
  const width = samples.rows[0]!.length;
  const batch = new Float32Array(rows * width);
  for (let row = 0; row < rows; row++) batch.set(samples.rows[(first + row) % samples.rows.length]!, row * width);
  return batch;
}

function split(data: Float32Array, count: number): Float32Array[] {
  const width = data.length / count;
  return Array.from({ length: count }, (_, n) => data.slice(n * width, (n + 1) * width));
}
