/**
 * A subscription ends when its credential expires. A graphql-ws socket is closed with 4401 at that
 * moment (credentials.ts); an SSE response has no socket of its own to close, so this plugin ends the
 * stream itself, with one last UNAUTHENTICATED result the client can act on.
 */
import { type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GraphQLContext } from '../graphql/context.ts';
import { HTTP_STATUS } from './http-status.ts';

/** setTimeout fires at once past this many ms (2^31 - 1), so a far expiry is reached in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

export function useCredentialExpiry(): Plugin<GraphQLContext> {
  return {
    onSubscribe: ({ args }) => ({
      onSubscribeResult: ({ result, setResult }) => {
        const { expiresAt } = args.contextValue.principal;
        if (expiresAt !== null && isAsyncIterable(result)) setResult(endingAt(result, expiresAt));
      },
    }),
  };
}

/** The results of a stream until `expiresAt`; then the stream is returned (its work cancelled) and one refusal ends it. */
async function* endingAt(results: AsyncIterable<ExecutionResult>, expiresAt: number): AsyncGenerator<ExecutionResult> {
  const iterator = results[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    const wait = () => {
      const left = expiresAt - Date.now();
      if (left <= 0) resolve('expired');
      else timer = setTimeout(wait, Math.min(left, MAX_TIMEOUT_MS));
    };
    wait();
  });
  let waiting = false;
  try {
    for (;;) {
      waiting = true;
      const next = await Promise.race([iterator.next(), expired]);
      if (next === 'expired') {
        yield {
          errors: [
            new GraphQLError('the credential expired; subscribe again with a fresh one', {
              extensions: { code: 'UNAUTHENTICATED', http: { status: HTTP_STATUS.UNAUTHENTICATED } },
            }),
          ],
        };
        return;
      }
      waiting = false;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    clearTimeout(timer);
    // After an expiry its next() is still pending, and a generator's return() waits behind that: ask, without waiting.
    if (waiting) iterator.return?.().catch(() => {});
    else await iterator.return?.();
  }
}
