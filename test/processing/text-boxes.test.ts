/**
 * textBoxes: DB post-processing on synthetic probability maps, against boxes worked out by hand from PaddleOCR's
 * formulas (the rectangle around the region's pixel centres, grown by area × 1.5 / perimeter on every side).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readingOrder } from '../../src/processing/reading-order.ts';
import { type Point, scaleBox, type TextBox, type TextBoxOptions, textBoxes } from '../../src/processing/text-boxes.ts';

const PP_OCR_V4: TextBoxOptions = { threshold: 0.3, boxThreshold: 0.6, unclipRatio: 1.5, minSize: 3, maxCandidates: 1000 };

/** A probability map of zeros to paint regions on. */
function mapOf(width: number, height: number) {
  const data = new Float32Array(width * height);
  return {
    data,
    width,
    height,
    /** Pixels x0..x1, y0..y1 (inclusive) set to `value`. */
    fill(x0: number, y0: number, x1: number, y1: number, value = 0.9) {
      for (let y = y0; y <= y1; y++) data.fill(value, y * width + x0, y * width + x1 + 1);
      return this;
    },
    /** Pixels whose centres lie in a rectangle of that centre and size, turned `degrees` clockwise on screen. */
    fillTurned(cx: number, cy: number, length: number, thickness: number, degrees: number, value = 0.9) {
      const [ux, uy] = [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          const [dx, dy] = [x - cx, y - cy];
          if (Math.abs(dx * ux + dy * uy) <= length / 2 && Math.abs(-dx * uy + dy * ux) <= thickness / 2) data[y * width + x] = value;
        }
      }
      return this;
    },
    boxes(options: Partial<TextBoxOptions> = {}) {
      return textBoxes(data, width, height, { ...PP_OCR_V4, ...options });
    },
  };
}

/** The box a region of pixels x0..x1, y0..y1 gives: its pixel centres' rectangle grown by d on every side. */
function expectedBox(x0: number, y0: number, x1: number, y1: number, ratio = 1.5): Point[] {
  const [w, h] = [x1 - x0, y1 - y0];
  const d = (w * h * ratio) / (2 * (w + h));
  return [
    [x0 - d, y0 - d],
    [x1 + d, y0 - d],
    [x1 + d, y1 + d],
    [x0 - d, y1 + d],
  ];
}

function expectPoints(actual: readonly Point[], expected: readonly Point[], digits = 6) {
  expect(actual).toHaveLength(4);
  actual.forEach(([x, y], i) => {
    expect(x).toBeCloseTo(expected[i]![0], digits);
    expect(y).toBeCloseTo(expected[i]![1], digits);
  });
}

const centre = ({ points }: TextBox): Point => [points.reduce((sum, [x]) => sum + x, 0) / 4, points.reduce((sum, [, y]) => sum + y, 0) / 4];

