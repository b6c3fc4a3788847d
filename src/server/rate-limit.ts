/**
 * Rate limits per caller as an envelop plugin: every operation, over HTTP, SSE or graphql-ws (one per
 * subscribe message), spends one request and the work it asks (operation-work.ts) from two token
 * buckets of its caller before it runs, or is refused with RATE_LIMITED and when to retry.
 *
 * A plugin on yoga's pipeline rather than a hook the resolvers call: it is the one place every
 * transport passes (graphql-ws runs operations through `getEnveloped`), it decides for the whole
 * operation before any resolver starts (2,000 aliases are refused whole, not after the first 100 ran),
 * and the batching and streaming core stays unaware of callers.
 */
import type { IncomingMessage } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Principal } from '../auth/principal.ts';
import { InferError } from '../errors.ts';
import { clientKeyOf } from './client-key.ts';
import { type WorkLimits, workOf } from './operation-work.ts';
import type { BucketAsk, RedisTokenBuckets } from './redis-token-buckets.ts';
import { createTokenBuckets, type TokenBuckets } from './token-buckets.ts';

export interface RateLimitOptions extends WorkLimits {
  /** Operations per second per caller; 0 for no limit. */
  requestsPerSecond: number;
  /** Operations a caller may run at once; 0 for one second's worth. */
  requestBurst: number;
  /** Rows, tokens and frames per second per caller; 0 for no limit. */
  workPerSecond: number;
  /** Rows, tokens and frames a caller may ask at once; 0 for one second's worth. */
  workBurst: number;
  /** The clock, in ms; tests move their own. @default Date.now */
  now?: () => number;
  /** With Redis, the buckets shared by every replica (the local ones decide while it is unreachable); absent, this process's own. */
  shared?: RedisTokenBuckets | null;
}

/** What the plugin reads off the context: who asks, and from where (yoga's Node request, or the socket's upgrade request). */
interface CallerContext {
  principal: Principal;
  req?: IncomingMessage;
}

/** Admits a caller's request and the work it asks, or refuses it; a promise when the buckets are in Redis. */
export interface RateLimiter {
  admit(key: string, asked: number): InferError | null | Promise<InferError | null>;
  /** Whether work is limited at all: when not, a caller need not measure what it asks. */
  readonly limitsWork: boolean;
}

/**
 * The limiter of both budgets, shared by GraphQL (the plugin below) and the Open Inference Protocol routes, so that
 * a caller's requests and work count alike whichever API they use; null when both limits are off.
 */
export function createRateLimiter({
  requestsPerSecond,
  requestBurst,
  workPerSecond,
  workBurst,
  now = Date.now,
  shared = null,
}: Omit<RateLimitOptions, keyof WorkLimits>): RateLimiter | null {
  const requests = bucketsFor(requestsPerSecond, requestBurst, now);
  const work = bucketsFor(workPerSecond, workBurst, now);
  if (!requests && !work) return null;

  /** The buckets an operation that asks `asked` work spends from: a request, and its work when it asks some. */
  function asksOf(asked: number): Ask[] {
    const asks: Ask[] = [];
    if (requests) asks.push({ budget: 'requests', buckets: requests, ratePerSecond: requestsPerSecond, burst: requests.burst, amount: 1 });
    if (work && asked > 0) asks.push({ budget: 'work', buckets: work, ratePerSecond: workPerSecond, burst: work.burst, amount: asked });
    return asks;
  }

  /** The refusal when some bucket has to wait (`waits`, in ms, one per ask), else null. */
  function refusalOf(key: string, asked: number, asks: readonly Ask[], waits: readonly number[]): InferError | null {
    const waitOf = (budget: Ask['budget']) => waits[asks.findIndex((ask) => ask.budget === budget)] ?? 0;
    const requestWaitMs = waitOf('requests');
    const workWaitMs = waitOf('work');
    if (requestWaitMs > 0 || workWaitMs > 0) {
      const retryAfterSeconds = Math.max(1, Math.ceil(Math.max(requestWaitMs, workWaitMs) / 1000));
      const spent =
        workWaitMs > requestWaitMs
          ? `asks ${asked} rows, tokens and frames of work, more than it has left of its ${work!.burst} (${workPerSecond} a second)`
          : `has run its ${requests!.burst} operations (${requestsPerSecond} a second)`;
      return new InferError('RATE_LIMITED', `rate limit: caller "${key}" ${spent}; retry after ${retryAfterSeconds} s`, {
        details: { retryAfterSeconds },
      });
    }
    return null;
  }

  return {
    limitsWork: work !== null,
    admit(key, asked) {
      if (work && asked > work.burst) {
        return new InferError(
          'QUERY_TOO_COMPLEX',
          `the operation asks ${asked} rows, tokens and frames of work, more than the ${work.burst} a caller may ask at once ` +
            '(--rate-limit-work-burst); ask for less in one operation',
          { details: { work: asked, workBurst: work.burst } },
        );
      }
      const asks = asksOf(asked);
      if (asks.length === 0) return null;
      const local = () => spendLocally(key, asks);
      if (!shared) return refusalOf(key, asked, asks, local());
      return shared.spend(key, asks, local).then((waits) => refusalOf(key, asked, asks, waits));
    },
  };
}

