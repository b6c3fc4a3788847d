/**
 * cropQuad and rotate180 on images whose pixels say where they are (R = 2x, G = 3y), so that a crop's pixel tells
 * which image position it was sampled at.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../clients/sdk/src/image-tensor.ts';
import { cropQuad, rotate180 } from '../../src/processing/crop.ts';
import type { Point } from '../../src/processing/text-boxes.ts';

/** R = 2x and G = 3y (linear, so bilinear sampling gives them exactly), B and A vary too. */
function positionImage(width: number, height: number): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([2 * x, 3 * y, (x * 7 + y * 13) % 256, 255 - ((x + y) % 64)], (y * width + x) * 4);
  }
  return { width, height, data };
}

const pixel = ({ width, data }: RgbaImage, x: number, y: number) => [...data.subarray((y * width + x) * 4, (y * width + x) * 4 + 4)];

/** Where in the image a crop's pixel was sampled, read back from R = 2x, G = 3y. */
const sampledAt = (crop: RgbaImage, x: number, y: number): Point => {
  const [r, g] = pixel(crop, x, y);
  return [r! / 2, g! / 3];
};

const quad = (...points: Point[]) => points as [Point, Point, Point, Point];

describe('cropQuad', () => {
  const image = positionImage(100, 60);

  it('should crop exactly the pixels of an axis-aligned quad, alpha included', () => {
    const crop = cropQuad(image, quad([10, 5], [30, 5], [30, 15], [10, 15]));
    expect([crop.width, crop.height]).toEqual([20, 10]);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) expect(pixel(crop, x, y)).toEqual(pixel(image, 10 + x, 5 + y));
    }
  });

  it('should give the region turned half round for a quad listed from its bottom-right corner', () => {
    const crop = cropQuad(image, quad([30, 15], [10, 15], [10, 5], [30, 5]));
    expect([crop.width, crop.height]).toEqual([20, 10]);
    for (let y = 0; y < 10; y++) {
      for (let x = 0; x < 20; x++) expect(pixel(crop, x, y)).toEqual(pixel(image, 30 - x, 15 - y));
    }
  });

  it('should turn a crop 1.5 times taller than wide a quarter counter-clockwise, and not one under that', () => {
    const tall = cropQuad(image, quad([10, 2], [14, 2], [14, 17], [10, 17]));
    // 4 × 15 before turning: its right column becomes the top row.
    expect([tall.width, tall.height]).toEqual([15, 4]);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 15; x++) expect(pixel(tall, x, y)).toEqual(pixel(image, 10 + 3 - y, 2 + x));
    }
    const upright = cropQuad(image, quad([10, 2], [20, 2], [20, 16], [10, 16]));
    expect([upright.width, upright.height]).toEqual([10, 14]);
  });

  it('should sample between pixels bilinearly', () => {
    // A third of a pixel down, so that G = 3y stays whole.
    const crop = cropQuad(image, quad([10.5, 5 + 1 / 3], [30.5, 5 + 1 / 3], [30.5, 15 + 1 / 3], [10.5, 15 + 1 / 3]));
    expect(sampledAt(crop, 0, 0)).toEqual([10.5, 16 / 3]);
    expect(sampledAt(crop, 7, 3)).toEqual([17.5, 25 / 3]);
  });

  it('should warp a trapezoid in perspective: the crop centre is where the diagonals cross', () => {
    const crop = cropQuad(image, quad([30, 10], [70, 10], [90, 58], [10, 58]));
    expect([crop.width, crop.height]).toEqual([80, 52]);
    expect(sampledAt(crop, 0, 0)).toEqual([30, 10]);
    // The diagonals cross at (50, 26); an affine map would put the centre at the corners' mean, (50, 34).
    const [x, y] = sampledAt(crop, 40, 26);
    expect(Math.abs(x - 50)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(y - 26)).toBeLessThanOrEqual(0.5);
    // The top row stays on the top side, the left column on the left side.
    for (let i = 0; i < 80; i += 9) expect(sampledAt(crop, i, 0)[1]).toBe(10);
    for (let j = 0; j < 52; j += 7) {
      const [left, top] = sampledAt(crop, 0, j);
      expect(Math.abs(48 * (left - 30) + 20 * (top - 10))).toBeLessThanOrEqual(20);
    }
  });

  it('should repeat the edge pixels for a quad past the edge of the image', () => {
    const crop = cropQuad(image, quad([-5, 0], [5, 0], [5, 4], [-5, 4]));
    expect([0, 1, 4, 5, 6].map((x) => sampledAt(crop, x, 1)[0])).toEqual([0, 0, 0, 0, 1]);
  });

  it('should give at least one pixel for a quad that is a point', () => {
    const crop = cropQuad(image, quad([5, 7], [5, 7], [5, 7], [5, 7]));
    expect([crop.width, crop.height]).toEqual([1, 1]);
    expect(pixel(crop, 0, 0)).toEqual(pixel(image, 5, 7));
  });

  it('should refuse an image whose bytes do not match its size', () => {
    expect(() => cropQuad({ width: 2, height: 2, data: new Uint8Array(12) }, quad([0, 0], [1, 0], [1, 1], [0, 1]))).toThrow(
      'an image of 2×2 RGBA pixels has 16 bytes, got 12',
    );
  });
});

const images = fc
  .record({ width: fc.integer({ min: 1, max: 9 }), height: fc.integer({ min: 1, max: 9 }) })
  .chain(({ width, height }) =>
    fc
      .uint8Array({ minLength: width * height * 4, maxLength: width * height * 4 })
      .map((data): RgbaImage => ({ width, height, data: Uint8ClampedArray.from(data) })),
  );

describe('rotate180', () => {
  it('should put pixel (x, y) at (width − 1 − x, height − 1 − y)', () => {
    const image = positionImage(5, 3);
    const turned = rotate180(image);
    expect([turned.width, turned.height]).toEqual([5, 3]);
    expect(pixel(turned, 0, 0)).toEqual(pixel(image, 4, 2));
    expect(pixel(turned, 1, 2)).toEqual(pixel(image, 3, 0));
  });

  it('should give back the image when done twice', () => {
    fc.assert(
      fc.property(images, (image) => {
        const twice = rotate180(rotate180(image));
        expect([twice.width, twice.height]).toEqual([image.width, image.height]);
        expect([...twice.data]).toEqual([...image.data]);
      }),
    );
  });

  it('should give the same as cropping the whole image listed from its bottom-right corner', () => {
    fc.assert(
      fc.property(images, (image) => {
        const [right, bottom] = [image.width - 1, image.height - 1];
        // A crop from corner pixel centres is one pixel short each way, so compare what both cover.
        // One that tall is turned a quarter as well.
        fc.pre(Math.max(1, bottom) / Math.max(1, right) < 1.5);
        const crop = cropQuad(image, quad([right, bottom], [0, bottom], [0, 0], [right, 0]));
        const turned = rotate180(image);
        for (let y = 0; y < crop.height; y++) {
          for (let x = 0; x < crop.width; x++) expect(pixel(crop, x, y)).toEqual(pixel(turned, x, y));
        }
      }),
    );
  });
});
