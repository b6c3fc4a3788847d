/**
 * Limits on HTTP requests, before any GraphQL runs: batching, body size, multipart parts, CSRF and CORS. They are
 * HTTP's alone (a WebSocket message is bounded by the WebSocket limits), so they are tested over HTTP.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { queryOf } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { postMultipart } from '../fixtures/multipart.ts';
import { serveModels, type TestServerOptions } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32Bytes } from '../fixtures/tensors.ts';
import { HealthDocument, PredictDocument } from '../generated/graphql.ts';

const { pixels } = generateGlyphs({ count: 1, seed: 11 });
const FILE_INPUT = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], file: null }] };
const FILE_BYTES = float32Bytes(pixels);

function serveGlyphs(limits: TestServerOptions['limits'] = {}) {
  return forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { limits }));
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as unknown };
}

const HEALTH = { query: queryOf(HealthDocument) };

describe('HTTP batching', () => {
  describe('by default', () => {
    const server = serveGlyphs();

    it('should refuse an array of operations, and answer one operation', async () => {
      const { status, body } = await post(server.url, [HEALTH, HEALTH]);
      expect(status).toBe(400);
      expectFailure({ ...(body as object), status }, 'INVALID_ARGUMENT', { status: 400 });
      expect((await post(server.url, HEALTH)).status).toBe(200);
    });
  });

  describe('with maxBatchedOperations 2', () => {
    const server = serveGlyphs({ maxBatchedOperations: 2 });

    it('should answer an array of up to 2 operations with an array of results, and refuse 3', async () => {
      const { status, body } = await post(server.url, [HEALTH, HEALTH]);
      expect(status).toBe(200);
      expect((body as { data: unknown }[]).map((result) => result.data)).toHaveLength(2);
      const refused = await post(server.url, [HEALTH, HEALTH, HEALTH]);
      expect(expectFailure({ ...(refused.body as object), status: refused.status }, 'INVALID_ARGUMENT', { status: 400 })).toContain('2');
    });
  });
});

describe('the request body limit', () => {
  const server = serveGlyphs({ maxRequestBodyBytes: 10_000 });

  it('should refuse a body over maxRequestBodyBytes with 413 PAYLOAD_TOO_LARGE, and serve the next request', async () => {
    const input = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 4096], data: new Array(4096).fill(0.5) }] };
    const { status, body } = await post(server.url, { query: queryOf(PredictDocument), variables: { input } });
    expectFailure({ ...(body as object), status }, 'PAYLOAD_TOO_LARGE', { status: 413 });
    expect((await post(server.url, HEALTH)).status).toBe(200);
  });

  it('should count a body sent without a Content-Length (chunked) as it comes, refusing it past the limit', async () => {
    const input = (elements: number) => ({
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [1, elements], data: new Array(elements).fill(0.5) }],
    });
    const chunked = async (body: string) => {
      // Node's http sends a body written in several chunks, with no Content-Length, as Transfer-Encoding: chunked.
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const request = httpRequest(server.url, { method: 'POST', headers: { 'content-type': 'application/json' } }, resolve);
        request.on('error', reject);
        for (let at = 0; at < body.length; at += 1000) request.write(body.slice(at, at + 1000));
        request.end();
      });
      expect(response.headers['content-length']).toBeDefined();
      let text = '';
      for await (const chunk of response) text += chunk;
      return { status: response.statusCode ?? 0, ...(JSON.parse(text) as object) };
    };
    const over = JSON.stringify({ query: queryOf(PredictDocument), variables: { input: input(4096) } });
    expectFailure(await chunked(over), 'PAYLOAD_TOO_LARGE', { status: 413 });
    const within = await chunked(JSON.stringify({ query: queryOf(PredictDocument), variables: { input: input(GLYPH_PIXELS) } }));
    expect(within).toMatchObject({ status: 200, data: { predict: { outputs: [{ shape: [1, 10] }] } } });
  });

  it('should refuse a multipart body over it the same way', async () => {
    const response = await postMultipart(server.url, PredictDocument, { input: FILE_INPUT }, [
      { path: 'input.inputs.0.file', bytes: new Uint8Array(20_000) },
    ]);
    expectFailure(response, 'PAYLOAD_TOO_LARGE', { status: 413 });
  });
});

describe('multipart limits', () => {
  const server = serveGlyphs({ maxFiles: 1, maxFileBytes: FILE_BYTES.byteLength });

  it('should take a request within both limits', async () => {
    const response = await postMultipart(server.url, PredictDocument, { input: FILE_INPUT }, [
      { path: 'input.inputs.0.file', bytes: FILE_BYTES },
    ]);
    expect(response.errors).toBeUndefined();
    expect(response.data!.predict.outputs[0]!.shape).toEqual([1, 10]);
  });

  it('should refuse more file parts than maxFiles with 413 PAYLOAD_TOO_LARGE', async () => {
    const twice = { model: 'glyphs', inputs: [FILE_INPUT.inputs[0]!, FILE_INPUT.inputs[0]!] };
    const response = await postMultipart(server.url, PredictDocument, { input: twice }, [
      { path: 'input.inputs.0.file', bytes: FILE_BYTES },
      { path: 'input.inputs.1.file', bytes: FILE_BYTES },
    ]);
    expect(expectFailure(response, 'PAYLOAD_TOO_LARGE', { status: 413 })).toContain('Files limit exceeded: 1');
  });

  it('should refuse a file part over maxFileBytes with 413 PAYLOAD_TOO_LARGE', async () => {
    const response = await postMultipart(server.url, PredictDocument, { input: FILE_INPUT }, [
      { path: 'input.inputs.0.file', bytes: new Uint8Array(FILE_BYTES.byteLength + 1) },
    ]);
    expect(expectFailure(response, 'PAYLOAD_TOO_LARGE', { status: 413 })).toContain(
      `File size limit exceeded: ${FILE_BYTES.byteLength} bytes`,
    );
  });
});

describe('CSRF prevention', () => {
  const server = serveGlyphs({ csrf: true });

  it('should refuse what a foreign page can send without a preflight (a multipart POST, a GET) with 403 FORBIDDEN', async () => {
    const multipart = await postMultipart(server.url, PredictDocument, { input: FILE_INPUT }, [
      { path: 'input.inputs.0.file', bytes: FILE_BYTES },
    ]);
    expectFailure(multipart, 'FORBIDDEN', { status: 403 });
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ health { live } }')}`, {
      headers: { accept: 'application/json' },
    });
    expect(get.status).toBe(403);
  });

  it('should answer a JSON POST, and a GET or multipart POST that carries the x-graphql-yoga-csrf header', async () => {
    expect((await post(server.url, HEALTH)).status).toBe(200);
    const get = await fetch(`${server.url}?query=${encodeURIComponent('{ health { live } }')}`, {
      headers: { accept: 'application/json', 'x-graphql-yoga-csrf': '1' },
    });
    expect(await get.json()).toEqual({ data: { health: { live: true } } });
  });
});

describe('CORS origins', () => {
  const server = serveGlyphs({ corsOrigins: ['https://app.example'] });

  function preflight(origin: string) {
    return fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
  }

  it('should allow a listed origin, and no other', async () => {
    expect((await preflight('https://app.example')).headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});
