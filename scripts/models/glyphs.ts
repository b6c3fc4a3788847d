/**
 * A labelled data set of 16×16 grey digit images, generated from the 5×7 font with random
 * scale, shear, rotation, shift, stroke width, contrast and noise. Seeded, so the model build,
 * the tests and the benchmarks can each draw their own reproducible, disjoint samples.
 */
import { GLYPH_BITMAPS, GLYPH_HEIGHT, GLYPH_LABELS, GLYPH_WIDTH } from './glyph-font.ts';
import { createRandom, type Random } from './prng.ts';

const GLYPH_SIZE = 16;
export const GLYPH_PIXELS = GLYPH_SIZE * GLYPH_SIZE;
const GLYPH_CLASSES = GLYPH_LABELS.length;

export interface GlyphOptions {
  count: number;
  seed: number;
}

export interface Glyphs {
  /** count × 256 values in [0, 1], row-major 16×16 per sample; 1 is ink. */
  pixels: Float32Array;
  /** The digit drawn in each sample, which is also its class index. */
  labels: number[];
}

export function generateGlyphs({ count, seed }: GlyphOptions): Glyphs {
  const random = createRandom(seed);
  const pixels = new Float32Array(count * GLYPH_PIXELS);
  const labels: number[] = [];
  for (let n = 0; n < count; n++) {
    const label = random.int(GLYPH_CLASSES);
    labels.push(label);
    drawGlyph(GLYPH_BITMAPS[label]!, random, pixels.subarray(n * GLYPH_PIXELS, (n + 1) * GLYPH_PIXELS));
  }
  return { pixels, labels };
}

function drawGlyph(bitmap: Float32Array, random: Random, out: Float32Array): void {
  // Output pixels per font cell; the glyph then covers 8–10 × 10–14 of the 16 × 16 image.
  const scaleX = random.uniform(1.6, 2.1);
  const scaleY = random.uniform(1.5, 2.0);
  const shear = random.uniform(-0.25, 0.25);
  const angle = random.uniform(-0.12, 0.12);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  // Generous shifts: the digit may sit anywhere it fits, so position carries no class hint.
  const slackX = Math.max(0, (GLYPH_SIZE - GLYPH_WIDTH * scaleX) / 2 - 0.5);
  const slackY = Math.max(0, (GLYPH_SIZE - GLYPH_HEIGHT * scaleY) / 2 - 0.5);
  const centreX = GLYPH_SIZE / 2 + random.uniform(-slackX, slackX);
  const centreY = GLYPH_SIZE / 2 + random.uniform(-slackY, slackY);
  // Where the bilinear ink crosses 0.5 ± this jitter sets how thick the strokes come out.
  const threshold = random.uniform(0.3, 0.6);
  const softness = random.uniform(0.1, 0.25);
  const ink = random.uniform(0.7, 1);
  const background = random.uniform(0, 0.2);
  const noise = random.uniform(0, 0.12);

  for (let y = 0; y < GLYPH_SIZE; y++) {
    for (let x = 0; x < GLYPH_SIZE; x++) {
      // Map the output pixel centre back into font cells: undo shift, rotation, shear, scale.
      const dx = x + 0.5 - centreX;
      const dy = y + 0.5 - centreY;
      const ry = (-sin * dx + cos * dy) / scaleY;
      const rx = (cos * dx + sin * dy) / scaleX - shear * ry;
      const coverage = sampleBilinear(bitmap, rx + GLYPH_WIDTH / 2 - 0.5, ry + GLYPH_HEIGHT / 2 - 0.5);
      const stroke = clamp01((coverage - threshold) / softness + 0.5);
      const value = background + (ink - background) * stroke + noise * random.gaussian();
      out[y * GLYPH_SIZE + x] = clamp01(value);
    }
  }
}

function sampleBilinear(bitmap: Float32Array, u: number, v: number): number {
  const u0 = Math.floor(u);
  const v0 = Math.floor(v);
  const fu = u - u0;
  const fv = v - v0;
  return (
    cell(bitmap, u0, v0) * (1 - fu) * (1 - fv) +
    cell(bitmap, u0 + 1, v0) * fu * (1 - fv) +
    cell(bitmap, u0, v0 + 1) * (1 - fu) * fv +
    cell(bitmap, u0 + 1, v0 + 1) * fu * fv
  );
}

function cell(bitmap: Float32Array, u: number, v: number): number {
  if (u < 0 || v < 0 || u >= GLYPH_WIDTH || v >= GLYPH_HEIGHT) return 0;
  return bitmap[v * GLYPH_WIDTH + u] ?? 0;
}

function clamp01(value: number): number {
  return value < 0 ? 0 : Math.min(value, 1);
}
