/** imageTensor: RGBA pixels into a model's input tensor as its preprocessing says, against values worked out by hand. */
import { describe, expect, it } from 'vitest';
import { type ImagePreprocessing, imageTensor, type RgbaImage } from '../../clients/sdk/src/index.ts';

/** An image from its pixels, row after row, each [R, G, B, A]. */
function imageOf(width: number, pixels: number[][]): RgbaImage {
  return { width, height: pixels.length / width, data: Uint8ClampedArray.from(pixels.flat()) };
}

const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];
const BLACK = [0, 0, 0, 255];
const WHITE = [255, 255, 255, 255];

const hints = (overrides: Partial<ImagePreprocessing>): ImagePreprocessing => ({
  input: 'x',
  layout: 'NCHW',
  channelOrder: 'RGB',
  height: 1,
  width: 2,
  resize: 'STRETCH',
  maxWidth: null,
  mean: [0, 0, 0],
  std: [1, 1, 1],
  invert: false,
  ...overrides,
});

function expectTensor(actual: ReturnType<typeof imageTensor>, shape: number[], data: number[]) {
  expect(actual.shape).toEqual(shape);
  expect(actual.data).toBeInstanceOf(Float32Array);
  expect(Array.from(actual.data as Float32Array)).toHaveLength(data.length);
  for (const [index, value] of Array.from(actual.data as Float32Array).entries())
    expect(value, `element ${index}`).toBeCloseTo(data[index]!, 6);
}

describe('imageTensor', () => {
  it('should lay out channel planes NCHW, scaled to [-1, 1] by mean 0.5 and std 0.5', () => {
    const tensor = imageTensor(imageOf(2, [RED, BLUE]), hints({ mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] }));
    // R plane, G plane, B plane; red is (1, 0, 0), blue (0, 0, 1).
    expectTensor(tensor, [1, 3, 1, 2], [1, -1, -1, -1, -1, 1]);
  });

  it('should interleave the channels NHWC in BGR order, each with its own mean and std', () => {
    const tensor = imageTensor(
      imageOf(2, [RED, BLUE]),
      hints({ layout: 'NHWC', channelOrder: 'BGR', mean: [0.5, 0, 0], std: [1, 1, 0.5] }),
    );
    // Red: B 0 − 0.5, G 0, R 1 / 0.5; blue: B 1 − 0.5, G 0, R 0.
    expectTensor(tensor, [1, 1, 2, 3], [-0.5, 0, 2, 0.5, 0, 0]);
  });

  it('should take the luma of each pixel for GRAY', () => {
    const tensor = imageTensor(imageOf(2, [RED, [0, 255, 0, 255]]), hints({ channelOrder: 'GRAY', mean: [0], std: [1] }));
    expectTensor(tensor, [1, 1, 1, 2], [0.299, 0.587]);
  });

  it('should composite a transparent pixel over white', () => {
    const tensor = imageTensor(
      imageOf(2, [
        [0, 0, 0, 0],
        [0, 0, 0, 51],
      ]),
      hints({ channelOrder: 'GRAY', mean: [0], std: [1] }),
    );
    // Alpha 51/255 = 0.2 of black over white: 0.8.
    expectTensor(tensor, [1, 1, 1, 2], [1, 0.8]);
  });

  it('should shrink by averaging the area of each output pixel, invert the ink and flatten, as glyphs takes it', () => {
    const grey = [51, 51, 51, 255]; // 0.2
    // 4×4: the top left 2×2 black, one pixel of the top right grey, the rest white.
    const pixels = [
      [BLACK, BLACK, grey, WHITE],
      [BLACK, BLACK, WHITE, WHITE],
      [WHITE, WHITE, WHITE, WHITE],
      [WHITE, WHITE, WHITE, WHITE],
    ].flat();
    const tensor = imageTensor(
      imageOf(4, pixels),
      hints({ layout: 'FLAT', channelOrder: 'GRAY', height: 2, width: 2, mean: [0], std: [1], invert: true }),
    );
    // Block means 0, (0.2 + 3) / 4 = 0.8, 1, 1; inverted.
    expectTensor(tensor, [1, 4], [1, 0.2, 0, 0]);
  });

  it('should enlarge bilinearly, pixel centres aligned', () => {
    const tensor = imageTensor(imageOf(2, [BLACK, WHITE]), hints({ channelOrder: 'GRAY', height: 1, width: 4, mean: [0], std: [1] }));
    // Output centres at source x −0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    expectTensor(tensor, [1, 1, 1, 4], [0, 0.25, 0.75, 1]);
  });

  it('should keep the aspect ratio to the height and pad the rest of the width with 0, as PaddleOCR does', () => {
    const tensor = imageTensor(
      imageOf(2, [BLACK, WHITE]),
      hints({ channelOrder: 'GRAY', height: 2, width: 8, resize: 'KEEP_ASPECT_PAD_RIGHT', mean: [0.5], std: [0.5] }),
    );
    // 1×2 to height 2 is 4 wide: [0, 0.25, 0.75, 1] on [-1, 1], then 4 columns of padding, on both rows.
    const row = [-1, -0.5, 0.5, 1, 0, 0, 0, 0];
    expectTensor(tensor, [1, 1, 2, 8], [...row, ...row]);
  });

  it('should squeeze a line wider than the aspect ratio allows to the width', () => {
    const line = imageOf(8, [BLACK, BLACK, WHITE, WHITE, BLACK, BLACK, WHITE, WHITE]);
    const tensor = imageTensor(
      line,
      hints({ channelOrder: 'GRAY', height: 1, width: 4, resize: 'KEEP_ASPECT_PAD_RIGHT', mean: [0], std: [1] }),
    );
    expectTensor(tensor, [1, 1, 1, 4], [0, 1, 0, 1]);
  });

  it('should refuse pixels that are not width × height × 4 bytes, naming both', () => {
    expect(() => imageTensor({ width: 2, height: 2, data: new Uint8Array(12) }, hints({}))).toThrow(
      'an image of 2×2 RGBA pixels has 16 bytes, got 12',
    );
  });
});
