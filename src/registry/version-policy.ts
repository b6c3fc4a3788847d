import type { VersionPolicy } from '../repository/model-config.ts';

export const DEFAULT_POLICY: VersionPolicy = { latest: 1 };

/** The versions a policy loads, out of those on disk. */
export function selectVersions(policy: VersionPolicy, versions: readonly number[]): Set<number> {
  if ('all' in policy) return new Set(versions);
  if ('specific' in policy) return new Set(versions.filter((version) => policy.specific.includes(version)));
  return new Set([...versions].sort((a, b) => b - a).slice(0, policy.latest));
}

export function describePolicy(policy: VersionPolicy): string {
  if ('all' in policy) return 'all';
  if ('specific' in policy) return `specific ${policy.specific.join(', ')}`;
  return `latest ${policy.latest}`;
}
