import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { statsOf, waitForStats } from '../fixtures/model-stats.ts';
import { PREDICT } from '../fixtures/operations.ts';
import { createTempRepository, EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { startServer } from '../fixtures/server.ts';
import { float32ToBase64, ocrImages } from '../fixtures/tensors.ts';

describe('a client that goes away', () => {
  it('should have its queued request dropped before it is run', async () => {
    await using repository = await createTempRepository();
    const config = JSON.parse(await readFile(join(EXAMPLE_MODELS, 'ocr-direction', 'model.json'), 'utf8')) as object;
    await repository.copyExample('ocr-direction', 'ocr-single');
    await repository.write('ocr-single/model.json', JSON.stringify({ ...config, instances: 1 }));
    await using server = await startServer({ modelRepository: repository.root });

    const slow = { name: 'x', shape: [8, 3, 48, 2048], base64: float32ToBase64(new Float32Array(8 * 3 * 48 * 2048).fill(0.25)) };
    const running = server.graphql(PREDICT, { input: { model: 'ocr-single', inputs: [slow] } });
    await waitForStats(server, 'ocr-single', (stats) => stats.inFlight === 1);

    const controller = new AbortController();
    const small = { name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(ocrImages(1, 192, 5)) };
    const abandoned = fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PREDICT, variables: { input: { model: 'ocr-single', inputs: [small] } } }),
      signal: controller.signal,
    }).catch((error: Error) => error.name);
    await waitForStats(server, 'ocr-single', (stats) => stats.queued === 1);
    controller.abort();
    expect(await abandoned).toBe('AbortError');
    await waitForStats(server, 'ocr-single', (stats) => stats.queued === 0);

    await running;
    // Only the slow request was run: the abandoned one never reached a worker.
    expect(await statsOf(server, 'ocr-single')).toMatchObject({ requests: 2, failures: 1, batches: 1, items: 8, queued: 0, inFlight: 0 });
  });
});
