/** yoga's error mask in infergraph's vocabulary: codes for clients, details only in the log. */
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError } from 'graphql-yoga';
import { describeError, ERROR_CODES, InferError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { HTTP_STATUS } from './http-status.ts';

/**
 * Yoga's error mask, made to speak infergraph's vocabulary: an InferError keeps its message
 * and gets its `extensions.code`; anything unexpected is logged here and reaches the client
 * only as INTERNAL, never with its message or stack.
 */
export function createMaskError(logger: Logger) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof InferError && original.code !== 'INTERNAL') {
      const located = error instanceof GraphQLError ? error : undefined;
      return new GraphQLError(original.message, {
        nodes: located?.nodes ?? null,
        path: located?.path ?? null,
        extensions: { code: original.code, ...original.details, http: { status: HTTP_STATUS[original.code] } },
      });
    }
    if (error instanceof GraphQLError && (!original || original instanceof GraphQLError)) {
      // GraphQL's own errors (a variable of the wrong type, say) are the client's mistakes too.
      // One vocabulary: yoga's and graphql-js's own codes (OPERATION_RESOLUTION_FAILURE...) become ours.
      if (typeof error.extensions.code === 'string' && error.extensions.code in ERROR_CODES) return error;
      return asInvalidArgument(error);
    }
    logger.error('internal error', { error: describeError(original), path: error instanceof GraphQLError ? error.path : undefined });
    const masked = yogaMaskError(error, message, false) as GraphQLError;
    return new GraphQLError('internal server error', {
      nodes: masked.nodes ?? null,
      path: masked.path ?? null,
      extensions: { code: 'INTERNAL', http: { status: HTTP_STATUS.INTERNAL } },
    });
  };
}

/**
 * One of GraphQL's own errors (syntax, validation, a variable of the wrong type) as the client's
 * mistake: INVALID_ARGUMENT, with the values it quotes cut short. graphql-ws uses it for the
 * errors it answers before yoga's pipeline runs.
 */
export function asInvalidArgument(error: GraphQLError): GraphQLError {
  return new GraphQLError(withShortValues(error.message), {
    nodes: error.nodes ?? null,
    source: error.nodes ? null : (error.source ?? null),
    positions: error.nodes ? null : (error.positions ?? null),
    path: error.path ?? null,
    // yoga's own status (405 for a GET mutation, say) says more than a plain 400.
    extensions: { ...error.extensions, code: 'INVALID_ARGUMENT', http: error.extensions.http ?? { status: HTTP_STATUS.INVALID_ARGUMENT } },
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
