/**
 * `infergraph predict MODEL IMAGE` as a user runs it: a PNG the test renders, made into the model's input as its
 * model.json preprocessing says. The text lines are drawn with the glyph bitmaps PaddleOCR's classifier reads.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { textLinePng } from '../fixtures/text-line.ts';

describe('infergraph predict with an image', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('ocr-direction');
      // The same model with no preprocessing block.
      await repository.copyExample('ocr-direction', 'bare-direction', { preprocessing: undefined });
    }),
  );
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infergraph-cli-'));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  async function predictLine(digits: string, options: { cell: number; upsideDown: boolean }, model = 'ocr-direction') {
    const file = join(folder, `${digits}-${options.cell}-${options.upsideDown ? 'down' : 'up'}.png`);
    await writeFile(file, textLinePng(digits, options));
    return runCli(['predict', model, file, '--top', '1', '--url', server.url]);
  }

  it.each([
    { digits: '20241124', cell: 8, what: 'wider than 4:1, squeezed to 48×192' },
    { digits: '31415', cell: 3, what: 'shorter, enlarged to height 48 and padded on the right' },
  ])('should tell an upright text line ($what) from the same line turned 180°', async ({ digits, cell }) => {
    const upright = await predictLine(digits, { cell, upsideDown: false });
    expect({ code: upright.code, stderr: upright.stderr }).toEqual({ code: 0, stderr: '' });
    expect(upright.stdout.split('\n')[1]).toMatch(/^0\s+[01]\.\d{4}$/);
    const turned = await predictLine(digits, { cell, upsideDown: true });
    expect({ code: turned.code, stderr: turned.stderr }).toEqual({ code: 0, stderr: '' });
    expect(turned.stdout.split('\n')[1]).toMatch(/^180\s+[01]\.\d{4}$/);
  });

  it('should exit 2, saying what is missing, for a model whose model.json says nothing of images', async () => {
    const { code, stdout, stderr } = await predictLine('2024', { cell: 4, upsideDown: false }, 'bare-direction');
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(
      'infergraph: model "bare-direction" says nothing of how to make its input from an image ' +
        '(a "preprocessing" block in its model.json): give the input as .json or .npy\n',
    );
  });
});
