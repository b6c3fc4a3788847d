import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { waitForStats } from '../fixtures/model-stats.ts';
import { PREDICT, PREDICT_BASE64, type PredictBase64Data, type PredictData } from '../fixtures/operations.ts';
import { createReferenceSession, type ReferenceSession } from '../fixtures/reference-session.ts';
import { createTempRepository, EXAMPLE_MODELS, type TempRepository } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';
import { expectClose, float32FromBase64, float32ToBase64, ocrImages } from '../fixtures/tensors.ts';
import { createWsClient, type TestWsClient } from '../fixtures/ws-client.ts';

let repository: TempRepository;
let server: TestServer;
let ws: TestWsClient;
let glyphsReference: ReferenceSession;

beforeAll(async () => {
  repository = await createTempRepository();
  await repository.copyExample('glyphs');
  await repository.copyExample('ocr-direction');
  // On one worker, with room for a long run that keeps it busy.
  const config = JSON.parse(await readFile(join(EXAMPLE_MODELS, 'glyphs', 'model.json'), 'utf8')) as Record<string, unknown>;
  await repository.copyExample('glyphs', 'glyphs-wide');
  await repository.write('glyphs-wide/model.json', JSON.stringify({ ...config, maxBatchSize: 4096, instances: 1 }));
  [server, glyphsReference] = await Promise.all([
    startServer({ modelRepository: repository.root }),
    createReferenceSession(join(EXAMPLE_MODELS, 'glyphs', '1', 'model.onnx')),
  ]);
  ws = createWsClient(server.wsUrl);
});

afterAll(async () => {
  await ws?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
  await glyphsReference?.[Symbol.asyncDispose]();
  await repository?.[Symbol.asyncDispose]();
});

describe('predict over graphql-ws', () => {
  it('should answer a predict with JSON data exactly as HTTP does', async () => {
    const { pixels } = generateGlyphs({ count: 3, seed: 41 });
    const input = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [3, GLYPH_PIXELS], data: Array.from(pixels) }] };
    const [overWs, overHttp] = await Promise.all([
      ws.graphql<PredictData>(PREDICT, { input }),
      server.graphql<PredictData>(PREDICT, { input }),
    ]);
    expect(overWs.errors).toBeUndefined();
    expect(overHttp.errors).toBeUndefined();
    expect(overWs.data!.predict.outputs).toEqual(overHttp.data!.predict.outputs);
    expect(overWs.data!.predict).toMatchObject({ model: 'glyphs', version: '1' });
    const { probabilities } = await glyphsReference.run({ pixels: { shape: [3, GLYPH_PIXELS], data: pixels } });
    expectClose(overWs.data!.predict.outputs[0]!.data, probabilities!);
  });

  it('should answer a predict with base64 in and out exactly as HTTP does', async () => {
    const images = ocrImages(2, 192, 42);
    const input = { model: 'ocr-direction', inputs: [{ name: 'x', shape: [2, 3, 48, 192], base64: float32ToBase64(images) }] };
    const overWs = await ws.graphql<PredictBase64Data>(PREDICT_BASE64, { input });
    const overHttp = await server.graphql<PredictBase64Data>(PREDICT_BASE64, { input });
    expect(overWs.errors).toBeUndefined();
    expect(overWs.data!.predict.outputs).toHaveLength(1);
    const [wsOutput] = overWs.data!.predict.outputs;
    const [httpOutput] = overHttp.data!.predict.outputs;
    expect(wsOutput).toMatchObject({ name: 'softmax_0.tmp_0', dataType: 'FP32', shape: [2, 2] });
    expectClose(float32FromBase64(wsOutput!.base64), float32FromBase64(httpOutput!.base64));
  });

  it('should batch concurrent predicts sent over one socket into fewer runs', async () => {
    const count = 16;
    const { pixels } = generateGlyphs({ count, seed: 43 });
    const blocker = server.graphql<PredictData>(PREDICT, {
      input: {
        model: 'glyphs-wide',
        inputs: [{ name: 'pixels', shape: [4096, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(4096 * GLYPH_PIXELS)) }],
      },
    });
    await waitForStats(server, 'glyphs-wide', (stats) => stats.inFlight > 0);
    const results = await Promise.all(
      Array.from({ length: count }, (_, n) =>
        ws.graphql<PredictData>(PREDICT, {
          input: {
            model: 'glyphs-wide',
            inputs: [
              {
                name: 'pixels',
                shape: [1, GLYPH_PIXELS],
                base64: float32ToBase64(pixels.subarray(n * GLYPH_PIXELS, (n + 1) * GLYPH_PIXELS)),
              },
            ],
          },
        }),
      ),
    );
    expect((await blocker).errors).toBeUndefined();
    const { probabilities } = await glyphsReference.run({ pixels: { shape: [count, GLYPH_PIXELS], data: pixels } });
    results.forEach((result, n) => {
      expect(result.errors).toBeUndefined();
      expectClose(result.data!.predict.outputs[0]!.data, probabilities!.subarray(n * 10, (n + 1) * 10));
    });
    expect(results.some((result) => result.data!.predict.timing.batchSize > 1)).toBe(true);
    const stats = await waitForStats(server, 'glyphs-wide', (figures) => figures.requests === count + 1);
    expect(stats.batches).toBeLessThan(count + 1);
  });
});

