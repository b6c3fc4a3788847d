/** Reads the model repository folder into entries: config, labels, tokenizer, versions, and what is wrong with each. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { type ModelConfig, modelConfigSchema } from './model-config.ts';

export interface VersionEntry {
  version: number;
  path: string;
  /** Why this version cannot be loaded, naming the file and the problem; null when it looks loadable. */
  error: string | null;
}

/** A Hugging Face tokenizer beside the versions: `tokenizer.json` and, when present, `tokenizer_config.json`. */
export interface TokenizerFiles {
  tokenizer: object;
  config: Record<string, unknown> | null;
}

export interface ModelEntry {
  name: string;
  directory: string;
  config: ModelConfig;
  labels: string[] | null;
  tokenizer: TokenizerFiles | null;
  /** The text of each file model.json's `postprocessing` names (a recogniser's dictionary), by file name. */
  dictionaries: Record<string, string>;
  versions: VersionEntry[];
  /** Why the whole model cannot be served (bad model.json, unreadable labels, no versions); null when fine. */
  error: string | null;
}

const MODEL_FILE = 'model.onnx';

/**
 * Beside a file an object-store cache could not download whole and checked (object-store-cache.ts), a
 * note of why: the version is then FAILED with that reason rather than "missing". A folder never has one.
 */
export const DOWNLOAD_ERROR_SUFFIX = '.download-error';
const VERSION_PATTERN = /^[1-9][0-9]*$/;

/** Reads the model repository: one entry per folder, broken ones with their reason, never a throw for one bad model. */
export async function scanRepository(root: string): Promise<ModelEntry[]> {
  const folders = (await readdir(root, { withFileTypes: true }))
    .filter((dirent) => dirent.isDirectory() && !dirent.name.startsWith('.'))
    .map((dirent) => dirent.name)
    .sort();
  return Promise.all(folders.map((name) => scanModel(name, join(root, name))));
}

export async function scanModel(name: string, directory: string): Promise<ModelEntry> {
  const entry: ModelEntry = { name, directory, config: {}, labels: null, tokenizer: null, dictionaries: {}, versions: [], error: null };
  const children = await readdir(directory, { withFileTypes: true });
  entry.versions = await Promise.all(
    children
      .filter((dirent) => dirent.isDirectory() && VERSION_PATTERN.test(dirent.name))
      .map((dirent) => scanVersion(Number(dirent.name), join(directory, dirent.name))),
  );
  entry.versions.sort((a, b) => a.version - b.version);
  try {
    entry.config = await readConfig(join(directory, 'model.json'));
    entry.labels = await readLabels(directory, entry.config.labels);
    entry.tokenizer = await readTokenizer(directory);
    entry.dictionaries = await readDictionaries(directory, entry.config);
    if (entry.config.pipeline) {
      // A pipeline is its model.json: it has one version, 1, and no model file of its own.
      if (entry.versions.length > 0) throw new Error(`${directory} is a pipeline (model.json "pipeline"), so it holds no version folder`);
      entry.versions = [{ version: 1, path: join(directory, 'model.json'), error: null }];
    } else if (entry.versions.length === 0) entry.error = `${directory} has no version folder (expected ${name}/1/${MODEL_FILE})`;
  } catch (error) {
    entry.error = (error as Error).message;
  }
  return entry;
}

async function scanVersion(version: number, directory: string): Promise<VersionEntry> {
  const path = join(directory, MODEL_FILE);
  const info = await stat(path).catch(() => null);
  let error: string | null = null;
  if (!info?.isFile()) error = (await readOptional(path + DOWNLOAD_ERROR_SUFFIX)) ?? `${path} is missing`;
  else if (info.size === 0) error = `${path} is empty`;
  return { version, path, error };
}

async function readConfig(path: string): Promise<ModelConfig> {
  const json = await readJson(path);
  if (json === null) return {};
  const parsed = modelConfigSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path} is invalid: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}`);
  return parsed.data;
}

async function readDictionaries(directory: string, config: ModelConfig): Promise<Record<string, string>> {
  const files = Object.values(config.postprocessing ?? {}).flatMap((decoding) =>
    decoding.kind === 'CTC_TEXT' ? [decoding.dictionary] : [],
  );
  const texts = await Promise.all(
    files.map(async (file) => {
      const text = await readOptional(join(directory, file));
      if (text === null) throw new Error(`${join(directory, file)} is missing (named by model.json "postprocessing")`);
      return [file, text] as const;
    }),
  );
  return Object.fromEntries(texts);
}

async function readTokenizer(directory: string): Promise<TokenizerFiles | null> {
  const tokenizer = await readJson(join(directory, 'tokenizer.json'));
  if (tokenizer === null) return null;
  if (typeof tokenizer !== 'object') throw new Error(`${join(directory, 'tokenizer.json')} is not a JSON object`);
  const config = await readJson(join(directory, 'tokenizer_config.json'));
  if (config !== null && typeof config !== 'object') throw new Error(`${join(directory, 'tokenizer_config.json')} is not a JSON object`);
  return { tokenizer, config: config as Record<string, unknown> | null };
}

/** The parsed file, or null when there is none. */
async function readJson(path: string): Promise<unknown> {
  const text = await readOptional(path);
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
}

async function readLabels(directory: string, file: string | undefined): Promise<string[] | null> {
  const path = join(directory, file ?? 'labels.txt');
  const text = await readOptional(path);
  if (text === null) {
    if (file !== undefined) throw new Error(`${path} is missing (named by model.json "labels")`);
    return null;
  }
  return text.split(/\r?\n/).filter((line, index, lines) => line !== '' || index < lines.length - 1);
}

async function readOptional(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${path} cannot be read: ${(error as Error).message}`);
  }
}
