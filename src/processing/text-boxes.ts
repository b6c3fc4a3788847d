/**
 * Text boxes from a DB text detector's probability map (PaddleOCR's PP-OCR detectors): PaddleOCR's `DBPostProcess`
 * with `box_type='quad'` and `score_mode='fast'`. Each 8-connected region over the threshold becomes the smallest
 * rectangle around it, kept when the map is confident inside it, then grown ("unclipped") by a margin, because the
 * detector is trained to mark a shrunk core of each text line.
 *
 * Regions are found by flood fill rather than by tracing their borders as OpenCV's `findContours` does: the rectangle
 * depends only on the region's convex hull, and the hull of a region's pixel centres is the hull of the border
 * points `findContours` gives (their x, y are pixel centres too), so `minAreaRect` sees the same polygon. Holes in a
 * region, which `findContours` with `RETR_LIST` would also list, are not candidates here.
 */
import { readingOrder } from './reading-order.ts';
import { convexHull, minAreaRect, type Point, type Quad, type RotatedRect, rectCorners } from './rotated-rect.ts';

export type { Point } from './rotated-rect.ts';

/** PaddleOCR's `DBPostProcess` settings, with PP-OCRv4's values as defaults to pass. */
export interface TextBoxOptions {
  /** A map value over this is text (`thresh`). PP-OCRv4: 0.3. */
  threshold: number;
  /** A box is kept when the map's mean inside it is at least this (`box_thresh`). PP-OCRv4: 0.6. */
  boxThreshold: number;
  /** How far a box grows: area × ratio / perimeter on every side (`unclip_ratio`). PP-OCRv4: 1.5. */
  unclipRatio: number;
  /** A box's shorter side must be at least this many map pixels, and this plus 2 once grown (`min_size`). PP-OCRv4: 3. */
  minSize: number;
  /** Regions looked at, counted before any is dropped (`max_candidates`). PP-OCRv4: 1000. */
  maxCandidates: number;
}

export interface TextBox {
  /** Corners in PaddleOCR's order: top-left, top-right, bottom-right, bottom-left for text at under 45°. */
  points: Quad;
  /** Mean of the map inside the box before it grew, in [0, 1] for a sigmoid map. */
  score: number;
}

/**
 * The outer hulls of the bitmap's 8-connected regions, at most `limit` of them, taken in the order of each region's
 * first pixel row by row (OpenCV lists its contours in another order, which only matters past `limit`). Consumes
 * `bitmap`. Each region's hull is made from its leftmost and rightmost pixel in each row, which hold every hull vertex.
 */
function regionHulls(bitmap: Uint8Array, width: number, height: number, limit: number): Float64Array[] {
  const hulls: Float64Array[] = [];
  // Allocated once per map: every pixel enters the stack at most once.
  const stack = new Int32Array(bitmap.length);
  const rowMin = new Int32Array(height).fill(width);
  const rowMax = new Int32Array(height).fill(-1);
  // Most of a page is background: skip it four pixels at a time.
  const words = new Uint32Array(bitmap.buffer, bitmap.byteOffset, bitmap.length >> 2);
  for (let start = 0; start < bitmap.length && hulls.length < limit; start++) {
    if ((start & 3) === 0 && words[start >> 2] === 0) {
      start += 3;
      continue;
    }
    if (!bitmap[start]) continue;
    bitmap[start] = 0;
    stack[0] = start;
    let size = 1;
    const firstRow = Math.floor(start / width);
    let lastRow = firstRow;
    while (size > 0) {
      const pixel = stack[--size]!;
      const y = Math.floor(pixel / width);
      const x = pixel - y * width;
      if (x < rowMin[y]!) rowMin[y] = x;
      if (x > rowMax[y]!) rowMax[y] = x;
      if (y > lastRow) lastRow = y;
      for (let ny = Math.max(0, y - 1); ny <= Math.min(height - 1, y + 1); ny++) {
        for (let nx = Math.max(0, x - 1); nx <= Math.min(width - 1, x + 1); nx++) {
          const neighbour = ny * width + nx;
          if (bitmap[neighbour]) {
            bitmap[neighbour] = 0;
            stack[size++] = neighbour;
          }
        }
      }
    }
    const ends = new Float64Array(4 * (lastRow - firstRow + 1));
    let count = 0;
    for (let y = firstRow; y <= lastRow; y++) {
      ends[2 * count] = rowMin[y]!;
      ends[2 * count++ + 1] = y;
      if (rowMax[y] !== rowMin[y]) {
        ends[2 * count] = rowMax[y]!;
        ends[2 * count++ + 1] = y;
      }
      rowMin[y] = width;
      rowMax[y] = -1;
    }
    hulls.push(convexHull(ends, count));
  }
  return hulls;
}

