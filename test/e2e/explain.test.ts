import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { statsOf } from '../fixtures/figures.ts';
import { identityModel, linearModel } from '../fixtures/onnx.ts';
import type { TempRepository } from '../fixtures/repository.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { argmaxRows, expectClose, numbersOf } from '../fixtures/tensors.ts';
import { TRANSPORTS, type Transport } from '../fixtures/transports.ts';
import { ExplainDocument, type ExplainInput, type ExplainMutation, PredictDocument } from '../generated/graphql.ts';

/** A linear classifier over 4×4 inputs: three classes, scores = W · x + b, no softmax, so attributions are known exactly. */
const SIDE = 4;
const ELEMENTS = SIDE * SIDE;
const WEIGHTS = [
  Array.from({ length: ELEMENTS }, (_, i) => (i % 5) - 2),
  Array.from({ length: ELEMENTS }, (_, i) => 0.5 * i - 3),
  Array.from({ length: ELEMENTS }, (_, i) => ((i * 7) % 3) * 0.25),
];
const BIAS = [0.5, -1, 2];
const LABELS = ['cat', 'dog', 'bird'];
/** Values exact in float32, so that the model's float arithmetic is the only rounding. */
const X = Array.from({ length: ELEMENTS }, (_, i) => ((i * 3) % 8) / 4 - 0.75);

const scoreOf = (target: number, x: readonly number[]) =>
  BIAS[target]! + x.reduce((sum, value, i) => sum + WEIGHTS[target]![i]! * value, 0);

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.write('linear/1/model.onnx', linearModel(WEIGHTS, BIAS, [SIDE, SIDE]));
    await repository.write('linear/labels.txt', `${LABELS.join('\n')}\n`);
    // Its output is [N,2,2] per row: not one score per class.
    await repository.write('grid/1/model.onnx', identityModel('FP32', ['batch', 2, 2]));
    await repository.copyExample('glyphs');
  }),
);

const linearInput = (overrides: Partial<ExplainInput> = {}): ExplainInput => ({
  model: 'linear',
  inputs: [{ name: 'x', shape: [1, SIDE, SIDE], data: X }],
  ...overrides,
});

async function explain(on: TestServer, input: ExplainInput, transport?: Transport): Promise<ExplainMutation['explain']> {
  const { data, errors } = transport
    ? await transport.execute(on, ExplainDocument, { input })
    : await on.graphql(ExplainDocument, { input });
  expect(errors).toBeUndefined();
  return data!.explain;
}

async function explainError(on: TestServer, input: ExplainInput): Promise<{ code: string | undefined; message: string }> {
  const { data, errors } = await on.graphql(ExplainDocument, { input });
  expect(data ?? null).toBeNull();
  expect(errors).toHaveLength(1);
  return { code: errors![0]!.extensions?.code, message: errors![0]!.message };
}

describe.each(TRANSPORTS)('explain over $name', (transport) => {
  it('should attribute to each element of a linear model its weight times its value, occluded to zero', async () => {
    const result = await explain(server, linearInput({ target: 1 }), transport);
    expect(result).toMatchObject({
      model: 'linear',
      version: '1',
      method: 'OCCLUSION',
      input: 'x',
      output: 'scores',
      target: 1,
      label: 'dog',
    });
    expect(result.score).toBeCloseTo(scoreOf(1, X), 4);
    expect(result.attributions).toMatchObject({ name: 'x', dataType: 'FP32', shape: [1, SIDE, SIDE] });
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((value, i) => WEIGHTS[1]![i]! * value),
      1e-4,
    );
    // The input itself, then one copy per element.
    expect(result.features).toBe(ELEMENTS);
    expect(result.evaluations).toBe(ELEMENTS + 1);
  });
});

