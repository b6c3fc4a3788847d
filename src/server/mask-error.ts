/** yoga's error mask in infergraph's vocabulary: codes for clients, details only in the log. */
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { ERROR_CODES, type ErrorCode, InferError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { HTTP_STATUS } from './http-status.ts';

/**
 * Yoga's error mask, made to speak infergraph's vocabulary: an InferError keeps its message
 * and gets its `extensions.code`; anything unexpected is logged here and reaches the client
 * only as INTERNAL, never with its message or stack. `requestId` says which request it was in, for
 * the log line (the mask is handed no context).
 */
export function createMaskError(logger: Logger, requestId: () => string | undefined = () => undefined) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof InferError && original.code !== 'INTERNAL') {
      const located = error instanceof GraphQLError ? error : undefined;
      return new GraphQLError(original.message, {
        nodes: located?.nodes ?? null,
        path: located?.path ?? null,
        extensions: { code: original.code, ...original.details, http: httpOf(original) },
      });
    }
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
      // GraphQL's own errors (a variable of the wrong type, say) are the client's mistakes too.
      // One vocabulary: yoga's and graphql-js's own codes (OPERATION_RESOLUTION_FAILURE...) become ours.
      const given = error.extensions.code;
      if (typeof given === 'string' && given in ERROR_CODES) return error;
      // yoga's refusals of its own limits get our code and its status; any other foreign code is a
      // malformed request, keeping yoga's status (405 for a GET mutation, say) when it has one.
      if (typeof given === 'string' && given in YOGA_CODES) return asClientError(error, YOGA_CODES[given]!);
      if (given === undefined) return asClientError(error, codeOfYogaStatus(error.extensions.http));
      return asInvalidArgument(error);
    }
    logger.error({ requestId: requestId(), err: original, path: error instanceof GraphQLError ? error.path : undefined }, 'internal error');
    const masked = yogaMaskError(error, message, false) as GraphQLError;
    return new GraphQLError('internal server error', {
      nodes: masked.nodes ?? null,
      path: masked.path ?? null,
      extensions: { code: 'INTERNAL', http: { status: HTTP_STATUS.INTERNAL } },
    });
  };
}

/** The status of a code; an error that says when to retry (RATE_LIMITED) also gets HTTP's Retry-After. */
function httpOf({ code, details }: InferError): { status: number; headers?: Record<string, string> } {
  const { retryAfterSeconds } = details;
  const status = HTTP_STATUS[code];
  return typeof retryAfterSeconds === 'number' ? { status, headers: { 'Retry-After': String(retryAfterSeconds) } } : { status };
}

/** yoga's codes for the refusals of the limits it enforces, in infergraph's vocabulary. */
const YOGA_CODES: Record<string, ErrorCode> = {
  // A body over maxRequestBodySize, a multipart file part over its size.
  REQUEST_ENTITY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  // A malformed request: an array of operations with batching off or over its limit, a body that is no JSON.
  BAD_REQUEST: 'INVALID_ARGUMENT',
};

/**
 * yoga refuses some requests before GraphQL runs with a status and no code: 413 for a body over
 * maxRequestBodySize, 403 from the CSRF check. They keep their meaning; anything else of the kind is
 * a malformed request.
 */
function codeOfYogaStatus(http: unknown): ErrorCode {
  const status = typeof http === 'object' && http !== null && 'status' in http ? http.status : undefined;
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 403) return 'FORBIDDEN';
  return 'INVALID_ARGUMENT';
}

/**
 * One of GraphQL's own errors (syntax, validation, a variable of the wrong type) as the client's
 * mistake: INVALID_ARGUMENT, with the values it quotes cut short. graphql-ws uses it for the
 * errors it answers before yoga's pipeline runs.
 */
export function asInvalidArgument(error: GraphQLError): GraphQLError {
  const http = error.extensions.http;
  return asClientError(
    error,
    'INVALID_ARGUMENT',
    typeof http === 'object' && http !== null ? http : { status: HTTP_STATUS.INVALID_ARGUMENT },
  );
}

/** A GraphQL error of the client's, with one of our codes (and its HTTP status) and the values it quotes cut short. */
function asClientError(error: GraphQLError, code: ErrorCode, http: object = { status: HTTP_STATUS[code] }): GraphQLError {
  return new GraphQLError(withShortValues(error.message), {
    nodes: error.nodes ?? null,
    source: error.nodes ? null : (error.source ?? null),
    positions: error.nodes ? null : (error.positions ?? null),
    path: error.path ?? null,
    extensions: { ...error.extensions, code, http },
  });
}

/** Longest string value GraphQL's own messages may quote back, in characters. */
const MAX_QUOTED_CHARS = 32;

/**
 * graphql-js quotes a variable's whole invalid value (`Variable "$input" got invalid value
 * "..."`): tensor data or a token pasted in the wrong field would come back in the answer and in
 * any log of it. Long quoted strings are cut; names of fields, types and variables are short.
 */
function withShortValues(message: string): string {
  return message.replace(/"((?:[^"\\]|\\.)*)"/g, (quoted, inner: string) =>
    inner.length > MAX_QUOTED_CHARS ? `"${inner.slice(0, MAX_QUOTED_CHARS - 3)}..."` : quoted,
  );
}
