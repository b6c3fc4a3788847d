/**
 * The OpenTelemetry traces of one app: its own TracerProvider, never registered as the global one (two
 * apps in one process, as the tests run them, would collide; the tracer is handed down instead), the
 * W3C trace context a client sends, and the spans the core reports through callbacks after the fact,
 * with the times it measured: the queue wait of each request, each ONNX run (linked to every request
 * that rode in it) and the worker's compute inside it, and each generation stream.
 *
 * Off unless a collector is named (or a test hands in an exporter): then `createTracing` makes nothing
 * and the app adds no plugin and no callback, so tracing costs nothing per request.
 */
import {
  type Attributes,
  type Context,
  defaultTextMapGetter,
  type HrTime,
  ROOT_CONTEXT,
  type Span,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { millisToHrTime, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type SpanExporter,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { RunReport } from '../batching/batcher.ts';
import type { StreamReport } from '../streaming/generation/generation-engine.ts';
import { reportingFailures } from './export-failures.ts';
import type { VersionLabels } from './metrics.ts';

export interface TracingOptions {
  /** The collector's base URL: spans are POSTed to its `/v1/traces`, OTLP/HTTP with JSON encoding. */
  otlpEndpoint?: string | undefined;
  /** The full URL spans are POSTed to; wins over `otlpEndpoint`. */
  otlpTracesEndpoint?: string | undefined;
  /** `service.name` of every span. @default 'infergraph' */
  serviceName?: string;
  /** Share of new traces sampled, 0 to 1; a trace a client started keeps the client's decision. @default 1 */
  sampleRatio?: number;
  /** Where spans go instead of an OTLP collector (tests hand in an InMemorySpanExporter); turns tracing on. */
  exporter?: SpanExporter | undefined;
  /** Told when exports fail (the collector is down or refuses them): the first at once, then at most once a minute. */
  onExportFailure?: (error: Error, failures: number) => void;
}

/** A `traceparent` (and `tracestate`) as a client sent it, from a header or an operation's extensions. */
export interface TraceCarrier {
  traceparent?: string | undefined;
  tracestate?: string | undefined;
}

const REQUEST_TRACE = Symbol('infergraph.requestTrace');

/**
 * What a traced request carries through the core, which sees only an opaque value: the span of its
 * GraphQL operation, and the context the spans of its work (queue wait, generation) start under.
 */
export interface RequestTrace {
  readonly [REQUEST_TRACE]: true;
  readonly operation: Span;
  readonly parent: Context;
}

export interface Tracing {
  /** The tracer of the app's own provider. */
  readonly tracer: Tracer;
  /** The span time of a `performance.now()` reading, now when none is given: every span of the app is timed by it. */
  time(ms?: number): HrTime;
  /** The context a client's `traceparent` names, or the root context when it sent none (or a malformed one). */
  extract(carrier: TraceCarrier): Context;
  /** The value a request hands the core, for the spans of its work: under `parent`, and linked from its batch to `operation`. */
  requestTrace(operation: Span, parent: Context): RequestTrace;
  /** Spans of one ONNX run of a version: each request's queue wait, the run, and the worker's compute in it. */
  recordRun(version: VersionLabels, run: RunReport): void;
  /** The span of one generation stream, with its token counts and finish reason. */
  recordStream(version: VersionLabels, stream: StreamReport): void;
  /** Exports every ended span now; resolves once the collector answered (a failure goes to `onExportFailure`). */
  flush(): Promise<void>;
  /** Exports what is left and stops the exporter; never rejects. */
  shutdown(): Promise<void>;
}

/** The traces of an app, or null when no collector is named and no exporter handed in: tracing is off. */
export function createTracing({
  otlpEndpoint,
  otlpTracesEndpoint,
  serviceName = 'infergraph',
  sampleRatio = 1,
  exporter,
  onExportFailure,
}: TracingOptions): Tracing | null {
  const url = otlpTracesEndpoint ?? (otlpEndpoint === undefined ? undefined : tracesUrlOf(otlpEndpoint));
  const spanExporter = exporter ?? (url === undefined ? null : new OTLPTraceExporter({ url }));
  if (!spanExporter) return null;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(sampleRatio) }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: onExportFailure ? reportingFailures(spanExporter, { onFailure: onExportFailure }) : spanExporter,
      }),
    ],
  });
  const tracer = provider.getTracer('infergraph');
  const propagator = new W3CTraceContextPropagator();
  const time = createSpanClock();

  return {
    tracer,
    time,
    extract: (carrier) => propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter),
    requestTrace: (operation, parent) => ({ [REQUEST_TRACE]: true, operation, parent }),

    recordRun(version, { batchSize, computeMs, requests, dispatchedAt, startedAt, endedAt, computeStartedAt }) {
      const traced = requests.flatMap(({ trace: value, enqueuedAt }) =>
        isRequestTrace(value) ? [{ operation: value.operation, parent: value.parent, enqueuedAt }] : [],
      );
      // A sampled request's trace holds the run: under an unsampled one, the run would be dropped for every request in it.
      const first = traced.find(({ operation }) => operation.spanContext().traceFlags & TraceFlags.SAMPLED) ?? traced[0];
      if (!first) return;
      const model = versionAttributes(version);
      // The run belongs to the trace of one of its requests, so that a lone predict's trace holds it all; the
      // others reach it through the link their queue span carries, and it links back to each of them.
      const batch = tracer.startSpan(
        'infergraph.batch',
        {
          startTime: time(startedAt),
          attributes: { ...model, 'infergraph.batch.size': batchSize, 'infergraph.batch.requests': requests.length },
          links: traced.map(({ operation }) => ({ context: operation.spanContext() })),
        },
        first.parent,
      );
      const toBatch = [{ context: batch.spanContext() }];
      for (const { operation, parent, enqueuedAt } of traced) {
        operation.setAttributes(model);
        tracer
          .startSpan('infergraph.queue', { startTime: time(enqueuedAt), attributes: model, links: toBatch }, parent)
          .end(time(dispatchedAt));
      }
      tracer
        .startSpan('infergraph.compute', { startTime: time(computeStartedAt), attributes: model }, trace.setSpan(first.parent, batch))
        .end(time(computeStartedAt + computeMs));
      batch.end(time(endedAt));
    },

    recordStream(version, { trace: request, startedAt, firstTokenAt, endedAt, reason, promptTokens, completionTokens }) {
      if (!isRequestTrace(request)) return;
      const model = versionAttributes(version);
      request.operation.setAttributes(model);
      const attributes: Attributes = {
        ...model,
        'gen_ai.usage.input_tokens': promptTokens,
        'gen_ai.usage.output_tokens': completionTokens,
        'gen_ai.response.finish_reasons': [reason],
      };
      const span = tracer.startSpan('infergraph.generate', { startTime: time(startedAt), attributes }, request.parent);
      if (firstTokenAt !== null) span.addEvent('first token', time(firstTokenAt));
      if (reason === 'ERROR') span.setStatus({ code: SpanStatusCode.ERROR, message: 'the stream ended with an error' });
      span.end(time(endedAt));
    },

    // A failed export is told to onExportFailure; flushing (and so the app's dispose) must not fail for it.
    flush: () => provider.forceFlush().catch(() => {}),
    shutdown: () => provider.shutdown().catch(() => {}),
  };
}

