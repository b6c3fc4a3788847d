/**
 * An image file as a model's input tensor, shaped by what the model's input says (its shape from the catalog):
 * [N, S×S] is a grey S×S image, ink 1 and background 0, as glyphs takes; [N, C, H, W] with a fixed H and W is
 * C channels resized to H×W, each in [0, 1]. The image is box-filtered to size: no image-resizing library is
 * installed, and a box filter is a few lines that average every source pixel into the one it falls in.
 */
import { extname } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { TensorInput } from '../../clients/sdk/src/index.ts';
import { UsageError } from './exit-codes.ts';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

function decode(bytes: Buffer, file: string): Rgba {
  try {
    if (extname(file).toLowerCase() === '.png') return PNG.sync.read(bytes);
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (error) {
    throw new UsageError(`${file} is not an image this can read: ${(error as Error).message}`);
  }
}

/** Channel c (0 R, 1 G, 2 B, 3 grey) of the image, composited over white, in [0, 1], box-filtered to width × height. */
function resized({ width, height, data }: Rgba, channel: number, outWidth: number, outHeight: number): Float32Array {
  const sums = new Float32Array(outWidth * outHeight);
  const counts = new Float32Array(outWidth * outHeight);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      const alpha = data[at + 3]! / 255;
      const over = (value: number) => (value / 255) * alpha + (1 - alpha);
      const value =
        channel === 3 ? 0.299 * over(data[at]!) + 0.587 * over(data[at + 1]!) + 0.114 * over(data[at + 2]!) : over(data[at + channel]!);
      const cell = Math.floor((y * outHeight) / height) * outWidth + Math.floor((x * outWidth) / width);
      sums[cell]! += value;
      counts[cell]! += 1;
    }
  }
  return sums.map((sum, cell) => sum / (counts[cell] || 1));
}

export function readImage(bytes: Buffer, file: string, input: { name: string; shape: readonly number[] }): TensorInput {
  const image = decode(bytes, file);
  const [, ...row] = input.shape;
  if (row.length === 1 && Number.isInteger(Math.sqrt(row[0]!))) {
    const side = Math.sqrt(row[0]!);
    const grey = resized(image, 3, side, side);
    // Ink is what differs from the background: dark on light paper, or light on a dark screen.
    const mean = grey.reduce((total, value) => total + value, 0) / grey.length;
    const pixels = mean > 0.5 ? grey.map((value) => 1 - value) : grey;
    return { data: pixels, shape: [1, row[0]!] };
  }
  const [channels, height, width] = row;
  if (row.length === 3 && (channels === 1 || channels === 3) && height! > 0 && width! > 0) {
    const planes = Array.from({ length: channels }, (_, channel) => resized(image, channels === 1 ? 3 : channel, width!, height!));
    const data = new Float32Array(channels * height! * width!);
    for (const [channel, plane] of planes.entries()) data.set(plane, channel * plane.length);
    return { data, shape: [1, channels, height!, width!] };
  }
  throw new UsageError(
    `input "${input.name}" [${input.shape.join(',')}] is not an image this can fill from a file: give it as JSON or .npy`,
  );
}
