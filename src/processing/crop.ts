/**
 * Text line crops for a recogniser, as PaddleOCR's `get_rotate_crop_image` makes them: the quad a detector found is
 * warped to an upright rectangle (a perspective warp, so a tilted or skewed line comes out level), and a crop much
 * taller than wide, a vertical line, is turned to lie along the recogniser's width. Also the half turn that the
 * direction classifier asks for. Pixels are RGBA, as the SDK's images are.
 */
import type { RgbaImage } from '../../clients/sdk/src/image-tensor.ts';
import type { Point } from './rotated-rect.ts';

/** A crop at least this many times taller than wide is a vertical line, turned a quarter counter-clockwise. */
const VERTICAL_RATIO = 1.5;

/**
 * The projective map from the crop's corners (0, 0), (w, 0), (w, h), (0, h), given as (u, v) in [0, 1]², to the quad's
 * corners: x = (a u + b v + c) / (g u + h v + 1), y = (d u + e v + f) / (g u + h v + 1). Heckbert's closed form for
 * a square to a quad, in place of the 8×8 system `cv2.getPerspectiveTransform` solves for the same map.
 */
function squareToQuad([[x0, y0], [x1, y1], [x2, y2], [x3, y3]]: readonly [Point, Point, Point, Point]) {
  const [sx, sy] = [x0 - x1 + x2 - x3, y0 - y1 + y2 - y3];
  const [dx1, dx2, dy1, dy2] = [x1 - x2, x3 - x2, y1 - y2, y3 - y2];
  const determinant = dx1 * dy2 - dx2 * dy1;
  // A parallelogram is affine (sx = sy = 0); a quad with three corners on a line has no projective map, so it gets the
  // affine map of its first, second and fourth corners.
  const [g, h] = determinant === 0 ? [0, 0] : [(sx * dy2 - dx2 * sy) / determinant, (dx1 * sy - sx * dy1) / determinant];
  return {
    a: x1 - x0 + g * x1,
    b: x3 - x0 + h * x3,
    c: x0,
    d: y1 - y0 + g * y1,
    e: y3 - y0 + h * y3,
    f: y0,
    g,
    h,
  };
}

/**
 * The quad's pixels warped to a `width` × `height` rectangle: crop pixel (x, y) is the image at the map's image of
 * (x / width, y / height), OpenCV's convention (pixel centres at whole coordinates, so the quad's first point is the
 * centre of the crop's first pixel). Bilinear where PaddleOCR asks OpenCV for bicubic: for text a recogniser reads at
 * 48 px high the two differ by little, and bilinear cannot ring; the edge pixels repeat outside the image.
 */
function warp(image: RgbaImage, points: readonly [Point, Point, Point, Point], width: number, height: number): RgbaImage {
  const { a, b, c, d, e, f, g, h } = squareToQuad(points);
  const { data: source, width: sourceWidth, height: sourceHeight } = image;
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const w = g * u + h * v + 1;
      const sourceX = Math.min(sourceWidth - 1, Math.max(0, (a * u + b * v + c) / w));
      const sourceY = Math.min(sourceHeight - 1, Math.max(0, (d * u + e * v + f) / w));
      // Clamping the position, then the second tap, replicates the border (OpenCV's BORDER_REPLICATE).
      const left = Math.floor(sourceX);
      const top = Math.floor(sourceY);
      const fx = sourceX - left;
      const fy = sourceY - top;
      const right = Math.min(sourceWidth - 1, left + 1);
      const bottom = Math.min(sourceHeight - 1, top + 1);
      const topLeft = (top * sourceWidth + left) * 4;
      const topRight = (top * sourceWidth + right) * 4;
      const bottomLeft = (bottom * sourceWidth + left) * 4;
      const bottomRight = (bottom * sourceWidth + right) * 4;
      const out = (y * width + x) * 4;
      for (let channel = 0; channel < 4; channel++) {
        const upper = source[topLeft + channel]! + (source[topRight + channel]! - source[topLeft + channel]!) * fx;
        const lower = source[bottomLeft + channel]! + (source[bottomRight + channel]! - source[bottomLeft + channel]!) * fx;
        data[out + channel] = upper + (lower - upper) * fy;
      }
    }
  }
  return { width, height, data };
}

/** The image turned a quarter counter-clockwise, as numpy's `rot90`: its last column becomes the first row. */
function rotate90(image: RgbaImage): RgbaImage {
  const { width, height, data: source } = image;
  const data = new Uint8ClampedArray(source.length);
  for (let y = 0; y < width; y++) {
    for (let x = 0; x < height; x++) {
      const [from, to] = [(x * width + (width - 1 - y)) * 4, (y * height + x) * 4];
      for (let channel = 0; channel < 4; channel++) data[to + channel] = source[from + channel]!;
    }
  }
  return { width: height, height: width, data };
}

/**
 * The text line inside `points` (a detector's box, in PaddleOCR's corner order, in image pixels) as an upright crop:
 * as wide as the longer of its top and bottom sides and as tall as the longer of its left and right sides, truncated
 * to whole pixels as PaddleOCR's `int()` does and at least 1; turned a quarter counter-clockwise when 1.5 times taller
 * than wide. Alpha is warped with the colour.
 */
export function cropQuad(image: RgbaImage, points: readonly [Point, Point, Point, Point]): RgbaImage {
  if (!(image.width > 0 && image.height > 0 && image.data.length === image.width * image.height * 4)) {
    throw new TypeError(
      `an image of ${image.width}×${image.height} RGBA pixels has ${image.width * image.height * 4} bytes, got ${image.data.length}`,
    );
  }
  const [p0, p1, p2, p3] = points;
  const distance = (p: Point, q: Point) => Math.hypot(p[0] - q[0], p[1] - q[1]);
  const width = Math.max(1, Math.trunc(Math.max(distance(p0, p1), distance(p2, p3))));
  const height = Math.max(1, Math.trunc(Math.max(distance(p0, p3), distance(p1, p2))));
  const crop = warp(image, points, width, height);
  return height / width >= VERTICAL_RATIO ? rotate90(crop) : crop;
}

/** The image turned half round: what the direction classifier's "180" label asks for before recognition. */
export function rotate180(image: RgbaImage): RgbaImage {
  const { width, height, data: source } = image;
  const data = new Uint8ClampedArray(source.length);
  const last = (width * height - 1) * 4;
  for (let at = 0; at <= last; at += 4) {
    for (let channel = 0; channel < 4; channel++) data[last - at + channel] = source[at + channel]!;
  }
  return { width, height, data };
}