describe('errors over graphql-ws', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['an unknown model', { model: 'nope', inputs: [] }, 'MODEL_NOT_FOUND'],
    ['an unknown version', { model: 'glyphs', version: '9', inputs: [] }, 'MODEL_NOT_FOUND'],
    ['a tensor of the wrong shape', { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 255], data: [] }] }, 'INVALID_TENSOR'],
    ['a timeoutMs of zero', { model: 'glyphs', inputs: [], timeoutMs: 0 }, 'DEADLINE_EXCEEDED'],
  ];

  it.each(cases)('should refuse %s with the same code and message as HTTP', async (_what, input, code) => {
    const overWs = await ws.graphql<PredictData>(PREDICT, { input });
    const overHttp = await server.graphql<PredictData>(PREDICT, { input });
    expect(overWs.data ?? null).toBeNull();
    expect(overWs.errors).toHaveLength(1);
    const [wsError] = overWs.errors!;
    expect(wsError!.extensions?.code).toBe(code);
    expect(wsError!.message).toBe(overHttp.errors![0]!.message);
    expect(wsError!.message).not.toContain('    at ');
    expect(wsError!.path).toEqual(['predict']);
  });

  it('should keep the socket serving after an error', async () => {
    await ws.graphql(PREDICT, { input: { model: 'nope', inputs: [] } });
    const { pixels } = generateGlyphs({ count: 1, seed: 44 });
    const { data, errors } = await ws.graphql<PredictData>(PREDICT, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] },
    });
    expect(errors).toBeUndefined();
    expect(data!.predict.outputs[0]!.shape).toEqual([1, 10]);
  });
});

describe('the catalog over graphql-ws', () => {
  it('should answer the catalog and health queries as HTTP does', async () => {
    const query = /* GraphQL */ `
      query {
        models {
          name
          labels
          versions {
            version
            state
            maxBatchSize
            inputs {
              name
              dataType
              shape
              dimNames
            }
            outputs {
              name
              shape
            }
          }
        }
        health {
          live
          ready
          models {
            name
            ready
          }
        }
      }
    `;
    const overWs = await ws.graphql<{ models: { name: string; versions: { state: string }[] }[] }>(query);
    const overHttp = await server.graphql(query);
    expect(overWs.errors).toBeUndefined();
    expect(overWs.data).toEqual(overHttp.data);
    expect(overWs.data!.models.map((model) => model.name).sort()).toEqual(['glyphs', 'glyphs-wide', 'ocr-direction']);
    expect(overWs.data!.models.every((model) => model.versions.every((version) => version.state === 'READY'))).toBe(true);
  });
});
