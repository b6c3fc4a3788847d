/**
 * Images sent for a model's input: PNG, JPEG or WebP bytes made into the tensor its model.json `preprocessing`
 * describes, on the server, so that a client sends a photo as it is. Decoding and any large shrink run in sharp
 * (libvips, on libuv's threads: off the event loop); the last resize, normalisation and layout are the SDK's
 * `imageTensor`, so an image sent as bytes and one the SDK made into a tensor give the same tensor.
 */
import sharp, { type Sharp } from 'sharp';
import { imageTensor, type RgbaImage, tensorSize } from '../../clients/sdk/src/image-tensor.ts';
import { InferError } from '../errors.ts';
import type { Tensor } from '../runtime/tensor.ts';
import type { ModelSignature } from '../runtime/tensor-spec.ts';
import type { TensorInput } from './decode-inputs.ts';

/** How an image becomes an input's tensor: the version's model.json `preprocessing` with its defaults filled in. */
export type ImagePreprocessing = Parameters<typeof imageTensor>[1] & { input: string | null };

export interface ImageLimits {
  /** Bytes of one encoded image. */
  maxTensorBytes: number;
  /** Pixels of one image, read from its header before it is decoded: an image bomb is refused unread. */
  maxImagePixels: number;
}

export interface ImageTarget {
  label: string;
  signature: ModelSignature;
  preprocessing: ImagePreprocessing | null;
}

/**
 * Past this many times the model's height, an image shrinks in libvips to twice it first (keeping its aspect), so
 * that the JavaScript resize reads a few rows instead of a whole photo; below it, the bytes go to `imageTensor` as
 * they are, exactly as the SDK would.
 */
const PRE_SHRINK_FACTOR = 4;

/** How many image pixels one tensor pixel spans on each axis, for the input an image filled. */
export interface ImageScale {
  scaleX: number;
  scaleY: number;
}

/**
 * The inputs with every image made into its tensor, inputs without one left as they are; and the scale of the
 * image's tensor (null without an image), to bring what a model finds in it back onto the image.
 */
export async function decodeImages(
  target: ImageTarget,
  inputs: readonly TensorInput[],
  limits: ImageLimits,
): Promise<{ inputs: TensorInput[]; imageScale: ImageScale | null }> {
  if (!inputs.some((input) => input.image)) return { inputs: [...inputs], imageScale: null };
  let imageScale: ImageScale | null = null;
  const decoded = await Promise.all(
    inputs.map(async (input) => {
      if (!input.image) return input;
      const { tensor, scaleX, scaleY } = await imageInput(target, input.name, input.image, limits);
      imageScale = { scaleX, scaleY };
      return { name: input.name, shape: tensor.shape, tensor };
    }),
  );
  return { inputs: decoded, imageScale };
}

async function imageInput(
  { label, signature, preprocessing }: ImageTarget,
  name: string,
  bytes: Uint8Array,
  limits: ImageLimits,
): Promise<{ tensor: Tensor; scaleX: number; scaleY: number }> {
  const context = `input "${name}" of ${label}`;
  const invalid = (message: string) => new InferError('INVALID_TENSOR', `${context}: ${message}`, { details: { tensor: name } });
  if (!preprocessing) {
    throw invalid(
      'an image needs the model.json "preprocessing" that says how it becomes the tensor, and this version has none; send the tensor',
    );
  }
  const takes = preprocessing.input ?? signature.inputs[0]?.name;
  if (name !== takes) throw invalid(`the image goes to input "${takes}", as model.json "preprocessing" says; this one takes a tensor`);
  const image = await readImage(bytes, limits, context, name);
  return tensorOfImage(image, preprocessing);
}

/**
 * Decodes PNG, JPEG or WebP bytes into RGBA pixels in libvips (off the event loop), after checking the bytes and,
 * from the header, the pixels against the limits; what it cannot read is INVALID_TENSOR naming `tensor`.
 */
export async function readImage(bytes: Uint8Array, limits: ImageLimits, context: string, tensor: string): Promise<RgbaImage> {
  const invalid = (message: string) => new InferError('INVALID_TENSOR', `${context}: ${message}`, { details: { tensor } });
  if (bytes.byteLength > limits.maxTensorBytes) {
    throw invalid(`the image is ${bytes.byteLength} bytes, over the limit of ${limits.maxTensorBytes}`);
  }
  try {
    return await rawOf(sharp(bytes, { limitInputPixels: limits.maxImagePixels, failOn: 'error' }));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(reason)) throw invalid(`the image has more pixels than the limit of ${limits.maxImagePixels}`);
    throw invalid(`the bytes are no image this server reads (PNG, JPEG, WebP): ${reason}`);
  }
}

/**
 * The input tensor of a decoded image as the preprocessing says, and how many image pixels one tensor pixel spans on
 * each axis (to bring boxes found in the tensor back onto the image). With `resizeInLibvips`, an image larger than
 * the tensor is resized there, off the event loop, to the size it takes (a page for a detector, a pipeline's crops);
 * without it only a large shrink is, so that a model input gets the SDK's tensor.
 */
export async function tensorOfImage(
  image: RgbaImage,
  preprocessing: Omit<ImagePreprocessing, 'input'>,
  { resizeInLibvips = false }: { resizeInLibvips?: boolean } = {},
): Promise<{ tensor: Tensor; scaleX: number; scaleY: number }> {
  const target = tensorSize(image, preprocessing);
  const larger = image.height > target.height || image.width > target.resizedWidth;
  const resized = (height: number, width: number) =>
    rawOf(sharp(image.data, { raw: { width: image.width, height: image.height, channels: 4 } }).resize({ height, width, fit: 'fill' }));
  let source = image;
  if (resizeInLibvips && larger) source = await resized(target.height, target.resizedWidth);
  else if (image.height > PRE_SHRINK_FACTOR * target.height) source = await resized(2 * target.height, 2 * target.resizedWidth);
  const { data, shape } = imageTensor(source, preprocessing);
  return {
    tensor: { dataType: 'FP32', shape: [...shape], data: data as Float32Array },
    scaleX: image.width / target.resizedWidth,
    scaleY: image.height / target.height,
  };
}

async function rawOf(image: Sharp): Promise<RgbaImage> {
  const { data, info } = await image.ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}
