import { describe, expect, it } from 'vitest';
import { loadsOnRequest, type UnavailableCause, unavailableReason } from '../../src/registry/unavailable-cause.ts';

describe('why a version is UNAVAILABLE', () => {
  it.each<[UnavailableCause, string]>([
    ['lazy', 'loads on its first request'],
    ['evicted', 'evicted to stay within the memory budget; loads on its next request'],
    ['policy', 'not selected by the version policy (specific 1, 3)'],
    ['unloaded', 'unloaded by request'],
    ['gone', 'its folder is gone'],
    ['shutdown', 'the server is shutting down'],
  ])('should tell clients the cause %s as %j', (cause, reason) => {
    expect(unavailableReason(cause, { specific: [1, 3] })).toBe(reason);
  });

  it('should let a request load a version only when it waits for its first load or was evicted', () => {
    const causes: (UnavailableCause | null)[] = ['lazy', 'evicted', 'policy', 'unloaded', 'gone', 'shutdown', null];
    expect(causes.filter(loadsOnRequest)).toEqual(['lazy', 'evicted']);
  });
});
