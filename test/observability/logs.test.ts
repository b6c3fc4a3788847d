/**
 * The log an operator reads: one pino line per operation with the request id the client got back,
 * errors with their stack in the log and never in the answer, subscriptions with their event count and
 * why they ended, lifecycle lines, sampling. On a real server, over every transport.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type CapturingLogger, createCapturingLogger, type LogRecord } from '../fixtures/logger.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { collect, nextData, take } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument, HealthUpdatesDocument, PredictDocument, type PredictInput } from '../generated/graphql.ts';

const GLYPH: PredictInput = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 256], data: new Array(256).fill(0) }] };
const UNKNOWN_MODEL: PredictInput = { model: 'no-such-model', inputs: [{ name: 'pixels', shape: [1, 1], data: [0] }] };
const PREDICT = 'mutation Classify($input: PredictInput!) { predict(input: $input) { version timing { batchSize } } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const logger = createCapturingLogger();
const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('tiny-lm');
    },
    { logger },
  ),
);

/** POSTs the predict over HTTP with `headers`; resolves with the response's x-request-id and its body. */
async function predictOverHttp(target: TestServer, input: PredictInput, headers: Record<string, string> = {}) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query: PREDICT, variables: { input } }),
  });
  return { requestId: response.headers.get('x-request-id'), body: (await response.json()) as { errors?: { extensions: object }[] } };
}

function operationLine(requestId: string | null | undefined, from: CapturingLogger = logger): Promise<LogRecord> {
  return from.waitFor((record) => record.msg === 'operation' && record.requestId === requestId);
}

describe('request ids', () => {
  it('should send back the x-request-id a client sent and log it with the model, version, queue, compute and batch size', async () => {
    const { requestId, body } = await predictOverHttp(server, GLYPH, { 'x-request-id': 'abc-123' });
    expect(body.errors).toBeUndefined();
    expect(requestId).toBe('abc-123');
    const line = await operationLine('abc-123');
    expect(line).toMatchObject({
      level: 30,
      transport: 'http',
      operationType: 'mutation',
      operationName: 'Classify',
      field: 'predict',
      model: 'glyphs',
      version: 1,
      outcome: 'success',
      batchSize: 1,
    });
    for (const figure of ['totalMs', 'queueMs', 'computeMs'] as const) expect(line[figure]).toBeTypeOf('number');
    expect(line.time).toBeTypeOf('number');
  });

  it('should log an Open Inference Protocol request with the same line: its id, transport v2, the route, model and figures', async () => {
    const response = await fetch(`${server.origin}/v2/models/glyphs/infer`, {
      method: 'POST',
      headers: { 'x-request-id': 'v2-abc' },
      body: JSON.stringify({ inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, 256], data: new Array(256).fill(0) }] }),
    });
    expect(response.status).toBe(200);
    const line = await operationLine('v2-abc');
    expect(line).toMatchObject({
      level: 30,
      transport: 'v2',
      field: 'v2 infer',
      model: 'glyphs',
      version: 1,
      outcome: 'success',
      batchSize: 1,
    });
    for (const figure of ['totalMs', 'queueMs', 'computeMs'] as const) expect(line[figure]).toBeTypeOf('number');
    const refused = await fetch(`${server.origin}/v2/models/no-such-model/infer`, {
      method: 'POST',
      headers: { 'x-request-id': 'v2-def' },
      body: '{"inputs":[]}',
    });
    expect(refused.status).toBe(404);
    expect(await operationLine('v2-def')).toMatchObject({ level: 40, transport: 'v2', field: 'v2 infer', outcome: 'MODEL_NOT_FOUND' });
  });

  it.each([
    ['markup', '<script>alert(1)</script>'],
    ['a space', 'two words'],
    ['too long an id', 'x'.repeat(129)],
  ])('should replace an x-request-id carrying %s, and neither answer nor log it', async (_what, unsafe) => {
    const { requestId } = await predictOverHttp(server, GLYPH, { 'x-request-id': unsafe });
    expect(requestId).toMatch(UUID);
    await operationLine(requestId);
    for (const line of logger.lines) expect(line).not.toContain(unsafe);
  });

  it('should take the trace id of a W3C traceparent when no x-request-id is sent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { requestId } = await predictOverHttp(server, GLYPH, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(requestId).toBe(traceId);
    expect(await operationLine(traceId)).toMatchObject({ outcome: 'success' });
  });

  it('should choose a UUID when the client sends no id', async () => {
    const { requestId } = await predictOverHttp(server, GLYPH);
    expect(requestId).toMatch(UUID);
    await operationLine(requestId);
  });

  it("should let a browser page's script read the x-request-id", async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://app.example' },
      body: JSON.stringify({ query: '{ models { name } }' }),
    });
    expect(response.headers.get('access-control-expose-headers')?.split(/,\s*/)).toContain('x-request-id');
    expect(response.headers.get('x-request-id')).toMatch(UUID);
  });

  it('should send the x-request-id on an SSE response and log the operation as sse', async () => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-request-id': 'sse-7' },
      body: JSON.stringify({ query: PREDICT, variables: { input: GLYPH } }),
    });
    expect(response.headers.get('x-request-id')).toBe('sse-7');
    expect(await response.text()).toContain('event: complete');
    expect(await operationLine('sse-7')).toMatchObject({ transport: 'sse', model: 'glyphs', outcome: 'success' });
  });

  it("should give each graphql-ws operation the socket's id and its own, or the requestId of its extensions", async () => {
    // The socket's upgrade request carries the id, as an HTTP request would.
    class WebSocketWithId extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { 'x-request-id': 'socket-9' } });
      }
    }
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocketWithId, retryAttempts: 0, generateID: () => 'op-1' });
    try {
      const first = client.iterate({ query: PREDICT, variables: { input: UNKNOWN_MODEL } });
      const refused = await first.next().catch((errors: unknown) => errors);
      expect(JSON.stringify(refused)).toContain('"requestId":"socket-9:op-1"');
      expect(await operationLine('socket-9:op-1')).toMatchObject({ transport: 'ws', outcome: 'MODEL_NOT_FOUND' });

      const named = client.iterate({ query: PREDICT, variables: { input: GLYPH }, extensions: { requestId: 'chosen-by-client' } });
      for await (const result of named) expect(result.errors).toBeUndefined();
      expect(await operationLine('chosen-by-client')).toMatchObject({ transport: 'ws', model: 'glyphs', outcome: 'success' });
    } finally {
      await client.dispose();
    }
  });
});

