/** convexHull and minAreaRect: rotating calipers against trying every hull edge, and corners in PaddleOCR's order. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convexHull, minAreaRect, rectCorners } from '../../src/processing/rotated-rect.ts';

/** Points as convexHull takes them: x, y pairs sorted by y then x, no repeats. */
function sortedPoints(points: readonly (readonly [number, number])[]): Float64Array {
  const unique = [...new Map(points.map(([x, y]) => [`${x},${y}`, [x, y] as const])).values()];
  return Float64Array.from(unique.sort((p, q) => p[1] - q[1] || p[0] - q[0]).flat());
}

const hullOf = (points: readonly (readonly [number, number])[]) => {
  const sorted = sortedPoints(points);
  return convexHull(sorted, sorted.length / 2);
};

/** The smallest area over rectangles with a side on each hull edge, found by projecting every point: slow and plain. */
function bruteForceArea(hull: Float64Array): number {
  const n = hull.length / 2;
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    const [ex, ey] = [hull[2 * j]! - hull[2 * i]!, hull[2 * j + 1]! - hull[2 * i + 1]!];
    const length = Math.hypot(ex, ey);
    const [ux, uy] = [ex / length, ey / length];
    const along = Array.from({ length: n }, (_, k) => hull[2 * k]! * ux + hull[2 * k + 1]! * uy);
    const across = Array.from({ length: n }, (_, k) => -hull[2 * k]! * uy + hull[2 * k + 1]! * ux);
    best = Math.min(best, (Math.max(...along) - Math.min(...along)) * (Math.max(...across) - Math.min(...across)));
  }
  return best;
}

const pointSets = fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })), { minLength: 3, maxLength: 80 });

describe('convexHull', () => {
  it('should keep only the corners of a filled square', () => {
    const square = Array.from({ length: 25 }, (_, i) => [i % 5, Math.floor(i / 5)] as const);
    const hull = hullOf(square);
    const corners = Array.from({ length: hull.length / 2 }, (_, i) => `${hull[2 * i]},${hull[2 * i + 1]}`);
    expect(corners.sort()).toEqual(['0,0', '0,4', '4,0', '4,4']);
  });

  it('should give one point for one point and two for points on a line', () => {
    expect([...hullOf([[3, 4]])]).toEqual([3, 4]);
    expect(
      [
        ...hullOf([
          [0, 0],
          [1, 1],
          [2, 2],
          [3, 3],
        ]),
      ].sort(),
    ).toEqual([0, 0, 3, 3]);
  });
});

describe('minAreaRect', () => {
  it('should find the axis-aligned rectangle of pixel centres', () => {
    const rect = minAreaRect(
      hullOf([
        [20, 10],
        [79, 10],
        [79, 29],
        [20, 29],
        [50, 20],
      ]),
    );
    expect([rect.centerX, rect.centerY]).toEqual([49.5, 19.5]);
    expect([Math.max(rect.width, rect.height), Math.min(rect.width, rect.height)]).toEqual([59, 19]);
  });

  it('should find the same area as trying every hull edge, and hold every point', () => {
    fc.assert(
      fc.property(pointSets, (points) => {
        const hull = hullOf(points);
        const rect = minAreaRect(hull);
        if (hull.length >= 6) expect(rect.width * rect.height).toBeCloseTo(bruteForceArea(hull), 6);
        for (const [x, y] of points) {
          const [dx, dy] = [x - rect.centerX, y - rect.centerY];
          expect(Math.abs(dx * rect.ux + dy * rect.uy)).toBeLessThanOrEqual(rect.width / 2 + 1e-9);
          expect(Math.abs(-dx * rect.uy + dy * rect.ux)).toBeLessThanOrEqual(rect.height / 2 + 1e-9);
        }
      }),
    );
  });
});

describe('rectCorners', () => {
  it('should list the corners top-left, top-right, bottom-right, bottom-left, moved out by grow', () => {
    const rect = { centerX: 50, centerY: 20, ux: 0, uy: 1, width: 10, height: 40 };
    expect(rectCorners(rect, 1)).toEqual([
      [29, 14],
      [71, 14],
      [71, 26],
      [29, 26],
    ]);
  });

  it('should start from the upper of the two leftmost corners of a tilted rectangle', () => {
    const angle = (30 * Math.PI) / 180;
    const rect = { centerX: 0, centerY: 0, ux: Math.cos(angle), uy: Math.sin(angle), width: 20, height: 10 };
    const [topLeft, topRight, bottomRight, bottomLeft] = rectCorners(rect);
    // Turned 30° clockwise on screen (y down): the left end's upper corner is the top-left.
    expect(Math.atan2(topRight[1] - topLeft[1], topRight[0] - topLeft[0])).toBeCloseTo(angle, 9);
    expect(Math.atan2(bottomLeft[1] - topLeft[1], bottomLeft[0] - topLeft[0])).toBeCloseTo(angle + Math.PI / 2, 9);
    expect(Math.hypot(bottomRight[0] - bottomLeft[0], bottomRight[1] - bottomLeft[1])).toBeCloseTo(20, 9);
  });
});
