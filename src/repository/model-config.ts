/** model.json: its schema, and the types read from it. */
import { z } from 'zod';

/** What an alias may be named: a letter first, so that it is never read as a version number. */
export const ALIAS_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * What `models/<name>/model.json` may say. Every field is optional: what is left out is
 * read off the ONNX file or taken from the server's defaults.
 */
function aliasTargetSchema() {
  return z.union([z.int().min(1), z.record(z.string().regex(/^[1-9][0-9]*$/, 'a version number'), z.number().positive())]);
}

export const IMAGE_LAYOUTS = ['NCHW', 'NHWC', 'FLAT'] as const;
export const CHANNEL_ORDERS = ['RGB', 'BGR', 'GRAY'] as const;
export const IMAGE_RESIZES = ['STRETCH', 'KEEP_ASPECT_PAD_RIGHT', 'FIT_MULTIPLE_OF_32'] as const;

/** The channels of each order, which `mean` and `std` must have one value for (or one for all). */
export const CHANNELS_OF = { RGB: 3, BGR: 3, GRAY: 1 } as const satisfies Record<(typeof CHANNEL_ORDERS)[number], number>;

/**
 * How an image becomes the input tensor: torchvision's Resize and Normalize, in Triton's layout names. README,
 * "Model repository", documents each field; `imageTensor` in the SDK applies them.
 */
function preprocessingSchema() {
  return z
    .strictObject({
      input: z.string().optional(),
      layout: z.enum(IMAGE_LAYOUTS).optional(),
      channelOrder: z.enum(CHANNEL_ORDERS).optional(),
      height: z.int().min(1).max(16_384),
      width: z.int().min(1).max(16_384),
      resize: z.enum(IMAGE_RESIZES).optional(),
      /** KEEP_ASPECT_PAD_RIGHT only: a wider line pads to the next multiple of width up to this, instead of being squeezed. */
      maxWidth: z.int().min(1).max(16_384).optional(),
      mean: z.array(z.number()).min(1).optional(),
      std: z.array(z.number().positive()).min(1).optional(),
      invert: z.boolean().optional(),
    })
    .superRefine((preprocessing, context) => {
      if (preprocessing.maxWidth !== undefined && preprocessing.resize !== 'KEEP_ASPECT_PAD_RIGHT') {
        context.addIssue({ code: 'custom', path: ['maxWidth'], message: 'only with "resize": "KEEP_ASPECT_PAD_RIGHT"' });
      }
      if (preprocessing.maxWidth !== undefined && preprocessing.maxWidth < preprocessing.width) {
        context.addIssue({ code: 'custom', path: ['maxWidth'], message: `at least "width" (${preprocessing.width})` });
      }
      const channels = CHANNELS_OF[preprocessing.channelOrder ?? 'RGB'];
      for (const field of ['mean', 'std'] as const) {
        const values = preprocessing[field];
        if (values && values.length !== 1 && values.length !== channels) {
          context.addIssue({
            code: 'custom',
            path: [field],
            message: `one value per channel of ${preprocessing.channelOrder ?? 'RGB'} (${channels}) or one for all, got ${values.length}`,
          });
        }
      }
    });
}

/**
 * What an output's values mean, so that the server decodes them into typed results (README, "Model repository"):
 * text boxes from a detector's probability map (PaddleOCR's DB post-processing), text from a recogniser's CTC
 * output with its dictionary, or the best class of each row.
 */
function postprocessingSchema() {
  return z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('TEXT_BOXES'),
      /** A pixel is text when its probability is above this. @default 0.3 */
      threshold: z.number().min(0).max(1).optional(),
      /** A box is kept when the mean probability inside it is at least this. @default 0.6 */
      boxThreshold: z.number().min(0).max(1).optional(),
      /** How far a box grows past the shrunk text kernel the model marks, relative to its area over its perimeter. @default 1.5 */
      unclipRatio: z.number().min(0).max(10).optional(),
      /** Boxes whose shorter side is below this many pixels are dropped. @default 3 */
      minSize: z.number().min(0).optional(),
      /** Regions looked at per image, at most. @default 1000 */
      maxCandidates: z.int().min(1).max(100_000).optional(),
    }),
    z.strictObject({
      kind: z.literal('CTC_TEXT'),
      /** The characters file in the model's folder, one per line: class i ≥ 1 is line i; class 0 is CTC's blank. */
      dictionary: z.string(),
      /** The last class is a space, after the dictionary's characters (PaddleOCR's use_space_char). @default true */
      spaceLast: z.boolean().optional(),
    }),
    z.strictObject({
      kind: z.literal('CLASSES'),
      /** The output holds logits: softmax them first, so that scores are probabilities. @default false */
      softmax: z.boolean().optional(),
    }),
  ]);
}

/**
 * A pipeline: the folder holds no model of its own; a request's image goes through the steps, each a model of the
 * repository whose requests join that model's batches. README, "Pipelines", explains each field.
 */