describe.each(TRANSPORTS)('errors over $name', (transport) => {
  it('should give the client the request id and no stack, and log the stack under that id', async () => {
    const result = await transport.execute(server, PredictDocument, { input: UNKNOWN_MODEL });
    const [error] = result.errors ?? [];
    expect(error?.extensions?.code).toBe('MODEL_NOT_FOUND');
    const requestId = error?.extensions?.requestId;
    expect(requestId).toBeTypeOf('string');
    expect(JSON.stringify(result)).not.toMatch(/\n\s+at /);
    const line = await operationLine(requestId as string);
    expect(line).toMatchObject({ level: 40, outcome: 'MODEL_NOT_FOUND', field: 'predict' });
    expect((line.err as { stack: string }).stack).toMatch(/\n\s+at /);
  });

  it('should give the request id to an error refused before the operation runs', async () => {
    const result = await transport.execute(server, '{ noSuchField }');
    const [error] = result.errors ?? [];
    expect(error?.message).toMatch(/noSuchField/);
    expect(await operationLine(error?.extensions?.requestId as string)).toMatchObject({ outcome: 'INVALID_ARGUMENT' });
  });
});

describe.each(STREAMING_TRANSPORTS)('subscriptions over $name', (transport) => {
  it('should log a finished stream with its model, its event count and that it completed', async () => {
    const results = await collect(
      transport.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 3, seed: 1 } }),
    );
    const line = await logger.waitFor(
      (record) => record.msg === 'operation' && record.field === 'generate' && record.events === results.length,
    );
    expect(line).toMatchObject({ operationType: 'subscription', model: 'tiny-lm', version: 1, end: 'completed', outcome: 'success' });
  });

  it('should log a stream the client stopped as stopped', async () => {
    const from = logger.lines.length;
    await take(transport.subscribe(server, HealthUpdatesDocument, { intervalMs: 100 }), 1);
    const line = await logger.waitFor((record) => record.msg === 'operation' && record.field === 'health', from);
    expect(line).toMatchObject({ end: 'stopped' });
    expect(line.events).toBeGreaterThanOrEqual(1);
  });
});

