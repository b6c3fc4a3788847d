import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliInTerminal } from '../fixtures/cli.ts';
import { linearModel } from '../fixtures/onnx.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

/** scores = W · x, no softmax: occlusion against a zero baseline attributes w × x to each element, exactly. */
const WEIGHTS = [
  [1, 2, -3, 0.5],
  [0, 0, 0, 0],
];
const X = [1, 1, 1, 2];

describe('infergraph explain', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.write('linear/1/model.onnx', linearModel(WEIGHTS, [0, 0], [4]));
      await repository.write('linear/labels.txt', 'yes\nno\n');
    }),
  );
  let file = '';
  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'infergraph-cli-')), 'x.json');
    await writeFile(file, JSON.stringify({ x: { data: X, shape: [1, 4] } }));
  });
  afterAll(() => rm(join(file, '..'), { recursive: true, force: true }));

  it('should print the class explained and the elements that count most, largest first', async () => {
    const { code, stdout, stderr } = await runCli(['explain', 'linear', file, '--top', '2', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [summary, header, ...rows] = stdout.trimEnd().split('\n');
    expect(summary).toMatch(/^linear v1: class 0 \(yes\) scored 1\.0000; OCCLUSION over 4 features took 5 evaluations in \d+ ms$/);
    expect(header).toMatch(/^ELEMENT\s+ATTRIBUTION$/);
    expect(rows.map((row) => row.split(/\s+/))).toEqual([
      ['2', '-3.000'],
      ['1', '2.000'],
    ]);
  });

  it('should print the closed-form attributions as JSON with --json', async () => {
    const { code, stdout } = await runCli(['explain', 'linear', file, '--json', '--url', server.url]);
    expect(code).toBe(0);
    const explain = JSON.parse(stdout) as { target: number; attributions: { shape: number[]; data: number[] }; evaluations: number };
    expect(explain.target).toBe(0);
    expect(explain.attributions.shape).toEqual([1, 4]);
    for (const [index, value] of explain.attributions.data.entries()) expect(value).toBeCloseTo(WEIGHTS[0]![index]! * X[index]!, 5);
  });

  it('should exit 2 for a method it does not know', async () => {
    const { code, stdout, stderr } = await runCli(['explain', 'linear', file, '--method', 'lime', '--url', server.url]);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'infergraph: --method is occlusion or kernel-shap, not "lime"\n',
    });
  });

  it('should show a spinner while it explains in a terminal, and none with --json', async () => {
    const shown = await runCliInTerminal(['explain', 'linear', file, '--url', server.url]);
    expect(shown.code).toBe(0);
    expect(shown.output).toContain('linear: explaining');
    expect(shown.output).toContain('linear v1: class 0 (yes)');
    const json = await runCliInTerminal(['explain', 'linear', file, '--json', '--url', server.url]);
    expect(json.code).toBe(0);
    expect(json.output).not.toContain('explaining');
    expect(json.output).toContain('"evaluations": 5');
  });
});
