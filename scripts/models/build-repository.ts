/**
 * Builds a model repository in Triton's layout, `<dir>/<name>/<version>/model.onnx` beside
 * `<dir>/<name>/model.json` and `labels.txt`, from recipes.
 *
 * It runs before every `npm start` and `npm test`, so it must be cheap when nothing changed: a
 * model is rebuilt only when model.onnx is missing or its stamp, a SHA-256 over every generator
 * source in scripts/models/ (corpus text included) and the recipe's input files, differs from `.build-stamp` beside it.
 * Hashing everything (rather than per-recipe import lists that could go stale) costs a few
 * milliseconds and at worst an unneeded rebuild.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModelRecipe } from './model-recipe.ts';

const GENERATOR_DIR = fileURLToPath(new URL('.', import.meta.url));
const STAMP_FILE = '.build-stamp';

export interface BuildRepositoryOptions {
  /** Repository root; created when missing. */
  dir: string;
  recipes: readonly ModelRecipe[];
  /** @default console.log */
  log?: (line: string) => void;
}

export interface BuiltModel {
  name: string;
  /** Absolute path of model.onnx. */
  path: string;
  /** False when the model was already up to date. */
  built: boolean;
}

export async function buildModelRepository({ dir, recipes, log = console.log }: BuildRepositoryOptions): Promise<BuiltModel[]> {
  const sources = await hashGeneratorSources();
  const results: BuiltModel[] = [];
  for (const recipe of recipes) results.push(await buildModel(dir, recipe, sources, log));
  return results;
}

async function buildModel(dir: string, recipe: ModelRecipe, sourcesHash: string, log: (line: string) => void): Promise<BuiltModel> {
  const say = (line: string): void => log(`${recipe.name}: ${line}`);
  const modelDir = join(dir, recipe.name);
  const versionDir = join(modelDir, String(recipe.version));
  const path = join(versionDir, 'model.onnx');
  const stampPath = join(versionDir, STAMP_FILE);
  await mkdir(versionDir, { recursive: true });
  await writeIfMissing(join(modelDir, 'model.json'), `${JSON.stringify(recipe.config, null, 2)}\n`);
  if (recipe.labels) await writeIfMissing(join(modelDir, 'labels.txt'), `${recipe.labels.join('\n')}\n`);
  for (const [file, text] of Object.entries(recipe.files?.() ?? {})) {
    if ((await readTextOrNull(join(modelDir, file))) !== text) await writeAtomically(join(modelDir, file), text);
  }

  const stamp = await stampOf(recipe, sourcesHash);
  const [existingStamp, modelExists] = await Promise.all([readTextOrNull(stampPath), isNonEmptyFile(path)]);
  if (modelExists && existingStamp === stamp) {
    say('up to date');
    return { name: recipe.name, path, built: false };
  }

  const started = performance.now();
  const bytes = await recipe.build(say);
  // Model first, stamp second: a build cut short between the two leaves a stale stamp, so the
  // next run rebuilds instead of trusting a model it never finished checking.
  await writeAtomically(path, bytes);
  await writeAtomically(stampPath, stamp);
  const megabytes = (bytes.byteLength / 1e6).toFixed(1);
  say(`wrote ${relative(process.cwd(), path)} (${megabytes} MB) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return { name: recipe.name, path, built: true };
}

async function hashGeneratorSources(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(GENERATOR_DIR, { recursive: true })).filter((file) => file.endsWith('.ts') || file.endsWith('.txt')).sort();
  for (const file of files) hash.update(file).update(await readFile(join(GENERATOR_DIR, file)));
  return hash.digest('hex');
}

async function stampOf(recipe: ModelRecipe, sourcesHash: string): Promise<string> {
  const hash = createHash('sha256').update(`${recipe.name}/${recipe.version}\n${sourcesHash}\n`);
  for (const input of recipe.inputs) hash.update(input).update(await readFile(input));
  return hash.digest('hex');
}

async function writeIfMissing(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

// A server starting while we build (or two builds at once) must never load half a file.
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

async function readTextOrNull(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return null;
  }
}

async function isNonEmptyFile(path: string): Promise<boolean> {
  return stat(path).then(
    (stats) => stats.isFile() && stats.size > 0,
    () => false,
  );
}
