/**
 * The Open Inference Protocol (KServe v2 REST, which Triton, KServe, MLServer and OpenVINO Model Server share) on
 * the GraphQL port, under /v2: a second adapter onto the same registry, predictor and generator (DESIGN.md), so that
 * `tritonclient`, the KServe SDK and `perf_analyzer` work unchanged and their requests ride in the same batches as
 * GraphQL's. Each request passes what a GraphQL operation passes: the caller's credential and scopes, the models
 * it may see, the body, cost and rate limits (spending from the same buckets), and it is counted in
 * `infergraph_requests_total{transport="v2"}` and logged with one line, as an operation is.
 *
 * Written on Node's request and response rather than a router package: a dozen fixed routes, and the infer path is
 * the hot one, where a framework's body parsing and middleware would cost what the binary extension saves.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import type { Authenticator } from '../../auth/authenticator.ts';
import { ANONYMOUS, type Principal, type Scope } from '../../auth/principal.ts';
import type { Predictor } from '../../batching/predictor.ts';
import { type ErrorCode, InferError } from '../../errors.ts';
import type { OperationNotes } from '../../graphql/context.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { Tracing } from '../../observability/tracing.ts';
import type { AdminChange } from '../../registry/admin-change.ts';
import type { ModelRegistry } from '../../registry/model-registry.ts';
import type { Generator } from '../../streaming/generation/generator.ts';
import { clientKeyOf } from '../client-key.ts';
import { principalOfHttp } from '../credentials.ts';
import { HTTP_STATUS } from '../http-status.ts';
import { outcomeOfCode } from '../metrics-endpoint.ts';
import type { OperationLine } from '../operation-log.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { inferRoute } from './infer.ts';
import { metadataRoutes } from './metadata.ts';

const V2_PREFIX = '/v2';

/** What a route is given: the caller, its view of the registry, the request and the server's parts. */
export interface V2Call {
  request: IncomingMessage;
  /** The path's captures: the model, the version. */
  params: (string | undefined)[];
  principal: Principal;
  /** The models the caller may see; others answer MODEL_NOT_FOUND, as over GraphQL. */
  registry: ModelRegistry;
  /** Aborts when the client goes away before the answer. */
  signal: AbortSignal;
  /** What the log line says of the request: the version it touched, the timing of its run. */
  notes: OperationNotes;
  /** The request's trace, opaque here, for the core's spans of its work (queue, batch, compute); undefined with tracing off. */
  trace?: unknown;
  /** Admits the request's work (rows) against the caller's rate limits, as GraphQL's plugin does. */
  admit(rows: number): Promise<void>;
  /** The body, held to --max-request-body-bytes. */
  body(): Promise<Buffer>;
}

/** A route's answer: JSON, or bytes with their headers (the binary extension), or an event stream it writes itself. */
export type V2Answer =
  | { status?: number; json: unknown }
  | { status?: number; bytes: Uint8Array; headers: Record<string, string> }
  /** A stream whose status went out with its first event: it answers how it ended (an error's code, or null), for the log and metrics. */
  | { stream: (response: ServerResponse) => Promise<ErrorCode | null> };

export interface V2Route {
  method: 'GET' | 'POST';
  path: RegExp;
  /** Named in the log line and in errors: `infer`, `model metadata`… */
  name: string;
  /** The scope a caller needs; null for the probes and the server's metadata, which GraphQL's port answers to anyone too. */
  scope: Scope | null;
  handle(call: V2Call, server: V2Server): Promise<V2Answer>;
}

/** The server's parts a route uses. */
export interface V2Server {
  predictor: Predictor;
  generator: Generator;
  /** The whole registry: admin routes act on it (a caller limited to some models sees them only, through `call.registry`). */
  registry: ModelRegistry;
  /** Whether the server takes requests now: started, and not draining. */
  ready(): boolean;
  /** infergraph's version, which server metadata gives. */
  version: string;
  /** GraphQL's cost limit: an infer is priced as a predict of the same tensors, a generate as GraphQL's generate. */
  maxCost: number;
  /** The largest `max_tokens` a generate may ask (`--max-tokens`): what its rate limit counts when it names none, as GraphQL's does. */
  maxTokens: number;
  /** Tells the other replicas of a load or unload, which they apply too, as GraphQL's lifecycle mutations do. */
  announce: (change: Omit<AdminChange, 'replica'>) => void;
}