describe('a subscription at shutdown', () => {
  it('should be logged as ended by the server shutting down', async () => {
    const own = createCapturingLogger();
    await using target = await serveModels((repository) => repository.copyExample('glyphs'), { logger: own });
    const stream = target.ws.subscribe(HealthUpdatesDocument, { intervalMs: 60_000 });
    await nextData(stream);
    const closing = target.app.dispose();
    const line = await own.waitFor((record) => record.msg === 'operation' && record.field === 'health');
    // Its first event, then the last, not-ready one that a shutdown sends before health completes.
    expect(line).toMatchObject({ end: 'shutdown', events: 2, transport: 'ws' });
    await closing;
    await stream.return().catch(() => {});
  });
});

describe('sampling', () => {
  it.each([
    ['--log-requests errors', { requests: 0 }],
    ['--log-min-duration-ms', { requests: 1, minDurationMs: 60_000 }],
  ])('should keep the error lines and drop the success lines under %s', async (_flag, logging) => {
    const quiet = createCapturingLogger();
    await using target = await serveModels((repository) => repository.copyExample('glyphs'), { logger: quiet, logging });
    const success = await predictOverHttp(target, GLYPH, { 'x-request-id': 'fine' });
    expect(success.body.errors).toBeUndefined();
    const failure = await predictOverHttp(target, UNKNOWN_MODEL, { 'x-request-id': 'broken' });
    expect(failure.body.errors).toHaveLength(1);
    await operationLine('broken', quiet);
    expect(
      quiet
        .records()
        .filter((record) => record.msg === 'operation')
        .map((record) => record.requestId),
    ).toEqual(['broken']);
  });
});

describe('a sample rate', () => {
  it('should log that share of successes, drawn at random, and every failure', async () => {
    const sampled = createCapturingLogger();
    await using target = await serveModels((repository) => repository.copyExample('glyphs'), {
      logger: sampled,
      logging: { requests: 0.25 },
      seed: 9,
    });
    for (let n = 0; n < 40; n += 1) await predictOverHttp(target, GLYPH, { 'x-request-id': `ok-${n}` });
    await predictOverHttp(target, UNKNOWN_MODEL, { 'x-request-id': 'failed' });
    await operationLine('failed', sampled);
    const logged = sampled.records().filter((record) => record.msg === 'operation' && record.outcome === 'success').length;
    // A quarter of 40 is 10; a fair draw lands far from none and from all.
    expect(logged).toBeGreaterThan(2);
    expect(logged).toBeLessThan(20);
  });
});

describe('lifecycle', () => {
  it('should log each version state change with its model, version, state and reason', () => {
    const states = logger.records().filter((record) => record.msg === 'model state' && record.model === 'glyphs');
    expect(states.map((record) => record.state)).toEqual(['LOADING', 'READY']);
    for (const record of states) {
      expect(record).toMatchObject({ level: 30, model: 'glyphs', version: 1 });
      expect(record).toHaveProperty('reason');
    }
  });

  it('should log a worker that died and was replaced as a warning', async () => {
    await server.app.pool.terminateWorker(0);
    const line = await logger.waitFor((record) => record.msg === 'inference worker died and was replaced');
    expect(line).toMatchObject({ level: 40, worker: 0, exitCode: expect.any(Number) });
    expect(line.keys).toBeInstanceOf(Array);
  });
});

describe('--log-format pretty', () => {
  it('should print lines for a person, not JSON, from the server process', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/main.ts',
        '--models',
        EXAMPLE_MODELS,
        '--port',
        '0',
        '--host',
        '127.0.0.1',
        '--workers',
        '1',
        '--log-format',
        'pretty',
      ],
      { cwd: fileURLToPath(new URL('../..', import.meta.url)), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const exited = once(child, 'exit');
    try {
      let listening: string | undefined;
      for await (const line of createInterface({ input: child.stderr! })) {
        if (!line.includes('infergraph listening')) continue;
        listening = line;
        break;
      }
      expect(listening).toMatch(/^\[[\d:.]+\] INFO \(\d+\): infergraph listening$/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
