/**
 * The one error vocabulary of infergraph: the codes a client sees as `extensions.code`, the
 * error class that carries one, and the function that turns anything thrown into it.
 */

/**
 * Every code a client can see, with when it is used and what the client should do. Anything
 * not listed here reaches a client as INTERNAL, its details only in the server's log.
 */
export const ERROR_CODES = {
  MODEL_NOT_FOUND: 'No model, version or alias of that name. Check the name against Query.models; retrying will not help.',
  MODEL_NOT_READY:
    'The model exists but the version that would serve is not READY (loading, unloading, failed or ' +
    'unloaded), or the inference thread running the request crashed and is being replaced; the message says which ' +
    "and why; or the server is shutting down, or shut down before the request finished. Retry after it loads (a crashed thread's " +
    'request may be retried at once, here or on another replica; one refused or cut off by a shutdown, on another replica).',
  INVALID_TENSOR:
    'A tensor does not fit the model: unknown name, data type, shape, element count or encoding; the message ' +
    'names the tensor, what was expected and what came. Fix the request.',
  INVALID_ARGUMENT: 'An argument other than a tensor is wrong (a malformed operation, an unknown alias, a bad limit). Fix the request.',
  INFERENCE_REJECTED:
    "The tensors passed the model's spec, but onnxruntime refused the run (inputs that disagree with each other or with " +
    "the graph); the message names the model and carries onnxruntime's own words. Fix the request.",
  QUERY_TOO_COMPLEX: 'The operation is over a limit on its shape or cost (depth, aliases, tokens, directives, cost). Ask for less at once.',
  PAYLOAD_TOO_LARGE: 'The request body, a multipart part or a WebSocket message is over its size limit. Send less, or use a file part.',
  OVERLOADED: "The model's queue or stream limit is full. Retry later, with backoff.",
  RATE_LIMITED:
    "The caller's request or work budget is spent for now; retry after `extensions.retryAfterSeconds` (HTTP Retry-After). " +
    'On a WebSocket without retryAfterSeconds: the socket carries its most operations at once; complete one first.',
  DEADLINE_EXCEEDED: "The request's timeoutMs passed before it was answered. Retry with a longer deadline or when the server is less busy.",
  UNAUTHENTICATED: 'No credential, or one that is not valid. Send a valid credential.',
  FORBIDDEN:
    'The credential is valid but may not do this (use one with the scope it needs), or the server refuses this kind of ' +
    'request: no CSRF header, introspection off, a document outside the trusted documents.',
  INTERNAL: "A fault of the server itself, not of the request. The server's log has the details; report it.",
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** How messages name a model version: `model "resnet" v2`. */
export function versionLabel({ model, version }: { model: string; version: number }): string {
  return `model "${model}" v${version}`;
}

export interface InferErrorOptions {
  cause?: unknown;
  /** Extra fields for `extensions`, e.g. `{ model, tensor }`. Must be safe to show a client. */
  details?: Record<string, unknown>;
}

/** The error class of infergraph: a stable `code`, a message written for the client. */
export class InferError extends Error {
  override readonly name = 'InferError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, { cause, details = {} }: InferErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.details = details;
  }
}

/**
 * Turns anything thrown into an InferError at a boundary. An unknown error becomes
 * INTERNAL with a generic message; the original is kept as `cause` for the log only.
 */
export function toInferError(error: unknown): InferError {
  if (error instanceof InferError) return error;
  return new InferError('INTERNAL', 'internal server error', { cause: error });
}

/** An error for the server's log: every stack down the cause chain. Never for a client. */
function describeError(error: unknown): string {
  const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  return error instanceof Error && error.cause !== undefined ? `${text}\ncaused by: ${describeError(error.cause)}` : text;
}

/** The plain data an error becomes when it crosses a thread boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
  /** The stack on the thread that threw, for the log. */
  stack?: string;
}

export function serializeError(error: unknown): SerializedError {
  const stack = error instanceof Error ? describeError(error) : undefined;
  const base = error instanceof InferError ? { code: error.code, message: error.message, details: error.details } : undefined;
  return {
    ...(base ?? { code: 'INTERNAL' as const, message: error instanceof Error ? error.message : String(error) }),
    ...(stack ? { stack } : {}),
  };
}

export function deserializeError({ code, message, details, stack }: SerializedError): InferError {
  const error = new InferError(code, message, details === undefined ? {} : { details });
  // The stack that matters is the worker's; keep it beside this thread's own.
  if (stack !== undefined) error.stack = `${error.stack}\non the worker thread: ${stack}`;
  return error;
}
