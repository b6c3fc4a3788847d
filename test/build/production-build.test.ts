/**
 * The production build as the image makes and runs it, without a container daemon: the Dockerfile's build command
 * (`npm run build`) in a copy of what `docker build` sends, then the runtime stage's CMD (`node dist/main.js`) with
 * its environment, on the models that build made. It must serve HTTP and graphql-ws, its HEALTHCHECK must tell a
 * live server from a gone one, and SIGTERM must drain it to exit 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, symlink } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { type BuildContext, createBuildContext } from '../fixtures/build-context.ts';
import { PROJECT, readDockerfile } from '../fixtures/dockerfile.ts';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { queryOf } from '../fixtures/documents.ts';
import { generationOf } from '../fixtures/generation.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { collect } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32ToBase64 } from '../fixtures/tensors.ts';
import { textPage } from '../fixtures/text-image.ts';
import { createGreedyReference, loadTinyLmTokenizer } from '../fixtures/tiny-lm-reference.ts';
import { createWsClient } from '../fixtures/ws-client.ts';
import {
  GenerateDocument,
  PredictDocument,
  type PredictMutation,
  RunPipelineDocument,
  type RunPipelineMutation,
} from '../generated/graphql.ts';

const stages = readDockerfile();
const buildStage = stages.find((stage) => stage.name === 'build')!;
const runtimeStage = stages.at(-1)!;
/** The build stage's last RUN: `npm run build` (dockerfile.test.ts pins it). */
const BUILD_COMMAND = buildStage.instructions.filter((instruction) => instruction.keyword === 'RUN').at(-1)!.content;
/** `["node", "dist/main.js"]`, run here with this test's Node 24 (the image's node is 24 too). */
const START = runtimeStage.instructions.find((instruction) => instruction.keyword === 'CMD')!.exec!;
const HEALTHCHECK = runtimeStage.instructions.find((instruction) => instruction.keyword === 'HEALTHCHECK')!.exec!;
const IMAGE_ENV = Object.assign(
  {},
  ...runtimeStage.instructions.filter((instruction) => instruction.keyword === 'ENV').map((instruction) => instruction.properties),
) as Record<string, string>;

const dependencies = Object.keys(
  (JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies,
);

type LogLine = Record<string, unknown>;

interface Server {
  process: ChildProcess;
  url: string;
  healthPort: number;
  exited: Promise<number | null>;
  /** Resolves with the first log line that `match` accepts, seen or to come. */
  logLine(match: (line: LogLine) => boolean): Promise<LogLine>;
}

interface Built extends AsyncDisposable {
  context: BuildContext;
  /** What the build printed. */
  output: string;
  server: Server;
}

/** Runs `command` in a shell in `cwd`; resolves with its exit code and everything it printed. */
async function run(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, output };
}

