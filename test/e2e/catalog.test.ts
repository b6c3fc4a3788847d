import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import {
  HealthDocument,
  type HealthQuery,
  ModelDetailsDocument,
  type ModelDetailsQuery,
  ModelsDocument,
  PredictDocument,
} from '../generated/graphql.ts';

type Health = HealthQuery['health'];

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
    // Broken in every way the design names, each next to models that work.
    await repository.copyExample('glyphs', 'bad-json');
    await repository.write('bad-json/model.json', '{ "maxBatchSize": 4, ');
    await repository.copyExample('glyphs', 'bad-config');
    await repository.write('bad-config/model.json', JSON.stringify({ maxBatchSize: 0 }));
    await repository.write('missing-onnx/1/README.md', 'the model file was never copied here\n');
    await repository.write(
      'corrupt/1/model.onnx',
      new Uint8Array(4096).map((_, index) => (index * 131 + 7) % 251),
    );
    await repository.write('no-version/labels.txt', 'cat\ndog\n');
    // A second version that is broken does not take the first one down: both load, so that the
    // broken newer one sits next to a serving older one.
    await repository.copyExample('glyphs', 'two-versions', { versionPolicy: { all: true } });
    await repository.write('two-versions/2/model.onnx', 'not an ONNX model');
  }),
);

async function model(name: string): Promise<ModelDetailsQuery['model']> {
  const { data, errors } = await server.graphql(ModelDetailsDocument, { name });
  expect(errors).toBeUndefined();
  return data!.model;
}

async function labelsOf(name: string): Promise<string[]> {
  const text = await readFile(join(EXAMPLE_MODELS, name, 'labels.txt'), 'utf8');
  return text.split('\n').filter((line) => line !== '');
}

describe('the model catalog', () => {
  it('should list every folder of the repository as a model, broken ones included', async () => {
    const { data, errors } = await server.graphql(ModelsDocument);
    expect(errors).toBeUndefined();
    expect(data!.models.map((entry) => entry.name).sort()).toEqual(
      ['bad-config', 'bad-json', 'corrupt', 'glyphs', 'missing-onnx', 'no-version', 'ocr-direction', 'two-versions'].sort(),
    );
  });

  it('should describe the glyphs model as READY with its tensors, batching and labels', async () => {
    const glyphs = await model('glyphs');
    expect(glyphs).toEqual({
      name: 'glyphs',
      labels: await labelsOf('glyphs'),
      stateReason: null,
      versions: [
        {
          version: '1',
          state: 'READY',
          stateReason: null,
          maxBatchSize: 64,
          maxQueueSize: 1024,
          inputs: [{ name: 'pixels', dataType: 'FP32', shape: [-1, GLYPH_PIXELS], dimNames: ['batch', null] }],
          outputs: [{ name: 'probabilities', dataType: 'FP32', shape: [-1, 10], dimNames: ['batch', null] }],
        },
      ],
      defaultVersion: { version: '1' },
    });
    expect(glyphs!.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('should report the dynamic dims of the OCR classifier as -1 with their ONNX names', async () => {
    const ocr = await model('ocr-direction');
    expect(ocr!.labels).toEqual(['0', '180']);
    const [version] = ocr!.versions;
    expect(version!.state).toBe('READY');
    expect(version!.inputs).toEqual([
      {
        name: 'x',
        dataType: 'FP32',
        shape: [-1, 3, -1, -1],
        dimNames: ['p2o.DynamicDimension.0', null, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'],
      },
    ]);
    expect(version!.outputs).toEqual([
      { name: 'softmax_0.tmp_0', dataType: 'FP32', shape: [-1, 2], dimNames: ['p2o.DynamicDimension.3', null] },
    ]);
    expect(version!.maxBatchSize).toBe(8);
  });

  it('should answer null for a model that is not in the repository', async () => {
    const { data, errors } = await server.graphql(ModelDetailsDocument, { name: 'nope' });
    expect(errors).toBeUndefined();
    expect(data).toEqual({ model: null });
  });

  it('should serve the highest READY version by default when a newer one failed', async () => {
    const twoVersions = await model('two-versions');
    expect(twoVersions!.versions.map(({ version, state }) => ({ version, state }))).toEqual([
      { version: '1', state: 'READY' },
      { version: '2', state: 'FAILED' },
    ]);
    expect(twoVersions!.versions[1]!.stateReason).toContain(join('two-versions', '2', 'model.onnx'));
    expect(twoVersions!.defaultVersion).toEqual({ version: '1' });

    const { pixels } = generateGlyphs({ count: 1, seed: 7 });
    const { data, errors } = await server.graphql(PredictDocument, {
      input: { model: 'two-versions', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] },
    });
    expect(errors).toBeUndefined();
    expect(data!.predict.version).toBe('1');
  });
});

describe('broken models in the repository', () => {
  it('should fail a model whose model.json is not valid JSON, naming the file', async () => {
    const badJson = await model('bad-json');
    expect(badJson!.stateReason).toMatch(/bad-json[/\\]model\.json is not valid JSON/);
    expect(badJson!.versions).toHaveLength(1);
    expect(badJson!.versions[0]!.state).toBe('FAILED');
    expect(badJson!.versions[0]!.stateReason).toContain(join('bad-json', 'model.json'));
  });

  it('should fail a model whose model.json breaks a rule, naming the file and the setting', async () => {
    const badConfig = await model('bad-config');
    expect(badConfig!.stateReason).toContain(join('bad-config', 'model.json'));
    expect(badConfig!.stateReason).toContain('maxBatchSize');
    expect(badConfig!.versions[0]!.state).toBe('FAILED');
  });

  it('should fail a version folder that holds no model.onnx, naming the missing file', async () => {
    const missing = await model('missing-onnx');
    expect(missing!.versions).toEqual([expect.objectContaining({ version: '1', state: 'FAILED', inputs: [], outputs: [] })]);
    expect(missing!.versions[0]!.stateReason).toContain(join('missing-onnx', '1', 'model.onnx'));
    expect(missing!.versions[0]!.stateReason).toContain('missing');
  });

  it('should fail a model.onnx of corrupt bytes, naming the file', async () => {
    const corrupt = await model('corrupt');
    expect(corrupt!.versions[0]!.state).toBe('FAILED');
    expect(corrupt!.versions[0]!.stateReason).toContain(join('corrupt', '1', 'model.onnx'));
    expect(corrupt!.versions[0]!.stateReason).toContain('cannot be loaded');
  });

  it('should fail a model folder with no version folder, saying what it expected', async () => {
    const noVersion = await model('no-version');
    expect(noVersion!.versions).toEqual([]);
    expect(noVersion!.defaultVersion).toBeNull();
    expect(noVersion!.stateReason).toContain('no-version');
    expect(noVersion!.stateReason).toContain('no version folder');
    expect(noVersion!.stateReason).toContain(join('no-version', '1', 'model.onnx'));
  });

  it('should keep serving the good models next to the broken ones', async () => {
    const { pixels, labels } = generateGlyphs({ count: 2, seed: 11 });
    const { data, errors } = await server.graphql(PredictDocument, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], data: Array.from(pixels) }] },
    });
    expect(errors).toBeUndefined();
    expect(data!.predict.outputs[0]!.shape).toEqual([2, 10]);
    expect(labels).toHaveLength(2);
  });
});

