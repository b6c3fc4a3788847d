/**
 * The SDK's retries: refusals made before any work (RATE_LIMITED after its Retry-After, OVERLOADED with backoff) are
 * retried, a request the server found wrong is not; a token is asked for again after UNAUTHENTICATED.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type InferGraphError } from '../../clients/sdk/src/index.ts';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import { waitForStats } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { ocrImages } from '../fixtures/tensors.ts';

const { pixels } = generateGlyphs({ count: 1, seed: 3 });
const GLYPH = { model: 'glyphs', inputs: { pixels: { data: pixels, shape: [1, GLYPH_PIXELS] } } };

describe('retries of RATE_LIMITED', () => {
  const clock = { ms: 0 };
  const server = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), {
      rateLimits: { requestsPerSecond: 1, requestBurst: 1 },
      now: () => clock.ms,
    }),
  );

  it('should wait the Retry-After the server asks for, then succeed', async () => {
    clock.ms += 3_600_000;
    const retries: { code: string; delayMs: number; retryAfterSeconds: number | undefined }[] = [];
    await using client = createClient({
      url: server.url,
      retry: {
        onRetry: ({ error, delayMs }) => {
          retries.push({ code: error.code, delayMs, retryAfterSeconds: error.retryAfterSeconds });
          // The server's clock moves by the wait the SDK is about to make.
          clock.ms += delayMs;
        },
      },
    });
    await client.predict(GLYPH);
    const answer = await client.predict(GLYPH);
    expect(answer.model).toBe('glyphs');
    expect(retries).toEqual([{ code: 'RATE_LIMITED', delayMs: 1000, retryAfterSeconds: 1 }]);
  });

  it('should throw RATE_LIMITED with its Retry-After and status when retries are off', async () => {
    clock.ms += 3_600_000;
    await using client = createClient({ url: server.url, retry: false });
    await client.health();
    await expect(client.health()).rejects.toMatchObject({ code: 'RATE_LIMITED', status: 429, retryAfterSeconds: 1 });
  });
});

describe('retries of OVERLOADED', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('ocr-direction', 'ocr-queue-of-one', { ...ONE_WORKER, maxQueueSize: 1 });
    }),
  );

  it('should back off and retry until the queue has room', async () => {
    const running = await keepWorkerBusy(server, 'ocr-queue-of-one', SLOW_OCR_IMAGE);
    const small = { x: { data: ocrImages(1, 192, 32), shape: [1, 3, 48, 192] } };
    await using filler = createClient({ url: server.url, retry: false });
    const queued = filler.predict({ model: 'ocr-queue-of-one', inputs: small });
    await waitForStats(server, 'ocr-queue-of-one', (stats) => stats.queued === 1);

    const refusals: InferGraphError[] = [];
    await using client = createClient({
      url: server.url,
      retry: { maxRetries: 100, baseDelayMs: 20, maxDelayMs: 200, onRetry: ({ error }) => refusals.push(error) },
    });
    const retried = await client.predict({ model: 'ocr-queue-of-one', inputs: small });
    expect(retried.model).toBe('ocr-queue-of-one');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((error) => error.code === 'OVERLOADED' && error.status === 429 && error.model === 'ocr-queue-of-one')).toBe(true);
    await Promise.all([running.answer, queued]);
  });

  it('should not retry INVALID_TENSOR', async () => {
    let requests = 0;
    const counting: typeof fetch = (input, init) => {
      requests++;
      return fetch(input, init);
    };
    const retried: unknown[] = [];
    await using client = createClient({ url: server.url, fetch: counting, retry: { onRetry: (event) => retried.push(event) } });
    await expect(
      client.predict({ model: 'glyphs', inputs: { pixels: { data: new Float32Array(2), shape: [1, 2] } } }),
    ).rejects.toMatchObject({
      code: 'INVALID_TENSOR',
      status: 400,
    });
    expect({ requests, retried }).toEqual({ requests: 1, retried: [] });
  });

  it('should retry a query after a network error, but not a mutation', async () => {
    let failures = 1;
    const flaky: typeof fetch = (input, init) => (failures-- > 0 ? Promise.reject(new TypeError('fetch failed')) : fetch(input, init));
    await using client = createClient({ url: server.url, fetch: flaky, retry: { baseDelayMs: 1 } });
    expect((await client.models()).length).toBe(2);
    failures = 1;
    await expect(client.predict(GLYPH)).rejects.toMatchObject({ code: 'NETWORK_ERROR', model: 'glyphs' });
  });
});
