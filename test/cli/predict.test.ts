import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { runCli } from '../fixtures/cli.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

/** A .npy file (format 1.0) of float32 values, as numpy.save writes it. */
function npyOf(data: Float32Array, shape: readonly number[]): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The header is padded with spaces and a newline so that the data starts at a multiple of 64 bytes.
  const header = `${dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ')}\n`;
  const preamble = Buffer.alloc(10);
  preamble.write('\x93NUMPY', 0, 'latin1');
  preamble.writeUInt8(1, 6);
  preamble.writeUInt16LE(header.length, 8);
  return Buffer.concat([preamble, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

/** A glyph drawn as a person would: dark ink on white paper, each pixel scaled up to a scale × scale square. */
function pngOf(pixels: Float32Array, side: number, scale: number): Buffer {
  const png = new PNG({ width: side * scale, height: side * scale });
  for (let y = 0; y < side * scale; y++) {
    for (let x = 0; x < side * scale; x++) {
      const grey = Math.round(255 * (1 - pixels[Math.floor(y / scale) * side + Math.floor(x / scale)]!));
      png.data.set([grey, grey, grey, 255], (y * side * scale + x) * 4);
    }
  }
  return PNG.sync.write(png);
}

describe('infergraph predict', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs')));
  const { pixels, labels } = generateGlyphs({ count: 3, seed: 1010 });
  const glyph = (n: number) => pixels.slice(n * GLYPH_PIXELS, (n + 1) * GLYPH_PIXELS);
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infergraph-cli-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('should print the top labels with their scores for inputs from a JSON file', async () => {
    const file = join(folder, 'glyph.json');
    await writeFile(file, JSON.stringify({ pixels: { data: Array.from(glyph(0)), shape: [1, GLYPH_PIXELS] } }));
    const { code, stdout, stderr } = await runCli(['predict', 'glyphs', file, '--top', '3', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^LABEL\s+SCORE$/);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(new RegExp(`^${labels[0]}\\s+0\\.\\d{4}$`));
  });

  it('should print the top labels as JSON from a .npy file of one row', async () => {
    const file = join(folder, 'glyph.npy');
    await writeFile(file, npyOf(glyph(1), [GLYPH_PIXELS]));
    const { code, stdout } = await runCli(['predict', 'glyphs', file, '--json', '--url', server.url]);
    expect(code).toBe(0);
    const answer = JSON.parse(stdout) as {
      version: string;
      top: { label: string; score: number }[];
      outputs: Record<string, { shape: number[] }>;
    };
    expect(answer.version).toBe('1');
    expect(answer.top).toHaveLength(5);
    expect(answer.top[0]!.label).toBe(String(labels[1]));
    expect(answer.outputs.probabilities!.shape).toEqual([1, 10]);
  });

  it('should classify a PNG of a drawn digit, resized to the 16×16 the model takes', async () => {
    const file = join(folder, 'glyph.png');
    await writeFile(file, pngOf(glyph(2), 16, 3));
    const { code, stdout } = await runCli(['predict', 'glyphs', file, '--top', '1', '--url', server.url]);
    expect(code).toBe(0);
    expect(stdout.split('\n')[1]).toMatch(new RegExp(`^${labels[2]}\\s`));
  });

  it('should exit 3 with the code and message of a model the server does not have', async () => {
    const file = join(folder, 'glyph.json');
    const { code, stdout, stderr } = await runCli(['predict', 'no-such-model', file, '--url', server.url]);
    expect({ code, stdout }).toEqual({ code: 3, stdout: '' });
    expect(stderr).toMatch(/^infergraph: MODEL_NOT_FOUND: .*"no-such-model".*\n$/);
  });

  it('should exit 3 with the request id when the server refuses the tensor', async () => {
    const file = join(folder, 'short.json');
    await writeFile(file, JSON.stringify({ pixels: { data: [0, 1], shape: [1, 2] } }));
    const { code, stderr } = await runCli(['predict', 'glyphs', file, '--url', server.url]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^infergraph: INVALID_TENSOR: .+ \(request id [\w-]+\)\n$/);
  });

  it('should exit 2 for a file it cannot read', async () => {
    const { code, stderr } = await runCli(['predict', 'glyphs', join(folder, 'missing.json'), '--url', server.url]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^infergraph: ENOENT: .*missing\.json'\n$/);
  });
});
