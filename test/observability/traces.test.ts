import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { loadConfig } from '../../src/config.ts';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { waitForFigures } from '../fixtures/figures.ts';
import { generationOf } from '../fixtures/generation.ts';
import { createCapturingLogger } from '../fixtures/logger.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { collect, subscribeSse } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64, ocrImages } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument, PredictDocument, type PredictInput, type PredictMutation } from '../generated/graphql.ts';

/** The spans of one predict's trace, sorted: the operation and its phases, its queue wait, and the run it rode in. */
const PREDICT_SPANS = [
  'graphql.execute',
  'graphql.parse',
  'graphql.validate',
  'infergraph.batch',
  'infergraph.compute',
  'infergraph.queue',
  'mutation Predict',
].sort();

/** How the operation span's `infergraph.transport` names each transport of the test table. */
const TRANSPORT_LABEL: Record<string, string> = { HTTP: 'http', 'graphql-ws': 'ws', SSE: 'sse' };

const exporter = new InMemorySpanExporter();
const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('tiny-lm');
      await repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER);
    },
    { traceExporter: exporter },
  ),
);

beforeEach(() => exporter.reset());

const glyphs = (rows = 1): PredictInput => ({
  model: 'glyphs',
  inputs: [{ name: 'pixels', shape: [rows, GLYPH_PIXELS], data: new Array(rows * GLYPH_PIXELS).fill(0) }],
});

/** Every span the server ended so far, exported through its BatchSpanProcessor. */
async function exported(): Promise<ReadableSpan[]> {
  await server.app.tracing!.flush();
  return exporter.getFinishedSpans();
}

function only(spans: readonly ReadableSpan[], name: string): ReadableSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0]!;
}

function traceOf(spans: readonly ReadableSpan[], traceId: string): ReadableSpan[] {
  return spans.filter((span) => span.spanContext().traceId === traceId);
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const msOf = ([seconds, nanos]: readonly [number, number]) => seconds * 1000 + nanos / 1e6;

/** A fresh W3C traceparent, sampled, as a client's tracer would send it. */
function newTraceparent(): { traceparent: string; traceId: string; parentId: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceparent: `00-${traceId}-${parentId}-01`, traceId, parentId };
}

describe.each(TRANSPORTS)('a predict over $name', (transport) => {
  it('should give one trace whose spans cover parse, validate, execute, the queue wait, the batch run and its compute', async () => {
    const { errors } = await transport.execute(server, PredictDocument, { input: glyphs() });
    expect(errors).toBeUndefined();

    const spans = await exported();
    const operation = only(spans, 'mutation Predict');
    expect(operation.kind).toBe(SpanKind.SERVER);
    expect(operation.attributes).toMatchObject({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'Predict',
      'infergraph.root_field': 'predict',
      'infergraph.transport': TRANSPORT_LABEL[transport.name],
      'infergraph.outcome': 'OK',
      'infergraph.model': 'glyphs',
      'infergraph.model.version': 1,
    });
    const trace = traceOf(spans, operation.spanContext().traceId);
    expect(trace.map((span) => span.name).sort()).toEqual(PREDICT_SPANS);
    const [parse, validate, execute] = ['graphql.parse', 'graphql.validate', 'graphql.execute'].map((name) => only(trace, name));
    for (const step of [parse!, validate!, execute!]) expect(parentOf(step)).toBe(idOf(operation));
    const queue = only(trace, 'infergraph.queue');
    const batch = only(trace, 'infergraph.batch');
    const compute = only(trace, 'infergraph.compute');
    expect(parentOf(queue)).toBe(idOf(execute!));
    expect(parentOf(batch)).toBe(idOf(execute!));
    expect(parentOf(compute)).toBe(idOf(batch));
    expect(batch.attributes).toMatchObject({ 'infergraph.model': 'glyphs', 'infergraph.batch.size': 1, 'infergraph.batch.requests': 1 });
    expect(batch.links.map((link) => link.context.spanId)).toEqual([idOf(operation)]);
    expect(queue.links.map((link) => link.context.spanId)).toEqual([idOf(batch)]);
    // In order: the queue wait ends before the run starts, and the worker's compute lies inside the run.
    expect(msOf(queue.endTime)).toBeLessThanOrEqual(msOf(batch.startTime));
    expect(msOf(compute.startTime)).toBeGreaterThanOrEqual(msOf(batch.startTime));
    expect(msOf(compute.endTime)).toBeLessThanOrEqual(msOf(batch.endTime));
    expect(msOf(execute!.endTime)).toBeLessThanOrEqual(msOf(operation.endTime));
  });

  it('should end the operation span with the error code of a failed predict', async () => {
    const { errors } = await transport.execute(server, PredictDocument, { input: { ...glyphs(), model: 'no-such-model' } });
    expect(errors?.[0]?.extensions?.code).toBe('MODEL_NOT_FOUND');
    const operation = only(await exported(), 'mutation Predict');
    expect(operation.attributes).toMatchObject({ 'infergraph.outcome': 'MODEL_NOT_FOUND', 'error.type': 'MODEL_NOT_FOUND' });
    expect(operation.status.code).toBe(2);
  });
});