/**
 * PaddleOCR's `box_score_fast`: the mean of the map over the pixels the box covers, within the box's bounding box
 * clipped to the map. The corners are cast to int relative to that bounding box, as PaddleOCR does before
 * `cv2.fillPoly`; a row then covers its pixels from the box's left edge to its right edge rounded to whole pixels,
 * which is how `fillPoly` fills a convex polygon, near enough.
 */
function meanInside(map: ArrayLike<number>, width: number, height: number, corners: Quad): number {
  const xs = corners.map(([x]) => x);
  const ys = corners.map(([, y]) => y);
  const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));
  const [left, right] = [clamp(Math.floor(Math.min(...xs)), width - 1), clamp(Math.ceil(Math.max(...xs)), width - 1)];
  const [top, bottom] = [clamp(Math.floor(Math.min(...ys)), height - 1), clamp(Math.ceil(Math.max(...ys)), height - 1)];
  const vx = xs.map((x) => Math.trunc(x - left));
  const vy = ys.map((y) => Math.trunc(y - top));
  let [sum, count] = [0, 0];
  for (let row = 0; row <= bottom - top; row++) {
    let [from, to] = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];
    for (let k = 0; k < 4; k++) {
      const [ax, ay, bx, by] = [vx[k]!, vy[k]!, vx[(k + 1) % 4]!, vy[(k + 1) % 4]!];
      if (row < Math.min(ay, by) || row > Math.max(ay, by)) continue;
      // A level edge covers its whole length; another crosses the row at one x.
      const x0 = ay === by ? ax : ax + ((row - ay) * (bx - ax)) / (by - ay);
      const x1 = ay === by ? bx : x0;
      from = Math.min(from, x0, x1);
      to = Math.max(to, x0, x1);
    }
    const [first, last] = [Math.max(0, Math.floor(from + 0.5)), Math.min(right - left, Math.floor(to + 0.5))];
    const offset = (top + row) * width + left;
    for (let x = first; x <= last; x++) sum += map[offset + x]!;
    count += Math.max(0, last - first + 1);
  }
  return count > 0 ? sum / count : 0;
}

/**
 * PaddleOCR's `unclip` distance, area × ratio / perimeter. PaddleOCR offsets the box by it with pyclipper (round
 * joins) and takes `minAreaRect` of the result; for a rectangle that is exactly the rectangle with each side moved
 * out by the distance, since the rounded corners lie inside it. pyclipper works on whole numbers, so PaddleOCR's box
 * can differ from this one by under a pixel.
 */
function unclipDistance({ width, height }: RotatedRect, ratio: number): number {
  const perimeter = 2 * (width + height);
  return perimeter > 0 ? (width * height * ratio) / perimeter : 0;
}

/**
 * The text boxes in one H×W plane of a DB detector's probability map (row-major, [N,1,H,W] output's n-th plane), in
 * map pixels, clipped to [0, width] × [0, height], in reading order (`readingOrder`, with its 10 px in map pixels).
 */
export function textBoxes(map: Float32Array | ArrayLike<number>, width: number, height: number, options: TextBoxOptions): TextBox[] {
  const { threshold, boxThreshold, unclipRatio, minSize, maxCandidates } = options;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && map.length >= width * height)) {
    throw new TypeError(`a ${width}×${height} probability map has ${width * height} values, got ${map.length}`);
  }
  const bitmap = new Uint8Array(width * height);
  for (let i = 0; i < bitmap.length; i++) bitmap[i] = map[i]! > threshold ? 1 : 0;
  const boxes: TextBox[] = [];
  for (const hull of regionHulls(bitmap, width, height, maxCandidates)) {
    const rect = minAreaRect(hull);
    if (Math.min(rect.width, rect.height) < minSize) continue;
    const score = meanInside(map, width, height, rectCorners(rect));
    if (score < boxThreshold) continue;
    const distance = unclipDistance(rect, unclipRatio);
    if (Math.min(rect.width, rect.height) + 2 * distance < minSize + 2) continue;
    const points = rectCorners(rect, distance).map(([x, y]): Point => [Math.min(width, Math.max(0, x)), Math.min(height, Math.max(0, y))]);
    boxes.push({ points: points as Quad, score });
  }
  return readingOrder(boxes);
}

/** numpy's `round`, which PaddleOCR's boxes go through: halves go to the even neighbour. */
function roundHalfEven(value: number): number {
  const rounded = Math.round(value);
  return rounded - value === 0.5 && rounded % 2 !== 0 ? rounded - 1 : rounded;
}

/**
 * A box from map pixels to the original image's, rounded as PaddleOCR rounds them: `scaleX` is the image's width over
 * the map's, `scaleY` its height over the map's.
 */
export function scaleBox({ points, score }: TextBox, scaleX: number, scaleY: number): TextBox {
  return { points: points.map(([x, y]): Point => [roundHalfEven(x * scaleX), roundHalfEven(y * scaleY)]) as Quad, score };
}
