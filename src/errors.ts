/**
 * The one error vocabulary of infergraph. Every failure a client can see carries one of
 * these codes as `extensions.code`; everything else is INTERNAL and its details stay in
 * the server's log.
 */
export const ERROR_CODES = {
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_NOT_READY: 'MODEL_NOT_READY',
  INVALID_TENSOR: 'INVALID_TENSOR',
  INVALID_ARGUMENT: 'INVALID_ARGUMENT',
  OVERLOADED: 'OVERLOADED',
  DEADLINE_EXCEEDED: 'DEADLINE_EXCEEDED',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status a request failing only with this code is answered with. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  MODEL_NOT_FOUND: 404,
  MODEL_NOT_READY: 503,
  INVALID_TENSOR: 400,
  INVALID_ARGUMENT: 400,
  OVERLOADED: 429,
  DEADLINE_EXCEEDED: 504,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INTERNAL: 500,
};

/** The WebSocket close code for a connection that must end with this code. */
export const WS_CLOSE_CODE: Record<ErrorCode, number> = {
  MODEL_NOT_FOUND: 4404,
  MODEL_NOT_READY: 4503,
  INVALID_TENSOR: 4400,
  INVALID_ARGUMENT: 4400,
  OVERLOADED: 4429,
  DEADLINE_EXCEEDED: 4504,
  UNAUTHENTICATED: 4401,
  FORBIDDEN: 4403,
  INTERNAL: 1011,
};

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

export function isInferError(error: unknown): error is InferError {
  return error instanceof InferError;
}

/**
 * Turns anything thrown into an InferError at a boundary. An unknown error becomes
 * INTERNAL with a generic message; the original is kept as `cause` for the log only.
 */
export function toInferError(error: unknown): InferError {
  if (error instanceof InferError) return error;
  return new InferError('INTERNAL', 'internal server error', { cause: error });
}

/** The plain data an InferError becomes when it crosses a thread boundary. */
export interface SerializedError {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof InferError) return { code: error.code, message: error.message, details: error.details };
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

export function deserializeError({ code, message, details }: SerializedError): InferError {
  return new InferError(code, message, details === undefined ? {} : { details });
}