export interface OpenInferenceOptions extends V2Server {
  authenticator: Authenticator;
  rateLimiter: RateLimiter | null;
  maxRequestBodyBytes: number;
  metrics: Metrics | null;
  /** With tracing on: a SERVER span per request, under the client's `traceparent`, as GraphQL operations get. */
  tracing: Tracing | null;
  logger: Logger;
  /** Writes each request's line in the operation log, as GraphQL's operations get theirs; null for no lines. */
  operationLine: OperationLine | null;
  /** More routes (the repository, statistics and generate extensions). */
  extraRoutes?: readonly V2Route[];
}

/** Answers a request under /v2 and returns true; false for any other path, which the caller serves. */
export type OpenInferenceHandler = (request: IncomingMessage, response: ServerResponse, requestId: string) => boolean;

export function createOpenInference({
  authenticator,
  rateLimiter,
  maxRequestBodyBytes,
  metrics,
  tracing,
  logger,
  operationLine,
  extraRoutes = [],
  ...server
}: OpenInferenceOptions): OpenInferenceHandler {
  // The extensions first: /v2/models/stats is the statistics route, not the metadata of a model named "stats".
  const routes: readonly V2Route[] = [...extraRoutes, inferRoute, ...metadataRoutes];
  /** The first route of the method whose path matches, with its captures; the extensions come first (see above). */
  function routeOf(method: string | undefined, path: string): { route: V2Route; match: RegExpExecArray } | null {
    for (const route of routes) {
      if (route.method !== method) continue;
      const match = route.path.exec(path);
      if (match) return { route, match };
    }
    return null;
  }

  async function serve(request: IncomingMessage, response: ServerResponse, requestId: string, started: number): Promise<void> {
    const path = (request.url ?? '/').split('?')[0]!;
    const notes: OperationNotes = {};
    const aborted = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    let name = 'unknown';
    let code: ErrorCode | null = null;
    let span: Span | undefined;
    let failure: Error | undefined;
    try {
      const found = routeOf(request.method, path);
      if (!found) {
        // Only a request no route takes pays for learning why: no path, or not this method.
        const allowed = routes.filter((route) => route.path.test(path)).map((route) => route.method);
        if (allowed.length === 0) throw new InferError('MODEL_NOT_FOUND', `${path} is not a route of the Open Inference Protocol here`);
        response.setHeader('allow', allowed.join(', '));
        throw new MethodNotAllowed(`${request.method} is not allowed on ${path}`);
      }
      const { route, match } = found;
      name = route.name;
      // The probes and the server's metadata need no credential (a load balancer has none); they use no model.
      const principal = route.scope === null ? ANONYMOUS : await principalOfHttp(request.url, request.headers.authorization, authenticator);
      if (route.scope && !principal.scopes.has(route.scope)) {
        throw new InferError('FORBIDDEN', `${route.name} needs the "${route.scope}" scope, which ${principal.id} lacks`);
      }
      const { models } = principal;
      const call: V2Call = {
        request,
        params: match.slice(1).map((param) => (param === undefined ? undefined : pathParam(param))),
        principal,
        registry: models === null ? server.registry : server.registry.viewFor((model) => models.has(model)),
        signal: aborted.signal,
        notes,
        admit: async (rows) => {
          const refusal = await rateLimiter?.admit(clientKeyOf(principal, request.socket.remoteAddress), rows);
          if (refusal) throw refusal;
        },
        body: () => readBody(request, maxRequestBodyBytes),
      };
      if (tracing) {
        const { traceparent, tracestate } = request.headers;
        const parent = tracing.extract({ traceparent: String(traceparent ?? ''), tracestate: String(tracestate ?? '') });
        span = tracing.tracer.startSpan(
          `v2 ${route.name}`,
          { kind: SpanKind.SERVER, startTime: tracing.time(started), attributes: { 'infergraph.transport': 'v2' } },
          parent,
        );
        call.trace = tracing.requestTrace(span, trace.setSpan(parent, span));
      }
      const answer = await route.handle(call, server);
      if ('stream' in answer) code = await answer.stream(response);
      else if ('json' in answer) sendJson(response, answer.status ?? 200, answer.json);
      else {
        response.writeHead(answer.status ?? 200, { ...answer.headers, 'content-length': answer.bytes.byteLength });
        response.end(answer.bytes);
      }
    } catch (error) {
      code = error instanceof InferError ? error.code : error instanceof MethodNotAllowed ? 'INVALID_ARGUMENT' : 'INTERNAL';
      failure = error instanceof Error ? error : new Error(String(error));
      if (code === 'INTERNAL') logger.error({ err: error, requestId, route: name }, 'the Open Inference Protocol route failed');
      if (!response.headersSent) sendError(response, error, code);
      else response.destroy();
    } finally {
      // A client that went away is counted as cancelled, whatever error its abandoned work ended with.
      const cancelled = aborted.signal.aborted;
      if (cancelled) code = null;
      const totalMs = performance.now() - started;
      if (span) {
        if (notes.model !== undefined)
          span.setAttributes({ 'infergraph.model': notes.model, 'infergraph.model.version': notes.version ?? 0 });
        if (code !== null) {
          span.setAttribute(ATTR_ERROR_TYPE, code);
          span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        }
        span.end(tracing!.time());
      }
      metrics?.recordOperation('v2', outcomeOfCode(code, cancelled), totalMs / 1000);
      operationLine?.(code, totalMs, () => ({
        requestId,
        transport: 'v2',
        field: `v2 ${name}`,
        notes,
        cancelled,
        ...(code !== null && failure ? { error: { originalError: failure } } : {}),
      }));
    }
  }

  return (request, response, requestId) => {
    const url = request.url ?? '/';
    if (url !== V2_PREFIX && !url.startsWith(`${V2_PREFIX}/`) && !url.startsWith(`${V2_PREFIX}?`)) return false;
    void serve(request, response, requestId, performance.now());
    return true;
  };
}