/** Ways a client hands the server its trace context, one per transport (and both ways over graphql-ws). */
const TRACEPARENT_SENDERS: readonly {
  name: string;
  predict(server: TestServer, input: PredictInput, traceparent: string): Promise<ExecutionResult<PredictMutation>>;
}[] = [
  {
    name: 'the HTTP traceparent header',
    async predict(server, input, traceparent) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent },
        body: JSON.stringify({ query: print(PredictDocument), variables: { input } }),
      });
      return (await response.json()) as ExecutionResult<PredictMutation>;
    },
  },
  {
    name: 'extensions.traceparent of an HTTP request body',
    async predict(server, input, traceparent) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: print(PredictDocument), variables: { input }, extensions: { traceparent } }),
      });
      return (await response.json()) as ExecutionResult<PredictMutation>;
    },
  },
  {
    name: 'the traceparent header of an SSE request',
    async predict(server, input, traceparent) {
      const results = await collect(subscribeSse({ url: server.url, headers: { traceparent } }, PredictDocument, { input }));
      return results[0]!;
    },
  },
  {
    name: 'extensions.traceparent of a graphql-ws subscribe message',
    predict: (server, input, traceparent) =>
      overWebSocket(server, { query: print(PredictDocument), variables: { input }, extensions: { traceparent } }),
  },
  {
    name: 'the traceparent header of the graphql-ws upgrade request',
    predict: (server, input, traceparent) =>
      overWebSocket(server, { query: print(PredictDocument), variables: { input } }, { traceparent }),
  },
];

/** One operation on a socket of its own, opened with `headers` on its upgrade request. */
async function overWebSocket(
  server: TestServer,
  payload: { query: string; variables: Record<string, unknown>; extensions?: Record<string, unknown> },
  headers: Record<string, string> = {},
): Promise<ExecutionResult<PredictMutation>> {
  class WebSocketWithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocketWithHeaders, retryAttempts: 0 });
  try {
    for await (const result of client.iterate(payload)) return result as ExecutionResult<PredictMutation>;
    throw new Error('the operation completed without a result');
  } finally {
    await client.dispose();
  }
}

describe.each(TRACEPARENT_SENDERS)('a predict that sends its trace context in $name', (sender) => {
  it("should continue the client's trace: the operation span is a child of the client's span", async () => {
    const { traceparent, traceId, parentId } = newTraceparent();
    const { errors } = await sender.predict(server, glyphs(), traceparent);
    expect(errors).toBeUndefined();

    const trace = traceOf(await exported(), traceId);
    const operation = only(trace, 'mutation Predict');
    expect(parentOf(operation)).toBe(parentId);
    expect(operation.parentSpanContext?.isRemote).toBe(true);
    for (const name of ['graphql.execute', 'infergraph.queue', 'infergraph.batch', 'infergraph.compute']) only(trace, name);
  });
});

