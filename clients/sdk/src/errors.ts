/** One error class for every failure the SDK reports: the server's code, or the SDK's own when no answer came. */

/** The codes the server sends as `extensions.code` (its ERROR_CODES; a test keeps the two lists equal). */
export const SERVER_ERROR_CODES = [
  'MODEL_NOT_FOUND',
  'MODEL_NOT_READY',
  'INVALID_TENSOR',
  'INVALID_ARGUMENT',
  'INFERENCE_REJECTED',
  'QUERY_TOO_COMPLEX',
  'PAYLOAD_TOO_LARGE',
  'OVERLOADED',
  'RATE_LIMITED',
  'DEADLINE_EXCEEDED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INTERNAL',
] as const;

/**
 * The SDK's own codes: NETWORK_ERROR when the server could not be reached or the connection dropped, ABORTED when
 * the caller's AbortSignal fired, BAD_RESPONSE when what came back was not a GraphQL answer (a proxy's error page).
 */
export const CLIENT_ERROR_CODES = ['NETWORK_ERROR', 'ABORTED', 'BAD_RESPONSE'] as const;

/** When the SDK reports each of its own codes, and what the caller should do: the server's README prints them in its table of errors. */
export const CLIENT_ERROR_DOCS: Record<(typeof CLIENT_ERROR_CODES)[number], { when: string; clientAction: string }> = {
  NETWORK_ERROR: {
    when: 'the server could not be reached, or the connection dropped before the answer came',
    clientAction:
      'Check the URL and that the server is up. The SDK retries queries itself; retry a mutation only when it is safe to run twice.',
  },
  ABORTED: {
    when: "the call's `signal` fired (a stream's subscription is completed on the server)",
    clientAction: 'Nothing: the caller stopped it.',
  },
  BAD_RESPONSE: {
    when: "what came back was not a GraphQL answer (a proxy's error page, a URL that is not the server's `/graphql`)",
    clientAction: 'Check the URL and what sits between the client and the server (proxy, load balancer).',
  },
};

/** A code a newer server may add still comes through, as its string. */
export type InferGraphErrorCode =
  | (typeof SERVER_ERROR_CODES)[number]
  | (typeof CLIENT_ERROR_CODES)[number]
  | (string & Record<never, never>);

/** A GraphQL error as it comes in a response (graphql-js's GraphQLFormattedError, without importing graphql-js). */
export interface GraphQLErrorJson {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface InferGraphErrorOptions {
  code: InferGraphErrorCode;
  model?: string | undefined;
  requestId?: string | undefined;
  status?: number | undefined;
  retryAfterSeconds?: number | undefined;
  errors?: readonly GraphQLErrorJson[];
  cause?: unknown;
}

export class InferGraphError extends Error {
  override readonly name = 'InferGraphError';
  /** The server's `extensions.code`, or the SDK's NETWORK_ERROR, ABORTED or BAD_RESPONSE. */
  readonly code: InferGraphErrorCode;
  /** The model the failure concerns: the server's `extensions.model`, else the one the call named. */
  readonly model: string | undefined;
  /** The server's id of the request (`extensions.requestId`, header x-request-id): quote it to find its log line. */
  readonly requestId: string | undefined;
  /** The HTTP status, when the answer came over HTTP. */
  readonly status: number | undefined;
  /** When the server says to retry (RATE_LIMITED): `extensions.retryAfterSeconds` or HTTP Retry-After. */
  readonly retryAfterSeconds: number | undefined;
  /** Every GraphQL error of the answer; the message is the first one's. */
  readonly errors: readonly GraphQLErrorJson[];

  constructor(message: string, { code, model, requestId, status, retryAfterSeconds, errors = [], cause }: InferGraphErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.model = model;
    this.requestId = requestId;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.errors = errors;
  }
}

/** What the transport knows of an answer beside its errors. */
export interface AnswerContext {
  /** The model the call named. */
  model?: string | undefined;
  status?: number | undefined;
  requestId?: string | null | undefined;
  retryAfter?: string | null | undefined;
}

const asString = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** The error of an answer's GraphQL errors: its first error speaks for it. */
export function fromGraphQLErrors(errors: readonly GraphQLErrorJson[], context: AnswerContext = {}): InferGraphError {
  const [first] = errors;
  const extensions = first?.extensions ?? {};
  const header = context.retryAfter ? Number(context.retryAfter) : undefined;
  const retryAfter = typeof extensions.retryAfterSeconds === 'number' ? extensions.retryAfterSeconds : header;
  return new InferGraphError(first?.message ?? 'the server answered with an empty list of errors', {
    code: asString(extensions.code) ?? 'INTERNAL',
    model: asString(extensions.model) ?? context.model,
    requestId: asString(extensions.requestId) ?? context.requestId ?? undefined,
    status: context.status,
    retryAfterSeconds: retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
    errors,
  });
}

/** Anything a call threw, as an InferGraphError: aborts as ABORTED, the rest (fetch's TypeError, a dropped socket) as NETWORK_ERROR. */
export function toInferGraphError(error: unknown, context: AnswerContext = {}, signal?: AbortSignal): InferGraphError {
  if (error instanceof InferGraphError) return error;
  const model = context.model;
  if (signal?.aborted) return new InferGraphError('the call was aborted', { code: 'ABORTED', model, cause: signal.reason });
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  if (typeof code === 'number') {
    // A WebSocket close event, which graphql-ws rejects with: the server's close codes say why.
    const message = `the server closed the connection (${code}${reason ? `: ${String(reason)}` : ''})`;
    return new InferGraphError(message, { code: CLOSE_CODES[code] ?? 'NETWORK_ERROR', model, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InferGraphError(`could not reach the server: ${message}`, { code: 'NETWORK_ERROR', model, cause: error });
}

/** The server's WebSocket close codes that carry a reason a caller acts on. */
const CLOSE_CODES: Partial<Record<number, InferGraphErrorCode>> = { 4401: 'UNAUTHENTICATED', 4403: 'FORBIDDEN', 4429: 'RATE_LIMITED' };