function pipelineSchema() {
  return z.strictObject({
    steps: z
      .array(
        z.strictObject({
          /** Unique in the pipeline: errors, timings and results name the step by it. */
          name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a letter, then letters, digits, _ or -'),
          model: z.string().min(1),
          /** A version number or an alias; without it, as a request naming none. */
          version: z.string().min(1).optional(),
          /** Runs on each region an earlier step found (its crop), not on the whole image. @default false */
          forEachRegion: z.boolean().optional(),
          /** On a CLASSES step: the class label → degrees (180) that the region is turned by before the later steps. */
          rotate: z.record(z.string(), z.literal(180)).optional(),
          /** The score a class needs for its rotation to apply. @default 0.9 */
          minRotateScore: z.number().min(0).max(1).optional(),
        }),
      )
      .min(1)
      .superRefine((steps, context) => {
        const seen = new Set<string>();
        for (const [index, step] of steps.entries()) {
          if (seen.has(step.name)) context.addIssue({ code: 'custom', path: [index, 'name'], message: `"${step.name}" is used twice` });
          seen.add(step.name);
        }
      }),
  });
}

export const modelConfigSchema = z.strictObject({
  description: z.string().optional(),
  task: z.string().optional(),
  /** Class names file, one per line in output order. Default: `labels.txt` when present. */
  labels: z.string().optional(),
  /** Largest batch, counted in items (rows of the batch dim), not requests. */
  maxBatchSize: z.int().min(1).max(65_536).optional(),
  /** How long a batch may wait to fill while the model's workers are busy. */
  maxQueueDelayMs: z.number().min(0).max(10_000).optional(),
  /** Requests waiting for this version past which new ones get OVERLOADED. */
  maxQueueSize: z.int().min(1).optional(),
  /** Workers holding a session of this model. */
  instances: z.int().min(1).max(256).optional(),
  intraOpNumThreads: z.int().min(1).max(64).optional(),
  /** The batch dim of every input and output: 0, or null for a model that takes one request at a time. */
  batchDim: z.union([z.literal(0), z.null()]).optional(),
  /** Which versions are loaded: the latest N (default 1), all, or specific ones; the others are listed UNAVAILABLE. */
  versionPolicy: z
    .union([
      z.strictObject({ latest: z.int().min(1) }),
      z.strictObject({ all: z.literal(true) }),
      z.strictObject({ specific: z.array(z.int().min(1)).min(1) }),
    ])
    .optional(),
  /**
   * Named pointers to versions: a version number, or versions with traffic weights
   * (`{ "1": 90, "2": 10 }`). The alias `default` serves requests that name no version.
   */
  aliases: z.record(z.string().regex(ALIAS_NAME, 'an alias starts with a letter'), aliasTargetSchema()).optional(),
  /**
   * Runs before a version is READY, so its first request does not pay for onnxruntime's lazy
   * initialisation: the inputs given, else zero- or random-filled ones (dynamic dims 1 unless
   * `shapes` gives them).
   */
  warmup: z
    .strictObject({
      /** Runs per instance. @default 1 */
      runs: z.int().min(1).max(100).optional(),
      /** Input name → the shape to warm up with (a convolution may need more than 1 in its dynamic dims). */
      shapes: z.record(z.string(), z.array(z.int().min(0))).optional(),
      /** What fills inputs not given in `inputs`: zeros, or random values (uniform in [0, 1) for floats). @default 'zeros' */
      fill: z.enum(['zeros', 'random']).optional(),
      /** Inputs given outright: a shape and its elements as a flat JSON list, as predict takes them. */
      inputs: z
        .record(
          z.string(),
          z.strictObject({ shape: z.array(z.int().min(0)), data: z.array(z.union([z.number(), z.string(), z.boolean()])) }),
        )
        .optional(),
    })
    .optional(),
  /** For a stateful streaming model: which outputs feed which inputs on the next call of a sequence. */
  sequence: z
    .strictObject({
      /** Input name → the output whose value it takes on the next call, e.g. `{ "h": "hn", "c": "cn" }`. */
      state: z.record(z.string(), z.string()).refine((state) => Object.keys(state).length > 0, 'needs at least one input'),
      /** A sequence not called for this long is forgotten. */
      idleTimeoutMs: z.int().min(1).optional(),
      /** Sequences held at once; past it a new one gets OVERLOADED. */
      maxSequences: z.int().min(1).optional(),
    })
    .optional(),
  /** For a text generation model. */
  generation: z
    .strictObject({
      /** Streams running at once; past it a new one gets OVERLOADED. */
      maxStreams: z.int().min(1).optional(),
      /** The largest maxTokens a request may ask for. */
      maxTokens: z.int().min(1).optional(),
      /** The longest sequence, prompt and generated, the model takes. Default: tokenizer_config's model_max_length. */
      maxSequenceLength: z.int().min(2).optional(),
    })
    .optional(),
  /** For an image model: how a client makes the input tensor from an image (the SDK's imageTensor, the CLI). */
  preprocessing: preprocessingSchema().optional(),
  /** Output name → how its values are decoded into typed results. */
  postprocessing: z.record(z.string(), postprocessingSchema()).optional(),
  /** Makes the folder a pipeline of other models instead of a model of its own. */
  pipeline: pipelineSchema().optional(),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;

export type SequenceConfig = NonNullable<ModelConfig['sequence']>;
export type VersionPolicy = NonNullable<ModelConfig['versionPolicy']>;
export type AliasConfig = NonNullable<ModelConfig['aliases']>[string];
export type PreprocessingConfig = NonNullable<ModelConfig['preprocessing']>;
export type PipelineConfig = NonNullable<ModelConfig['pipeline']>;