describe('predicts that ride in one batch', () => {
  it('should link both requests to the one batch span, and each queue span to it', async () => {
    // A slow request holds the one worker of ocr-single, so the two sent next wait together for it.
    const busy = await keepWorkerBusy(server, 'ocr-single', SLOW_OCR_IMAGE);
    const clients = [newTraceparent(), newTraceparent()];
    const answers = await Promise.all(
      clients.map(({ traceparent }, n) =>
        TRACEPARENT_SENDERS[0]!.predict(
          server,
          { model: 'ocr-single', inputs: [{ name: 'x', shape: [1, 3, 48, 96], base64: float32ToBase64(ocrImages(1, 96, 300 + n)) }] },
          traceparent,
        ),
      ),
    );
    expect((await busy.answer).errors).toBeUndefined();
    for (const { data, errors } of answers) {
      expect(errors).toBeUndefined();
      expect(data!.predict.timing.batchSize).toBe(2);
    }

    const spans = await exported();
    const operations = clients.map(({ traceId }) => only(traceOf(spans, traceId), 'mutation Predict'));
    const batches = spans.filter((span) => span.name === 'infergraph.batch' && span.attributes['infergraph.batch.size'] === 2);
    expect(batches).toHaveLength(1);
    const [batch] = batches as [ReadableSpan];
    expect(batch.attributes).toMatchObject({ 'infergraph.model': 'ocr-single', 'infergraph.batch.requests': 2 });
    expect(batch.links.map((link) => link.context.spanId).sort()).toEqual(operations.map(idOf).sort());
    // The run sits in the first request's trace; each request's queue span, in its own trace, links to it.
    expect(clients.map(({ traceId }) => traceId)).toContain(batch.spanContext().traceId);
    for (const { traceId } of clients) {
      const queue = only(traceOf(spans, traceId), 'infergraph.queue');
      expect(queue.links.map((link) => link.context.spanId)).toEqual([idOf(batch)]);
    }
  });
});

describe.each(STREAMING_TRANSPORTS)('a generate stream over $name', (transport) => {
  it('should give a generation span with its token counts and finish reason under the subscription', async () => {
    const input = { model: 'tiny-lm', prompt: 'The ', maxTokens: 5, temperature: 0 };
    const results = await collect(transport.subscribe(server, GenerateDocument, { input }));
    const { final } = generationOf(results);

    const spans = await exported();
    // Found from the generation up: the subscription span of a stream an earlier test left may end during this one.
    const generation = only(spans, 'infergraph.generate');
    const subscribe = spans.find((span) => idOf(span) === parentOf(generation));
    expect(subscribe?.name).toBe('graphql.subscribe');
    const operation = spans.find((span) => idOf(span) === parentOf(subscribe!));
    expect(operation?.name).toBe('subscription Generate');
    expect(operation!.attributes).toMatchObject({
      'infergraph.transport': TRANSPORT_LABEL[transport.name],
      'infergraph.outcome': 'OK',
      'infergraph.events': results.length,
      'infergraph.model': 'tiny-lm',
    });
    expect(generation.attributes).toMatchObject({
      'infergraph.model': 'tiny-lm',
      'gen_ai.usage.input_tokens': final.usage!.promptTokens,
      'gen_ai.usage.output_tokens': final.usage!.completionTokens,
      'gen_ai.response.finish_reasons': [final.finishReason],
    });
    expect(generation.events.map((event) => event.name)).toEqual(['first token']);
  });

  it('should end the generation span of a stream its client left as CANCELLED, with the tokens it had', async () => {
    const stream = transport.subscribe(server, GenerateDocument, {
      input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 },
    });
    expect((await stream.next()).value?.data?.generate.index).toBe(0);
    await stream.return();
    // The stream's slot is freed as its span ends: a wait on the server's own state.
    await waitForFigures(server, 'tiny-lm', ({ generation }) => generation!.activeStreams === 0 && generation!.waitingStreams === 0);

    const generation = only(await exported(), 'infergraph.generate');
    expect(generation.attributes['gen_ai.response.finish_reasons']).toEqual(['CANCELLED']);
    expect(generation.attributes['gen_ai.usage.output_tokens']).toBeGreaterThanOrEqual(1);
    expect(generation.attributes['gen_ai.usage.output_tokens']).toBeLessThan(1000);
  });
});

