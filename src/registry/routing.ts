/**
 * Which version a request is served by: a version number, an alias (weighted among its READY
 * targets), or neither. Pure: it reads a model's versions and aliases and changes nothing.
 */
import { InferError } from '../errors.ts';
import type { AliasTarget } from './aliases.ts';
import type { Model, ModelVersion } from './model-version.ts';
import { policySelects } from './version-policy.ts';

export interface RoutingOptions {
  /** Draws in [0, 1) that split a weighted alias's traffic. */
  random: () => number;
  /** Whether versions load on their first request, so that one not loaded yet still gets the requests it would serve. */
  lazy: boolean;
}

/** The alias `requested` names; undefined for a version number, which is never an alias. */
function aliasNamed(model: Model, requested: string): AliasTarget | undefined {
  return /^[0-9]+$/.test(requested) ? undefined : model.aliases.get(requested);
}

/** The version numbered `requested`; throws MODEL_NOT_FOUND naming the versions and aliases there are. */
export function findVersion(model: Model, requested: string): ModelVersion {
  const version = model.versions.find((candidate) => String(candidate.version) === requested);
  if (version) return version;
  const known = model.versions.map((candidate) => candidate.version).join(', ') || 'none';
  const aliases = [...model.aliases.keys()].join(', ') || 'none';
  throw new InferError(
    'MODEL_NOT_FOUND',
    `model "${model.name}" has no version or alias "${requested}" (versions: ${known}; aliases: ${aliases})`,
    { details: { model: model.name, version: requested } },
  );
}

/** Picks a version by weight among those `available` says can serve; null when none can. */
export function pickWeighted(target: AliasTarget, available: (version: number) => boolean, random: () => number): number | null {
  const candidates = target.filter(({ version }) => available(version));
  const total = candidates.reduce((sum, { weight }) => sum + weight, 0);
  let draw = random() * total;
  for (const { version, weight } of candidates) {
    draw -= weight;
    if (draw < 0) return version;
  }
  return candidates.at(-1)?.version ?? null;
}

/** The version shown as a model's default: its `default` alias's heaviest target, else the highest READY, else the highest. */
export function defaultVersion(model: Model): ModelVersion | undefined {
  const alias = model.aliases.get('default');
  const heaviest = alias ? [...alias].sort((a, b) => b.weight - a.weight)[0] : undefined;
  const newestFirst = [...model.versions].reverse();
  return (
    model.versions.find((version) => version.version === heaviest?.version) ??
    newestFirst.find((version) => version.state === 'READY') ??
    newestFirst[0]
  );
}

/**
 * The version a request names (a number, an alias, or neither: the alias `default` when there
 * is one), READY or not; undefined when the model has no version at all.
 */
export function requestedVersion(
  model: Model,
  requested: string | null | undefined,
  { random, lazy }: RoutingOptions,
): ModelVersion | undefined {
  const ready = (version: ModelVersion) => version.state === 'READY';
  const alias = aliasNamed(model, requested ?? 'default');
  if (alias) {
    const readyNumber = (number: number) => model.versions.some((version) => version.version === number && ready(version));
    const picked = pickWeighted(alias, readyNumber, random) ?? alias[0]?.version;
    return model.versions.find((candidate) => candidate.version === picked);
  }
  if (requested !== undefined && requested !== null) return findVersion(model, requested);
  if (!lazy) return defaultVersion(model);
  // Not loaded yet is no reason to pass over the version a request would get.
  const newestFirst = [...model.versions].reverse();
  return newestFirst.find(ready) ?? newestFirst.find(policySelects(model));
}

/** The version that serves a request: the one it names, which must be READY; throws MODEL_NOT_FOUND or MODEL_NOT_READY. */
export function servingVersion(model: Model, requested: string | null | undefined, options: RoutingOptions): ModelVersion {
  const version = requestedVersion(model, requested, options);
  if (!version) {
    throw new InferError('MODEL_NOT_FOUND', `model "${model.name}" has no version (${model.error ?? 'no version folder'})`, {
      details: { model: model.name },
    });
  }
  if (version.state !== 'READY') {
    const reason = version.stateReason ?? model.error;
    throw new InferError('MODEL_NOT_READY', `model "${model.name}" v${version.version} is ${version.state}${reason ? `: ${reason}` : ''}`, {
      details: { model: model.name, version: String(version.version), state: version.state },
    });
  }
  return version;
}

/** The versions an admin call names: all of them, one by number, or those an alias points at. */
export function namedVersions(model: Model, requested: string | null | undefined): ModelVersion[] {
  if (requested === undefined || requested === null) return model.versions;
  const alias = aliasNamed(model, requested);
  if (!alias) return [findVersion(model, requested)];
  return alias.map(({ version }) => findVersion(model, String(version)));
}
