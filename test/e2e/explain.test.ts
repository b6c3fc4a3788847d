import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import { queryOf } from '../fixtures/documents.ts';
import { statsOf, waitForStats } from '../fixtures/figures.ts';
import { identityModel, linearModel } from '../fixtures/onnx.ts';
import type { TempRepository } from '../fixtures/repository.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { argmaxRows, expectClose, float32ToBase64, numbersOf, ocrImages } from '../fixtures/tensors.ts';
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

/** Two classes over 32×32 inputs: 1,024 features, more than KernelSHAP takes. */
const WIDE_WEIGHTS = [Array.from({ length: 1024 }, (_, i) => i % 3), Array.from({ length: 1024 }, (_, i) => -(i % 5))];

const scoreOf = (target: number, x: readonly number[]) =>
  BIAS[target]! + x.reduce((sum, value, i) => sum + WEIGHTS[target]![i]! * value, 0);

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.write('linear/1/model.onnx', linearModel(WEIGHTS, BIAS, [SIDE, SIDE]));
    await repository.write('linear/labels.txt', `${LABELS.join('\n')}\n`);
    // Its output is [N,2,2] per row: not one score per class.
    await repository.write('grid/1/model.onnx', identityModel('FP32', ['batch', 2, 2]));
    await repository.write('wide/1/model.onnx', linearModel(WIDE_WEIGHTS, [0, 0], [32, 32]));
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
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

describe('explain with KernelSHAP', () => {
  it("should give a linear model's Shapley values, its weights times the values, from seeded samples of coalitions", async () => {
    const result = await explain(server, linearInput({ target: 1, method: 'KERNEL_SHAP', samples: 200, seed: 3 }));
    expect(result).toMatchObject({ method: 'KERNEL_SHAP', target: 1, label: 'dog', features: ELEMENTS, evaluations: 202 });
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((value, i) => WEIGHTS[1]![i]! * value),
      1e-3,
    );
  });

  it('should evaluate every coalition when there are fewer than the samples, for exact values', async () => {
    const mean = X.reduce((sum, value) => sum + value, 0) / ELEMENTS;
    const result = await explain(server, linearInput({ target: 2, method: 'KERNEL_SHAP', patchSize: 2, baseline: 'MEAN' }));
    // 4 patches: the input, the all-baseline copy and the 14 other coalitions.
    expect(result.evaluations).toBe(16);
    const patchOf = (i: number) => Math.floor(Math.floor(i / SIDE) / 2) * 2 + Math.floor((i % SIDE) / 2);
    const values = [0, 1, 2, 3].map((patch) =>
      X.reduce((sum, value, i) => (patchOf(i) === patch ? sum + WEIGHTS[2]![i]! * (value - mean) : sum), 0),
    );
    expectClose(
      numbersOf(result.attributions.data!),
      X.map((_, i) => values[patchOf(i)]!),
      1e-4,
    );
  });

  it("should give values of a glyph that add up to its score less the blank glyph's, the same for the same seed", async () => {
    const { pixels } = generateGlyphs({ count: 1, seed: 11 });
    const inputs = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }];
    const input: ExplainInput = { model: 'glyphs', inputs, method: 'KERNEL_SHAP', patchSize: 4, samples: 300, seed: 5 };
    const [first, again] = [await explain(server, input), await explain(server, input)];
    expect(again.attributions.data).toEqual(first.attributions.data);
    expect(first).toMatchObject({ features: 64, evaluations: 302 });

    const blank = await server.graphql(PredictDocument, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }] },
    });
    const blankScore = numbersOf(blank.data!.predict.outputs[0]!.data!)[first.target]!;
    // Each value fills the 4 pixels of its patch.
    const total = numbersOf(first.attributions.data!).reduce((sum, value) => sum + value, 0) / 4;
    expect(total).toBeCloseTo(first.score - blankScore, 4);
  });
});

describe('explain of an image', () => {
  it('should attribute square patches across its channels, in a heatmap shaped like the image', async () => {
    const image = ocrImages(1, 192, 21);
    const result = await explain(server, {
      model: 'ocr-direction',
      inputs: [{ name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(image) }],
      patchSize: 16,
    });
    // 48 × 192 in squares of 16: 3 × 12 patches.
    expect(result).toMatchObject({ features: 36, evaluations: 37, output: 'softmax_0.tmp_0' });
    expect(result.label).toBe(['0', '180'][result.target]);
    expect(result.attributions.shape).toEqual([1, 3, 48, 192]);
    const heat = numbersOf(result.attributions.data!);
    const at = (channel: number, y: number, x: number) => heat[(channel * 48 + y) * 192 + x]!;
    for (const [y, x] of [
      [0, 0],
      [20, 100],
      [47, 191],
    ] as const) {
      const corner = at(0, y - (y % 16), x - (x % 16));
      expect([at(0, y, x), at(1, y, x), at(2, y, x)]).toEqual([corner, corner, corner]);
    }
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

  it('should refuse KernelSHAP over more than 256 features with QUERY_TOO_COMPLEX', async () => {
    const { code, message } = await explainError(server, {
      model: 'wide',
      inputs: [{ name: 'x', shape: [1, 32, 32], data: new Array(1024).fill(1) }],
      method: 'KERNEL_SHAP',
    });
    expect(code).toBe('QUERY_TOO_COMPLEX');
    expect(message).toBe(
      'explain of input "x" [1,32,32] of model "wide" v1: KERNEL_SHAP attributes at most 256 features, and patchSize 1 makes 1024: give a larger patchSize',
    );
  });

  it('should refuse samples for occlusion with INVALID_ARGUMENT', async () => {
    const { code, message } = await explainError(server, linearInput({ samples: 10 }));
    expect(code).toBe('INVALID_ARGUMENT');
    expect(message).toBe('explain of model "linear" v1: samples and seed are for method KERNEL_SHAP, not OCCLUSION');
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

describe('an explain whose client goes away', () => {
  it('should run none of its remaining evaluations', async () => {
    await using single = await serveModels((repository) => repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER));
    const running = await keepWorkerBusy(single, 'ocr-single', SLOW_OCR_IMAGE);

    const controller = new AbortController();
    const input: ExplainInput = {
      model: 'ocr-single',
      inputs: [{ name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(ocrImages(1, 192, 22)) }],
      patchSize: 16,
    };
    const abandoned = fetch(single.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: queryOf(ExplainDocument), variables: { input } }),
      signal: controller.signal,
    }).catch((error: Error) => error.name);
    // Its first evaluation, the image itself, waits behind the slow request.
    await waitForStats(single, 'ocr-single', (stats) => stats.queued === 1);
    controller.abort();
    expect(await abandoned).toBe('AbortError');
    await waitForStats(single, 'ocr-single', (stats) => stats.queued === 0);

    await running.answer;
    // Only the slow request ran: none of the explain's 37 evaluations reached a worker, and none was sent after.
    expect(await statsOf(single, 'ocr-single')).toMatchObject({ requests: 2, failures: 1, batches: 1, items: 8, queued: 0, inFlight: 0 });
  });
});