describe('traces through the real OTLP/HTTP exporter', () => {
  it('should POST the spans of a predict as OTLP JSON to /v1/traces under the collector URL of --otlp-endpoint', async () => {
    const received: unknown[] = [];
    const collector = createServer((request, response) => {
      void readJson(request).then((body) => {
        received.push({ path: request.url, contentType: request.headers['content-type'], body });
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('{}');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    try {
      const { port } = collector.address() as AddressInfo;
      await using traced = await serveModels((repository) => repository.copyExample('glyphs'), {
        // A base URL with a path keeps it, as OTEL_EXPORTER_OTLP_ENDPOINT's rule says.
        tracing: {
          otlpEndpoint: `http://127.0.0.1:${port}/otlp`,
          otlpTracesEndpoint: undefined,
          serviceName: 'infergraph-e2e',
          sampleRatio: 1,
        },
      });
      const { traceparent, traceId } = newTraceparent();
      expect((await TRACEPARENT_SENDERS[0]!.predict(traced, glyphs(2), traceparent)).errors).toBeUndefined();
      // Resolves once the exporter's POST was answered.
      await traced.app.tracing!.flush();

      const spans = received.flatMap((request) => {
        expect(request).toMatchObject({ path: '/otlp/v1/traces', contentType: 'application/json' });
        return spansOf((request as { body: OtlpBody }).body);
      });
      expect(spans.every(({ service }) => service === 'infergraph-e2e')).toBe(true);
      const trace = spans.filter(({ span }) => span.traceId === traceId);
      expect(trace.map(({ span }) => span.name).sort()).toEqual(PREDICT_SPANS);
      const batch = trace.find(({ span }) => span.name === 'infergraph.batch')!.span;
      expect(attributesOf(batch)).toMatchObject({ 'infergraph.model': 'glyphs', 'infergraph.batch.size': '2' });
      const operation = trace.find(({ span }) => span.name === 'mutation Predict')!.span;
      expect(attributesOf(operation)).toMatchObject({ 'graphql.operation.name': 'Predict', 'infergraph.transport': 'http' });
      expect(batch.links?.map((link) => link.spanId)).toEqual([operation.spanId]);
    } finally {
      collector.close();
    }
  });

  it('should log that traces cannot be exported when the collector refuses them', async () => {
    const collector = createServer((request, response) => {
      request.resume();
      request.once('end', () => {
        response.writeHead(400, { 'content-type': 'text/plain' });
        response.end('no');
      });
    });
    collector.listen(0, '127.0.0.1');
    await once(collector, 'listening');
    try {
      const { port } = collector.address() as AddressInfo;
      const logger = createCapturingLogger();
      await using traced = await serveModels((repository) => repository.copyExample('glyphs'), {
        logger,
        tracing: {
          otlpEndpoint: undefined,
          otlpTracesEndpoint: `http://127.0.0.1:${port}/v1/traces`,
          serviceName: 'infergraph',
          sampleRatio: 1,
        },
      });
      expect((await traced.graphql(PredictDocument, { input: glyphs() })).errors).toBeUndefined();
      await traced.app.tracing!.flush();
      expect(logger.records().filter((line) => line.msg === 'cannot export traces')).toEqual([
        expect.objectContaining({ level: 40, failures: 1 }),
      ]);
    } finally {
      collector.close();
    }
  });
});

describe('sampling', () => {
  it("should sample no new trace at ratio 0 and still follow a client's sampled traceparent", async () => {
    const own = new InMemorySpanExporter();
    await using sampled = await serveModels((repository) => repository.copyExample('glyphs'), {
      traceExporter: own,
      tracing: { otlpEndpoint: undefined, otlpTracesEndpoint: undefined, serviceName: 'infergraph', sampleRatio: 0 },
    });
    expect((await sampled.graphql(PredictDocument, { input: glyphs() })).errors).toBeUndefined();
    await sampled.app.tracing!.flush();
    expect(own.getFinishedSpans()).toEqual([]);

    const { traceparent, traceId } = newTraceparent();
    expect((await TRACEPARENT_SENDERS[0]!.predict(sampled, glyphs(), traceparent)).errors).toBeUndefined();
    await sampled.app.tracing!.flush();
    const spans = own.getFinishedSpans();
    expect(spans.length).toBeGreaterThan(0);
    expect(traceOf(spans, traceId)).toEqual(spans);
    only(spans, 'infergraph.batch');
  });
});

describe('the tracing settings', () => {
  it("should read OpenTelemetry's own environment variables, and refuse a sample ratio outside 0 to 1", () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
      OTEL_SERVICE_NAME: 'infergraph-eu',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    };
    expect(loadConfig([], env).tracing).toEqual({
      otlpEndpoint: 'http://collector:4318',
      otlpTracesEndpoint: 'http://tempo:4318/v1/traces',
      serviceName: 'infergraph-eu',
      sampleRatio: 0.25,
    });
    expect(loadConfig([], {}).tracing).toEqual({
      otlpEndpoint: undefined,
      otlpTracesEndpoint: undefined,
      serviceName: 'infergraph',
      sampleRatio: 1,
    });
    expect(() => loadConfig(['--trace-sample-ratio', '2'], {})).toThrow(/tracing\.sampleRatio/);
  });
});

describe('tracing off', () => {
  it('should create no tracer provider when no collector is named, and answer a request that sends a traceparent as usual', async () => {
    await using untraced = await serveModels((repository) => repository.copyExample('glyphs'));
    expect(untraced.app.tracing).toBeNull();
    const { data, errors } = await TRACEPARENT_SENDERS[0]!.predict(untraced, glyphs(), newTraceparent().traceparent);
    expect(errors).toBeUndefined();
    expect(data!.predict.outputs[0]!.shape).toEqual([1, 10]);
  });
});

interface OtlpSpan {
  traceId: string;
  spanId: string;
  name: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
  links?: { traceId: string; spanId: string }[];
}

interface OtlpBody {
  resourceSpans: {
    resource: { attributes: { key: string; value: Record<string, unknown> }[] };
    scopeSpans: { spans: OtlpSpan[] }[];
  }[];
}

function spansOf({ resourceSpans }: OtlpBody): { service: unknown; span: OtlpSpan }[] {
  return resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service = resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue;
    return scopeSpans.flatMap(({ spans }) => spans.map((span) => ({ service, span })));
  });
}

