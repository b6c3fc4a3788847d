/**
 * The one error vocabulary of infergraph: the codes a client sees as `extensions.code`, the
 * error class that carries one, and the function that turns anything thrown into it.
 */

/** What a code means to a client: when the server answers with it, and what the client should do then. */
export interface ErrorCodeDoc {
  readonly when: string;
  readonly clientAction: string;
}

/**
 * Every code a client can see, with when it is used and what the client should do: the README's table of
 * errors is printed from this (`npm run error-table`). Anything not listed here reaches a client as INTERNAL,
 * its details only in the server's log.
 */
export const ERROR_CODES = {
  MODEL_NOT_FOUND: {
    when: 'no such model, version or alias, or one the caller may not see (answered exactly alike)',
    clientAction: 'Check the name against `Query.models` (or `infergraph models`). Retrying will not help.',
  },
  MODEL_NOT_READY: {
    when:
      'the version that would serve is LOADING, UNLOADING, FAILED (with its reason) or unloaded; or the inference thread ' +
      'running the request crashed and is being replaced; or the server is shutting down, or shut down before the request finished',
    clientAction:
      'Retry once it is READY (`modelEvents` tells when). A request whose thread crashed may be retried at once, here or on another ' +
      'replica; one refused or cut off by a shutdown, on another replica.',
  },
  INVALID_TENSOR: {
    when:
      'unknown or missing input, wrong data type, rank or fixed dim, data length not matching the shape, a bad element, bad base64, ' +
      'wrong byte length, BF16, over `maxBatchSize`, `--max-tensor-bytes`, `--max-tensor-elements` or `--max-inputs`, an unknown ' +
      'output or an empty `outputs` list',
    clientAction:
      "Fix the request: the message names the tensor, what was expected and what came; `Query.model` lists each input's data type " +
      'and shape. Retrying will not help.',
  },
  INVALID_ARGUMENT: {
    when:
      'a request that is wrong beyond its tensors: a malformed query or body, a variable of the wrong type, a generation or sequence ' +
      'setting out of range, a sequence on a model without state (or none on one with state), an explain target, output or baseline ' +
      'that does not fit',
    clientAction: 'Fix the request; the message names the argument. Retrying will not help.',
  },
  INFERENCE_REJECTED: {
    when: "the tensors passed the model's spec but onnxruntime refused the run; the message carries onnxruntime's reason",
    clientAction:
      "Fix the request: make the inputs agree with each other and with the graph, as onnxruntime's words in the message say. " +
      'The same request fails the same way.',
  },
  QUERY_TOO_COMPLEX: {
    when: 'over the depth, alias, token, directive or cost limit, or an explain over `--max-explain-evaluations`',
    clientAction: 'Ask for less at once: fewer fields or aliases, smaller tensors; for explain a larger `patchSize` or fewer `samples`.',
  },
  PAYLOAD_TOO_LARGE: {
    when: 'a body, multipart file part, file count or WebSocket message over its limit',
    clientAction: 'Send less per request, or a large tensor as a multipart `file` part rather than JSON (the SDK does).',
  },
  OVERLOADED: {
    when: "the version's queue holds `maxQueueSize` requests, or `maxStreams` streams, or `maxSequences` sequences",
    clientAction: 'Retry later, with backoff (the SDK does), or on another replica.',
  },
  RATE_LIMITED: {
    when:
      "the caller's request or work budget is spent (`extensions.retryAfterSeconds`, HTTP `Retry-After`), or a socket carries its " +
      'most operations',
    clientAction:
      'Retry after `extensions.retryAfterSeconds` (HTTP `Retry-After`); the SDK does. On a WebSocket without it: complete an ' +
      'operation before starting another.',
  },
  DEADLINE_EXCEEDED: {
    when: '`timeoutMs` passed (or was not positive); a request still queued then was dropped unrun',
    clientAction: 'Retry with a longer `timeoutMs`, or when the server is less busy.',
  },
  UNAUTHENTICATED: {
    when: 'authentication is on and the credential is missing, malformed, forged, expired or in the query string',
    clientAction:
      'Send a valid credential: `Authorization: Bearer …` on HTTP and SSE, `{ "authorization": "Bearer …" }` in the WebSocket\'s ' +
      '`connection_init`; renew an expired token.',
  },
  FORBIDDEN: {
    when: 'the credential lacks the scope; or CSRF, introspection off, or a document outside the trusted documents',
    clientAction:
      'Use a credential with the scope it needs; send `x-graphql-yoga-csrf` with a multipart upload or GET; ' +
      'send only trusted documents where they are required.',
  },
  INTERNAL: {
    when: 'a fault of the server itself; the details are in its log',
    clientAction: 'Report it with `extensions.requestId`, which finds its log line. Retry only an operation that is safe to repeat.',
  },
} as const satisfies Record<string, ErrorCodeDoc>;

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