describe('health', () => {
  function expectBrokenModelsUnready(models: Health['models']) {
    const byName = new Map(models.map((entry) => [entry.name, entry]));
    for (const name of ['glyphs', 'ocr-direction', 'two-versions'])
      expect(byName.get(name)).toMatchObject({ name, ready: true, reason: null });
    const reasons: Record<string, string> = {
      'bad-json': join('bad-json', 'model.json'),
      'bad-config': join('bad-config', 'model.json'),
      'missing-onnx': join('missing-onnx', '1', 'model.onnx'),
      corrupt: join('corrupt', '1', 'model.onnx'),
      'no-version': 'no version folder',
    };
    for (const [name, reason] of Object.entries(reasons)) {
      expect(byName.get(name), name).toMatchObject({ ready: false });
      expect(byName.get(name)!.reason, name).toContain(reason);
    }
  }

  it("should answer Query.health with live, ready and each model's readiness", async () => {
    const { data, errors } = await server.graphql(HealthDocument);
    expect(errors).toBeUndefined();
    expect(data!.health.live).toBe(true);
    expect(data!.health.ready).toBe(true);
    expect(data!.health.models).toHaveLength(8);
    expectBrokenModelsUnready(data!.health.models);
  });

  it('should answer GET /health/live with 200', async () => {
    const response = await fetch(`${server.origin}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ live: true });
  });

  it('should answer GET /health/ready with 200 and the same per-model readiness as Query.health', async () => {
    const response = await fetch(`${server.origin}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Health;
    expect(body.live).toBe(true);
    expect(body.ready).toBe(true);
    expectBrokenModelsUnready(body.models);
    const { data } = await server.graphql(HealthDocument);
    // The plain body also carries the live load figures, which the query does not select.
    const selected = body.models.map(({ name, ready, reason }) => ({ name, ready, reason }));
    expect({ ...body, models: selected }).toEqual(data!.health);
  });
});
