/** The admin mutations: load, unload, reload, aliases, rescan. */
import type { ObjectRef } from '@pothos/core';
import type { AliasTarget } from '../../registry/aliases.ts';
import type { Model } from '../../registry/model-version.ts';
import { describePolicy } from '../../registry/version-policy.ts';
import type { Builder, SchemaTypes } from '../builder.ts';

interface Alias {
  name: string;
  target: AliasTarget;
  history: AliasTarget[];
}

/**
 * Model management: aliases in the catalog, and the mutations that load, unload, reload, point
 * aliases and re-read the repository. Every change is published on modelEvents, and announced to
 * the other replicas (with Redis), which apply it too. (For operators: each needs the admin scope.)
 */
export function addLifecycle(builder: Builder, { ModelRef }: { ModelRef: ObjectRef<SchemaTypes, Model> }) {
  const WeightedVersion = builder.objectRef<AliasTarget[number]>('WeightedVersion').implement({
    fields: (t) => ({
      version: t.string({ resolve: (entry) => String(entry.version) }),
      weight: t.exposeFloat('weight', { description: 'Share of the alias’s traffic, relative to the other versions.' }),
    }),
  });

  const AliasRef = builder.objectRef<Alias>('ModelAlias').implement({
    description: 'A named pointer to versions. Requests may name it wherever they name a version.',
    fields: (t) => ({
      name: t.exposeString('name'),
      versions: t.field({ type: [WeightedVersion], resolve: (alias) => [...alias.target] }),
      history: t.field({
        type: t.listRef(t.listRef(WeightedVersion)),
        description: 'Earlier targets, oldest first; rollbackAlias returns to the last.',
        resolve: (alias) => alias.history.map((target) => [...target]),
      }),
    }),
  });

  builder.objectFields(ModelRef, (t) => ({
    versionPolicy: t.string({
      description: 'Which versions load: latest N, all, or specific ones.',
      resolve: (model) => describePolicy(model.policy),
    }),
    aliases: t.field({
      type: [AliasRef],
      resolve: (model) => [...model.aliases].map(([name, target]) => ({ name, target, history: model.aliasHistory.get(name) ?? [] })),
    }),
  }));

  const WeightedVersionInput = builder.inputType('WeightedVersionInput', {
    fields: (t) => ({
      version: t.string({ required: true }),
      weight: t.float({ description: 'Default 1.' }),
    }),
  });

  builder.mutationFields((t) => ({
    loadModel: t.field({
      type: ModelRef,
      authScopes: { admin: true },
      description: "Loads a model's versions as its policy says, or one version whatever the policy.",
      args: {
        model: t.arg.string({ required: true }),
        version: t.arg.string({ description: 'A version number or an alias (its versions); all versions when absent.' }),
      },
      resolve: async (_root, { model, version }, { registry, announce }) => {
        const loaded = await registry.load(model, version);
        announce({ action: 'load', model, ...(version == null ? {} : { version }) });
        return loaded;
      },
    }),
    unloadModel: t.field({
      type: ModelRef,
      authScopes: { admin: true },
      description: "Unloads a model's versions, or one, once their work in flight is done.",
      args: {
        model: t.arg.string({ required: true }),
        version: t.arg.string({ description: 'A version number or an alias (its versions); all versions when absent.' }),
      },
      resolve: async (_root, { model, version }, { registry, announce }) => {
        const unloaded = await registry.unload(model, version);
        announce({ action: 'unload', model, ...(version == null ? {} : { version }) });
        return unloaded;
      },
    }),
    reloadModel: t.field({
      type: ModelRef,
      authScopes: { admin: true },
      description:
        "Re-reads the model's folder and loads it again without downtime: the new load is made next to the serving one, " +
        'requests switch to it, and the old one is drained, then released. A load that fails leaves the serving one untouched.',
      args: {
        model: t.arg.string({ required: true }),
        version: t.arg.string({ description: 'A version number or an alias (its versions); all versions when absent.' }),
      },
      resolve: async (_root, { model, version }, { registry, announce }) => {
        const reloaded = await registry.reload(model, version);
        announce({ action: 'reload', model, ...(version == null ? {} : { version }) });
        return reloaded;
      },
    }),
    setAlias: t.field({
      type: ModelRef,
      authScopes: { admin: true },
      description: "Points an alias at versions, with weights for a traffic split; written to the model's model.json.",
      args: {
        model: t.arg.string({ required: true }),
        alias: t.arg.string({ required: true }),
        versions: t.arg({ type: [WeightedVersionInput], required: true }),
      },
      resolve: async (_root, { model, alias, versions }, { registry, announce }) => {
        const target = versions.map(({ version, weight }) => ({ version: Number(version), weight: weight ?? 1 }));
        const changed = await registry.setAlias(model, alias, target);
        announce({ action: 'aliases', model });
        return changed;
      },
    }),
    rollbackAlias: t.field({
      type: ModelRef,
      authScopes: { admin: true },
      description: 'Moves an alias back to the target it had before its last change.',
      args: { model: t.arg.string({ required: true }), alias: t.arg.string({ required: true }) },
      resolve: async (_root, { model, alias }, { registry, announce }) => {
        const changed = await registry.rollbackAlias(model, alias);
        announce({ action: 'aliases', model });
        return changed;
      },
    }),
    rescanRepository: t.field({
      type: [ModelRef],
      authScopes: { admin: true },
      description: 'Reads the model repository again: new models and versions load, vanished ones unload.',
      resolve: async (_root, _args, { registry, announce }) => {
        const models = await registry.rescan();
        announce({ action: 'rescan' });
        return models;
      },
    }),
  }));
}
