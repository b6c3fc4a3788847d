/**
 * The glyphs classifier: generate digits, train a narrow MLP, widen it exactly so that batching
 * pays (see widen-mlp.ts), write it as ONNX, and check the written file with onnxruntime.
 */
import ort from 'onnxruntime-node';
import { denseToOnnx } from './dense-onnx.ts';
import { GLYPH_LABELS } from './glyph-font.ts';
import { GLYPH_PIXELS, type Glyphs, generateGlyphs } from './glyphs.ts';
import { accuracy, argmax, createMlp } from './mlp.ts';
import type { ModelRecipe } from './model-recipe.ts';
import { createRandom } from './prng.ts';
import { trainMlp } from './train-mlp.ts';
import { widenMlp } from './widen-mlp.ts';

/** Seeds of the build's samples; tests and benchmarks should draw theirs from other seeds. */
const GLYPHS_TRAIN_SEED = 1;
const GLYPHS_TEST_SEED = 2;
const INIT_SEED = 3;

// ~5 s of training on one core for ~99% held-out accuracy; twice the epochs buy half a point.
const TRAIN_COUNT = 10_000;
const TEST_COUNT = 4_000;
const EPOCHS = 3;
const LEARNING_RATE = 0.003;
const TRAINED_HIDDEN = [128, 64];
// 19 MB of float32 weights: one row takes 0.5–1 ms on one thread, spent streaming the weights
// from L3, while a batch of 64 reuses each weight 64 times in a compute-bound GEMM.
const SERVED_HIDDEN = [2048, 2048];

export const glyphs: ModelRecipe = {
  name: 'glyphs',
  version: 1,
  inputs: [],
  config: {
    description:
      'Digits 0-9 in 16x16 grey images (row-major, 0 = background, 1 = ink), from the generated data set in scripts/models/glyphs.ts. ' +
      `An MLP trained at 256-${TRAINED_HIDDEN.join('-')}-10 and widened exactly to 256-${SERVED_HIDDEN.join('-')}-10 so that batches are cheap per item. ` +
      'Input pixels: float32 [batch,256]. Output probabilities: float32 [batch,10].',
    task: 'classification',
    maxBatchSize: 64,
    maxQueueDelayMs: 2,
    instances: 2,
    intraOpNumThreads: 1,
    // A drawing, dark on light, as the 16×16 ink-1-on-0 row the net was trained on.
    preprocessing: { layout: 'FLAT', channelOrder: 'GRAY', height: 16, width: 16, invert: true },
  },
  labels: GLYPH_LABELS,
  async build(log) {
    const train = generateGlyphs({ count: TRAIN_COUNT, seed: GLYPHS_TRAIN_SEED });
    const test = generateGlyphs({ count: TEST_COUNT, seed: GLYPHS_TEST_SEED });
    const random = createRandom(INIT_SEED);
    const trained = createMlp([GLYPH_PIXELS, ...TRAINED_HIDDEN, GLYPH_LABELS.length], random);
    const started = performance.now();
    trainMlp(trained, { inputs: train.pixels, labels: train.labels, random, epochs: EPOCHS, learningRate: LEARNING_RATE });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    log(
      `trained ${shape(trained)} on ${TRAIN_COUNT} samples in ${seconds} s: ${percent(accuracy(trained, test.pixels, test.labels))} held-out accuracy`,
    );

    const served = widenMlp(trained, SERVED_HIDDEN);
    const bytes = denseToOnnx({
      layers: served,
      inputName: 'pixels',
      outputName: 'probabilities',
      batchDim: 'batch',
      docString: 'Digit classifier over generated 16x16 glyphs; built by infergraph scripts/build-models.ts.',
    });
    log(`widened to ${shape(served)}: onnxruntime scores ${percent(await onnxAccuracy(bytes, test))} on the same ${TEST_COUNT} samples`);
    return bytes;
  },
};

async function onnxAccuracy(model: Uint8Array, { pixels, labels }: Glyphs): Promise<number> {
  const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  try {
    const input = new ort.Tensor('float32', pixels, [labels.length, GLYPH_PIXELS]);
    const { probabilities } = await session.run({ pixels: input });
    const data = probabilities!.data as Float32Array;
    const width = GLYPH_LABELS.length;
    const correct = labels.filter((label, n) => argmax(data.subarray(n * width, (n + 1) * width)) === label).length;
    return correct / labels.length;
  } finally {
    await session.release();
  }
}

function shape(layers: readonly { inputs: number; outputs: number }[]): string {
  return [layers[0]!.inputs, ...layers.map((layer) => layer.outputs)].join('-');
}

function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}
