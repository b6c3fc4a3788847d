/**
 * Every capability the server offers to queries and mutations, on every transport a client may
 * use: each test is written once and runs over HTTP, graphql-ws and SSE (test/fixtures/transports.ts).
 */
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, ONE_WORKER, WIDE_GLYPH_BATCH } from '../fixtures/busy-worker.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { statsOf, waitForStats } from '../fixtures/figures.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32FromBase64, float32ToBase64, glyphRow, ocrImages } from '../fixtures/tensors.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { HealthDocument, ModelsDocument, PredictBase64Document, PredictDocument, type PredictInput } from '../generated/graphql.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
    // On one worker, with room for a long run that keeps it busy.
    await repository.copyExample('glyphs', 'glyphs-wide', { ...ONE_WORKER, maxBatchSize: 4096 });
  }),
);
const glyphsReference = forSuite(() => createReferenceSession('glyphs'));

describe.each(TRANSPORTS)('predict over $name', (transport) => {
  it('should answer a predict with JSON data as onnxruntime does, exactly as HTTP does', async () => {
    const { pixels } = generateGlyphs({ count: 3, seed: 41 });
    const input = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [3, GLYPH_PIXELS], data: Array.from(pixels) }] };
    const [over, overHttp] = await Promise.all([
      transport.execute(server, PredictDocument, { input }),
      server.graphql(PredictDocument, { input }),
    ]);
    expect(over.errors).toBeUndefined();
    expect(overHttp.errors).toBeUndefined();
    expect(over.data!.predict.outputs).toEqual(overHttp.data!.predict.outputs);
    expect(over.data!.predict).toMatchObject({ model: 'glyphs', version: '1' });
    const { probabilities } = await glyphsReference.run({ pixels: { shape: [3, GLYPH_PIXELS], data: pixels } });
    expectClose(over.data!.predict.outputs[0]!.data, probabilities!);
  });

  it('should answer a predict with base64 in and out exactly as HTTP does', async () => {
    const images = ocrImages(2, 192, 42);
    const input = { model: 'ocr-direction', inputs: [{ name: 'x', shape: [2, 3, 48, 192], base64: float32ToBase64(images) }] };
    const over = await transport.execute(server, PredictBase64Document, { input });
    const overHttp = await server.graphql(PredictBase64Document, { input });
    expect(over.errors).toBeUndefined();
    expect(over.data!.predict.outputs).toHaveLength(1);
    const [output] = over.data!.predict.outputs;
    const [httpOutput] = overHttp.data!.predict.outputs;
    expect(output).toMatchObject({ name: 'softmax_0.tmp_0', dataType: 'FP32', shape: [2, 2] });
    expectClose(float32FromBase64(output!.base64), float32FromBase64(httpOutput!.base64));
  });

  it('should batch the requests that arrive while the model is busy into fewer runs', async () => {
    // The one worker of this copy runs 4096 rows while 32 more requests arrive: they must then
    // wait for it, and go out together when it ends.
    const count = 32;
    const { pixels } = generateGlyphs({ count, seed: 43 });
    const before = await statsOf(server, 'glyphs-wide');
    const busy = await keepWorkerBusy(server, 'glyphs-wide', WIDE_GLYPH_BATCH);
    const results = await Promise.all(
      Array.from({ length: count }, (_, n) => transport.execute(server, PredictDocument, { input: glyphRow('glyphs-wide', pixels, n) })),
    );
    const blocker = await busy.answer;
    expect(blocker.errors).toBeUndefined();
    expect(blocker.data!.predict.timing.batchSize).toBe(4096);
    const { probabilities } = await glyphsReference.run({ pixels: { shape: [count, GLYPH_PIXELS], data: pixels } });
    for (const [n, result] of results.entries()) {
      expect(result.errors).toBeUndefined();
      expectClose(result.data!.predict.outputs[0]!.data, probabilities!.subarray(n * 10, (n + 1) * 10));
    }
    expect(results.some((result) => result.data!.predict.timing.batchSize > 1)).toBe(true);

    const after = await waitForStats(server, 'glyphs-wide', (stats) => stats.requests >= before.requests + count + 1);
    expect(after.requests - before.requests).toBe(count + 1);
    expect(after.items - before.items).toBe(count + 4096);
    expect(after.batches - before.batches).toBeLessThan(count + 1);
    expect(after.meanBatchSize).toBeCloseTo(after.items / after.batches, 10);
  });

  it('should keep serving the same client after an error', async () => {
    expectFailure(await transport.execute(server, PredictDocument, { input: { model: 'nope', inputs: [] } }), 'MODEL_NOT_FOUND');
    const { pixels } = generateGlyphs({ count: 1, seed: 44 });
    const { data, errors } = await transport.execute(server, PredictDocument, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] },
    });
    expect(errors).toBeUndefined();
    expect(data!.predict.outputs[0]!.shape).toEqual([1, 10]);
  });
});

describe.each(TRANSPORTS)('errors over $name', (transport) => {
  const cases: [string, PredictInput, string][] = [
    ['an unknown model', { model: 'nope', inputs: [] }, 'MODEL_NOT_FOUND'],
    ['an unknown version', { model: 'glyphs', version: '9', inputs: [] }, 'MODEL_NOT_FOUND'],
    ['a tensor of the wrong shape', { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 255], data: [] }] }, 'INVALID_TENSOR'],
    ['a timeoutMs of zero', { model: 'glyphs', inputs: [], timeoutMs: 0 }, 'DEADLINE_EXCEEDED'],
  ];

  it.each(cases)('should refuse %s with the same code and message as HTTP', async (_what, input, code) => {
    const over = await transport.execute(server, PredictDocument, { input });
    const overHttp = await server.graphql(PredictDocument, { input });
    const message = expectFailure(over, code, { path: ['predict'] });
    expect(message).toBe(overHttp.errors![0]!.message);
  });
});

describe.each(TRANSPORTS)('the catalog over $name', (transport) => {
  it('should answer the catalog and health queries exactly as HTTP does', async () => {
    const [models, health] = await Promise.all([transport.execute(server, ModelsDocument), transport.execute(server, HealthDocument)]);
    expect(models.errors).toBeUndefined();
    expect(health.errors).toBeUndefined();
    expect(models.data).toEqual((await server.graphql(ModelsDocument)).data);
    expect(health.data).toEqual((await server.graphql(HealthDocument)).data);
    expect(models.data!.models.map((model) => model.name).sort()).toEqual(['glyphs', 'glyphs-wide', 'ocr-direction']);
    expect(models.data!.models.every((model) => model.versions.every((version) => version.state === 'READY'))).toBe(true);
  });
});
