import { describe, expect, it } from 'vitest';
import { createTokenBuckets } from '../../src/server/token-buckets.ts';

/** Buckets on a clock the test moves. */
function bucketsOn(options: { ratePerSecond: number; burst: number; maxKeys?: number }) {
  const clock = { ms: 0 };
  return { clock, buckets: createTokenBuckets({ ...options, now: () => clock.ms }) };
}

describe('createTokenBuckets', () => {
  it('should give a new key its burst, then make it wait for what it lacks at the rate', () => {
    const { clock, buckets } = bucketsOn({ ratePerSecond: 2, burst: 4 });
    expect(buckets.waitMs('a', 4)).toBe(0);
    buckets.take('a', 3);
    expect(buckets.waitMs('a', 1)).toBe(0);
    expect(buckets.waitMs('a', 2)).toBe(500);
    clock.ms += 500;
    expect(buckets.waitMs('a', 2)).toBe(0);
  });

  it('should keep each key apart', () => {
    const { buckets } = bucketsOn({ ratePerSecond: 1, burst: 1 });
    buckets.take('a', 1);
    expect(buckets.waitMs('a', 1)).toBe(1000);
    expect(buckets.waitMs('b', 1)).toBe(0);
  });

  it('should never fill a bucket past its burst, however long it waits', () => {
    const { clock, buckets } = bucketsOn({ ratePerSecond: 10, burst: 5 });
    buckets.take('a', 5);
    clock.ms += 3_600_000;
    buckets.take('a', 5);
    expect(buckets.waitMs('a', 1)).toBe(100);
  });

  it('should say Infinity for an amount over the burst: no wait would do', () => {
    const { buckets } = bucketsOn({ ratePerSecond: 10, burst: 5 });
    expect(buckets.waitMs('a', 6)).toBe(Number.POSITIVE_INFINITY);
  });

  it('should forget keys whose buckets are full again, and keep those still spent', () => {
    const { clock, buckets } = bucketsOn({ ratePerSecond: 1, burst: 10 });
    buckets.take('idle', 1);
    clock.ms += 60_000;
    buckets.take('busy', 5);
    expect(buckets.size).toBe(1);
    expect(buckets.waitMs('busy', 10)).toBe(5000);
  });

  it('should hold at most maxKeys keys, forgetting the least recently used', () => {
    const { buckets } = bucketsOn({ ratePerSecond: 1, burst: 10, maxKeys: 100 });
    for (let n = 0; n < 1000; n++) buckets.take(`caller ${n}`, 10);
    expect(buckets.size).toBe(100);
    expect(buckets.waitMs('caller 999', 1)).toBe(1000);
    // A forgotten key starts again full: the price of the bound.
    expect(buckets.waitMs('caller 0', 10)).toBe(0);
  });
});
