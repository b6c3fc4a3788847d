/** A version's image preprocessing with its defaults applied, and the check, once loaded, that it makes what its input takes. */
import {
  type CHANNEL_ORDERS,
  CHANNELS_OF,
  type IMAGE_LAYOUTS,
  type IMAGE_RESIZES,
  type PreprocessingConfig,
} from '../repository/model-config.ts';
import { formatShape } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';

export interface ImagePreprocessing {
  /** The input the image fills; null until the version has loaded when model.json names none (its first, then). */
  input: string | null;
  layout: (typeof IMAGE_LAYOUTS)[number];
  channelOrder: (typeof CHANNEL_ORDERS)[number];
  height: number;
  width: number;
  resize: (typeof IMAGE_RESIZES)[number];
  /** KEEP_ASPECT_PAD_RIGHT: the widest a line pads to (in multiples of width); null to squeeze wider lines to the width. */
  maxWidth: number | null;
  /** One per channel, in the tensor's channel order. */
  mean: number[];
  std: number[];
  invert: boolean;
}

export function preprocessingOf(config: PreprocessingConfig | undefined): ImagePreprocessing | null {
  if (!config) return null;
  const {
    input = null,
    layout = 'NCHW',
    channelOrder = 'RGB',
    height,
    width,
    resize = 'STRETCH',
    maxWidth = null,
    invert = false,
  } = config;
  const channels = CHANNELS_OF[channelOrder];
  const perChannel = (values: number[] | undefined, fallback: number) =>
    values?.length === channels ? values : Array.from({ length: channels }, () => values?.[0] ?? fallback);
  return {
    input,
    layout,
    channelOrder,
    height,
    width,
    resize,
    maxWidth,
    mean: perChannel(config.mean, 0),
    std: perChannel(config.std, 1),
    invert,
  };
}

/**
 * The preprocessing with its input named, once the signature is known; throws, naming the model.json field, when
 * the tensor it makes ([1, …] in its layout) cannot be what the input takes.
 */
export function checkPreprocessing(preprocessing: ImagePreprocessing | null, { inputs }: ModelSignature): ImagePreprocessing | null {
  if (!preprocessing) return null;
  const spec = preprocessing.input === null ? inputs[0] : inputs.find((input) => input.name === preprocessing.input);
  if (!spec) {
    throw new Error(
      `model.json "preprocessing.input" names input "${preprocessing.input}", which the model does not have ` +
        `(inputs: ${inputs.map((input) => `"${input.name}"`).join(', ')})`,
    );
  }
  const { layout, channelOrder, resize, maxWidth } = preprocessing;
  const channels = CHANNELS_OF[channelOrder];
  // A size the image decides is a dim the model must leave dynamic (-1): a page's both sides, a padded line's width.
  const height = resize === 'FIT_MULTIPLE_OF_32' ? -1 : preprocessing.height;
  const width = resize === 'FIT_MULTIPLE_OF_32' || maxWidth !== null ? -1 : preprocessing.width;
  // Each dim of the row, with the fields that make it.
  const dimsOf: Record<ImagePreprocessing['layout'], [number, string][]> = {
    NCHW: [
      [channels, '"preprocessing.channelOrder"'],
      [height, '"preprocessing.height"'],
      [width, '"preprocessing.width"'],
    ],
    NHWC: [
      [height, '"preprocessing.height"'],
      [width, '"preprocessing.width"'],
      [channels, '"preprocessing.channelOrder"'],
    ],
    FLAT: [[height === -1 || width === -1 ? -1 : height * width * channels, '"preprocessing.height" × "preprocessing.width"']],
  };
  const dims = dimsOf[layout];
  const sized = (dim: number) => (dim === -1 ? 'any' : String(dim));
  const made = `${layout} ${channelOrder} ${sized(height)}×${sized(width)} makes ${formatShape([1, ...dims.map(([dim]) => dim)])}`;
  const [, ...row] = spec.shape;
  if (row.length !== dims.length) {
    throw new Error(`model.json "preprocessing.layout": input "${spec.name}" is ${formatShape(spec.shape)}, but ${made}`);
  }
  for (const [index, [dim, field]] of dims.entries()) {
    if (row[index] !== -1 && row[index] !== dim) {
      // The image decides this dim, but the model fixes it: name the setting that makes it vary.
      if (dim === -1) {
        const setting = resize === 'FIT_MULTIPLE_OF_32' ? '"preprocessing.resize" FIT_MULTIPLE_OF_32' : '"preprocessing.maxWidth"';
        throw new Error(`model.json ${setting}: input "${spec.name}" is ${formatShape(spec.shape)}, but ${made}`);
      }
      throw new Error(`model.json ${field}: input "${spec.name}" is ${formatShape(spec.shape)}, but ${made}`);
    }
  }
  return { ...preprocessing, input: spec.name };
}
