/** Retries with exponential backoff, only of failures that are safe to repeat. */
import { type InferGraphError, toInferGraphError } from './errors.js';

export interface RetryOptions {
  /** Retries after the first attempt; 0 for none. @default 2 */
  maxRetries?: number;
  /** The first backoff; each retry doubles it, with full jitter. In ms. @default 250 */
  baseDelayMs?: number;
  /** The longest backoff, and the longest Retry-After the SDK waits for (past it, the error is thrown). In ms. @default 30_000 */
  maxDelayMs?: number;
  /** Called before each retry's wait: to log it, or count. */
  onRetry?: (event: { error: InferGraphError; attempt: number; delayMs: number }) => void;
}

export interface Attempt {
  /** Whether the call may run twice: queries may be repeated after a network error, mutations not. */
  idempotent: boolean;
  signal?: AbortSignal | undefined;
  model?: string | undefined;
}

/** Refusals made before any work was done: safe to retry whatever the operation. */
const REFUSALS = new Set(['OVERLOADED', 'RATE_LIMITED']);

export function createRetry({ maxRetries = 2, baseDelayMs = 250, maxDelayMs = 30_000, onRetry }: RetryOptions = {}) {
  function delayOf(error: InferGraphError, attempt: number): number | undefined {
    if (attempt > maxRetries) return undefined;
    if (error.retryAfterSeconds !== undefined) {
      const delayMs = error.retryAfterSeconds * 1000;
      return delayMs <= maxDelayMs ? delayMs : undefined;
    }
    return Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
  }

  return async function run<Result>(call: () => Promise<Result>, { idempotent, signal, model }: Attempt): Promise<Result> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (thrown) {
        const error = toInferGraphError(thrown, { model }, signal);
        const safe = REFUSALS.has(error.code) || (idempotent && error.code === 'NETWORK_ERROR');
        const delayMs = safe ? delayOf(error, attempt) : undefined;
        if (delayMs === undefined) throw error;
        onRetry?.({ error, attempt, delayMs });
        await wait(delayMs, signal, model);
      }
    }
  };
}

function wait(delayMs: number, signal: AbortSignal | undefined, model: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => {
      clearTimeout(timer);
      reject(toInferGraphError(signal?.reason, { model }, signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, delayMs);
    if (signal?.aborted) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });
}
