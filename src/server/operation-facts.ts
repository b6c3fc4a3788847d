/** What the metrics and the log read off one operation the same way: its transport, its root field, its outcome. */
import { type DocumentNode, GraphQLError } from 'graphql';
import { ERROR_CODES, type ErrorCode, InferError } from '../errors.ts';
import type { Transport } from '../observability/metrics.ts';

export interface ErrorLike {
  extensions?: Record<string, unknown>;
  originalError?: Error | undefined;
}

export interface ResultLike {
  errors?: readonly ErrorLike[];
}

/** The transport of a request: graphql-ws brings its socket, SSE asks for an event stream, anything else is plain HTTP. */
export function transportOf(context: { socket?: unknown; request?: Request }): Transport {
  if (context.socket) return 'ws';
  return context.request?.headers.get('accept')?.includes('text/event-stream') ? 'sse' : 'http';
}

/**
 * The code of a result's errors, null for none: the first error decides. Read before the error mask
 * runs, so the code is the InferError's own; an error that carries none of ours is the server's fault
 * when something threw it, and the client's (a GraphQL validation error) when nothing did.
 */
export function errorCodeOf(errors: readonly ErrorLike[] | undefined): ErrorCode | null {
  if (!errors?.length) return null;
  const [first] = errors as [ErrorLike];
  const { originalError } = first;
  const code = originalError instanceof InferError ? originalError.code : first.extensions?.code;
  if (typeof code === 'string' && code in ERROR_CODES) return code as ErrorCode;
  return originalError && !(originalError instanceof GraphQLError) ? 'INTERNAL' : 'INVALID_ARGUMENT';
}

/** Whether the client went away before the operation ended (closed its request or its socket). */
export function cancelledOf(context: unknown): boolean {
  return (context as { clientSignal?: () => AbortSignal | undefined }).clientSignal?.()?.aborted ?? false;
}

/** The first root field an operation selects (`predict`, `generate`), or 'unknown'. */
export function rootFieldOf(document: DocumentNode, operationName?: string | null): string {
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    if (operationName && definition.name?.value !== operationName) continue;
    const [first] = definition.selectionSet.selections;
    return first?.kind === 'Field' ? first.name.value : 'unknown';
  }
  return 'unknown';
}
