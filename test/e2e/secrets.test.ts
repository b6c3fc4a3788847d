/**
 * Nothing a client sends in secret (tensor data, a bearer token) comes back in an error message or
 * reaches the server's log: requests carry recognisable markers, and neither the answers nor the
 * log lines may contain them. On every transport.
 */
import { Buffer } from 'node:buffer';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ERROR_CODES } from '../../src/errors.ts';
import { createCapturingLogger } from '../fixtures/logger.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { PredictDocument, type PredictInput } from '../generated/graphql.ts';

const TENSOR_MARKER = 'TENSORSECRET4f1c9a';
const TOKEN_MARKER = 'TOKENSECRET8b2e7d';
/** A marker past the first few dozen characters, where a message quoting the value must already have cut it. */
const LATE_MARKER = `${'x'.repeat(40)}${TENSOR_MARKER}`;

const logger = createCapturingLogger();
const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      // A broken folder, so that the log is known to hold lines: the test would pass on an empty log.
      await repository.write('corrupt/1/model.onnx', 'no ONNX model');
    },
    { logger },
  ),
);

/** Predicts whose tensors carry the marker, each refused in a different place: codec, GraphQL coercion, shape check. */
const CARRYING_MARKER: readonly { what: string; input: PredictInput }[] = [
  { what: 'an element of the wrong type', input: glyphs({ data: [LATE_MARKER, ...new Array(255).fill(0)] }) },
  { what: 'a data field that is no list', input: glyphs({ data: LATE_MARKER as never }) },
  { what: 'base64 with a bad character', input: glyphs({ base64: `${LATE_MARKER}!` }) },
  { what: 'base64 of the wrong length', input: glyphs({ base64: Buffer.from(`${TENSOR_MARKER}${TENSOR_MARKER}`).toString('base64') }) },
  { what: 'base64 given as a list', input: glyphs({ base64: [LATE_MARKER] as never }) },
  { what: 'elements that disagree with the shape', input: glyphs({ data: new Array(17).fill(4_119_381_517.25) }) },
  { what: 'an unknown model', input: { model: 'nope', inputs: [{ name: 'pixels', shape: [1, 1], data: [LATE_MARKER] }] } },
];

function glyphs(tensor: { data?: unknown[]; base64?: string }): PredictInput {
  return { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 256], ...tensor } as PredictInput['inputs'][number]] };
}

function expectNoMarker(text: string): void {
  expect(text).not.toContain(TENSOR_MARKER);
  expect(text).not.toContain('4119381517');
  expect(text).not.toContain(TOKEN_MARKER);
}

describe.each(TRANSPORTS)('secrets over $name', (transport) => {
  it.each(CARRYING_MARKER)('should not echo tensor data in the error for $what', async ({ input }) => {
    const result = await transport.execute(server, PredictDocument, { input });
    expect(result.errors, JSON.stringify(result)).toHaveLength(1);
    expect(Object.keys(ERROR_CODES)).toContain(result.errors![0]!.extensions?.code);
    expectNoMarker(JSON.stringify(result));
  });
});

describe('credentials', () => {
  const query = '{ models { name } }';
  const headers = { authorization: `Bearer ${TOKEN_MARKER}`, 'content-type': 'application/json' };

  it('should not echo a bearer token sent over HTTP or SSE', async () => {
    for (const accept of ['application/graphql-response+json', 'text/event-stream']) {
      const response = await fetch(server.url, { method: 'POST', headers: { ...headers, accept }, body: JSON.stringify({ query }) });
      expectNoMarker(await response.text());
    }
    // A token pasted where a value goes is cut from GraphQL's own message, as tensor data is.
    const pasted = await fetch(server.url, {
      method: 'POST',
      headers: { ...headers, accept: 'application/graphql-response+json' },
      body: JSON.stringify({
        query: 'mutation ($dim: Int!) { predict(input: { model: "glyphs", inputs: [{ name: "pixels", shape: [$dim] }] }) { model } }',
        variables: { dim: `Bearer ${'x'.repeat(40)}${TOKEN_MARKER}` },
      }),
    });
    expect(pasted.status).toBe(400);
    expectNoMarker(await pasted.text());
  });

  it('should not echo a token sent in connection_init over graphql-ws', async () => {
    const client = createClient({
      url: server.wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${TOKEN_MARKER}` },
    });
    try {
      const results: unknown[] = [];
      for await (const result of client.iterate({ query: '{ models { name } }' })) results.push(result);
      expect(results).toHaveLength(1);
      expectNoMarker(JSON.stringify(results));
    } finally {
      await client.dispose();
    }
  });

  it('should have logged neither tensor data nor a token', () => {
    expect(logger.lines.length).toBeGreaterThan(0);
    for (const line of logger.lines) expectNoMarker(line);
  });
});
