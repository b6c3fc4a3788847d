/**
 * The token buckets in Redis (a Lua script) against the ones in memory (token-buckets.ts), on the
 * machine's Redis: the same decisions and the same waits for the same asks on the same clock; and
 * the keys' TTLs. The in-memory buckets are the specification.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRandom } from '../../scripts/models/prng.ts';
import { silentLogger } from '../../src/observability/logger.ts';
import { type BucketAsk, createRedisTokenBuckets } from '../../src/server/redis-token-buckets.ts';
import { createTokenBuckets, type TokenBuckets } from '../../src/server/token-buckets.ts';
import { removeKeys, SHARED_REDIS_URL, uniquePrefix } from '../fixtures/redis.ts';

const prefix = uniquePrefix();
const redis = new Redis(SHARED_REDIS_URL, { enableOfflineQueue: true });
afterAll(async () => {
  await removeKeys(prefix);
  redis.disconnect();
});

const BUDGETS = { requests: { ratePerSecond: 2.5, burst: 4 }, work: { ratePerSecond: 30, burst: 50 } };

describe('token buckets in Redis', () => {
  it('should decide every ask as the buckets in memory do, with the same waits, over a random run', async () => {
    const clock = { ms: 1_000_000 };
    const shared = createRedisTokenBuckets({ redis, prefix, connected: () => true, logger: silentLogger, now: () => clock.ms });
    const local: Record<keyof typeof BUDGETS, TokenBuckets> = {
      requests: createTokenBuckets({ ...BUDGETS.requests, now: () => clock.ms }),
      work: createTokenBuckets({ ...BUDGETS.work, now: () => clock.ms }),
    };
    const random = createRandom(12).next;
    let refused = 0;
    for (let step = 0; step < 300; step++) {
      clock.ms += Math.floor(random() * 400);
      const caller = random() < 0.5 ? 'key:a' : 'key:b';
      const work = Math.floor(random() * 30);
      const asks: (BucketAsk & { budget: keyof typeof BUDGETS })[] = [{ budget: 'requests', ...BUDGETS.requests, amount: 1 }];
      if (work > 0) asks.push({ budget: 'work', ...BUDGETS.work, amount: work });

      const expected = asks.map(({ budget, amount }) => local[budget].waitMs(caller, amount));
      if (expected.every((wait) => wait === 0)) for (const { budget, amount } of asks) local[budget].take(caller, amount);
      const waits = await shared.spend(caller, asks, () => {
        throw new Error('Redis is up: the local buckets must not decide');
      });

      expect(
        waits.map((wait) => wait === 0),
        `step ${step}`,
      ).toEqual(expected.map((wait) => wait === 0));
      // Whole ms, rounded up, in Redis: what Retry-After is made of. The memory buckets bring their
      // tokens up to date at every look, Redis only when it spends, so the sums are added in another
      // order and may differ in the last bits: a ms either way at a rounding edge.
      for (const [index, wait] of waits.entries())
        expect(Math.abs(wait - Math.ceil(expected[index]!)), `step ${step}`).toBeLessThanOrEqual(1);
      if (expected.some((wait) => wait > 0)) refused++;
    }
    // The run exercised both answers.
    expect(refused).toBeGreaterThan(30);
    expect(refused).toBeLessThan(270);
  });

  it('should keep a spent bucket only until it is full again, and keep a refused ask from spending', async () => {
    const clock = { ms: 5_000_000 };
    const shared = createRedisTokenBuckets({ redis, prefix, connected: () => true, logger: silentLogger, now: () => clock.ms });
    const ask = (amount: number): BucketAsk[] => [{ budget: 'requests', ratePerSecond: 1, burst: 3, amount }];
    const never = () => {
      throw new Error('Redis is up');
    };
    expect(await shared.spend('ttl', ask(2), never)).toEqual([0]);
    // One token left, refilled at 1 a second: two seconds until full, plus a second of margin.
    const ttl = await redis.pttl(`${prefix}rate:{ttl}:requests`);
    expect(ttl).toBeGreaterThan(2000);
    expect(ttl).toBeLessThanOrEqual(3000);
    expect(await shared.spend('ttl', ask(2), never)).toEqual([1000]);
    expect(await shared.spend('ttl', ask(1), never)).toEqual([0]);
  });

  it('should let the local buckets decide, and count it, while Redis is not connected', async () => {
    let local = 0;
    const shared = createRedisTokenBuckets({
      redis,
      prefix,
      connected: () => false,
      logger: silentLogger,
      onLocal: () => local++,
      now: () => 0,
    });
    expect(await shared.spend('down', [{ budget: 'requests', ratePerSecond: 1, burst: 1, amount: 1 }], () => [250])).toEqual([250]);
    expect(local).toBe(1);
    expect(await redis.exists(`${prefix}rate:{down}:requests`)).toBe(0);
  });
});
