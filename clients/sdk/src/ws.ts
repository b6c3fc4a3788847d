/**
 * Operations over one shared graphql-ws connection: opened at the first operation, closed when none is left,
 * reopened with backoff when it drops, with the credential (a fresh one, from getToken) in each connection_init.
 */
import { type Client, createClient } from 'graphql-ws';
import { fromGraphQLErrors, type GraphQLErrorJson, toInferGraphError } from './errors.js';
import { type Operation, payloadOf } from './operation.js';

export interface WsTransportOptions {
  url: string;
  /** A WebSocket class, where the runtime has none (Node 20: `ws`). */
  webSocketImpl?: unknown;
  /** connection_init's payload, asked again for every connection. */
  connectionParams: () => Promise<Record<string, unknown>>;
  /** Reconnections tried in a row before operations fail. */
  retryAttempts: number;
  /** The wait before reconnection `retries` (0, 1, 2...), in ms. */
  retryDelayMs: (retries: number) => number;
  /** Whether a close with this code may be retried: 4401 may, when a fresh token can be had. */
  retryUnauthorized: boolean;
}

export interface SubscribeContext {
  model?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface WsTransport {
  subscribe<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    context: SubscribeContext,
  ): AsyncGenerator<Result>;
  execute<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    context: SubscribeContext,
  ): Promise<Result>;
  dispose(): Promise<void>;
}

/** Close codes graphql-ws gives up on at once: the protocol's own, and the server's refusals. */
const FATAL_CLOSES = new Set([4400, 4403, 4404, 4406, 4408, 4409, 4429, 4500]);

export function createWsTransport({
  url,
  webSocketImpl,
  connectionParams,
  retryAttempts,
  retryDelayMs,
  retryUnauthorized,
}: WsTransportOptions): WsTransport {
  let client: Client | undefined;
  const clientOf = () => {
    client ??= createClient({
      url,
      lazy: true,
      ...(webSocketImpl ? { webSocketImpl } : {}),
      connectionParams,
      retryAttempts,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, retryDelayMs(retries))),
      shouldRetry: (event) => {
        const code = (event as { code?: unknown } | null)?.code;
        if (code === 4401) return retryUnauthorized;
        return typeof code !== 'number' || !FATAL_CLOSES.has(code);
      },
    });
    return client;
  };

  async function* subscribe<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    { model, signal }: SubscribeContext,
  ): AsyncGenerator<Result> {
    if (signal?.aborted) throw toInferGraphError(signal.reason, { model }, signal);
    const results = clientOf().iterate<Result>(payloadOf(operation, variables));
    // Leaving the loop (break, return, an abort) completes the subscription: the server cancels the work behind it.
    const stop = () => void results.return?.();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      for await (const result of results) {
        if (result.errors?.length) throw fromGraphQLErrors(result.errors as GraphQLErrorJson[], { model });
        yield result.data as Result;
      }
    } catch (error) {
      // graphql-ws throws an operation's errors as their list.
      if (Array.isArray(error)) throw fromGraphQLErrors(error as GraphQLErrorJson[], { model });
      throw toInferGraphError(error, { model }, signal);
    } finally {
      signal?.removeEventListener('abort', stop);
      await results.return?.();
    }
    if (signal?.aborted) throw toInferGraphError(signal.reason, { model }, signal);
  }

  return {
    subscribe,
    async execute(operation, variables, context) {
      for await (const result of subscribe(operation, variables, context)) return result;
      throw toInferGraphError(new Error('the operation completed without a result'), context, context.signal);
    },
    async dispose() {
      await client?.dispose();
      client = undefined;
    },
  };
}