describe('textBoxes on filled rectangles', () => {
  it('should put each region in its rectangle grown by area × ratio / perimeter, top first', () => {
    const map = mapOf(200, 100).fill(20, 20, 79, 39).fill(120, 60, 179, 69, 0.8);
    const boxes = map.boxes();
    expect(boxes).toHaveLength(2);
    // 59 × 19 between pixel centres: d = 59 · 19 · 1.5 / (2 · 78) = 10.7788…
    expectPoints(boxes[0]!.points, [
      [9.221154, 9.221154],
      [89.778846, 9.221154],
      [89.778846, 49.778846],
      [9.221154, 49.778846],
    ]);
    expect(boxes[0]!.score).toBeCloseTo(0.9, 6);
    // 59 × 9: d = 59 · 9 · 1.5 / (2 · 68) = 5.8566…
    expectPoints(boxes[1]!.points, expectedBox(120, 60, 179, 69));
    expect(boxes[1]!.points[0][0]).toBeCloseTo(114.143382, 5);
    expect(boxes[1]!.score).toBeCloseTo(0.8, 6);
  });

  it('should clip a box that grows past the edge of the map', () => {
    const [box] = mapOf(100, 50).fill(2, 1, 60, 12).boxes();
    const [[left, top], , [right, bottom]] = box!.points;
    expect([left, top]).toEqual([0, 0]);
    expect(right).toBeCloseTo(60 + (58 * 11 * 1.5) / (2 * 69), 6);
    expect(bottom).toBeCloseTo(12 + (58 * 11 * 1.5) / (2 * 69), 6);
  });

  it('should give a region turned 20° a box turned 20°, the unclipped size, around the same centre', () => {
    const [box, ...others] = mapOf(240, 160).fillTurned(120, 80, 120, 30, 20).boxes();
    expect(others).toEqual([]);
    const [topLeft, topRight, bottomRight, bottomLeft] = box!.points;
    const degrees = (from: Point, to: Point) => (Math.atan2(to[1] - from[1], to[0] - from[0]) * 180) / Math.PI;
    expect(Math.abs(degrees(topLeft, topRight) - 20)).toBeLessThan(1);
    expect(Math.abs(degrees(bottomLeft, bottomRight) - 20)).toBeLessThan(1);
    expect(Math.abs(degrees(topLeft, bottomLeft) - 110)).toBeLessThan(1);
    // Pixel centres span about 119 × 29, so d ≈ 119 · 29 · 1.5 / 296 ≈ 17.5: about 154 × 64.
    const length = Math.hypot(topRight[0] - topLeft[0], topRight[1] - topLeft[1]);
    const thickness = Math.hypot(bottomLeft[0] - topLeft[0], bottomLeft[1] - topLeft[1]);
    expect(Math.abs(length - 154)).toBeLessThan(2);
    expect(Math.abs(thickness - 64)).toBeLessThan(2);
    const [cx, cy] = centre(box!);
    expect(Math.abs(cx - 120)).toBeLessThan(1);
    expect(Math.abs(cy - 80)).toBeLessThan(1);
  });

  it('should join pixels that touch only at a corner into one region', () => {
    // The joined region's rectangle is half empty, so the box threshold is lowered to keep it.
    expect(mapOf(100, 60).fill(10, 10, 40, 20).fill(41, 21, 80, 40).boxes({ boxThreshold: 0.3 })).toHaveLength(1);
    expect(mapOf(100, 60).fill(10, 10, 40, 20).fill(42, 21, 80, 40).boxes({ boxThreshold: 0.3 })).toHaveLength(2);
  });
});

describe('textBoxes dropping regions', () => {
  it('should drop a region whose mean is under boxThreshold and keep the same region over it', () => {
    expect(mapOf(100, 50).fill(10, 10, 60, 25, 0.5).boxes()).toEqual([]);
    expect(mapOf(100, 50).fill(10, 10, 60, 25, 0.65).boxes()).toHaveLength(1);
  });

  it('should score over the map inside the box, so a faint region around a bright core is dropped', () => {
    // The bright core alone is a region of its own only when the faint ring is under the threshold.
    const map = mapOf(100, 60).fill(10, 10, 80, 50, 0.35).fill(40, 25, 50, 35, 1);
    expect(map.boxes()).toEqual([]);
    expect(map.boxes({ threshold: 0.4 })).toHaveLength(1);
  });

  it('should drop a region whose shorter side is under minSize', () => {
    // Two rows of pixels: 1 between their centres.
    expect(mapOf(100, 50).fill(10, 10, 60, 11).boxes()).toEqual([]);
    expect(mapOf(100, 50).fill(10, 10, 60, 13).boxes()).toHaveLength(1);
  });

  it('should drop a box that is under minSize + 2 once grown', () => {
    // 3 × 3 between centres: grown by 9 · 0.5 / 12 = 0.375 it is 3.75 < 5; by 9 · 1.5 / 12 = 1.125 it is 5.25.
    expect(mapOf(50, 50).fill(10, 10, 13, 13).boxes({ unclipRatio: 0.5 })).toEqual([]);
    expect(mapOf(50, 50).fill(10, 10, 13, 13).boxes({ unclipRatio: 1.5 })).toHaveLength(1);
  });

  it('should look at no more than maxCandidates regions, counting the ones it drops', () => {
    const map = mapOf(100, 200).fill(5, 2, 6, 3);
    for (const top of [20, 50, 80, 110, 140]) map.fill(10, top, 60, top + 10);
    const tops = map.boxes({ maxCandidates: 3 }).map(({ points }) => Math.round(points[0][1] + (50 * 10 * 1.5) / 120));
    expect(tops).toEqual([20, 50]);
    expect(map.boxes()).toHaveLength(5);
  });

  it('should refuse a map shorter than width × height', () => {
    expect(() => textBoxes(new Float32Array(10), 4, 4, PP_OCR_V4)).toThrow('a 4×4 probability map has 16 values, got 10');
  });
});

