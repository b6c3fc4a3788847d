/**
 * The example repository as a user meets it: `scripts/build-models.ts` run for real into a
 * temporary directory, then each model loaded with onnxruntime-node and fed what its model.json
 * describes. Building includes training the glyphs net (~8 s on one core).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLYPH_BITMAPS, GLYPH_HEIGHT, GLYPH_WIDTH } from '../../scripts/models/glyph-font.ts';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';

const PROJECT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(PROJECT, 'scripts/build-models.ts');

let dir: string;
let firstBuildOutput: string;

async function buildModels(): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', SCRIPT, dir], { cwd: PROJECT });
  return stdout;
}

async function openSession(name: string): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(join(dir, name, '1', 'model.onnx'), { intraOpNumThreads: 1 });
}

async function readLabels(name: string): Promise<string[]> {
  return (await readFile(join(dir, name, 'labels.txt'), 'utf8')).trimEnd().split('\n');
}

async function readConfig(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(dir, name, 'model.json'), 'utf8')) as Record<string, unknown>;
}

function argmax(row: Float32Array): number {
  return row.indexOf(Math.max(...row));
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infergraph-models-'));
  firstBuildOutput = await buildModels();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('build-models script', () => {
  it('should report the held-out accuracy of the glyphs classifier it trained', () => {
    const match = /onnxruntime scores ([\d.]+)%/.exec(firstBuildOutput);
    expect(match, firstBuildOutput).not.toBeNull();
    expect(Number(match![1])).toBeGreaterThanOrEqual(95);
  });

  it('should skip models that are already built', async () => {
    const path = join(dir, 'glyphs', '1', 'model.onnx');
    const before = await stat(path);
    const output = await buildModels();
    expect(output).toContain('glyphs: up to date');
    expect(output).toContain('ocr-direction: up to date');
    expect((await stat(path)).mtimeMs).toBe(before.mtimeMs);
  });
});

describe('glyphs model', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await openSession('glyphs');
  });
  afterAll(async () => {
    await session.release();
  });

  it('should take pixels [batch, 256] and return probabilities [batch, 10]', () => {
    expect(session.inputMetadata).toEqual([{ name: 'pixels', isTensor: true, type: 'float32', shape: ['batch', 256] }]);
    expect(session.outputMetadata).toEqual([{ name: 'probabilities', isTensor: true, type: 'float32', shape: ['batch', 10] }]);
  });

  it('should label freshly generated held-out digits correctly', async () => {
    const labels = await readLabels('glyphs');
    expect(labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    // A seed the build never trained or evaluated on.
    const samples = generateGlyphs({ count: 1000, seed: 20_240_601 });
    const { probabilities } = await session.run({
      pixels: new ort.Tensor('float32', samples.pixels, [samples.labels.length, GLYPH_PIXELS]),
    });
    expect(probabilities!.dims).toEqual([1000, 10]);
    const data = probabilities!.data as Float32Array;
    const correct = samples.labels.filter((label, n) => labels[argmax(data.subarray(n * 10, n * 10 + 10))] === String(label));
    expect(correct.length / samples.labels.length).toBeGreaterThanOrEqual(0.95);
  });

  it('should give a row the same probabilities alone as inside a batch', async () => {
    const samples = generateGlyphs({ count: 64, seed: 7 });
    const batch = await session.run({ pixels: new ort.Tensor('float32', samples.pixels, [64, GLYPH_PIXELS]) });
    const single = await session.run({
      pixels: new ort.Tensor('float32', samples.pixels.slice(5 * GLYPH_PIXELS, 6 * GLYPH_PIXELS), [1, GLYPH_PIXELS]),
    });
    const row = (batch.probabilities!.data as Float32Array).subarray(50, 60);
    for (const [i, value] of (single.probabilities!.data as Float32Array).entries()) expect(value).toBeCloseTo(row[i]!, 5);
  });

  it('should ask the server for batches of 64 on two instances', async () => {
    expect(await readConfig('glyphs')).toMatchObject({ task: 'classification', maxBatchSize: 64, instances: 2, intraOpNumThreads: 1 });
  });
});

describe('ocr-direction model', () => {
  const [height, width] = [48, 192];
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await openSession('ocr-direction');
  });
  afterAll(async () => {
    await session.release();
  });

  /** Black digits on white, normalised like PaddleOCR's preprocessing: white is 1, black is -1. */
  function textLine(digits: string, upsideDown: boolean): Float32Array {
    const cell = 4;
    const image = new Float32Array(3 * height * width).fill(1);
    const top = (height - GLYPH_HEIGHT * cell) / 2;
    [...digits].forEach((digit, k) => {
      const bitmap = GLYPH_BITMAPS[Number(digit)]!;
      for (let y = 0; y < GLYPH_HEIGHT * cell; y++) {
        for (let x = 0; x < GLYPH_WIDTH * cell; x++) {
          if (!bitmap[Math.floor(y / cell) * GLYPH_WIDTH + Math.floor(x / cell)]) continue;
          const px = 4 + k * (GLYPH_WIDTH + 1) * cell + x;
          const py = top + y;
          const [u, v] = upsideDown ? [width - 1 - px, height - 1 - py] : [px, py];
          for (let channel = 0; channel < 3; channel++) image[(channel * height + v) * width + u] = -1;
        }
      }
    });
    return image;
  }

  it('should take x [N, 3, H, W] and return softmax_0.tmp_0 [N, 2]', () => {
    expect(session.inputNames).toEqual(['x']);
    expect(session.outputNames).toEqual(['softmax_0.tmp_0']);
    const [input] = session.inputMetadata;
    expect(input).toMatchObject({ type: 'float32' });
    expect(input?.isTensor && input.shape.length).toBe(4);
    expect(input?.isTensor && input.shape[1]).toBe(3);
  });

  it('should return a probability row summing to 1 for each image of a [2, 3, 48, 192] batch', async () => {
    const noise = Float32Array.from({ length: 2 * 3 * height * width }, (_, i) => Math.sin(i * 12.9898) * 0.9);
    const { 'softmax_0.tmp_0': output } = await session.run({ x: new ort.Tensor('float32', noise, [2, 3, height, width]) });
    expect(output!.dims).toEqual([2, 2]);
    const [a, b, c, d] = output!.data as Float32Array;
    expect(a! + b!).toBeCloseTo(1, 5);
    expect(c! + d!).toBeCloseTo(1, 5);
  });

  it('should label an upright text line 0 and the same line upside down 180', async () => {
    const labels = await readLabels('ocr-direction');
    const lines = ['20241124', '31415926'].flatMap((digits) => [textLine(digits, false), textLine(digits, true)]);
    const batch = new Float32Array(lines.length * 3 * height * width);
    for (const [n, line] of lines.entries()) batch.set(line, n * line.length);
    const { 'softmax_0.tmp_0': output } = await session.run({ x: new ort.Tensor('float32', batch, [lines.length, 3, height, width]) });
    const data = output!.data as Float32Array;
    const predicted = lines.map((_, n) => labels[argmax(data.subarray(n * 2, n * 2 + 2))]);
    expect(predicted).toEqual(['0', '180', '0', '180']);
  });
});
