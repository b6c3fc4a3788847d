import { describe, expect, it } from 'vitest';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import { queryOf } from '../fixtures/documents.ts';
import { statsOf, waitForStats } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { float32ToBase64, ocrImages } from '../fixtures/tensors.ts';
import { PredictDocument } from '../generated/graphql.ts';

describe('a client that goes away', () => {
  it('should have its queued request dropped before it is run', async () => {
    await using server = await serveModels((repository) => repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER));

    const running = await keepWorkerBusy(server, 'ocr-single', SLOW_OCR_IMAGE);

    const controller = new AbortController();
    const small = { name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(ocrImages(1, 192, 5)) };
    const abandoned = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: queryOf(PredictDocument), variables: { input: { model: 'ocr-single', inputs: [small] } } }),
      signal: controller.signal,
    }).catch((error: Error) => error.name);
    await waitForStats(server, 'ocr-single', (stats) => stats.queued === 1);
    controller.abort();
    expect(await abandoned).toBe('AbortError');
    await waitForStats(server, 'ocr-single', (stats) => stats.queued === 0);

    await running.answer;
    // Only the slow request was run: the abandoned one never reached a worker.
    expect(await statsOf(server, 'ocr-single')).toMatchObject({ requests: 2, failures: 1, batches: 1, items: 8, queued: 0, inFlight: 0 });
  });
});
