/**
 * An image as a model's input tensor, as the version's `preprocessing` says (README, "Model repository"): pure
 * arithmetic on RGBA bytes, no Node or DOM API, so that a browser passes a canvas's ImageData and Node a decoded PNG.
 * The resampling is written here because the SDK takes no image library (none runs in both places without one of
 * those APIs); it is the usual one: area averaging when shrinking (OpenCV's INTER_AREA), bilinear when enlarging.
 */
import type { ModelSummaryFragment } from './generated/graphql.js';
import type { TensorInput } from './tensors.js';

/** How a version's input tensor is made from an image, as the catalog gives it (`model.versions[i].preprocessing`). */
export type ImagePreprocessing = NonNullable<ModelSummaryFragment['versions'][number]['preprocessing']>;

/** Pixels as 4 bytes each, R G B A, row after row: a canvas's ImageData, or pngjs' and jpeg-js' decoded images. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

interface Tap {
  index: number;
  weight: number;
}

/** For each of `to` output pixels along one axis, the source pixels (of `from`) it is made of and their weights. */
function resampling(from: number, to: number): Tap[][] {
  const scale = from / to;
  return Array.from({ length: to }, (_, i) => {
    if (scale >= 1) {
      // The source span the output pixel covers, each source pixel weighted by how much of it lies inside.
      const [start, end] = [i * scale, (i + 1) * scale];
      const taps: Tap[] = [];
      for (let j = Math.floor(start); j < Math.min(from, Math.ceil(end)); j++) {
        const overlap = Math.min(end, j + 1) - Math.max(start, j);
        if (overlap > 0) taps.push({ index: j, weight: overlap / scale });
      }
      return taps;
    }
    // Pixel centres aligned (OpenCV's and PIL's convention), clamped at the edges.
    const centre = Math.min(from - 1, Math.max(0, (i + 0.5) * scale - 0.5));
    const j = Math.floor(centre);
    const fraction = centre - j;
    return fraction > 0
      ? [
          { index: j, weight: 1 - fraction },
          { index: j + 1, weight: fraction },
        ]
      : [{ index: j, weight: 1 }];
  });
}

/**
 * The image's channels composited over white, in [0, 1], one plane each in `order`: GRAY is ITU-R BT.601 luma, as
 * PIL's convert('L') and OpenCV's cvtColor take it. One plain pass over the pixels: this runs on every image a
 * server reads, and a closure per pixel and channel cost it ten times as much.
 */
function planesOf({ width, height, data }: RgbaImage, order: ImagePreprocessing['channelOrder']): Float32Array[] {
  const count = width * height;
  const [red, green, blue] = [new Float32Array(count), new Float32Array(count), new Float32Array(count)];
  for (let pixel = 0, at = 0; pixel < count; pixel++, at += 4) {
    const alpha = data[at + 3]! / 255;
    const white = 1 - alpha;
    const scale = alpha / 255;
    red[pixel] = data[at]! * scale + white;
    green[pixel] = data[at + 1]! * scale + white;
    blue[pixel] = data[at + 2]! * scale + white;
  }
  if (order === 'RGB') return [red, green, blue];
  if (order === 'BGR') return [blue, green, red];
  for (let pixel = 0; pixel < count; pixel++) red[pixel] = 0.299 * red[pixel]! + 0.587 * green[pixel]! + 0.114 * blue[pixel]!;
  return [red];
}

/** A plane of sourceWidth × sourceHeight resampled to width × height: rows first, then columns. */
function resize(plane: Float32Array, sourceWidth: number, sourceHeight: number, width: number, height: number): Float32Array {
  // Already the size (a server resized it in libvips first): resampling would copy it through one-tap sums.
  if (sourceWidth === width && sourceHeight === height) return plane;
  const columns = resampling(sourceWidth, width);
  const rows = resampling(sourceHeight, height);
  const across = new Float32Array(sourceHeight * width);
  for (let y = 0; y < sourceHeight; y++) {
    for (const [x, taps] of columns.entries()) {
      across[y * width + x] = taps.reduce((sum, { index, weight }) => sum + plane[y * sourceWidth + index]! * weight, 0);
    }
  }
  const out = new Float32Array(height * width);
  for (const [y, taps] of rows.entries()) {
    for (let x = 0; x < width; x++)
      out[y * width + x] = taps.reduce((sum, { index, weight }) => sum + across[index * width + x]! * weight, 0);
  }
  return out;
}

/**
 * The FP32 input tensor a model takes for `image`, batch dim 1, made as its `preprocessing` says: the image over
 * white, resized, in [0, 1], inverted when asked, (value − mean) / std per channel, laid out NCHW, NHWC or flat.
 * Put it under the input's name: `inputs: { [preprocessing.input]: imageTensor(image, preprocessing) }`.
 */
export function imageTensor(image: RgbaImage, preprocessing: Omit<ImagePreprocessing, 'input'>): TensorInput {
  const { layout, channelOrder, mean, std, invert } = preprocessing;
  if (!(image.width > 0 && image.height > 0 && image.data.length === image.width * image.height * 4)) {
    throw new TypeError(
      `an image of ${image.width}×${image.height} RGBA pixels has ${image.width * image.height * 4} bytes, got ${image.data.length}`,
    );
  }
  const planes = planesOf(image, channelOrder);
  const channels = planes.length;
  const { height, width, resizedWidth } = tensorSize(image, preprocessing);
  const data = new Float32Array(channels * height * width);
  for (const [channel, source] of planes.entries()) {
    const plane = resize(source, image.width, image.height, resizedWidth, height);
    const [channelMean, channelStd] = [mean[channel] ?? mean[0] ?? 0, std[channel] ?? std[0] ?? 1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < resizedWidth; x++) {
        const value = plane[y * resizedWidth + x]!;
        const at = layout === 'NCHW' ? (channel * height + y) * width + x : (y * width + x) * channels + channel;
        data[at] = ((invert ? 1 - value : value) - channelMean) / channelStd;
      }
    }
  }
  const shape = { NCHW: [1, channels, height, width], NHWC: [1, height, width, channels], FLAT: [1, channels * height * width] }[layout];
  return { data, shape };
}

/**
 * The tensor's height and width for an image of this size, and the width the image is resized to (the rest of
 * the row is padding): fixed for STRETCH; for a text line (KEEP_ASPECT_PAD_RIGHT) as wide as the height makes
 * it, padded to the width or, up to maxWidth, to the next multiple of it, so that lines of like length share a
 * shape and so a batch; for a page (FIT_MULTIPLE_OF_32, PaddleOCR's detector) scaled down to fit, each side a
 * multiple of 32.
 */
export function tensorSize(
  image: { width: number; height: number },
  { height, width, resize: mode, maxWidth }: Pick<ImagePreprocessing, 'height' | 'width' | 'resize' | 'maxWidth'>,
): { height: number; width: number; resizedWidth: number } {
  if (mode === 'STRETCH') return { height, width, resizedWidth: width };
  if (mode === 'FIT_MULTIPLE_OF_32') {
    const scale = Math.min(1, height / image.height, width / image.width);
    const [fitHeight, fitWidth] = [image.height, image.width].map((side) => Math.max(32, Math.round((side * scale) / 32) * 32)) as [
      number,
      number,
    ];
    return { height: fitHeight, width: fitWidth, resizedWidth: fitWidth };
  }
  const natural = Math.max(1, Math.ceil((height * image.width) / image.height));
  const padded = maxWidth ? Math.min(maxWidth, Math.max(width, Math.ceil(natural / width) * width)) : width;
  return { height, width: padded, resizedWidth: Math.min(padded, natural) };
}
