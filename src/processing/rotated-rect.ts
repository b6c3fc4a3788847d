/**
 * The smallest rectangle, at any angle, around a set of points: OpenCV's `minAreaRect`, which PaddleOCR's text
 * detector puts around each region of its probability map. The convex hull is Andrew's monotone chain; the rectangle
 * is found by rotating calipers, since the best one has a side on a hull edge.
 */

export type Point = [x: number, y: number];

export type Quad = [Point, Point, Point, Point];

/** A rectangle at any angle: its centre, the unit vector along its first side, and its side lengths. */
export interface RotatedRect {
  centerX: number;
  centerY: number;
  /** Unit vector along the side of length `width`; the other side runs along (−uy, ux). */
  ux: number;
  uy: number;
  width: number;
  height: number;
}

const cross = (ax: number, ay: number, bx: number, by: number, cx: number, cy: number) => (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);

/**
 * The convex hull of `count` points given as x, y pairs sorted by y then x, as a flat x, y array going round it.
 * Points on a hull edge are left out, so that every hull edge is a real side.
 */
export function convexHull(sorted: ArrayLike<number>, count: number): Float64Array {
  const hull = new Float64Array(4 * count + 2);
  let size = 0;
  const push = (i: number) => {
    hull[2 * size] = sorted[2 * i]!;
    hull[2 * size + 1] = sorted[2 * i + 1]!;
    size++;
  };
  const turnsBack = (i: number, floor: number) =>
    size > floor &&
    cross(hull[2 * size - 4]!, hull[2 * size - 3]!, hull[2 * size - 2]!, hull[2 * size - 1]!, sorted[2 * i]!, sorted[2 * i + 1]!) <= 0;
  for (let i = 0; i < count; i++) {
    while (turnsBack(i, 1)) size--;
    push(i);
  }
  const lower = size;
  for (let i = count - 2; i >= 0; i--) {
    while (turnsBack(i, lower)) size--;
    push(i);
  }
  // The chain ends where it began; with one distinct point it is that point, twice.
  size = Math.max(1, size - 1);
  if (size === 2 && hull[0] === hull[2] && hull[1] === hull[3]) size = 1;
  return hull.slice(0, 2 * size);
}

/** Index after `i` round a hull of `n` points. */
const next = (i: number, n: number) => (i + 1 === n ? 0 : i + 1);

/**
 * The minimum-area rectangle around a convex hull (from `convexHull`). Rotating calipers: for each hull edge taken as
 * a side, the points farthest along it, back along it and away from it only move forward round the hull, so all
 * edges together cost one turn round it. A hull of one or two points gives a rectangle of zero width or height.
 */
export function minAreaRect(hull: Float64Array): RotatedRect {
  const n = hull.length / 2;
  // Measured from the first point, so that a region's rectangle comes out of the same arithmetic wherever it lies.
  const [originX, originY] = [hull[0]!, hull[1]!];
  const x = (i: number) => hull[2 * i]! - originX;
  const y = (i: number) => hull[2 * i + 1]! - originY;
  if (n < 3) {
    const last = n - 1;
    const length = Math.hypot(x(last), y(last));
    const [ux, uy] = length > 0 ? [x(last) / length, y(last) / length] : [1, 0];
    return { centerX: originX + x(last) / 2, centerY: originY + y(last) / 2, ux, uy, width: length, height: 0 };
  }
  let best: RotatedRect | null = null;
  let bestArea = Number.POSITIVE_INFINITY;
  let [ahead, behind, far] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const j = next(i, n);
    const length = Math.hypot(x(j) - x(i), y(j) - y(i));
    const [ux, uy] = [(x(j) - x(i)) / length, (y(j) - y(i)) / length];
    const along = (k: number) => x(k) * ux + y(k) * uy;
    const away = (k: number) => Math.abs((x(k) - x(i)) * -uy + (y(k) - y(i)) * ux);
    if (i === 0) {
      // The first edge finds its three extremes by looking at every point; later ones walk from the last.
      for (let k = 1; k < n; k++) {
        if (along(k) > along(ahead)) ahead = k;
        if (along(k) < along(behind)) behind = k;
        if (away(k) > away(far)) far = k;
      }
    } else {
      for (let steps = 0; steps < n && along(next(ahead, n)) > along(ahead); steps++) ahead = next(ahead, n);
      for (let steps = 0; steps < n && along(next(behind, n)) < along(behind); steps++) behind = next(behind, n);
      for (let steps = 0; steps < n && away(next(far, n)) > away(far); steps++) far = next(far, n);
    }
    const [width, height] = [along(ahead) - along(behind), away(far)];
    if (width * height < bestArea) {
      bestArea = width * height;
      // The far side lies on the hull's side of edge i; (−uy, ux) may point either way, so take the signed distance.
      const side = (x(far) - x(i)) * -uy + (y(far) - y(i)) * ux;
      const middle = (along(ahead) + along(behind)) / 2 - along(i);
      best = {
        centerX: originX + x(i) + ux * middle - uy * (side / 2),
        centerY: originY + y(i) + uy * middle + ux * (side / 2),
        ux,
        uy,
        width,
        height,
      };
    }
  }
  return best!;
}

/**
 * Corners of rectangles around whole-pixel centres are often whole numbers, which arithmetic leaves 1e-15 off; the
 * box score casts them to int as PaddleOCR does, and 3.9999… would become 3. Snap them.
 */
function snapped(value: number): number {
  const whole = Math.round(value);
  return Math.abs(value - whole) < 1e-9 ? whole : value;
}

/**
 * The rectangle's corners, each side moved out by `grow`, in PaddleOCR's order (`get_mini_boxes`): of the two corners
 * with the smallest x, the upper is first and the lower last; of the other two, the upper is second and the lower
 * third. For text at under 45° that is top-left, top-right, bottom-right, bottom-left. Corners with the same x are
 * taken upper first, where OpenCV's order would depend on how `boxPoints` listed them.
 */
export function rectCorners({ centerX, centerY, ux, uy, width, height }: RotatedRect, grow = 0): Quad {
  const [halfWidth, halfHeight] = [width / 2 + grow, height / 2 + grow];
  const corner = (a: number, b: number): Point => [
    snapped(centerX + a * halfWidth * ux - b * halfHeight * uy),
    snapped(centerY + a * halfWidth * uy + b * halfHeight * ux),
  ];
  const [first, second, third, fourth] = [corner(-1, -1), corner(1, -1), corner(1, 1), corner(-1, 1)].sort(
    (p, q) => p[0] - q[0] || p[1] - q[1],
  ) as Quad;
  const [topLeft, bottomLeft] = second[1] > first[1] ? [first, second] : [second, first];
  const [topRight, bottomRight] = fourth[1] > third[1] ? [third, fourth] : [fourth, third];
  return [topLeft, topRight, bottomRight, bottomLeft];
}
