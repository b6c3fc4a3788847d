/** The HTTP status of an answer whose only errors carry one code: GraphQL over HTTP and SSE use it. */
import type { ErrorCode } from '../errors.ts';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  MODEL_NOT_FOUND: 404,
  MODEL_NOT_READY: 503,
  INVALID_TENSOR: 400,
  INVALID_ARGUMENT: 400,
  INFERENCE_REJECTED: 400,
  QUERY_TOO_COMPLEX: 400,
  PAYLOAD_TOO_LARGE: 413,
  OVERLOADED: 429,
  RATE_LIMITED: 429,
  DEADLINE_EXCEEDED: 504,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
};
