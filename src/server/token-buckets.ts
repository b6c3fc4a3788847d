/**
 * Token buckets, one per key, in a map that forgets idle keys. Written here rather than taken from a
 * library: none installed fits (rate-limiter-flexible is not a dependency), and a bucket is a few lines
 * of arithmetic, while what a server needs around it (two budgets spent together, a bounded map, an
 * injectable clock for tests) is ours either way.
 */

export interface TokenBucketsOptions {
  /** Tokens added per second. */
  ratePerSecond: number;
  /** Tokens a bucket holds at most, and a new key starts with. */
  burst: number;
  /** Keys kept at most; past it the least recently used are forgotten (they start again full). @default 10_000 */
  maxKeys?: number;
  /** The clock, in ms. @default Date.now */
  now?: () => number;
}

export interface TokenBuckets {
  readonly burst: number;
  /** Ms until `key` holds `amount` tokens: 0 when it holds them now, Infinity when `amount` is over the burst. */
  waitMs(key: string, amount: number): number;
  /** Spends `amount` tokens of `key`; call it after `waitMs` said 0. */
  take(key: string, amount: number): void;
  /** Keys held: for tests of the bound. */
  readonly size: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date, in ms. */
  at: number;
}

/** How often, at most, idle keys are swept out; a sweep costs one pass over the map. */
const SWEEP_EVERY_MS = 60_000;

export function createTokenBuckets({ ratePerSecond, burst, maxKeys = 10_000, now = Date.now }: TokenBucketsOptions): TokenBuckets {
  const buckets = new Map<string, Bucket>();
  const perMs = ratePerSecond / 1000;
  let sweptAt = now();

  function refill(bucket: Bucket, at: number): void {
    bucket.tokens = Math.min(burst, bucket.tokens + (at - bucket.at) * perMs);
    bucket.at = at;
  }

  /** The key's bucket, brought up to date and moved to the recent end of the map (a Map keeps insertion order). */
  function bucketOf(key: string): Bucket {
    const at = now();
    // Swept before the key is looked up, never after: a sweep must not drop the bucket about to be spent.
    const known = buckets.has(key);
    if (at - sweptAt >= SWEEP_EVERY_MS || (buckets.size >= maxKeys && !known)) sweep(at, known ? maxKeys : maxKeys - 1);
    let bucket = buckets.get(key);
    if (bucket) {
      buckets.delete(key);
      refill(bucket, at);
    } else {
      bucket = { tokens: burst, at };
    }
    buckets.set(key, bucket);
    return bucket;
  }

  /** Forgets full buckets (a full bucket is the same as none), then the least recently used past `keep`. */
  function sweep(at: number, keep: number): void {
    sweptAt = at;
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= burst) buckets.delete(key);
    }
    // Still over: the least recently used go, and start again full. That gives back at most one
    // burst to a key that had spent it, the price of a bound on memory when many keys are busy.
    for (const key of buckets.keys()) {
      if (buckets.size <= keep) break;
      buckets.delete(key);
    }
  }

  return {
    burst,
    waitMs(key, amount) {
      if (amount > burst) return Number.POSITIVE_INFINITY;
      const bucket = bucketOf(key);
      if (bucket.tokens >= amount) return 0;
      return perMs > 0 ? (amount - bucket.tokens) / perMs : Number.POSITIVE_INFINITY;
    },
    take(key, amount) {
      bucketOf(key).tokens -= amount;
    },
    get size() {
      return buckets.size;
    },
  };
}
