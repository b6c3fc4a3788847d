/**
 * Aliases: where one points (versions with traffic weights), the check of a new target, and the
 * edits, each written back into the model's model.json, one write at a time per model.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferError } from '../errors.ts';
import { ALIAS_NAME, type AliasConfig } from '../repository/model-config.ts';
import type { Model } from './model-version.ts';
import { findVersion } from './routing.ts';

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
 * Throws unless `alias` may name `target` in `model`: INVALID_ARGUMENT for a bad name, an empty
 * target or a weight that is not positive; MODEL_NOT_FOUND for a version the model lacks.
 */
export function checkAlias(model: Model, alias: string, target: AliasTarget): void {
  if (!ALIAS_NAME.test(alias))
    throw new InferError('INVALID_ARGUMENT', `alias "${alias}" must start with a letter and hold only letters, digits, _ and -`);
  const named = `alias "${alias}" of model "${model.name}"`;
  if (target.length === 0) throw new InferError('INVALID_ARGUMENT', `${named} needs at least one version`);
  for (const { version, weight } of target) {
    findVersion(model, String(version));
    if (!(weight > 0))
      throw new InferError('INVALID_ARGUMENT', `${named}: the weight of version ${version} must be positive, got ${weight}`);
  }
}

export interface AliasEditor {
  /** Points an alias at versions (checked first), keeping its previous target for rollback; resolves once model.json says so. */
  set(model: Model, alias: string, target: AliasTarget): Promise<void>;
  /** Moves an alias back to where it pointed before its last change; resolves once model.json says so. */
  rollback(model: Model, alias: string): Promise<AliasTarget>;
  /**
   * Takes the aliases another replica wrote into model.json (read again by the caller), keeping each
   * changed alias's previous target for rollback, as `set` does; returns the aliases that changed.
   */
  adopt(model: Model, aliases: ReadonlyMap<string, AliasTarget>): Map<string, AliasTarget>;
}

export function createAliasEditor(): AliasEditor {
  /** Writes of model.json, one at a time per model, each with the aliases as they are when it runs. */
  const writes = new Map<Model, Promise<void>>();
  function persist(model: Model): Promise<void> {
    const write = (writes.get(model) ?? Promise.resolve()).catch(() => {}).then(() => persistAliases(model.directory, model.aliases));
    writes.set(model, write);
    return write;
  }

  return {
    async set(model, alias, target) {
      checkAlias(model, alias, target);
      const previous = model.aliases.get(alias);
      if (previous) model.aliasHistory.set(alias, [...(model.aliasHistory.get(alias) ?? []), previous]);
      model.aliases.set(alias, target);
      await persist(model);
    },

    async rollback(model, alias) {
      const previous = model.aliasHistory.get(alias)?.pop();
      if (!previous)
        throw new InferError('INVALID_ARGUMENT', `alias "${alias}" of model "${model.name}" has no earlier target to roll back to`);
      model.aliases.set(alias, previous);
      await persist(model);
      return previous;
    },

    adopt(model, aliases) {
      const changed = new Map<string, AliasTarget>();
      for (const [alias, target] of aliases) {
        const previous = model.aliases.get(alias);
        if (previous && sameTarget(previous, target)) continue;
        // A rollback on the other replica reads here as a move back to the last target: history pops, as it did there.
        const history = model.aliasHistory.get(alias) ?? [];
        const last = history.at(-1);
        if (last && sameTarget(last, target)) history.pop();
        else if (previous) model.aliasHistory.set(alias, [...history, previous]);
        model.aliases.set(alias, target);
        changed.set(alias, target);
      }
      for (const alias of [...model.aliases.keys()]) if (!aliases.has(alias)) model.aliases.delete(alias);
      return changed;
    },
  };
}

function sameTarget(a: AliasTarget, b: AliasTarget): boolean {
  return a.length === b.length && a.every((entry, index) => entry.version === b[index]?.version && entry.weight === b[index]?.weight);
}

/**
 * Writes a model's aliases into its model.json, keeping every other field: the repository stays
 * the one place an operator reads and versions the configuration, and a restart keeps them.
 */
async function persistAliases(directory: string, aliases: ReadonlyMap<string, AliasTarget>): Promise<void> {
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
