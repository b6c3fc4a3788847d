/**
 * Rate limits per caller, on every transport: a token bucket of operations and one of work (rows,
 * tokens), refused with RATE_LIMITED and when to retry; HTTP and SSE answer 429 with Retry-After.
 * The server's clock is the test's: a refill is a step of it, not a wait.
 */
import { request } from 'node:http';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { expectFailure, expectRateLimited, expectStreamFailure } from '../fixtures/failures.ts';
import { statsOf } from '../fixtures/figures.ts';
import { generationOf } from '../fixtures/generation.ts';
import { serveModels } from '../fixtures/server.ts';
import { collect, requestSse } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { glyphRows } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS, type Transport } from '../fixtures/transports.ts';
import { GenerateDocument, HealthNowDocument, PredictDocument, type PredictInput, type PredictMutation } from '../generated/graphql.ts';

const REQUEST_BURST = 3;
const WORK_BURST = 20;
/** Work refills at 10 a second: one row in 100 ms. */
const WORK_PER_SECOND = 10;

const clock = { ms: 0 };
const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('tiny-lm');
    },
    {
      rateLimits: { requestsPerSecond: 1, requestBurst: REQUEST_BURST, workPerSecond: WORK_PER_SECOND, workBurst: WORK_BURST },
      now: () => clock.ms,
    },
  ),
);

// An hour later every bucket is full again: each test starts as a caller who has asked nothing.
beforeEach(() => {
  clock.ms += 3_600_000;
});

async function expectAdmitted(transport: Transport, input = glyphRows(1)): Promise<void> {
  const { data, errors } = await transport.execute(server, PredictDocument, { input });
  expect(errors).toBeUndefined();
  expect(data!.predict.outputs[0]!.shape).toEqual([input.inputs[0]!.shape![0], 10]);
}

/** `count` aliases of predict in one operation, written as a user trying it would. */
function aliasesOfPredict(count: number): TypedDocumentNode<PredictMutation, { input: PredictInput }> {
  const fields = Array.from({ length: count }, (_, n) => `p${n}: predict(input: $input) { model }`);
  return parse(`mutation Aliases($input: PredictInput!) { ${fields.join(' ')} }`);
}

describe.each(TRANSPORTS)('rate limits over $name', (transport) => {
  it('should refuse an operation past the request burst with RATE_LIMITED, and admit it again once the bucket refills', async () => {
    for (let n = 0; n < REQUEST_BURST; n++) expect((await transport.execute(server, HealthNowDocument)).errors).toBeUndefined();
    const refused = await transport.execute(server, HealthNowDocument);
    expect(expectRateLimited(refused)).toBe(1);
    expect(refused.errors![0]!.message).toBe(
      `rate limit: caller "ip:127.0.0.1" has run its ${REQUEST_BURST} operations (1 a second); retry after 1 s`,
    );

    // A refusal spends nothing: 999 ms later the one request a second has still not come back.
    clock.ms += 999;
    expectRateLimited(await transport.execute(server, HealthNowDocument));
    clock.ms += 1;
    expect((await transport.execute(server, HealthNowDocument)).errors).toBeUndefined();
    expectRateLimited(await transport.execute(server, HealthNowDocument));
  });

  it('should count the rows of a predict as work: after 1 and 19 rows, one more row waits', async () => {
    await expectAdmitted(transport, glyphRows(1));
    await expectAdmitted(transport, glyphRows(WORK_BURST - 1));
    const refused = await transport.execute(server, PredictDocument, { input: glyphRows(1) });
    expect(expectRateLimited(refused)).toBe(1);
    expect(refused.errors![0]!.message).toContain(
      `asks 1 rows, tokens and frames of work, more than it has left of its ${WORK_BURST} (${WORK_PER_SECOND} a second)`,
    );
    // One row comes back in 1000 / WORK_PER_SECOND ms.
    clock.ms += 1000 / WORK_PER_SECOND;
    await expectAdmitted(transport, glyphRows(1));
  });

  it('should refuse an operation asking more work than the burst as QUERY_TOO_COMPLEX, running none of it', async () => {
    const before = await statsOf(server, 'glyphs');
    const result = await transport.execute(server, aliasesOfPredict(WORK_BURST + 1), { input: glyphRows(1) });
    const message = expectFailure(result, 'QUERY_TOO_COMPLEX');
    expect(message).toContain(`asks ${WORK_BURST + 1} rows, tokens and frames of work`);
    expect(message).toContain(`more than the ${WORK_BURST}`);
    const after = await statsOf(server, 'glyphs');
    expect(after.requests).toBe(before.requests);
  });
});

