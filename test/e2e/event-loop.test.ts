import { describe, expect, it } from 'vitest';
import { waitForStats } from '../fixtures/figures.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32ToBase64, ocrImages } from '../fixtures/tensors.ts';
import { HealthDocument, PredictDocument } from '../generated/graphql.ts';

// One worker and one request per run: the burst keeps the worker busy for many runs after the first starts.
const server = forSuite(() =>
  serveModels((repository) => repository.copyExample('ocr-direction'), { workers: 1, batching: { maxBatchSize: 1 } }),
);
const ocrReference = forSuite(() => createReferenceSession('ocr-direction'));

describe('the event loop while workers are busy', () => {
  it('should answer health checks and queries while a burst of heavy predicts runs on the workers', async () => {
    // Wide text lines: a lot of convolution per byte sent, so the workers, not the wire, are the busy part.
    const width = 2048;
    const images = [ocrImages(1, width, 51), ocrImages(1, width, 52)];
    const inputs = images.map((image) => ({ name: 'x', shape: [1, 3, 48, width], base64: float32ToBase64(image) }));
    let burstSettled = false;
    const burst = Promise.all(
      Array.from({ length: 16 }, (_, n) =>
        server.graphql(PredictDocument, { input: { model: 'ocr-direction', inputs: [inputs[n % 2]!] } }),
      ),
    ).finally(() => {
      burstSettled = true;
    });

    await waitForStats(server, 'ocr-direction', (stats) => stats.inFlight > 0);
    // All at once: the question is whether the server answers while its worker is busy, not how many round trips fit.
    const answeredWhileBusy: boolean[] = [];
    const probes = Array.from({ length: 5 }, async () => {
      const response = await fetch(`${server.origin}/health/live`);
      answeredWhileBusy.push(!burstSettled);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ live: true });
    });
    const query = server.graphql(HealthDocument).then((response) => {
      answeredWhileBusy.push(!burstSettled);
      return response;
    });
    const [{ data }] = await Promise.all([query, ...probes]);
    expect(data!.health.ready).toBe(true);
    expect(answeredWhileBusy).toEqual([true, true, true, true, true, true]);

    const results = await burst;
    const expected = await Promise.all(
      images.map(async (image) => (await ocrReference.run({ x: { shape: [1, 3, 48, width], data: image } }))['softmax_0.tmp_0']!),
    );
    results.forEach((result, n) => {
      expect(result.errors).toBeUndefined();
      expectClose(result.data!.predict.outputs[0]!.data, expected[n % 2]!);
    });
  });
});