/**
 * The plugin, spending from `limiter` (one that does nothing when both limits are off): a limiter of its own from
 * the options, or the server's, which the Open Inference Protocol routes spend from too.
 */
export function useRateLimit(options: RateLimitOptions | (WorkLimits & { limiter: RateLimiter | null })): Plugin {
  const limiter = 'limiter' in options ? options.limiter : createRateLimiter(options);
  if (!limiter) return {};
  const { defaultMaxTokens, maxTokens } = options;

  /** The refusal of an operation, or null when it may run (and has spent its share); a promise when the buckets are in Redis. */
  function admit(args: ExecutionArgs): InferError | null | Promise<InferError | null> {
    const { principal, req } = args.contextValue as CallerContext;
    const key = clientKeyOf(principal, req?.socket.remoteAddress);
    const asked = limiter!.limitsWork
      ? workOf(args.schema, args.document, args.operationName, args.variableValues, { defaultMaxTokens, maxTokens })
      : 0;
    return limiter!.admit(key, asked);
  }

  // The refusal replaces execute or subscribe rather than stopping the pipeline, so that the error
  // mask, which runs after this plugin, still gives it its code, status and Retry-After.
  const refused = (error: InferError) => () => ({ errors: [new GraphQLError(error.message, { originalError: error })] });
  return {
    onExecute({ args, setExecuteFn }) {
      return whenDecided(admit(args), (error) => {
        if (error) setExecuteFn(refused(error));
      });
    },
    onSubscribe({ args, setSubscribeFn }) {
      return whenDecided(admit(args), (error) => {
        if (error) setSubscribeFn(refused(error));
      });
    },
  };
}

/** Applies a decision at once, or once Redis made it: the hook returns a promise only then, staying synchronous without Redis. */
function whenDecided(
  decision: InferError | null | Promise<InferError | null>,
  apply: (error: InferError | null) => void,
): undefined | Promise<void> {
  if (decision instanceof Promise) return decision.then(apply);
  apply(decision);
  return undefined;
}

/** One bucket an operation spends from, with this process's buckets of that budget. */
interface Ask extends BucketAsk {
  budget: 'requests' | 'work';
  buckets: TokenBuckets;
}

/** Spends every ask of the caller when each bucket holds its amount, else none; returns the ms each bucket has to wait. */
function spendLocally(key: string, asks: readonly Ask[]): number[] {
  const waits = asks.map(({ buckets, amount }) => buckets.waitMs(key, amount));
  if (waits.every((wait) => wait === 0)) for (const { buckets, amount } of asks) buckets.take(key, amount);
  return waits;
}

function bucketsFor(ratePerSecond: number, burst: number, now: () => number): TokenBuckets | null {
  if (ratePerSecond <= 0) return null;
  return createTokenBuckets({ ratePerSecond, burst: burst > 0 ? burst : Math.max(1, Math.ceil(ratePerSecond)), now });
}
