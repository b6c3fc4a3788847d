/**
 * The envelop plugin that traces every GraphQL operation: a SERVER span per operation, under the
 * client's `traceparent`, with child spans for parse, validate and execute (or subscribe, for as long
 * as the stream runs). It applies to HTTP, SSE and graphql-ws alike, which share `yoga.getEnveloped`.
 *
 * Written here rather than taken from `@envelop/opentelemetry`: that plugin pins sdk-trace-base v1 and an
 * older API, reads the global tracer provider (two apps in one process would share it), and could not
 * hand the request's span to the batching core, which makes the queue, batch and compute spans.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Context, Span } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { type DocumentNode, GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InferError } from '../errors.ts';
import type { TraceCarrier, Tracing } from '../observability/tracing.ts';
import { type ErrorLike, errorCodeOf, type ResultLike, transportOf } from './operation-facts.ts';

// GraphQL's semantic conventions are still incubating; OpenTelemetry asks that such names be copied, not imported.
const ATTR_GRAPHQL_OPERATION_NAME = 'graphql.operation.name';
const ATTR_GRAPHQL_OPERATION_TYPE = 'graphql.operation.type';

/** What an operation's context brings from its transport: the Fetch request over HTTP and SSE, the upgrade request and params over graphql-ws. */
interface TransportContext {
  request?: Request;
  req?: { headers: IncomingHttpHeaders };
  socket?: unknown;
  params?: { extensions?: Record<string, unknown> | undefined; operationName?: string | null | undefined };
}

/** One operation's span, and the context its children start under. */
interface OperationSpan {
  span: Span;
  context: Context;
}

/** Traces every operation, and hands each its request trace in the GraphQL context (`trace`) for the core's spans. */
export function useOperationTraces(tracing: Tracing): Plugin<{ trace?: unknown }> {
  const { tracer } = tracing;
  // Keyed by the operation's context object, one per operation on every transport, and let go with it.
  const operations = new WeakMap<object, OperationSpan>();

  function begin(context: TransportContext): OperationSpan {
    let operation = operations.get(context);
    if (!operation) {
      const parent = tracing.extract(carrierOf(context));
      const span = tracer.startSpan(
        'GraphQL Operation',
        { kind: SpanKind.SERVER, startTime: tracing.time(), attributes: { 'infergraph.transport': transportOf(context) } },
        parent,
      );
      operation = { span, context: trace.setSpan(parent, span) };
      operations.set(context, operation);
    }
    return operation;
  }

  /** Names the operation span as the semantic conventions do: `mutation Predict`, or `mutation` for an anonymous one. */
  function name(context: TransportContext, document: DocumentNode): void {
    const { span } = begin(context);
    const definition = getOperationAST(document, context.params?.operationName);
    if (!definition) return;
    const operationName = definition.name?.value;
    span.updateName(operationName ? `${definition.operation} ${operationName}` : definition.operation);
    span.setAttribute(ATTR_GRAPHQL_OPERATION_TYPE, definition.operation);
    if (operationName) span.setAttribute(ATTR_GRAPHQL_OPERATION_NAME, operationName);
    const field = definition.selectionSet.selections[0];
    if (field?.kind === 'Field') span.setAttribute('infergraph.root_field', field.name.value);
  }

  /** Ends the operation's span with its outcome: OK, or the code of its first error. */
  function finish(context: object, errors: readonly ErrorLike[] | undefined, events?: number): void {
    const operation = operations.get(context);
    if (!operation) return;
    operations.delete(context);
    const { span } = operation;
    const code = errorCodeOf(errors);
    span.setAttribute('infergraph.outcome', code ?? 'OK');
    if (events !== undefined) span.setAttribute('infergraph.events', events);
    if (code) {
      span.setAttribute(ATTR_ERROR_TYPE, code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: code });
    }
    span.end(tracing.time());
  }

  /** A child span of the operation's, ended by the returned function (with an error status when the step failed). */
  function step(context: TransportContext, spanName: string): (failed?: Error) => void {
    const span = tracer.startSpan(spanName, { startTime: tracing.time() }, begin(context).context);
    return (failed) => {
      if (failed) span.setStatus({ code: SpanStatusCode.ERROR, message: failed.message });
      span.end(tracing.time());
    };
  }

  return {
    onPluginInit: ({ registerContextErrorHandler }) => {
      // A context that cannot be built (a credential refused) ends the operation before it executes.
      registerContextErrorHandler(({ context, error }) => finish(context, [asErrorLike(error)]));
    },
    onParse: ({ context }) => {
      const end = step(context, 'graphql.parse');
      return ({ result }) => {
        if (!(result instanceof Error)) {
          end();
          return;
        }
        end(result);
        finish(context, [asErrorLike(result)]);
      };
    },
    onValidate: ({ context, params }) => {
      name(context, params.documentAST);
      const end = step(context, 'graphql.validate');
      return ({ valid, result }) => {
        if (valid) {
          end();
          return;
        }
        end(result[0]);
        finish(context, result as readonly GraphQLError[]);
      };
    },
    onExecute: ({ args, extendContext }) => {
      const context = args.contextValue as TransportContext;
      const operation = begin(context);
      const span = tracer.startSpan('graphql.execute', { startTime: tracing.time() }, operation.context);
      extendContext({ trace: tracing.requestTrace(operation.span, trace.setSpan(operation.context, span)) });
      return {
        onExecuteDone: ({ result }) => {
          span.end(tracing.time());
          finish(context, Symbol.asyncIterator in result ? undefined : (result as ResultLike).errors);
        },
      };
    },
    onSubscribe: ({ args, extendContext }) => {
      const context = args.contextValue as TransportContext;
      const operation = begin(context);
      const span = tracer.startSpan('graphql.subscribe', { startTime: tracing.time() }, operation.context);
      extendContext({ trace: tracing.requestTrace(operation.span, trace.setSpan(operation.context, span)) });
      return {
        onSubscribeResult: ({ result }) => {
          if (!(Symbol.asyncIterator in result)) {
            span.end(tracing.time());
            finish(context, (result as ResultLike).errors);
            return;
          }
          let errors: ResultLike['errors'];
          let events = 0;
          return {
            onNext: ({ result: next }) => {
              events++;
              errors ??= (next as ResultLike).errors;
            },
            onEnd: () => {
              span.end(tracing.time());
              finish(context, errors, events);
            },
          };
        },
      };
    },
  };
}

/**
 * Where an operation's trace context comes from: its own `extensions.traceparent` first (one socket
 * carries many operations, each may belong to another trace), else the HTTP request's `traceparent`
 * header (the upgrade request's, over graphql-ws).
 */
function carrierOf({ params, request, req }: TransportContext): TraceCarrier {
  const extensions = params?.extensions;
  if (typeof extensions?.traceparent === 'string') {
    return {
      traceparent: extensions.traceparent,
      tracestate: typeof extensions.tracestate === 'string' ? extensions.tracestate : undefined,
    };
  }
  if (request)
    return { traceparent: request.headers.get('traceparent') ?? undefined, tracestate: request.headers.get('tracestate') ?? undefined };
  const headers = req?.headers;
  return { traceparent: single(headers?.traceparent), tracestate: single(headers?.tracestate) };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function asErrorLike(error: unknown): ErrorLike {
  if (error instanceof GraphQLError) return error;
  if (error instanceof InferError) return { originalError: error };
  return { originalError: error instanceof Error ? error : new Error(String(error)) };
}
