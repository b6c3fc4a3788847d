/**
 * The README's guides, run as a reader runs them: every fenced block marked `<!-- example: NAME -->` against one
 * real server of the example models — shell blocks (curl, the CLI) in bash, TypeScript blocks as programs through
 * tsx with the SDK from clients/sdk/src — asserting what the guide says the reader will see.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveModels } from './fixtures/server.ts';
import { forSuite } from './fixtures/suite.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface Example {
  name: string;
  language: string;
  code: string;
  /** The block right after it, when it is unmarked: what the guide says the reader will see. */
  shown: string | undefined;
}

/** The fenced blocks README.md marks for testing, each with the output block that follows it, if any. */
function examplesOf(readme: string): Example[] {
  const fence = /^(?:<!-- example: ([\w-]+) -->\n\n)?```(\w*)\n([\s\S]*?)\n```$/gm;
  const blocks = [...readme.matchAll(fence)].map((match) => ({
    marked: match[1],
    language: match[2]!,
    code: match[3]!,
    start: match.index,
    end: match.index + match[0].length,
  }));
  return blocks.flatMap(({ marked, language, code, end }, index) => {
    if (!marked) return [];
    const next = blocks[index + 1];
    const followed = next && !next.marked && readme.slice(end, next.start).trim() === '';
    return [{ name: marked, language, code, shown: followed ? next.code : undefined }];
  });
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

async function run(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
const examples = examplesOf(readme);
const example = (name: string) => {
  const found = examples.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`README.md has no block marked <!-- example: ${name} -->`);
  return found;
};

describe("the README's guides", () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      for (const model of ['glyphs', 'tiny-lm', 'ocr-direction']) await repository.copyExample(model);
    }),
  );
  let folder = '';
  /** TypeScript examples live inside the checkout, so that their imports (graphql-ws) resolve as in a reader's project. */
  const programs = join(ROOT, '.vitest', 'readme-examples');
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'infergraph-readme-'));
    await mkdir(join(folder, 'bin'));
    // `infergraph` on the PATH, as after `npm install -g`.
    await writeFile(join(folder, 'bin', 'infergraph'), `#!/bin/sh\nexec '${process.execPath}' '${join(ROOT, 'bin/infergraph.js')}' "$@"\n`);
    await chmod(join(folder, 'bin', 'infergraph'), 0o755);
    await mkdir(programs, { recursive: true });
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
    await rm(programs, { recursive: true, force: true });
  });

  /** The example's code pointed at the test's server instead of localhost:4000. */
  const local = (code: string) =>
    code.replaceAll('http://localhost:4000', server.origin).replaceAll('ws://localhost:4000', server.origin.replace(/^http/, 'ws'));

  async function runExample(name: string): Promise<Run> {
    const { language, code } = example(name);
    if (language === 'sh') {
      return run('bash', ['-e', '-c', local(code)], {
        cwd: folder,
        env: { PATH: `${join(folder, 'bin')}:${process.env.PATH}`, INFERGRAPH_URL: server.url },
      });
    }
    if (language === 'ts') {
      const file = join(programs, `${name}.ts`);
      await writeFile(file, local(code).replaceAll("from '@infergraph/client'", `from '${join(ROOT, 'clients/sdk/src/index.ts')}'`));
      return run(process.execPath, ['--import', 'tsx', file], { cwd: ROOT });
    }
    throw new Error(`example ${name}: no way to run a ${language} block`);
  }

  /** Runs a shell example that prints one GraphQL answer, and parses it. */
  async function answerOf(name: string) {
    const { code, stdout, stderr } = await runExample(name);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // biome-ignore lint/suspicious/noExplicitAny: an answer the tests read field by field, as the guide's reader does
    return JSON.parse(stdout) as { data?: Record<string, any> | null; errors?: { message: string; extensions: Record<string, unknown> }[] };
  }

  it('should have a test for every example it marks, and only those', () => {
    expect(examples.map(({ name }) => name).sort()).toEqual(
      [
        'catalog',
        'predict-curl-json',
        'predict-curl-base64',
        'predict-curl-file',
        'predict-curl-error',
        'predict-sdk',
        'predict-sdk-file',
        'predict-sdk-error',
        'stream-sdk',
        'stream-graphql-ws',
        'stream-sse',
        'explain-curl',
        'cli',
      ].sort(),
    );
  });

  it('should list glyphs with its tensors for the catalog query pasted into GraphiQL', async () => {
    const { status, data } = await server.graphql(example('catalog').code);
    expect(status).toBe(200);
    const glyphs = (data as { models: { name: string }[] }).models.find((model) => model.name === 'glyphs');
    expect(glyphs).toMatchObject({
      labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
      versions: [
        {
          version: '1',
          state: 'READY',
          inputs: [{ name: 'pixels', dataType: 'FP32', shape: [-1, 256] }],
          outputs: [{ name: 'probabilities', dataType: 'FP32', shape: [-1, 10] }],
        },
      ],
    });
  });

  describe('predict with curl', () => {
    let top = '';

    it('should answer the top three labels of a row sent as JSON numbers', async () => {
      const { data } = await answerOf('predict-curl-json');
      expect(data?.predict).toMatchObject({ version: '1', outputs: [{ name: 'probabilities', shape: [1, 10] }] });
      const [row] = data!.predict.outputs[0].topK as { label: string; score: number }[][];
      expect(row).toHaveLength(3);
      expect(row![0]!.score).toBeGreaterThanOrEqual(row![1]!.score);
      top = row![0]!.label;
      const shown = JSON.parse(example('predict-curl-json').shown!) as { data: typeof data };
      expect(shown.data?.predict.outputs[0].topK[0][0].label).toBe(top);
    });

    it('should answer the scores as base64 of 10 FP32 numbers, the best the same as from JSON', async () => {
      const { data } = await answerOf('predict-curl-base64');
      const [output] = data!.predict.outputs as { dataType: string; shape: number[]; base64: string }[];
      expect(output).toMatchObject({ name: 'probabilities', dataType: 'FP32', shape: [1, 10] });
      const bytes = Buffer.from(output!.base64, 'base64');
      expect(bytes.length).toBe(40);
      const scores = new Float32Array(bytes.buffer, bytes.byteOffset, 10);
      expect(String(scores.indexOf(Math.max(...scores)))).toBe(top);
    });

    it('should answer the same label for the bytes sent as a multipart file', async () => {
      const { data } = await answerOf('predict-curl-file');
      expect(data!.predict.outputs[0].topK[0][0].label).toBe(top);
    });

    it('should answer a wrong shape with INVALID_TENSOR naming the tensor, as shown', async () => {
      const { errors } = await answerOf('predict-curl-error');
      const shown = JSON.parse(example('predict-curl-error').shown!) as { errors: { message: string; extensions: object }[] };
      expect(errors?.[0]).toMatchObject({ message: shown.errors[0]!.message, extensions: { code: 'INVALID_TENSOR', tensor: 'pixels' } });
    });
  });

  describe('predict with the SDK', () => {
    it('should print the digit a drawn stroke is, as shown', async () => {
      const { code, stdout, stderr } = await runExample('predict-sdk');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const pattern = /^v1 says (\d) \((0\.\d{3}|1\.000)\) in \d+\.\d ms\n$/;
      expect(stdout).toMatch(pattern);
      expect(stdout.match(pattern)![1]).toBe(example('predict-sdk').shown!.match(/says (\d)/)![1]);
    });

    it('should send an image over 64 KiB as a file part and print its two scores', async () => {
      const { code, stdout, stderr } = await runExample('predict-sdk-file');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const [, upright, upsideDown] = stdout.match(/^\{ upright: ([\d.e-]+), upsideDown: ([\d.e-]+) \}\n$/)!;
      expect(Number(upright) + Number(upsideDown)).toBeCloseTo(1, 5);
    });

    it("should print the InferGraphError's code, status and message, as shown", async () => {
      const { code, stdout, stderr } = await runExample('predict-sdk-error');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toBe(`${example('predict-sdk-error').shown}\n`);
    });
  });

  describe('streams', () => {
    it('should print the tokens from the SDK, then the finish reason, as shown', async () => {
      const { code, stdout, stderr } = await runExample('stream-sdk');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      expect(stdout).toBe(`${example('stream-sdk').shown}\n`);
    });

    it('should print the same text from a plain graphql-ws client', async () => {
      const { code, stdout, stderr } = await runExample('stream-graphql-ws');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const text = example('stream-sdk').shown!.split('\n')[0]!;
      expect(stdout).toBe(`${text}\n[LENGTH]\n`);
    });

    it('should print SSE events from curl -N: a token per event, the finish reason, then complete', async () => {
      const { code, stdout, stderr } = await runExample('stream-sse');
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const events = stdout
        .trim()
        .split(/\n\n+/)
        .map((event) => ({ type: event.match(/^event: (\w+)/)?.[1], data: event.match(/^data: ?(.*)$/m)?.[1] ?? '' }))
        .filter(({ type }) => type !== undefined); // `:` alone is a keep-alive comment
      expect(events.at(-1)).toEqual({ type: 'complete', data: '' });
      const generated = events
        .filter(({ type }) => type === 'next')
        .map(({ data }) => (JSON.parse(data) as { data: { generate: { text: string; finishReason: string | null } } }).data.generate);
      expect(generated.at(-1)!.finishReason).toBe('LENGTH');
      expect(generated.map(({ text }) => text).join('')).toBe(example('stream-sdk').shown!.slice(0, 5));
      for (const line of example('stream-sse')
        .shown!.split('\n')
        .filter((line) => line.startsWith('data: {'))) {
        expect(stdout).toContain(line);
      }
    });
  });

  it('should explain the top class of the drawing with one evaluation per 4-pixel patch and the input', async () => {
    const { data } = await answerOf('explain-curl');
    const json = await answerOf('predict-curl-json');
    const top = json.data!.predict.outputs[0].topK[0][0] as { label: string; score: number };
    expect(data!.explain).toEqual({
      target: Number(top.label),
      label: top.label,
      score: expect.closeTo(top.score, 5),
      evaluations: 65,
      attributions: { shape: [1, 256] },
    });
  });

  it('should run the command-line guide: the catalog, the top labels, and a server error with exit code 3', async () => {
    const { code, stdout, stderr } = await runExample('cli');
    expect(code).toBe(0);
    const shown = example('cli').shown!;
    expect(stdout).toMatch(/^MODEL +VERSION +STATE +TASK +INPUTS +OUTPUTS\n/);
    expect(stdout).toMatch(/^glyphs +1 +READY +classification +pixels FP32\[-1,256\] +probabilities FP32\[-1,10\]$/m);
    const top = stdout.match(/^LABEL +SCORE\n(?:\d +0\.\d{4}\n){3}/m)?.[0];
    expect(top).toBeDefined();
    expect(shown).toContain(top);
    expect(stdout).toMatch(/\nexit code 3\n$/);
    expect(stderr).toMatch(
      /^infergraph: MODEL_NOT_FOUND: model "glyphs" has no version or alias "9" \(versions: 1; aliases: none\) \(request id [\w-]+\)\n$/,
    );
    expect(shown).toMatch(
      /MODEL_NOT_FOUND: model "glyphs" has no version or alias "9" \(versions: 1; aliases: none\) \(request id …\)\nexit code 3$/,
    );
  });
});