/** OTLP/JSON attributes as plain values: each value is `{ stringValue }`, `{ intValue }` (a decimal string for 64 bits)... */
function attributesOf(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries((span.attributes ?? []).map(({ key, value }) => [key, String(Object.values(value)[0])]));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

describe('an infer over the Open Inference Protocol', () => {
  it("should give a SERVER span under the client's traceparent, with the queue wait, the batch run and its compute", async () => {
    const { traceparent, traceId, parentId } = newTraceparent();
    const response = await fetch(`${server.origin}/v2/models/glyphs/infer`, {
      method: 'POST',
      headers: { traceparent },
      body: JSON.stringify({
        inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }],
      }),
    });
    expect(response.status).toBe(200);
    const spans = traceOf(await exported(), traceId);
    const request = only(spans, 'v2 infer');
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(parentOf(request)).toBe(parentId);
    expect(request.attributes).toMatchObject({ 'infergraph.transport': 'v2', 'infergraph.model': 'glyphs', 'infergraph.model.version': 1 });
    const batch = only(spans, 'infergraph.batch');
    expect(parentOf(only(spans, 'infergraph.queue'))).toBe(idOf(request));
    expect(parentOf(only(spans, 'infergraph.compute'))).toBe(idOf(batch));
  });

  it('should end the span with the error code of a failed infer', async () => {
    const response = await fetch(`${server.origin}/v2/models/no-such-model/infer`, { method: 'POST', body: '{"inputs":[]}' });
    expect(response.status).toBe(404);
    const request = only(await exported(), 'v2 infer');
    expect(request.attributes).toMatchObject({ 'error.type': 'MODEL_NOT_FOUND' });
    expect(request.status.code).toBe(2);
  });
});