describe('explain with occlusion', () => {
  it("should explain the input's top class when no target is given", async () => {
    const scores = [0, 1, 2].map((target) => scoreOf(target, X));
    const top = argmaxRows(scores, 3)[0]!;
    const result = await explain(server, linearInput());
    expect(result.target).toBe(top);
    expect(result.label).toBe(LABELS[top]);
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((value, i) => WEIGHTS[top]![i]! * value),
      1e-4,
    );
  });

  it("should give every element of a square patch the patch's drop, occluded to the input's mean", async () => {
    const mean = X.reduce((sum, value) => sum + value, 0) / ELEMENTS;
    const result = await explain(server, linearInput({ target: 0, patchSize: 2, baseline: 'MEAN' }));
    const patchOf = (i: number) => Math.floor(Math.floor(i / SIDE) / 2) * 2 + Math.floor((i % SIDE) / 2);
    const drops = [0, 1, 2, 3].map((patch) =>
      X.reduce((sum, value, i) => (patchOf(i) === patch ? sum + WEIGHTS[0]![i]! * (value - mean) : sum), 0),
    );
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((_, i) => drops[patchOf(i)]!),
      1e-4,
    );
    expect(result.features).toBe(4);
    expect(result.evaluations).toBe(5);
  });

  it('should occlude with a value the client gives', async () => {
    const result = await explain(server, linearInput({ target: 2, baselineValue: 0.5 }));
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((value, i) => WEIGHTS[2]![i]! * (value - 0.5)),
      1e-4,
    );
  });

  it('should give a heatmap of a glyph shaped like its input, for the class predict chooses', async () => {
    const { pixels } = generateGlyphs({ count: 1, seed: 7 });
    const inputs = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }];
    const predicted = await server.graphql(PredictDocument, { input: { model: 'glyphs', inputs } });
    const probabilities = numbersOf(predicted.data!.predict.outputs[0]!.data!);
    const top = argmaxRows(probabilities, 10)[0]!;

    const result = await explain(server, { model: 'glyphs', inputs });
    expect(result).toMatchObject({ target: top, label: String(top), features: GLYPH_PIXELS, evaluations: GLYPH_PIXELS + 1 });
    expect(result.score).toBeCloseTo(probabilities[top]!, 5);
    expect(result.attributions.shape).toEqual([1, GLYPH_PIXELS]);
    const heat = numbersOf(result.attributions.data!);
    // Blanking an ink pixel matters to the class more than blanking the background, which is zero already.
    const ink = heat.filter((_, i) => pixels[i]! > 0).map(Math.abs);
    const background = heat.filter((_, i) => pixels[i] === 0);
    expect(Math.max(...ink)).toBeGreaterThan(0);
    expect(background.every((value) => value === 0)).toBe(true);
  });

  it("should run its evaluations through the version's batcher in batches of many rows", async () => {
    const { pixels } = generateGlyphs({ count: 1, seed: 8 });
    const before = await statsOf(server, 'glyphs');
    const result = await explain(server, {
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }],
    });
    const after = await statsOf(server, 'glyphs');
    const rows = after.items - before.items;
    const runs = after.batches - before.batches;
    expect(rows).toBe(result.evaluations);
    // glyphs' maxBatchSize is 64: 257 rows need at least 5 runs, and the input runs alone first.
    expect(runs).toBeLessThanOrEqual(8);
    expect(rows / runs).toBeGreaterThan(1);
    expect(result.timing.meanBatchSize).toBeGreaterThan(1);
    expect(result.timing.requests).toBe(1 + Math.ceil(GLYPH_PIXELS / 64));
  });
});

