/**
 * `GET /metrics` in the Prometheus text format, and the yoga plugin that counts operations by
 * transport and outcome.
 *
 * Answered in Node's request handler before yoga, like the health probes: a scrape is a plain HTTP
 * GET, and at saturation it should cost the registry's serialisation and nothing more. With
 * authentication on, a scrape on the GraphQL port needs a credential with the `admin` scope (the
 * figures name every model); `--metrics-port` serves them on a port of their own instead, open,
 * for a scraper on a private network.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Authenticator } from '../auth/authenticator.ts';
import { type ErrorCode, InferError } from '../errors.ts';
import type { Metrics, Outcome } from '../observability/metrics.ts';
import { HTTP_STATUS } from './http-status.ts';
import { cancelledOf, type ErrorLike, errorCodeOf, type ResultLike, rootFieldOf, transportOf } from './operation-facts.ts';

const METRICS_PATH = '/metrics';

/** Which reason of `infergraph_requests_total` an error code counts under; an error without one of ours is the client's (a GraphQL validation error). */
const OUTCOME_OF: Record<ErrorCode, Outcome> = {
  MODEL_NOT_FOUND: 'invalid',
  MODEL_NOT_READY: 'rejected',
  INVALID_TENSOR: 'invalid',
  INVALID_ARGUMENT: 'invalid',
  INFERENCE_REJECTED: 'runtime',
  QUERY_TOO_COMPLEX: 'invalid',
  PAYLOAD_TOO_LARGE: 'invalid',
  OVERLOADED: 'rejected',
  RATE_LIMITED: 'rejected',
  DEADLINE_EXCEEDED: 'deadline',
  UNAUTHENTICATED: 'invalid',
  FORBIDDEN: 'invalid',
  INTERNAL: 'internal',
};

export interface MetricsEndpointOptions {
  /** Checks the scraper's credential; null serves anyone (auth off, or the metrics port). */
  authenticator: Authenticator | null;
}

/** Answers `GET /metrics` and returns true, or returns false for any other path. */
export function answerMetrics(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: Metrics,
  { authenticator }: MetricsEndpointOptions,
): boolean {
  if (request.url?.split('?', 1)[0] !== METRICS_PATH) return false;
  void (async () => {
    try {
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
        response.end(`${METRICS_PATH} answers GET, not ${request.method}\n`);
        return;
      }
      if (authenticator?.enabled) {
        const principal = await authenticator.authenticate(request.headers.authorization);
        if (!principal.scopes.has('admin')) {
          throw new InferError(
            'FORBIDDEN',
            `${METRICS_PATH} needs a credential with the admin scope; this one has ${[...principal.scopes].join(', ') || 'none'}`,
          );
        }
      }
      const body = await metrics.registry.metrics();
      response.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(body) });
      response.end(request.method === 'HEAD' ? undefined : body);
    } catch (error) {
      const known = error instanceof InferError;
      const code: ErrorCode = known ? error.code : 'INTERNAL';
      const headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' };
      if (code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer realm="infergraph"';
      response.writeHead(HTTP_STATUS[code], headers);
      response.end(`${code}: ${known ? error.message : 'the metrics could not be collected; see the server log'}\n`);
    }
  })();
  return true;
}

/** The reason of `infergraph_requests_total` for an operation's errors (none: success, or cancelled when the client went away). */
function outcomeOf(errors: readonly ErrorLike[] | undefined, cancelled: boolean): Outcome {
  return outcomeOfCode(errorCodeOf(errors), cancelled);
}

/** The reason of `infergraph_requests_total` for a request that failed with `code` (null: success, or cancelled). */
export function outcomeOfCode(code: ErrorCode | null, cancelled: boolean): Outcome {
  if (code === null) return cancelled ? 'cancelled' : 'success';
  return OUTCOME_OF[code];
}

/**
 * Counts every operation once, when it ends: a query or mutation with its result, a subscription
 * when its stream ends (its first error decides, and one the client stopped counts as cancelled),
 * one refused at parse or validation as invalid. Holds `infergraph_subscriptions_active` meanwhile.
 */
export function useOperationMetrics(metrics: Metrics): Plugin {
  const refused = (context: object) => metrics.recordOperation(transportOf(context), 'invalid');
  return {
    onParse:
      ({ context }) =>
      ({ result }) => {
        if (result instanceof Error) refused(context);
      },
    onValidate:
      ({ context }) =>
      ({ valid }) => {
        if (!valid) refused(context);
      },
    onExecute: ({ args }) => {
      const transport = transportOf(args.contextValue as object);
      const started = performance.now();
      return {
        onExecuteDone: ({ result }) => {
          if (Symbol.asyncIterator in result) return;
          const seconds = (performance.now() - started) / 1000;
          metrics.recordOperation(transport, outcomeOf((result as ResultLike).errors, cancelledOf(args.contextValue)), seconds);
        },
      };
    },
    onSubscribe: ({ args }) => {
      const transport = transportOf(args.contextValue as object);
      const close = metrics.openSubscription(transport, rootFieldOf(args.document as DocumentNode));
      return {
        onSubscribeResult: ({ result }) => {
          if (!(Symbol.asyncIterator in result)) {
            close();
            metrics.recordOperation(transport, outcomeOf((result as ResultLike).errors, false));
            return;
          }
          let errors: ResultLike['errors'];
          return {
            onNext: ({ result: next }) => {
              errors ??= (next as ResultLike).errors;
            },
            onEnd: () => {
              close();
              metrics.recordOperation(transport, outcomeOf(errors, cancelledOf(args.contextValue)));
            },
          };
        },
      };
    },
  };
}
