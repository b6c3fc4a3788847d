import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AliasConfig } from '../repository/model-config.ts';

/** Where an alias points: one or more versions, each with its share of the traffic. */
export type AliasTarget = readonly { version: number; weight: number }[];

export function aliasTargetOf(config: AliasConfig): AliasTarget {
  if (typeof config === 'number') return [{ version: config, weight: 1 }];
  return Object.entries(config).map(([version, weight]) => ({ version: Number(version), weight }));
}

function aliasConfigOf(target: AliasTarget): AliasConfig {
  const [only] = target;
  if (target.length === 1 && only) return only.version;
  return Object.fromEntries(target.map(({ version, weight }) => [String(version), weight]));
}

/**
 * Writes a model's aliases into its model.json, keeping every other field: the repository stays
 * the one place an operator reads and versions the configuration, and a restart keeps them.
 */
export async function persistAliases(directory: string, aliases: ReadonlyMap<string, AliasTarget>): Promise<void> {
  const path = join(directory, 'model.json');
  let config: Record<string, unknown> = {};
  try {
    config = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  config.aliases = Object.fromEntries([...aliases].map(([name, target]) => [name, aliasConfigOf(target)]));
  const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`);
  await rename(temporary, path);
}
