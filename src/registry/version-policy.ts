/** Which versions a model's version policy loads, and how the policy reads in a reason. */
import type { VersionPolicy } from '../repository/model-config.ts';
import type { Model, ModelVersion } from './model-version.ts';

export const DEFAULT_POLICY: VersionPolicy = { latest: 1 };

/** Whether the model's policy selects a version, out of the versions the model has. */
export function policySelects({ policy, versions }: Pick<Model, 'policy' | 'versions'>): (version: ModelVersion) => boolean {
  const numbers = versions.map((version) => version.version);
  const selected = selectVersions(policy, numbers);
  return (version) => selected.has(version.version);
}

function selectVersions(policy: VersionPolicy, versions: readonly number[]): Set<number> {
  if ('all' in policy) return new Set(versions);
  if ('specific' in policy) return new Set(versions.filter((version) => policy.specific.includes(version)));
  return new Set([...versions].sort((a, b) => b - a).slice(0, policy.latest));
}

export function describePolicy(policy: VersionPolicy): string {
  if ('all' in policy) return 'all';
  if ('specific' in policy) return `specific ${policy.specific.join(', ')}`;
  return `latest ${policy.latest}`;
}
