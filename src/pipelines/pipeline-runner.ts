/**
 * Runs a pipeline (model.json `pipeline`): the request's image through each step's model, as Triton's ensembles
 * and KServe's InferenceGraph do, with the pre- and post-processing the step models declare. A step on the whole
 * image runs once; a `forEachRegion` step fans out, one request per region's crop, and fans back in: every request
 * joins the step model's own batcher, so the regions of concurrent pipeline requests share runs. The deadline and
 * the client's signal cover all the steps; a failed step fails the request with the step named.
 */
import type { RgbaImage } from '../../clients/sdk/src/image-tensor.ts';
import { type ImageLimits, readImage, tensorOfImage } from '../batching/image-inputs.ts';
import type { Predictor, PredictResponse } from '../batching/predictor.ts';
import { InferError, versionLabel } from '../errors.ts';
import { cropQuad, rotate180 } from '../processing/crop.ts';
import type { DecodedText } from '../processing/ctc.ts';
import { boxesOf, type ClassScore, classesOf, textsOf } from '../processing/decode-outputs.ts';
import { readingOrder } from '../processing/reading-order.ts';
import { type Point, scaleBox, type TextBox } from '../processing/text-boxes.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import type { ModelVersion } from '../registry/model-version.ts';
import type { PipelineConfig } from '../repository/model-config.ts';
import type { Tensor } from '../runtime/tensor.ts';

type Step = PipelineConfig['steps'][number];

/** A step's class for the image or a region. */
export interface StepLabel extends ClassScore {
  step: string;
}

export interface Region {
  /** Corners in the image's pixels, clockwise from the top left of the text as read. */
  points: readonly Point[];
  /** The region step's confidence in the region (a detector's mean probability inside it). */
  score: number;
  /** Each CLASSES step's class for the region's crop. */
  labels: StepLabel[];
  /** Degrees the crop was turned by (a `rotate` step) before the later steps saw it. */
  rotation: number;
  /** A CTC_TEXT step's reading of the crop; null without one. */
  text: DecodedText | null;
}

export interface StepRun {
  step: string;
  model: string;
  version: number;
  /** Requests the step made to its model: 1 on the whole image, one per region otherwise. */
  requests: number;
  /** Rows of the ONNX run each request rode in: above 1, it shared a run with other requests. */
  batchSizes: number[];
  /** From the step's start to its last answer. */
  ms: number;
}

export interface PipelineResult {
  regions: Region[];
  /** CLASSES steps on the whole image. */
  labels: StepLabel[];
  /** A CTC_TEXT step on the whole image. */
  text: DecodedText | null;
  steps: StepRun[];
  totalMs: number;
}

export interface PipelineRequest {
  /** The encoded image: PNG, JPEG or WebP. */
  image: Uint8Array;
  /** Deadline from now over all the steps: past it, DEADLINE_EXCEEDED naming the step that was running. */
  timeoutMs?: number | null | undefined;
  /** Aborts when the client goes away: the requests of the step running are dropped unrun. */
  signal?: AbortSignal | undefined;
  /** The caller's trace span, handed to each step's requests. */
  trace?: unknown;
}

export interface PipelineRunnerOptions {
  /** The whole registry, not a caller's view of it: access to a pipeline is access to its steps. */
  registry: Pick<ModelRegistry, 'acquire'>;
  predictor: Pick<Predictor, 'predict'>;
  limits: ImageLimits;
  /** Told of each step's end, for the metrics: its time, and whether it failed. */
  onStep?: (step: { pipeline: string; step: string; model: string }, ms: number, failed: boolean) => void;
}

export interface PipelineRunner {
  run(pipeline: ModelVersion, request: PipelineRequest): Promise<PipelineResult>;
}

interface RegionState extends Region {
  crop: RgbaImage;
}