/** A path segment as the client meant it (`%2F` and the like decoded); one that does not decode is the client's error. */
function pathParam(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new InferError('INVALID_ARGUMENT', `the path segment "${segment}" is not valid percent-encoding`);
  }
}

/** A request whose method the path does not take: 405 with Allow, as HTTP says, not one of the API's codes. */
class MethodNotAllowed extends Error {}

/** The protocol's error body, `{ "error": "…" }`, with the status of infergraph's code (and its code beside it). */
function sendError(response: ServerResponse, error: unknown, code: ErrorCode): void {
  const message = error instanceof InferError || error instanceof MethodNotAllowed ? error.message : 'internal server error';
  const status = error instanceof MethodNotAllowed ? 405 : HTTP_STATUS[code];
  if (code === 'UNAUTHENTICATED') response.setHeader('www-authenticate', 'Bearer realm="infergraph"');
  const retryAfter = error instanceof InferError ? error.details.retryAfterSeconds : undefined;
  if (typeof retryAfter === 'number') response.setHeader('retry-after', String(retryAfter));
  sendJson(response, status, { error: message, code });
}

function sendJson(response: ServerResponse, status: number, json: unknown): void {
  const body = JSON.stringify(json);
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  response.end(body);
}

/** The body, refused with PAYLOAD_TOO_LARGE past `limit` bytes: by its Content-Length before it is read, else as it comes. */
async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = request.headers['content-length'];
  const tooLarge = () =>
    new InferError('PAYLOAD_TOO_LARGE', `the request body is over the limit of ${limit} bytes (--max-request-body-bytes)`);
  if (declared !== undefined && Number(declared) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.byteLength;
    if (bytes > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
}
