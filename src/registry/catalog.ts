/**
 * The catalog: the models a scan of the repository found, by name, each with its versions.
 * It builds and updates the records from scans; their states are the registry's to change.
 */
import type { BatchingDefaults } from '../config.ts';
import { InferError } from '../errors.ts';
import type { ModelEntry } from '../repository/scan-repository.ts';
import { aliasTargetOf } from './aliases.ts';
import { type Model, type ModelVersion, versionKey } from './model-version.ts';
import { DEFAULT_POLICY } from './version-policy.ts';
import { settingsOf } from './version-settings.ts';

export interface CatalogOptions {
  /** The server's batching settings, under what each model.json says. */
  defaults: BatchingDefaults;
}

export interface Catalog {
  list(): Model[];
  get(name: string): Model | undefined;
  /** The model named `name`; throws MODEL_NOT_FOUND naming the models there are. */
  modelOf(name: string): Model;
  /** Adds the model a scan found. */
  add(entry: ModelEntry): Model;
  /** Takes what a fresh scan says of a known model: its config, and versions added on disk. */
  update(model: Model, entry: ModelEntry): void;
  remove(model: Model): void;
  /** The READY versions of every model. */
  loadedVersions(): ModelVersion[];
}

/** The error for a model name that is not there, naming the models that are (as far as the caller may see them). */
export function modelNotFound(name: string, known: readonly string[]): InferError {
  const list = known.join(', ') || 'none';
  return new InferError('MODEL_NOT_FOUND', `model "${name}" is not in the repository (models: ${list})`, { details: { model: name } });
}

export function createCatalog({ defaults }: CatalogOptions): Catalog {
  const models = new Map<string, Model>();

  function newVersion(entry: ModelEntry, version: number, path: string): ModelVersion {
    return {
      model: entry.name,
      version,
      key: versionKey(entry.name, version),
      path,
      state: 'UNAVAILABLE',
      stateReason: null,
      unavailableCause: null,
      signature: null,
      settings: settingsOf(entry, defaults),
      labels: entry.labels,
      tokenizerFiles: entry.tokenizer,
      loadMs: null,
      warmupMs: null,
      memoryBytes: null,
      lastUsed: 0,
    };
  }

  const catalog: Catalog = {
    list: () => [...models.values()],
    get: (name) => models.get(name),

    modelOf(name) {
      const model = models.get(name);
      if (model) return model;
      throw modelNotFound(name, [...models.keys()]);
    },

    add(entry) {
      const model: Model = {
        name: entry.name,
        directory: entry.directory,
        description: null,
        task: null,
        labels: null,
        error: null,
        pipeline: null,
        entry,
        policy: DEFAULT_POLICY,
        aliases: new Map(),
        aliasHistory: new Map(),
        versions: [],
      };
      catalog.update(model, entry);
      models.set(model.name, model);
      return model;
    },

    update(model, entry) {
      model.description = entry.config.description ?? null;
      model.task = entry.config.task ?? null;
      model.labels = entry.labels;
      model.error = entry.error;
      model.pipeline = entry.config.pipeline ?? null;
      model.entry = entry;
      model.policy = entry.config.versionPolicy ?? DEFAULT_POLICY;
      model.aliases = new Map(Object.entries(entry.config.aliases ?? {}).map(([alias, config]) => [alias, aliasTargetOf(config)]));
      for (const { version, path } of entry.versions) {
        if (!model.versions.some((existing) => existing.version === version)) model.versions.push(newVersion(entry, version, path));
      }
      model.versions.sort((a, b) => a.version - b.version);
    },

    remove(model) {
      models.delete(model.name);
    },

    loadedVersions: () => [...models.values()].flatMap((model) => model.versions).filter((version) => version.state === 'READY'),
  };
  return catalog;
}