export function createPipelineRunner({ registry, predictor, limits, onStep }: PipelineRunnerOptions): PipelineRunner {
  return {
    async run(pipeline, { image: bytes, timeoutMs, signal, trace }) {
      const started = performance.now();
      const label = versionLabel(pipeline);
      const config = pipelineOf(pipeline);
      if (timeoutMs !== undefined && timeoutMs !== null && timeoutMs <= 0) {
        throw new InferError('DEADLINE_EXCEEDED', `${label}: timeoutMs must be positive, got ${timeoutMs}`);
      }
      const deadline = timeoutMs ? started + timeoutMs : null;
      const image = await readImage(bytes, limits, `input "image" of ${label}`, 'image');
      const result: PipelineResult = { regions: [], labels: [], text: null, steps: [], totalMs: 0 };
      let regions: RegionState[] = [];

      for (const step of config.steps) {
        const stepStarted = performance.now();
        const names = { pipeline: pipeline.model, step: step.name, model: step.model };
        try {
          const version = await registry.acquire(step.model, step.version);
          // Whole ms: the step's deadline becomes an AbortSignal.timeout, which refuses a fraction.
          const remaining = deadline === null ? null : Math.max(1, Math.floor(deadline - performance.now()));
          const [output, decoding] = Object.entries(version.settings.decodings)[0]!;
          const preprocessing = version.settings.preprocessing!;
          const ask = (tensor: Tensor) =>
            predictor.predict(version, {
              inputs: [{ name: preprocessing.input!, shape: tensor.shape, tensor }],
              outputs: [output],
              timeoutMs: remaining,
              signal,
              trace,
            });
          let responses: PredictResponse[];
          if (!step.forEachRegion) {
            const { tensor, scaleX, scaleY } = await tensorOfImage(image, preprocessing, { resizeInLibvips: true });
            responses = [await ask(tensor)];
            const decoded = responses[0]!.outputs[output]!;
            if (decoding.kind === 'TEXT_BOXES') {
              // Sorted again in the image's pixels, as PaddleOCR sorts: its 10 px row tolerance is the image's.
              const boxes = readingOrder(boxesOf(decoded, decoding.options)[0]!.map((box) => scaleBox(box, scaleX, scaleY)));
              regions = boxes.map((box) => regionOf(image, box));
            } else if (decoding.kind === 'CLASSES') {
              result.labels.push(...classesOf(decoded, version.labels, decoding.softmax).map((best) => ({ ...best, step: step.name })));
            } else {
              result.text = textsOf(decoded, decoding.characters)[0]!;
            }
          } else {
            responses = await Promise.all(
              regions.map(async ({ crop }) => ask((await tensorOfImage(crop, preprocessing, { resizeInLibvips: true })).tensor)),
            );
            for (const [index, region] of regions.entries()) {
              const decoded = responses[index]!.outputs[output]!;
              if (decoding.kind === 'CLASSES') {
                const [best] = classesOf(decoded, version.labels, decoding.softmax);
                region.labels.push({ ...best!, step: step.name });
                turn(region, step, best!);
              } else if (decoding.kind === 'CTC_TEXT') {
                region.text = textsOf(decoded, decoding.characters)[0]!;
              }
            }
          }
          const ms = performance.now() - stepStarted;
          result.steps.push({
            step: step.name,
            model: version.model,
            version: version.version,
            requests: responses.length,
            batchSizes: responses.map((response) => response.timing.batchSize),
            ms,
          });
          onStep?.(names, ms, false);
        } catch (error) {
          onStep?.(names, performance.now() - stepStarted, true);
          throw stepError(label, step, error);
        }
      }
      result.regions = regions.map(({ crop: _, ...region }) => region);
      result.totalMs = performance.now() - started;
      return result;
    },
  };
}

/** The pipeline of a version, or INVALID_ARGUMENT when the version is a model of its own. */
function pipelineOf(version: ModelVersion): PipelineConfig {
  const { pipeline } = version.settings;
  if (!pipeline) {
    throw new InferError('INVALID_ARGUMENT', `${versionLabel(version)} is a model, not a pipeline: call predict`, {
      details: { model: version.model },
    });
  }
  return pipeline;
}

function regionOf(image: RgbaImage, box: TextBox): RegionState {
  return { points: box.points, score: box.score, labels: [], rotation: 0, text: null, crop: cropQuad(image, box.points) };
}

/** A `rotate` step's class, when sure enough, turns the region's crop for the steps after it. */
function turn(region: RegionState, step: Step, best: ClassScore): void {
  const degrees = step.rotate?.[best.label];
  if (!degrees || best.score < (step.minRotateScore ?? 0.9)) return;
  region.crop = rotate180(region.crop);
  region.rotation = (region.rotation + degrees) % 360;
}

/** A step's failure as the client reads it: its code kept, the pipeline and step named, the step in the details. */
function stepError(label: string, step: Step, error: unknown): InferError {
  const where = `${label}, step "${step.name}" (${step.model})`;
  if (error instanceof InferError) {
    return new InferError(error.code, `${where}: ${error.message}`, { details: { ...error.details, step: step.name } });
  }
  return new InferError('INTERNAL', `${where}: internal server error`, { details: { step: step.name }, cause: error });
}