/**
 * `performance.now()` readings as span times. Written here because the SDK converts a reading with an offset
 * to `Date.now()` taken per span, in whole milliseconds: spans measured a fraction of a millisecond apart
 * (a queue wait and the run after it) would come out of order. One offset, refreshed each minute so
 * that the spans follow the wall clock as NTP adjusts it, keeps them in order.
 */
function createSpanClock(refreshMs = 60_000): (ms?: number) => HrTime {
  let offset = 0;
  let refreshedAt = Number.NEGATIVE_INFINITY;
  return (ms) => {
    const now = performance.now();
    if (now - refreshedAt > refreshMs) {
      offset = Date.now() - (performance.timeOrigin + now);
      refreshedAt = now;
    }
    return millisToHrTime(performance.timeOrigin + offset + (ms ?? now));
  };
}

/** OTEL_EXPORTER_OTLP_ENDPOINT's rule: the signal's path is appended to the base URL, its own path kept. */
function tracesUrlOf(base: string): string {
  return new URL('v1/traces', base.endsWith('/') ? base : `${base}/`).href;
}

function versionAttributes({ model, version }: VersionLabels): Attributes {
  return { 'infergraph.model': model, 'infergraph.model.version': version };
}

/** The core hands back whatever it was given: only our own values make spans. */
function isRequestTrace(value: unknown): value is RequestTrace {
  return typeof value === 'object' && value !== null && REQUEST_TRACE in value;
}
