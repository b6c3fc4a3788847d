/**
 * Token buckets kept in Redis, so that a caller's limit holds across replicas: the same arithmetic as
 * token-buckets.ts (refilled continuously at a rate, at most a burst, a refusal spends nothing),
 * run as one Lua script so that checking and spending every bucket of an operation is atomic.
 * While Redis cannot be reached the caller's own buckets decide instead: a limit per replica is
 * better than none, or than refusing everyone.
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.ts';

/**
 * KEYS: one hash per bucket (tokens, at). ARGV[1]: now in ms; then per bucket its tokens per ms,
 * burst and the amount asked. Returns per bucket the ms until it holds its amount, rounded up: all
 * 0 means every amount was spent. A bucket that is spent lives as long as it takes to fill again
 * (then it is the same as none), plus a second.
 */
const TAKE_TOKENS = `
local now = tonumber(ARGV[1])
local waits = {}
local tokens = {}
local ats = {}
local refused = false
for i, key in ipairs(KEYS) do
  local perMs = tonumber(ARGV[i * 3 - 1])
  local burst = tonumber(ARGV[i * 3])
  local amount = tonumber(ARGV[i * 3 + 1])
  local stored = redis.call('HMGET', key, 'tokens', 'at')
  local held = tonumber(stored[1]) or burst
  local at = tonumber(stored[2]) or now
  -- A replica whose clock is behind the last spender's refills nothing, rather than a negative amount.
  if now > at then held = math.min(burst, held + (now - at) * perMs) end
  tokens[i] = held
  ats[i] = math.max(now, at)
  if held >= amount then
    waits[i] = 0
  else
    waits[i] = math.ceil((amount - held) / perMs)
    refused = true
  end
end
if not refused then
  for i, key in ipairs(KEYS) do
    local perMs = tonumber(ARGV[i * 3 - 1])
    local burst = tonumber(ARGV[i * 3])
    local left = tokens[i] - tonumber(ARGV[i * 3 + 1])
    redis.call('HSET', key, 'tokens', string.format('%.17g', left), 'at', string.format('%.17g', ats[i]))
    redis.call('PEXPIRE', key, math.ceil((burst - left) / perMs) + 1000)
  end
end
return waits
`;

/** One bucket an operation spends from: which budget, its rate and burst, and how much the operation asks. */
export interface BucketAsk {
  budget: string;
  ratePerSecond: number;
  burst: number;
  amount: number;
}

export interface RedisTokenBucketsOptions {
  /** The command client: it fails at once while Redis is down (redis-link.ts), so a request never waits for it. */
  redis: Redis;
  /** Keys are `${prefix}rate:{caller}:budget`: the braces keep one caller's buckets in one slot of a Redis Cluster. */
  prefix: string;
  /** Whether Redis is reachable now: while it is not, the script is not even tried. */
  connected: () => boolean;
  logger: Logger;
  /** Called for each operation decided by the local buckets. */
  onLocal?: () => void;
  /** The clock, in ms, sent to the script: replicas' clocks must agree (NTP) as closely as a refill's precision matters. */
  now: () => number;
}

export interface RedisTokenBuckets {
  /**
   * Ms until each bucket holds its amount, all 0 when every amount was spent; spent in Redis, or by
   * `spendLocally` when Redis cannot be reached.
   */
  spend(caller: string, asks: readonly BucketAsk[], spendLocally: () => number[]): Promise<number[]>;
}

interface TakeTokens {
  infergraphTakeTokens(keys: number, ...args: (string | number)[]): Promise<number[]>;
}

export function createRedisTokenBuckets({ redis, prefix, connected, logger, onLocal, now }: RedisTokenBucketsOptions): RedisTokenBuckets {
  // defineCommand sends EVALSHA and falls back to EVAL when Redis lost the script (a restart).
  redis.defineCommand('infergraphTakeTokens', { lua: TAKE_TOKENS });
  const script = redis as unknown as TakeTokens;
  /** Whether the last decision was local because the script failed (not because the link was known down): logged once per spell. */
  let failing = false;

  return {
    async spend(caller, asks, spendLocally) {
      if (!connected()) {
        onLocal?.();
        return spendLocally();
      }
      const keys = asks.map(({ budget }) => `${prefix}rate:{${caller}}:${budget}`);
      const args = asks.flatMap(({ ratePerSecond, burst, amount }) => [String(ratePerSecond / 1000), String(burst), String(amount)]);
      try {
        const waits = await script.infergraphTakeTokens(keys.length, ...keys, String(Math.floor(now())), ...args);
        if (failing) {
          failing = false;
          logger.info('rate limits are shared through Redis again');
        }
        return waits.map(Number);
      } catch (error) {
        if (!failing) {
          failing = true;
          logger.warn({ err: error }, 'cannot spend rate-limit tokens in Redis: this replica counts on its own until it can');
        }
        onLocal?.();
        return spendLocally();
      }
    },
  };
}
