import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { ModelMemoryDocument, type ModelMemoryQuery, PredictDocument } from '../generated/graphql.ts';

type Version = ModelMemoryQuery['models'][number]['versions'][number];

const { pixels } = generateGlyphs({ count: 1, seed: 5 });
const input = (model: string) => ({ model, inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] });

/** The first version of every model, by model name. */
async function catalog(server: TestServer): Promise<Map<string, Version>> {
  const { data } = await server.graphql(ModelMemoryDocument);
  return new Map(data!.models.map((model) => [model.name, model.versions[0]!]));
}

describe('lazy loading under a memory budget', () => {
  it('should load a model on its first request and answer that request', async () => {
    await using server = await serveModels((repository) => repository.copyExample('glyphs'), { lazyLoad: true });
    expect((await catalog(server)).get('glyphs')).toMatchObject({
      state: 'UNAVAILABLE',
      stateReason: 'loads on its first request',
      memoryBytes: null,
    });

    const answers = await Promise.all([
      server.graphql(PredictDocument, { input: input('glyphs') }),
      server.graphql(PredictDocument, { input: input('glyphs') }),
    ]);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const loaded = (await catalog(server)).get('glyphs')!;
    const file = (await stat(join(server.repository.root, 'glyphs/1/model.onnx'))).size;
    expect(loaded).toMatchObject({ state: 'READY', memoryBytes: file * 2 });
  });

  it('should keep the loaded models within the budget while requests touch more models than fit, failing none', async () => {
    const names = ['a', 'b', 'c'];
    const perModel = (await stat(join(EXAMPLE_MODELS, 'glyphs/1/model.onnx'))).size * 2;
    const budget = Math.floor(perModel * 2.5);
    await using server = await serveModels(
      async (repository) => {
        for (const name of names) await repository.copyExample('glyphs', name);
      },
      { lazyLoad: true, memoryBudget: budget },
    );

    for (const [index, name] of [...names, ...names, 'a', 'c', 'b'].entries()) {
      const answer = await server.graphql(PredictDocument, { input: input(name) });
      expect(answer.errors, name).toBeUndefined();
      const versions = [...(await catalog(server)).values()];
      const inUse = versions.filter((version) => version.state === 'READY').reduce((sum, version) => sum + version.memoryBytes!, 0);
      expect(inUse).toBeLessThanOrEqual(budget);
      expect(versions.filter((version) => version.state === 'READY').length).toBe(Math.min(index + 1, 2));
    }
    const evicted = [...(await catalog(server)).values()].filter((version) => version.state === 'UNAVAILABLE');
    expect(evicted).toHaveLength(1);
    expect(evicted[0]!.stateReason).toContain('evicted to stay within the memory budget');
  });
});

describe('warm-up', () => {
  it('should run a model before it is READY and report the time it took', async () => {
    await using server = await serveModels(async (repository) => {
      await repository.copyExample('ocr-direction', 'ocr-direction', { warmup: { runs: 2, shapes: { x: [1, 3, 48, 192] } } });
      await repository.copyExample('glyphs');
    });
    const versions = await catalog(server);
    const warmed = versions.get('ocr-direction')!;
    expect(warmed.state).toBe('READY');
    expect(warmed.warmupMs).toBeGreaterThan(0);
    expect(warmed.loadMs).toBeGreaterThanOrEqual(warmed.warmupMs!);
    expect(versions.get('glyphs')!.warmupMs).toBeNull();
  });

  it('should warm up with the inputs model.json gives, and with random ones', async () => {
    await using server = await serveModels(async (repository) => {
      await repository.copyExample('glyphs', 'given', {
        warmup: { inputs: { pixels: { shape: [2, GLYPH_PIXELS], data: new Array(2 * GLYPH_PIXELS).fill(1) } } },
      });
      await repository.copyExample('glyphs', 'random', { warmup: { fill: 'random', runs: 3 } });
      // 3 elements for a [1,256] shape: the warm-up cannot decode them, so the version fails, saying why.
      await repository.copyExample('glyphs', 'wrong', { warmup: { inputs: { pixels: { shape: [1, GLYPH_PIXELS], data: ['x'] } } } });
    });
    const versions = await catalog(server);
    expect(versions.get('given')).toMatchObject({ state: 'READY' });
    expect(versions.get('given')!.warmupMs).toBeGreaterThan(0);
    expect(versions.get('random')).toMatchObject({ state: 'READY' });
    expect(versions.get('wrong')).toMatchObject({ state: 'FAILED' });
    expect(versions.get('wrong')!.stateReason).toContain('warmup.inputs.pixels');
  });

  it('should fail a version whose warm-up fails, naming why, and keep the rest serving', async () => {
    await using server = await serveModels(async (repository) => {
      // Five channels where the model takes three: the run fails, so the version must not be READY.
      await repository.copyExample('ocr-direction', 'ocr-direction', { warmup: { shapes: { x: [1, 5, 48, 192] } } });
      await repository.copyExample('glyphs');
    });
    const versions = await catalog(server);
    expect(versions.get('ocr-direction')).toMatchObject({ state: 'FAILED' });
    expect(versions.get('ocr-direction')!.stateReason).toContain('model.onnx cannot be loaded');
    expect((await server.graphql(PredictDocument, { input: input('glyphs') })).errors).toBeUndefined();
  });
});
