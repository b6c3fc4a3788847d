/**
 * A closed-loop load generator: `concurrency` loops each keep one request in flight, sending
 * the next as soon as the last answers. After `warmupMs` a window of `durationMs` opens; only
 * requests that both start and finish inside it count, so the warm-up and the drain at the
 * end stay out of the figures.
 */

export interface LoadOptions<T> {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Sends request number `index` (counting from 0 over all loops). */
  send(index: number): Promise<T>;
  /** Called as the window opens and closes (e.g. to read the server's counters); awaited off the clock. */
  onWindowStart?: () => Promise<void> | void;
  onWindowEnd?: () => Promise<void> | void;
}

export interface LoadResult<T> {
  concurrency: number;
  /** Length of the measured window, in ms. */
  windowMs: number;
  /** The window on the system's monotonic clock (process.hrtime), in µs, which CPU profiles also use. */
  monotonicUs: [number, number];
  /** Latency of each request counted, in ms, in completion order. */
  latenciesMs: number[];
  /** What `send` resolved with, for each request counted. */
  replies: T[];
  errors: number;
  firstError: string | null;
}

export async function runClosedLoop<T>({
  concurrency,
  warmupMs,
  durationMs,
  send,
  onWindowStart,
  onWindowEnd,
}: LoadOptions<T>): Promise<LoadResult<T>> {
  let sent = 0;
  let stopping = false;
  let windowStart = Infinity;
  let windowEnd = Infinity;
  const latenciesMs: number[] = [];
  const replies: T[] = [];
  let errors = 0;
  let firstError: string | null = null;

  async function loop(): Promise<void> {
    while (!stopping) {
      const started = performance.now();
      try {
        const reply = await send(sent++);
        const ended = performance.now();
        if (started >= windowStart && ended <= windowEnd) {
          latenciesMs.push(ended - started);
          replies.push(reply);
        }
      } catch (error) {
        if (started >= windowStart && performance.now() <= windowEnd) errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        // A dead server answers at once; don't spin a core on it.
        await sleep(5);
      }
    }
  }

  const loops = Array.from({ length: concurrency }, () => loop());
  await sleep(warmupMs);
  await onWindowStart?.();
  windowStart = performance.now();
  const monotonicStart = monotonicUs();
  await sleep(durationMs);
  windowEnd = performance.now();
  const monotonicEnd = monotonicUs();
  await onWindowEnd?.();
  stopping = true;
  await Promise.all(loops);
  return {
    concurrency,
    windowMs: windowEnd - windowStart,
    monotonicUs: [monotonicStart, monotonicEnd],
    latenciesMs,
    replies,
    errors,
    firstError,
  };
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `p`-th percentile (0–100) by nearest rank; NaN for no samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length;
}
