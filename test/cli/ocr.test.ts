/**
 * `infergraph ocr IMAGE` as a user runs it: bin/infergraph.js against a real server on the example OCR pipeline,
 * with a page the test renders (its second line upside down) written to a file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineResult } from '../../clients/sdk/src/index.ts';
import { runCli } from '../fixtures/cli.ts';
import { freePort } from '../fixtures/free-port.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { textPage } from '../fixtures/text-image.ts';

const UPRIGHT = 'The quick brown fox jumps over the lazy dog';
const TURNED = 'Pack my box with five dozen liquor jugs';

describe('infergraph ocr', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyOcrPipeline();
    }),
  );
  let folder = '';
  let page = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infergraph-cli-'));
    page = join(folder, 'page.png');
    // At 300 dpi the recogniser reads every character, spaces included.
    await writeFile(page, await textPage([{ text: UPRIGHT }, { text: TURNED, upsideDown: true }], { format: 'png', dpi: 300 }));
  });
  afterAll(() => rm(folder, { recursive: true, force: true }));

  it('should print the text of each line, the upside-down one the right way up', async () => {
    const result = await runCli(['ocr', page, '--url', server.url]);
    expect(result).toEqual({ code: 0, stdout: `${UPRIGHT}\n${TURNED}\n`, stderr: '' });
  });

  it('should print the whole result with --json: regions with their polygons, rotations and texts', async () => {
    const { code, stdout, stderr } = await runCli(['ocr', page, '--json', '--timeout-ms', '30000', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(stdout) as PipelineResult;
    expect(result).toMatchObject({ model: 'ocr', version: '1', text: `${UPRIGHT}\n${TURNED}` });
    expect(result.regions.map(({ text, rotation }) => ({ text, rotation }))).toEqual([
      { text: UPRIGHT, rotation: 0 },
      { text: TURNED, rotation: 180 },
    ]);
    for (const region of result.regions) {
      expect(region.polygon).toHaveLength(4);
      for (const point of region.polygon) expect(point).toEqual({ x: expect.any(Number), y: expect.any(Number) });
    }
    expect(result.steps.map((step) => step.model)).toEqual(['ocr-detector', 'ocr-direction', 'ocr-recogniser']);
  });

  it('should print a table of where each line lies with --boxes', async () => {
    const { code, stdout, stderr } = await runCli(['ocr', page, '--boxes', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [header, ...rows] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^LEFT\s+TOP\s+RIGHT\s+BOTTOM\s+ROTATION\s+CONFIDENCE\s+TEXT$/);
    expect(rows).toHaveLength(2);
    const cells = rows.map((row) => row.split(/\s{2,}/));
    expect(cells.map((row) => [row[4], row[6]])).toEqual([
      ['0', UPRIGHT],
      ['180', TURNED],
    ]);
    // The upright line is above the turned one: its bottom above the other's top.
    expect(Number(cells[0]![3])).toBeLessThan(Number(cells[1]![1]));
  });

  it('should exit 2 naming a file that is not there, without asking the server', async () => {
    const missing = join(folder, 'missing.png');
    const { code, stdout, stderr } = await runCli(['ocr', missing, '--url', `http://127.0.0.1:${await freePort()}/graphql`]);
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr).toBe(`infergraph: ENOENT: no such file or directory, open '${missing}'\n`);
  });

  it('should exit 2 for a file that is no image, without sending it', async () => {
    const notes = join(folder, 'notes.png');
    await writeFile(notes, `${UPRIGHT}\n`);
    const { code, stdout, stderr } = await runCli(['ocr', notes, '--url', `http://127.0.0.1:${await freePort()}/graphql`]);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `infergraph: ${notes} is not a PNG, JPEG or WebP image\n` });
  });

  it("should exit 3 with the server's INVALID_TENSOR for an image cut short", async () => {
    const truncated = join(folder, 'truncated.png');
    await writeFile(truncated, (await readFile(page)).subarray(0, 200));
    const { code, stdout, stderr } = await runCli(['ocr', truncated, '--url', server.url]);
    expect({ code, stdout }).toEqual({ code: 3, stdout: '' });
    expect(stderr).toMatch(
      /^infergraph: INVALID_TENSOR: input "image" of model "ocr" v1: the bytes are no image this server reads .*\(request id [\w-]+\)\n$/,
    );
  });

  it('should exit 3 with DEADLINE_EXCEEDED naming the step a --timeout-ms too short for the detector ends in', async () => {
    // The detector alone takes some 200 ms on a page: 1 ms is past before its run ends.
    const { code, stdout, stderr } = await runCli(['ocr', page, '--timeout-ms', '1', '--url', server.url]);
    expect({ code, stdout }).toEqual({ code: 3, stdout: '' });
    expect(stderr).toMatch(/^infergraph: DEADLINE_EXCEEDED: model "ocr" v1, step "detect" \(ocr-detector\)/);
  });

  it('should exit 3 with MODEL_NOT_FOUND for a pipeline the server does not have', async () => {
    const { code, stderr } = await runCli(['ocr', page, '--model', 'no-such-pipeline', '--url', server.url]);
    expect(code).toBe(3);
    expect(stderr).toMatch(/^infergraph: MODEL_NOT_FOUND: .*"no-such-pipeline"/);
  });

  it('should exit 2 for a timeout that is not a whole number of ms, and say how to call it', async () => {
    const timeout = await runCli(['ocr', page, '--timeout-ms', 'soon']);
    expect(timeout).toEqual({ code: 2, stdout: '', stderr: 'infergraph: --timeout-ms must be a number, got "soon"\n' });
    const { code, stdout } = await runCli(['ocr', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: infergraph ocr IMAGE /);
    expect((await runCli(['--help'])).stdout).toMatch(/^ {2}ocr\s+read the text in an image/m);
  });
});
