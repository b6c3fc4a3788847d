/**
 * The OCR pipeline as a plain script would run it, the baseline of `npm run bench:ocr`: the pipeline's step models
 * in this process, each one onnxruntime-node session (intraOpNumThreads from its model.json, as the server sets it),
 * with the server's own pre- and post-processing, one image after another and its regions one by one, so every run
 * is batch 1. onnxruntime-node's `session.run` runs synchronously on the event loop (inside a setImmediate), so loops
 * of it in one process take turns on the models; only sharp's decoding of the image runs beside them, on libuv's threads.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { RgbaImage } from '../clients/sdk/src/image-tensor.ts';
import { readImage, tensorOfImage } from '../src/batching/image-inputs.ts';
import { cropQuad, rotate180 } from '../src/processing/crop.ts';
import { boxesOf, classesOf, textsOf } from '../src/processing/decode-outputs.ts';
import { scaleBox } from '../src/processing/text-boxes.ts';
import { type ImagePreprocessing, preprocessingOf } from '../src/registry/image-preprocessing.ts';
import { decodingsOf, type OutputDecoding } from '../src/registry/output-decoding.ts';
import type { PipelineConfig } from '../src/repository/model-config.ts';
import { scanModel } from '../src/repository/scan-repository.ts';
import type { Tensor } from '../src/runtime/tensor.ts';

/** Far above any page the bench renders: the baseline refuses nothing. */
const LIMITS = { maxTensorBytes: 1 << 30, maxImagePixels: 1 << 30 };

export interface NaiveOcrOptions {
  /** The model repository holding the pipeline and its step models. */
  repository: string;
  /** @default 'ocr' */
  pipeline?: string;
}

/** What the script read on a page: each region's text, in the detector's reading order. */
export interface NaiveReading {
  texts: string[];
}

export interface NaiveOcr extends AsyncDisposable {
  /** Reads an encoded page; `signal` stops it before its next run, so that a bench's loops end without draining. */
  read(image: Uint8Array, signal?: AbortSignal): Promise<NaiveReading>;
}

interface NaiveStep {
  config: PipelineConfig['steps'][number];
  session: ort.InferenceSession;
  input: string;
  output: string;
  decoding: OutputDecoding;
  preprocessing: ImagePreprocessing;
  labels: string[] | null;
}

interface NaiveRegion {
  crop: RgbaImage;
  text: string;
}

export async function createNaiveOcr({ repository, pipeline = 'ocr' }: NaiveOcrOptions): Promise<NaiveOcr> {
  const { config } = await scanModel(pipeline, join(repository, pipeline));
  if (!config.pipeline) throw new Error(`model "${pipeline}" in ${repository} is no pipeline`);
  const steps = await Promise.all(config.pipeline.steps.map((step) => loadStep(repository, step)));

  async function run(step: NaiveStep, tensor: Tensor, signal: AbortSignal | undefined): Promise<Tensor> {
    signal?.throwIfAborted();
    const feeds = { [step.input]: new ort.Tensor('float32', tensor.data as Float32Array, tensor.shape) };
    const result = (await step.session.run(feeds, [step.output]))[step.output]!;
    return { dataType: 'FP32', shape: [...result.dims], data: result.data as Float32Array };
  }

  return {
    async read(bytes, signal) {
      const image = await readImage(bytes, LIMITS, 'the naive script', 'image');
      let regions: NaiveRegion[] = [];
      for (const step of steps) {
        const { decoding, preprocessing } = step;
        if (!step.config.forEachRegion) {
          if (decoding.kind !== 'TEXT_BOXES') throw new Error(`the naive script runs a region step first, not ${decoding.kind}`);
          const { tensor, scaleX, scaleY } = await tensorOfImage(image, preprocessing, { resizeInLibvips: true });
          regions = boxesOf(await run(step, tensor, signal), decoding.options)[0]!.map((box) => ({
            crop: cropQuad(image, scaleBox(box, scaleX, scaleY).points),
            text: '',
          }));
          continue;
        }
        for (const region of regions) {
          const { tensor } = await tensorOfImage(region.crop, preprocessing, { resizeInLibvips: true });
          const output = await run(step, tensor, signal);
          if (decoding.kind === 'CLASSES') {
            const [best] = classesOf(output, step.labels, decoding.softmax);
            const degrees = step.config.rotate?.[best!.label];
            if (degrees && best!.score >= (step.config.minRotateScore ?? 0.9)) region.crop = rotate180(region.crop);
          } else if (decoding.kind === 'CTC_TEXT') {
            region.text = textsOf(output, decoding.characters)[0]!.text;
          }
        }
      }
      return { texts: regions.map((region) => region.text) };
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(steps.map((step) => step.session.release()));
    },
  };
}

async function loadStep(repository: string, config: PipelineConfig['steps'][number]): Promise<NaiveStep> {
  const entry = await scanModel(config.model, join(repository, config.model));
  // The server resolves aliases too; the example pipeline names none, so a number or the highest is enough here.
  const version =
    config.version === undefined ? entry.versions.at(-1) : entry.versions.find(({ version }) => String(version) === config.version);
  const preprocessing = preprocessingOf(entry.config.preprocessing);
  const [decoded] = Object.entries(decodingsOf(entry));
  if (!version || !preprocessing || !decoded) {
    throw new Error(`step "${config.name}": model "${config.model}" needs a version, preprocessing and postprocessing`);
  }
  const session = await ort.InferenceSession.create(version.path, {
    intraOpNumThreads: entry.config.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const [output, decoding] = decoded;
  return { config, session, input: preprocessing.input ?? session.inputNames[0]!, output, decoding, preprocessing, labels: entry.labels };
}
