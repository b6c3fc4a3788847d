/** The example model repository as the bench uses it: files for the raw baseline, states on a server. */
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerProcess } from './server-process.ts';

const MODELS = fileURLToPath(new URL('../models', import.meta.url));

/** The ONNX file of the model's highest version. */
export async function modelFile(model: string): Promise<string> {
  const directory = join(MODELS, model);
  const versions = (await readdir(directory).catch(() => [] as string[])).filter((name) => /^[1-9][0-9]*$/.test(name)).map(Number);
  const path = join(directory, String(Math.max(...versions)), 'model.onnx');
  if (versions.length === 0 || !(await stat(path).catch(() => null))?.isFile()) {
    throw new Error(`${path} is missing: build the example models first (npm run models)`);
  }
  return path;
}

export function soleInput(model: string, inputs: readonly string[]): string {
  if (inputs.length !== 1) throw new Error(`the bench sends one input, but model "${model}" has ${inputs.length}: ${inputs.join(', ')}`);
  return inputs[0]!;
}

const DESCRIBE = /* GraphQL */ `
  query Describe($name: String!) {
    model(name: $name) {
      defaultVersion { version state stateReason maxBatchSize maxQueueDelayMs instances inputs { name } }
    }
  }
`;

interface Described {
  model: {
    defaultVersion: {
      version: string;
      state: string;
      stateReason: string | null;
      maxBatchSize: number;
      maxQueueDelayMs: number;
      instances: number;
      inputs: { name: string }[];
    } | null;
  } | null;
}

export interface ServedModel {
  input: string;
  /** `glyphs v1: maxBatchSize 64, maxQueueDelayMs 2, instances 2` */
  settings: string;
}

/** Checks the model is READY on `server`; its input's name and its batching settings. */
export async function describeModel(server: ServerProcess, model: string): Promise<ServedModel> {
  const { model: found } = await server.graphql<Described>(DESCRIBE, { name: model });
  const version = found?.defaultVersion;
  if (version?.state !== 'READY')
    throw new Error(`model "${model}" is not READY on the server: ${version?.stateReason ?? version?.state ?? 'not found'}`);
  return {
    input: soleInput(
      model,
      version.inputs.map((input) => input.name),
    ),
    settings: `${model} v${version.version}: maxBatchSize ${version.maxBatchSize}, maxQueueDelayMs ${version.maxQueueDelayMs}, instances ${version.instances}`,
  };
}

export interface BenchRepository extends AsyncDisposable {
  root: string;
}

/**
 * A temp model repository holding copies of just `models` (so the server loads nothing the
 * bench does not measure), each model.json with `overrides` on top, e.g. `{ maxBatchSize: 1 }`.
 */
export async function createBenchRepository(models: readonly string[], overrides: Record<string, unknown> = {}): Promise<BenchRepository> {
  const root = await mkdtemp(join(tmpdir(), 'infergraph-bench-'));
  for (const model of models) {
    await cp(join(MODELS, model), join(root, model), { recursive: true });
    if (Object.keys(overrides).length === 0) continue;
    const configPath = join(root, model, 'model.json');
    const config = JSON.parse(await readFile(configPath, 'utf8').catch(() => '{}')) as object;
    await writeFile(configPath, JSON.stringify({ ...config, ...overrides }, null, 2));
  }
  return { root, [Symbol.asyncDispose]: () => rm(root, { recursive: true, force: true }) };
}