describe('explain errors', () => {
  it('should refuse a target that is not one of the classes with INVALID_ARGUMENT', async () => {
    const { code, message } = await explainError(server, linearInput({ target: 3 }));
    expect(code).toBe('INVALID_ARGUMENT');
    expect(message).toBe(
      'target of explain: output "scores" of model "linear" v1 has 3 classes, expected a class index from 0 to 2, got 3',
    );
  });

  it('should refuse an output the model does not have with INVALID_ARGUMENT', async () => {
    const { code, message } = await explainError(server, linearInput({ output: 'logits' }));
    expect(code).toBe('INVALID_ARGUMENT');
    expect(message).toBe('model "linear" v1 has no output "logits" to explain (outputs: "scores")');
  });

  it("should refuse an output that is not a classifier's scores with INVALID_ARGUMENT", async () => {
    const { code, message } = await explainError(server, {
      model: 'grid',
      inputs: [{ name: 'x', shape: [1, 2, 2], data: [1, 2, 3, 4] }],
    });
    expect(code).toBe('INVALID_ARGUMENT');
    expect(message).toBe(
      'output "y" of model "grid" v1 is FP32 [-1,2,2], not a classifier\'s scores: explain needs a number per class for each row, [N,classes]',
    );
  });

  it('should refuse more than one row with INVALID_TENSOR', async () => {
    const { code, message } = await explainError(
      server,
      linearInput({ inputs: [{ name: 'x', shape: [2, SIDE, SIDE], data: [...X, ...X] }] }),
    );
    expect(code).toBe('INVALID_TENSOR');
    expect(message).toBe('explain of model "linear" v1 takes one row of input, got 2');
  });

  it('should refuse a tensor that does not fit the model with INVALID_TENSOR', async () => {
    const { code } = await explainError(server, linearInput({ inputs: [{ name: 'x', shape: [1, SIDE], data: X.slice(0, SIDE) }] }));
    expect(code).toBe('INVALID_TENSOR');
  });

  it('should refuse a VALUE baseline without its value with INVALID_ARGUMENT', async () => {
    const { code, message } = await explainError(server, linearInput({ baseline: 'VALUE' }));
    expect(code).toBe('INVALID_ARGUMENT');
    expect(message).toBe('explain: baseline VALUE needs a baselineValue');
  });

  it('should refuse a model it does not know with MODEL_NOT_FOUND', async () => {
    const { code } = await explainError(server, linearInput({ model: 'nope' }));
    expect(code).toBe('MODEL_NOT_FOUND');
  });
});

describe('explain limits', () => {
  const glyphs = (repository: TempRepository) => repository.copyExample('glyphs');
  // Every element of a glyph alone: 257 evaluations, costing 100 + 257 + 66 (257 rows of 256 elements).
  const costly = forSuite(() => serveModels(glyphs, { limits: { maxCost: 300 } }));
  const capped = forSuite(() => serveModels(glyphs, { limits: { maxExplainEvaluations: 100 } }));
  const inputs = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(generateGlyphs({ count: 1, seed: 9 }).pixels) }];

  it('should refuse with QUERY_TOO_COMPLEX, before it runs, an explain whose evaluations cost more than the limit', async () => {
    const { code, message } = await explainError(costly, { model: 'glyphs', inputs });
    expect(code).toBe('QUERY_TOO_COMPLEX');
    expect(message).toMatch(/^the operation costs 4\d\d, over the limit of 300/);
    expect((await statsOf(costly, 'glyphs')).requests).toBe(0);
    // Patches of 4 pixels: 65 evaluations, within the cost.
    expect(await explain(costly, { model: 'glyphs', inputs, patchSize: 4 })).toMatchObject({ features: 64, evaluations: 65 });
  });

  it('should refuse with QUERY_TOO_COMPLEX an explain over the most evaluations, and run it in larger patches', async () => {
    const { code, message } = await explainError(capped, { model: 'glyphs', inputs });
    expect(code).toBe('QUERY_TOO_COMPLEX');
    expect(message).toBe(
      'explain of input "pixels" [1,256] of model "glyphs" v1 would run 257 evaluations, over the limit of 100: give a larger patchSize',
    );
    expect((await statsOf(capped, 'glyphs')).requests).toBe(0);
    const result = await explain(capped, { model: 'glyphs', inputs, patchSize: 4 });
    expect(result).toMatchObject({ features: 64, evaluations: 65 });
    expect(result.attributions.shape).toEqual([1, GLYPH_PIXELS]);
  });
});
