/**
 * Text boxes in the order a reader meets them, as PaddleOCR's `sorted_boxes` puts them before recognition: by the
 * top-left corner's y then x, and boxes whose top-left corners are on nearly the same line taken left to right.
 */
import type { Quad } from './rotated-rect.ts';

/**
 * The boxes by first point's y then x; then each box moves left past its predecessors while their first points are
 * under `rowTolerancePx` apart in y and to its right. This is PaddleOCR's pass as written (it stops at the first
 * predecessor that is not on its line), not a sort by line, so that the order is the one PaddleOCR gives.
 */
export function readingOrder<Box extends { points: Quad }>(boxes: readonly Box[], rowTolerancePx = 10): Box[] {
  const ordered = [...boxes].sort((a, b) => a.points[0][1] - b.points[0][1] || a.points[0][0] - b.points[0][0]);
  for (let i = 0; i < ordered.length - 1; i++) {
    for (let j = i; j >= 0; j--) {
      const [[x, y], [nextX, nextY]] = [ordered[j]!.points[0], ordered[j + 1]!.points[0]];
      if (!(Math.abs(nextY - y) < rowTolerancePx && nextX < x)) break;
      [ordered[j], ordered[j + 1]] = [ordered[j + 1]!, ordered[j]!];
    }
  }
  return ordered;
}
