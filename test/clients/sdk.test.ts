/**
 * The SDK (@infergraph/client) against a real server: the catalog, health, predict with typed arrays on each of its
 * transports, the admin calls, and the errors it throws.
 */
import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { createClient, type InferGraphClient, InferGraphError } from '../../clients/sdk/src/index.ts';
import config from '../../codegen.ts';
import { generateGlyphs } from '../../scripts/models/glyphs.ts';
import { ERROR_CODES } from '../../src/errors.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
  }),
);

/** A client of the suite's server over `transport`, closed after the test. */
function clientOver(transport: 'http' | 'ws' | 'auto', options: { fileMinBytes?: number } = {}): InferGraphClient {
  return createClient({ url: server.url, transport, ...options });
}

describe('the SDK package', () => {
  it('should be what codegen makes of the committed schema (run `npm run codegen` after changing either)', async () => {
    const files = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
    expect(files.length).toBeGreaterThan(0);
    for (const { filename, content } of files) {
      expect(await readFile(filename, 'utf8'), filename).toBe(content);
    }
  });

  it('should know every error code the server sends', async () => {
    const { SERVER_ERROR_CODES } = await import('../../clients/sdk/src/errors.ts');
    expect([...SERVER_ERROR_CODES].sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it('should import no graphql-js at run time', async () => {
    const sources = await Promise.all(
      [
        'client',
        'http',
        'ws',
        'sse',
        'errors',
        'tensors',
        'image-tensor',
        'retry',
        'operation',
        'base64',
        'generated/graphql',
        'generated/gql',
      ].map((file) => readFile(new URL(`../../clients/sdk/src/${file}.ts`, import.meta.url), 'utf8')),
    );
    for (const source of sources) expect(source).not.toMatch(/^import (?!type)[^;]*from ['"]graphql['"]/m);
  });
});

describe.each(['http', 'ws', 'auto'] as const)('the SDK over %s', (transport) => {
  it('should list the models, one model and the health, typed from the schema', async () => {
    await using client = clientOver(transport);
    const models = await client.models();
    expect(models.map((model) => model.name).sort()).toEqual(['glyphs', 'ocr-direction']);
    const glyphs = await client.model('glyphs');
    expect(glyphs).toMatchObject({
      name: 'glyphs',
      versions: [{ version: '1', state: 'READY', inputs: [{ name: 'pixels', dataType: 'FP32' }] }],
    });
    expect(await client.model('nope')).toBeNull();
    expect(await client.health()).toMatchObject({
      live: true,
      ready: true,
      models: expect.arrayContaining([{ name: 'glyphs', ready: true, reason: null, queued: 0, inFlight: 0, streams: 0 }]),
    });
  });

  it('should classify glyphs sent as a Float32Array and return the scores as one', async () => {
    await using client = clientOver(transport);
    const { pixels, labels } = generateGlyphs({ count: 4, seed: 77 });
    const result = await client.predict({ model: 'glyphs', inputs: { pixels: { data: pixels, shape: [4, 256] } } });
    expect(result).toMatchObject({ model: 'glyphs', version: '1', timing: { batchSize: expect.any(Number) } });
    const scores = result.outputs.probabilities!;
    expect(scores.dataType).toBe('FP32');
    expect(scores.shape).toEqual([4, 10]);
    expect(scores.data).toBeInstanceOf(Float32Array);
    const rows = Array.from({ length: 4 }, (_, row) => Array.from(scores.data as Float32Array).slice(row * 10, row * 10 + 10));
    expect(rows.map((row) => row.indexOf(Math.max(...row)))).toEqual(labels);
  });

  it('should throw InferGraphError with the code, model, request id and status of a refusal', async () => {
    await using client = clientOver(transport);
    const refusal = await client
      .predict({ model: 'glyphs', inputs: { pixels: { data: new Float32Array(3), shape: [1, 3] } } })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InferGraphError);
    expect(refusal).toMatchObject({
      name: 'InferGraphError',
      code: 'INVALID_TENSOR',
      model: 'glyphs',
      requestId: expect.stringMatching(/\S/),
      status: transport === 'ws' ? undefined : 400,
      message: expect.stringContaining('input "pixels" of model "glyphs" v1'),
    });
    await expect(client.model('glyphs', { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'ABORTED' });
    await expect(client.predict({ model: 'nope', inputs: {} })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', model: 'nope' });
  });
});

describe('large tensors over HTTP', () => {
  it('should send a tensor at fileMinBytes or more as a multipart file part, and smaller ones as base64', async () => {
    const bodies: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      bodies.push(init?.body instanceof FormData ? 'multipart' : 'json');
      return fetch(input, init);
    };
    await using client = createClient({ url: server.url, fetch: recording, fileMinBytes: 2048 });
    const { pixels, labels } = generateGlyphs({ count: 2, seed: 5 });
    const large = await client.predict({ model: 'glyphs', inputs: { pixels: { data: pixels, shape: [2, 256] } } });
    const small = await client.predict({ model: 'glyphs', inputs: { pixels: { data: pixels.subarray(0, 256), shape: [1, 256] } } });
    expect(bodies).toEqual(['multipart', 'json']);
    const best = (data: Float32Array, row: number) => {
      const scores = Array.from(data.subarray(row * 10, row * 10 + 10));
      return scores.indexOf(Math.max(...scores));
    };
    expect([
      best(large.outputs.probabilities!.data as Float32Array, 0),
      best(large.outputs.probabilities!.data as Float32Array, 1),
    ]).toEqual(labels);
    expect(best(small.outputs.probabilities!.data as Float32Array, 0)).toBe(labels[0]);
  });
});

describe('admin calls', () => {
  it('should unload, load and reload a model and point and roll back an alias, each answered with the model', async () => {
    await using client = clientOver('auto');
    expect((await client.unloadModel({ model: 'ocr-direction' })).versions.map((version) => version.state)).toEqual(['UNAVAILABLE']);
    expect((await client.loadModel({ model: 'ocr-direction', version: '1' })).versions.map((version) => version.state)).toEqual(['READY']);
    expect((await client.reloadModel({ model: 'ocr-direction' })).versions.map((version) => version.state)).toEqual(['READY']);
    await client.setAlias({ model: 'glyphs', alias: 'stable', versions: [{ version: '1' }] });
    const aliased = await client.setAlias({ model: 'glyphs', alias: 'stable', versions: [{ version: '1', weight: 3 }] });
    expect(aliased.aliases).toEqual([{ name: 'stable', versions: [{ version: '1', weight: 3 }] }]);
    const rolledBack = await client.rollbackAlias({ model: 'glyphs', alias: 'stable' });
    expect(rolledBack.aliases).toEqual([{ name: 'stable', versions: [{ version: '1', weight: 1 }] }]);
    expect((await client.rescanRepository()).map((model) => model.name).sort()).toEqual(['glyphs', 'ocr-direction']);
    await expect(client.loadModel({ model: 'nope' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND', model: 'nope' });
  });
});