/** The runtime stage's command in `root`, with the image's environment and loopback ports of its own, once its models are ready. */
async function startServer(root: string): Promise<Server> {
  expect(START[0]).toBe('node');
  const child = spawn(process.execPath, START.slice(1), {
    cwd: root,
    // Only what the image sets, as in a container: not this test runner's NODE_ENV=test.
    env: {
      PATH: process.env.PATH,
      ...IMAGE_ENV,
      MODEL_REPOSITORY: join(root, 'models'),
      HOST: '127.0.0.1',
      PORT: '0',
      HEALTH_PORT: '0',
      WORKERS: '2',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // 'close', not 'exit': the log's last lines are read by then.
  const exited = once(child, 'close').then(([code]) => code as number | null);
  const lines: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  createInterface({ input: child.stderr! }).on('line', (text) => {
    // Anything but pino's JSON (a crash's stack) is kept as text, so that a failure shows it.
    const line = text.startsWith('{') ? (JSON.parse(text) as LogLine) : { text };
    lines.push(line);
    for (const waiter of waiters) {
      if (!waiter.match(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(line);
    }
  });
  const logLine = (match: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    const coming = new Promise<LogLine>((resolve) => waiters.add({ match, resolve }));
    const gone = exited.then((code) =>
      Promise.reject(new Error(`the server exited (${code}) first; its log:\n${lines.map((line) => JSON.stringify(line)).join('\n')}`)),
    );
    return Promise.race([coming, gone]);
  };
  try {
    const listening = await logLine((line) => line.msg === 'infergraph listening');
    await Promise.all(
      ['glyphs', 'tiny-lm'].map((model) => logLine((line) => line.msg === 'model state' && line.model === model && line.state === 'READY')),
    );
    return { process: child, url: listening.url as string, healthPort: listening.healthPort as number, exited, logLine };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

async function buildAndStart(): Promise<Built> {
  const context = await createBuildContext();
  try {
    const { NODE_ENV: _testRunner, ...env } = process.env;
    const build = await run(BUILD_COMMAND, context.root, env);
    if (build.code !== 0) throw new Error(`\`${BUILD_COMMAND}\` exited with ${build.code}:\n${build.output}`);
    const server = await startServer(context.root);
    return {
      context,
      output: build.output,
      server,
      async [Symbol.asyncDispose]() {
        if (server.process.exitCode === null && server.process.signalCode === null) {
          server.process.kill('SIGKILL');
          await server.exited;
        }
        await context[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await context[Symbol.asyncDispose]();
    throw error;
  }
}

const built = forSuite(buildAndStart);

/** Every .js file under `dir`. */
async function javascriptFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.js')).map((entry) => join(entry.parentPath, entry.name));
}

/** The module specifiers of a compiled file's static and dynamic imports and re-exports. */
function specifiersOf(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)(['"])([^'"]+)\1/gm)].map((match) => match[2]!);
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The HEALTHCHECK's command, run as Docker runs it in the container: its exit code. */
async function healthcheck(healthPort: number): Promise<number | null> {
  expect(HEALTHCHECK[0]).toBe('node');
  const child = spawn(process.execPath, HEALTHCHECK.slice(1), { env: { ...IMAGE_ENV, HEALTH_PORT: String(healthPort) }, stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function post<Result>(url: string, query: string, variables: Record<string, unknown>): Promise<ExecutionResult<Result>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as ExecutionResult<Result>;
}

describe('the production build', () => {
  it("should compile the server into dist/ with the Dockerfile's build command, from what docker build sends", async () => {
    const { root, files } = built.context;
    expect(BUILD_COMMAND).toBe('npm run build');
    expect(files).toBeGreaterThan(100);
    expect(built.output).toContain('built the server into dist/');
    expect(existsSync(join(root, 'dist/main.js'))).toBe(true);
    // Neither TypeScript nor the sources of the tests come along.
    const compiled = await javascriptFiles(join(root, 'dist'));
    expect(compiled.map((file) => relative(join(root, 'dist'), file))).toEqual(
      expect.arrayContaining(['main.js', 'src/main.js', 'src/runtime/worker.js', 'src/server/health-port-thread.js']),
    );
  });

  it('should import only production dependencies, so that the runtime stage needs no more than `npm ci --omit=dev`', async () => {
    const root = join(built.context.root, 'dist');
    const packages = new Set<string>();
    const unrewritten: string[] = [];
    for (const file of await javascriptFiles(root)) {
      for (const specifier of specifiersOf(await readFile(file, 'utf8'))) {
        if (specifier.startsWith('.')) {
          if (specifier.endsWith('.ts')) unrewritten.push(`${relative(root, file)}: ${specifier}`);
        } else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) packages.add(packageOf(specifier));
      }
    }
    expect(unrewritten).toEqual([]);
    expect(packages).toContain('onnxruntime-node');
    expect([...packages].filter((name) => !dependencies.includes(name))).toEqual([]);
  });

  it('should find every file the compiled modules name relative to themselves (import.meta.url) in dist/', async () => {
    const root = join(built.context.root, 'dist');
    const named: string[] = [];
    for (const file of await javascriptFiles(root)) {
      for (const [, , path] of (await readFile(file, 'utf8')).matchAll(/new URL\((['"])([^'"]+)\1, import\.meta\.url\)/g)) {
        named.push(relative(root, fileURLToPath(new URL(path!, pathToFileURL(file)))));
      }
    }
    expect(named.sort()).toEqual(['clients/sdk/src/generated/persisted-documents.json', 'clients/web/dist']);
    for (const path of named) expect(existsSync(join(root, path)), path).toBe(true);
  });

  it('should serve the browser app it built at /', async () => {
    const response = await fetch(new URL('/', built.server.url));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/<script type="module"[^>]* src="\/assets\//);
  });

  it('should predict glyphs over HTTP as onnxruntime-node does with the model the build made', async () => {
    const { pixels } = generateGlyphs({ count: 4, seed: 1204 });
    const { data, errors } = await post<PredictMutation>(built.server.url, queryOf(PredictDocument), {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [4, GLYPH_PIXELS], base64: float32ToBase64(pixels) }] },
    });
    expect(errors).toBeUndefined();
    await using reference = await createReferenceSession('glyphs', join(built.context.root, 'models'));
    const expected = await reference.run({ pixels: { shape: [4, GLYPH_PIXELS], data: pixels } });
    const [output] = data!.predict.outputs;
    expect(output!.shape).toEqual([4, 10]);
    expectClose(output!.data as number[], expected[output!.name]!);
  });

  it('should read the text of a PNG with the ocr pipeline the build made (its dictionary copied, sharp in the runtime)', async () => {
    const page = await textPage([{ text: 'Built for production' }], { format: 'png', dpi: 300 });
    const { data, errors } = await post<RunPipelineMutation>(built.server.url, queryOf(RunPipelineDocument), {
      input: { model: 'ocr', image: { base64: page.toString('base64') } },
    });
    expect(errors).toBeUndefined();
    expect(data!.runPipeline.text).toBe('Built for production');
  });

  it('should stream tiny-lm tokens over graphql-ws as a greedy loop over onnxruntime-node does', async () => {
    const models = join(built.context.root, 'models');
    const tokenizer = await loadTinyLmTokenizer(join(models, 'tiny-lm'));
    await using reference = await createGreedyReference(tokenizer.eosId, join(models, 'tiny-lm', '1', 'model.onnx'));
    await using ws = createWsClient(built.server.url.replace(/^http/, 'ws'));
    const prompt = 'The keeper ';
    const { tokenIds, final } = generationOf(
      await collect(ws.subscribe(GenerateDocument, { input: { model: 'tiny-lm', prompt, maxTokens: 5, temperature: 0 } })),
    );
    expect(tokenIds).toHaveLength(5);
    expect(tokenIds).toEqual(await reference.complete(tokenizer.encode(prompt), 5));
    expect(final.finishReason).toBe('LENGTH');
  });

  it('should run the command line from dist/ too, and bin/infergraph.js where there are no sources', async () => {
    const { root } = built.context;
    // bin/ and dist/ without src/ beside them, as a packed install would have them.
    const packed = join(root, 'packed');
    await mkdir(packed);
    await cp(join(root, 'bin'), join(packed, 'bin'), { recursive: true });
    await symlink(join(root, 'dist'), join(packed, 'dist'), 'dir');
    for (const entry of ['dist/main.js', 'packed/bin/infergraph.js']) {
      const { code, output } = await run(`"${process.execPath}" ${entry} models --json --url ${built.server.url}`, root, {
        PATH: process.env.PATH,
      });
      expect(code, output).toBe(0);
      const names = (JSON.parse(output) as { name: string }[]).map((model) => model.name).sort();
      // Every folder of the repository the build made, models and the ocr pipeline alike.
      const folders = (await readdir(join(root, 'models'), { withFileTypes: true })).filter((entry) => entry.isDirectory());
      expect(names).toEqual(folders.map((entry) => entry.name).sort());
      expect(names).toContain('ocr');
    }
  });

  it("should pass the image's HEALTHCHECK while it serves", async () => {
    expect(await healthcheck(built.server.healthPort)).toBe(0);
  });

  it('should drain and exit 0 on SIGTERM, after which the HEALTHCHECK fails', async () => {
    const { server } = built;
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    await expect(server.logLine((line) => line.msg === 'shut down cleanly')).resolves.toMatchObject({ signal: 'SIGTERM' });
    expect(await healthcheck(server.healthPort)).toBe(1);
  });
});
