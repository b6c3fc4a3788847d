/**
 * The id that ties a client's request to the server's log: the client's own `x-request-id` when it is
 * a safe one, else the trace id of its W3C `traceparent`, else a fresh UUID. Sent back in the
 * `x-request-id` response header and in `extensions.requestId` of every error.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { type ExecutionResult, GraphQLError } from 'graphql';
import { isAsyncIterable, mapAsyncIterator, type Plugin } from 'graphql-yoga';

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * What a client's id may be: what proxies and tracers put there (UUIDs, hex, base64url, dotted and
 * colon-separated ids). Anything else — a newline that would forge a log line, markup, a kilobyte of
 * text — is replaced, never echoed.
 */
const SAFE_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/;

/** version-traceid-parentid-flags (a later version may add fields); a trace id of all zeros is invalid (W3C Trace Context). */
const TRACEPARENT = /^(?!ff)[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}(?:-|$)/;
const INVALID_TRACE_ID = '0'.repeat(32);

type HeaderValue = string | string[] | null | undefined;

/** The request id for a request whose headers `header` reads (by lower-case name). */
export function requestIdOf(header: (name: string) => HeaderValue): string {
  const given = firstOf(header(REQUEST_ID_HEADER));
  if (given !== undefined && SAFE_ID.test(given)) return given;
  const traceId = TRACEPARENT.exec(firstOf(header('traceparent'))?.trim() ?? '')?.[1];
  if (traceId !== undefined && traceId !== INVALID_TRACE_ID) return traceId;
  return randomUUID();
}

/**
 * The id of one operation on a WebSocket: the client's `requestId` in the subscribe message's
 * `extensions` when it is a safe one, else the socket's id (that of its upgrade request) and the
 * operation's graphql-ws id: every operation has its own, and those of a socket share a prefix.
 * Computed the same again from the same message, so the hooks that answer need not keep it.
 */
export function operationRequestIdOf(socketId: string, operationId: string, extensions: unknown): string {
  const given = typeof extensions === 'object' && extensions !== null ? (extensions as { requestId?: unknown }).requestId : undefined;
  if (typeof given === 'string' && SAFE_ID.test(given)) return given;
  // The operation id is the client's choice too: what is not safe in it is replaced.
  return `${socketId}:${operationId.replace(/[^A-Za-z0-9._:+=/-]/g, '_').slice(0, 64)}`;
}

/**
 * The request id of whatever runs now, for code that is handed no context (yoga's error mask). Node's
 * AsyncLocalStorage is the tool for a value that follows a request through its promises.
 */
export interface RequestScope {
  run<T>(requestId: string, work: () => T): T;
  current(): string | undefined;
}

export function createRequestScope(): RequestScope {
  const storage = new AsyncLocalStorage<string>();
  return { run: (requestId, work) => storage.run(requestId, work), current: () => storage.getStore() };
}

/** The error with `extensions.requestId`: a copy, since the error mask may hand back a cached validation error. */
export function withRequestId(error: GraphQLError, requestId: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes ?? null,
    source: error.nodes ? null : (error.source ?? null),
    positions: error.nodes ? null : (error.positions ?? null),
    path: error.path ?? null,
    originalError: error.originalError ?? null,
    extensions: { ...error.extensions, requestId },
  });
}

/**
 * Puts the request id in `extensions.requestId` of every error yoga answers over HTTP and SSE, after
 * the mask: refusals before GraphQL runs (a malformed body, a missing credential) as well as the
 * operation's own. The request handler put the id in the server context.
 */
export function useRequestIdInErrors(): Plugin<object, { requestId?: string }> {
  return {
    onResultProcess: ({ result, setResult, serverContext }) => {
      const { requestId } = serverContext;
      if (requestId === undefined) return;
      const tag = (one: ExecutionResult): ExecutionResult =>
        one.errors?.length ? { ...one, errors: one.errors.map((error) => withRequestId(error, requestId)) } : one;
      if (isAsyncIterable(result)) setResult(mapAsyncIterator(result, tag));
      else setResult(Array.isArray(result) ? result.map(tag) : tag(result as ExecutionResult));
    },
  };
}

function firstOf(value: HeaderValue): string | undefined {
  return (Array.isArray(value) ? value[0] : value) ?? undefined;
}