describe('reading order', () => {
  it('should take boxes on one line left to right though the right one starts higher', () => {
    const map = mapOf(200, 120).fill(100, 30, 160, 39).fill(10, 35, 60, 44).fill(10, 70, 60, 79);
    const centres = map.boxes().map((box) => centre(box).map(Math.round));
    expect(centres).toEqual([
      [35, 40],
      [130, 35],
      [35, 75],
    ]);
  });

  it("should move a box left only past neighbours under 10 px above it, as PaddleOCR's sorted_boxes", () => {
    const at = (x: number, y: number): TextBox => ({
      points: [
        [x, y],
        [x + 5, y],
        [x + 5, y + 5],
        [x, y + 5],
      ],
      score: 1,
    });
    const firsts = (boxes: TextBox[]) => readingOrder(boxes).map(({ points }) => points[0]);
    expect(firsts([at(30, 0), at(20, 5), at(10, 9)])).toEqual([
      [10, 9],
      [20, 5],
      [30, 0],
    ]);
    // 16 is 10 or more below 0, so the third box stops behind the first: the order is PaddleOCR's, not one by line.
    expect(firsts([at(50, 0), at(40, 8), at(10, 16)])).toEqual([
      [40, 8],
      [50, 0],
      [10, 16],
    ]);
    expect(readingOrder([at(50, 0), at(40, 8)], 5).map(({ points }) => points[0])).toEqual([
      [50, 0],
      [40, 8],
    ]);
  });
});

describe('scaleBox', () => {
  it('should scale to image pixels and round halves to even, as numpy', () => {
    const box: TextBox = {
      points: [
        [10.25, 5.5],
        [20.75, 5.5],
        [20.75, 7.5],
        [10.25, 7.5],
      ],
      score: 0.7,
    };
    expect(scaleBox(box, 2, 1)).toEqual({
      points: [
        [20, 6],
        [42, 6],
        [42, 8],
        [20, 8],
      ],
      score: 0.7,
    });
    expect(scaleBox(box, 2, 3).points[0]).toEqual([20, 16]);
  });
});

/** Rectangles to paint, each with its own value, anywhere in a `width` × `height` area. */
const regions = (width: number, height: number) =>
  fc.array(
    fc.record({
      x: fc.integer({ min: 0, max: width - 1 }),
      y: fc.integer({ min: 0, max: height - 1 }),
      w: fc.integer({ min: 2, max: 30 }),
      h: fc.integer({ min: 2, max: 12 }),
      value: fc.integer({ min: 20, max: 100 }).map((percent) => percent / 100),
    }),
    { minLength: 1, maxLength: 8 },
  );

const paint = (map: ReturnType<typeof mapOf>, painted: { x: number; y: number; w: number; h: number; value: number }[], dx = 0, dy = 0) => {
  for (const { x, y, w, h, value } of painted) {
    map.fill(x + dx, y + dy, Math.min(map.width - 1, x + dx + w), Math.min(map.height - 1, y + dy + h), value);
  }
  return map;
};

describe('textBoxes properties', () => {
  it('should return boxes inside the map whose scores reach boxThreshold', () => {
    fc.assert(
      fc.property(
        regions(64, 40),
        fc.double({ min: 0.3, max: 0.95, noNaN: true }),
        fc.double({ min: 0.5, max: 3, noNaN: true }),
        (painted, boxThreshold, unclipRatio) => {
          const map = paint(mapOf(64, 40), painted);
          const max = Math.max(0, ...map.data);
          for (const { points, score } of map.boxes({ boxThreshold, unclipRatio })) {
            expect(score).toBeGreaterThanOrEqual(boxThreshold);
            expect(score).toBeLessThanOrEqual(max + 1e-6);
            for (const [x, y] of points) {
              expect(x).toBeGreaterThanOrEqual(0);
              expect(x).toBeLessThanOrEqual(64);
              expect(y).toBeGreaterThanOrEqual(0);
              expect(y).toBeLessThanOrEqual(40);
            }
          }
        },
      ),
    );
  });

  it('should give a map moved by (dx, dy) the same boxes moved by (dx, dy)', () => {
    // Regions 50 × 30 at most, 30 px from every edge: no box reaches an edge, where clipping would differ.
    fc.assert(
      fc.property(regions(20, 18), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 30 }), (painted, dx, dy) => {
        const still = paint(mapOf(150, 120), painted, 30, 30).boxes();
        const moved = paint(mapOf(150, 120), painted, 30 + dx, 30 + dy).boxes();
        expect(moved.map(({ score }) => score)).toEqual(still.map(({ score }) => score));
        moved.forEach(({ points }, i) => {
          expectPoints(
            points,
            still[i]!.points.map(([x, y]): Point => [x + dx, y + dy]),
            9,
          );
        });
      }),
    );
  });
});
