/** Why a version is UNAVAILABLE, as a value the registry branches on; the reason clients read is derived from it. */
import type { VersionPolicy } from '../repository/model-config.ts';
import { describePolicy } from './version-policy.ts';

export type UnavailableCause = 'lazy' | 'evicted' | 'policy' | 'unloaded' | 'gone' | 'shutdown' | 'steps';

/** The reason clients read (GraphQL `stateReason`, model events) for each cause: these strings are part of the contract. */
const REASONS: Record<UnavailableCause, (policy: VersionPolicy) => string> = {
  lazy: () => 'loads on its first request',
  evicted: () => 'evicted to stay within the memory budget; loads on its next request',
  policy: (policy) => `not selected by the version policy (${describePolicy(policy)})`,
  unloaded: () => 'unloaded by request',
  gone: () => 'its folder is gone',
  shutdown: () => 'the server is shutting down',
  // A pipeline's own reason names the step; this is the fallback.
  steps: () => 'a step of the pipeline cannot serve',
};

/** The reason a version of a model with `policy` is UNAVAILABLE for `cause`. */
export function unavailableReason(cause: UnavailableCause, policy: VersionPolicy): string {
  return REASONS[cause](policy);
}

/** Whether a request may load the version itself: only a load it has not had yet keeps it from serving, not a decision. */
export function loadsOnRequest(cause: UnavailableCause | null): boolean {
  return cause === 'lazy' || cause === 'evicted';
}
