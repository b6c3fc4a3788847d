import { describe, expect, it } from 'vitest';
import { bytesInUse, chooseEvictions, type Resident } from '../../src/registry/eviction.ts';

/** Loaded versions a, b, c of 100 bytes each, used last in the order b, c, a. */
function residents(): Record<'a' | 'b' | 'c', Resident> {
  return {
    a: { key: 'a@1', memoryBytes: 100, lastUsed: 30 },
    b: { key: 'b@1', memoryBytes: 100, lastUsed: 10 },
    c: { key: 'c@1', memoryBytes: 100, lastUsed: 20 },
  };
}

const idle = () => false;
const incoming: Resident = { key: 'new@1', memoryBytes: null, lastUsed: 0 };

describe('choosing what to evict under the memory budget', () => {
  it('should evict nothing without a budget, however much is loaded', () => {
    const { a, b, c } = residents();
    expect(chooseEvictions({ loaded: [a, b, c], incoming, incomingBytes: 10_000, budgetBytes: 0, isBusy: idle })).toEqual([]);
  });

  it('should evict nothing when the incoming load fits', () => {
    const { a, b } = residents();
    expect(chooseEvictions({ loaded: [a, b], incoming, incomingBytes: 100, budgetBytes: 300, isBusy: idle })).toEqual([]);
  });

  it('should evict the least recently used first, and no more than the incoming load needs', () => {
    const { a, b, c } = residents();
    const loaded = [a, b, c];
    expect(chooseEvictions({ loaded, incoming, incomingBytes: 100, budgetBytes: 300, isBusy: idle })).toEqual([b]);
    expect(chooseEvictions({ loaded, incoming, incomingBytes: 150, budgetBytes: 300, isBusy: idle })).toEqual([b, c]);
  });

  it('should never evict a version with work queued or running', () => {
    const { a, b, c } = residents();
    const isBusy = (key: string) => key === b.key;
    expect(chooseEvictions({ loaded: [a, b, c], incoming, incomingBytes: 100, budgetBytes: 300, isBusy })).toEqual([c]);
  });

  it('should never evict the version it makes room for, as when it reloads', () => {
    const { a, b, c } = residents();
    expect(chooseEvictions({ loaded: [a, b, c], incoming: b, incomingBytes: 100, budgetBytes: 300, isBusy: idle })).toEqual([c]);
  });

  it('should evict every idle version, and let the load go over the budget, when they are not enough', () => {
    const { a, b, c } = residents();
    const isBusy = (key: string) => key === a.key;
    expect(chooseEvictions({ loaded: [a, b, c], incoming, incomingBytes: 250, budgetBytes: 300, isBusy })).toEqual([b, c]);
  });

  it('should count a version of unknown size as taking nothing', () => {
    const { a } = residents();
    const unknown: Resident = { key: 'u@1', memoryBytes: null, lastUsed: 0 };
    expect(bytesInUse([a, unknown])).toBe(100);
    expect(chooseEvictions({ loaded: [a, unknown], incoming, incomingBytes: 100, budgetBytes: 200, isBusy: idle })).toEqual([]);
  });
});