describe.each(STREAMING_TRANSPORTS)('rate limits on generate over $name', (transport) => {
  it('should count the tokens a generate asks as work: after 15 of 20, a stream of 10 waits and one of 5 runs', async () => {
    const generate = (maxTokens: number) =>
      collect(transport.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The', maxTokens, temperature: 0 } }));
    generationOf(await generate(15));
    expectStreamFailure(await generate(10), 'RATE_LIMITED');
    generationOf(await generate(5));
  });
});

describe('the HTTP answer of a refusal', () => {
  it('should be 429 with Retry-After over HTTP', async () => {
    for (let n = 0; n < REQUEST_BURST; n++) expect((await server.graphql(HealthNowDocument)).status).toBe(200);
    const refused = await server.graphql(HealthNowDocument);
    expectFailure(refused, 'RATE_LIMITED', { status: 429 });
    expect(refused.headers!.get('retry-after')).toBe('1');
  });

  it('should be 429 with Retry-After over SSE, the refusal its one event', async () => {
    for (let n = 0; n < REQUEST_BURST; n++) {
      const { status, results } = await requestSse(server.url, HealthNowDocument);
      expect(status).toBe(200);
      for await (const result of results) expect(result.errors).toBeUndefined();
    }
    const { status, headers, results } = await requestSse(server.url, HealthNowDocument);
    expect(status).toBe(429);
    expect(headers.get('retry-after')).toBe('1');
    const events: ExecutionResult<unknown>[] = [];
    for await (const result of results) events.push(result);
    expectStreamFailure(events, 'RATE_LIMITED');
  });
});

describe('buckets per caller', () => {
  /** A JSON POST of the health query from a given local address: another client, as the server sees it. */
  function healthFrom(localAddress: string, accept: string): Promise<{ status: number; body: string }> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress,
          headers: { 'content-type': 'application/json', accept },
        },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            body += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(JSON.stringify({ query: 'query { health { live } }' }));
    });
  }

  it('should not refuse a second address over HTTP or SSE when the first is spent', async () => {
    for (let n = 0; n <= REQUEST_BURST; n++) await healthFrom('127.0.0.1', 'application/json');
    expect((await healthFrom('127.0.0.1', 'application/json')).status).toBe(429);
    expect((await healthFrom('127.0.0.1', 'text/event-stream')).status).toBe(429);
    const other = await healthFrom('127.0.0.2', 'application/json');
    expect(other.status).toBe(200);
    expect(JSON.parse(other.body)).toEqual({ data: { health: { live: true } } });
    expect((await healthFrom('127.0.0.2', 'text/event-stream')).status).toBe(200);
  });

  it('should not refuse a socket from a second address when the first is spent', async () => {
    for (let n = 0; n < REQUEST_BURST; n++) await server.ws.graphql(HealthNowDocument);
    expectRateLimited(await server.ws.graphql(HealthNowDocument));
    /** The `ws` WebSocket, connecting from 127.0.0.2. */
    class FromSecondAddress extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { localAddress: '127.0.0.2' });
      }
    }
    const client = createClient({ url: server.wsUrl, webSocketImpl: FromSecondAddress, retryAttempts: 0 });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let value: unknown;
        client.subscribe(
          { query: 'query { health { live } }' },
          { next: (next) => (value = next), error: reject, complete: () => resolve(value) },
        );
      });
      expect(result).toEqual({ data: { health: { live: true } } });
    } finally {
      await client.dispose();
    }
  });
});
