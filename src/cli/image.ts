/**
 * An image file (PNG or JPEG) as a model's input tensor, made by the SDK's imageTensor as the version's
 * preprocessing (its model.json) says. A model without one gets no guess: how an image model wants its values
 * (ImageNet's mean and std, PaddleOCR's [-1, 1], ink 1 on 0) cannot be read off its shape, and a wrong guess gives
 * confident wrong answers.
 */
import { extname } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { type ImagePreprocessing, imageTensor, type RgbaImage, type TensorInput } from '../../clients/sdk/src/index.ts';
import { UsageError } from './exit-codes.ts';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

function decode(bytes: Buffer, file: string): RgbaImage {
  try {
    if (extname(file).toLowerCase() === '.png') return PNG.sync.read(bytes);
    return jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (error) {
    throw new UsageError(`${file} is not an image this can read: ${(error as Error).message}`);
  }
}

/** The image in `file` as the input tensor `preprocessing` describes, by that input's name. */
export function readImage(bytes: Buffer, file: string, preprocessing: ImagePreprocessing): TensorInput {
  return imageTensor(decode(bytes, file), preprocessing);
}
