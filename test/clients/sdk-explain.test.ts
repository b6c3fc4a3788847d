/**
 * client.explain against a real server: a linear classifier built by the test, whose occlusion attributions are
 * known in closed form (weight × value against a zero baseline), on each transport, with inputs as base64 and as a
 * multipart file part, and the error a wrong target gets.
 */
import { describe, expect, it } from 'vitest';
import { createClient, InferGraphError } from '../../clients/sdk/src/index.ts';
import { linearModel } from '../fixtures/onnx.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

/** Three classes over 8×8 inputs, scores = W · x, no softmax. */
const SIDE = 8;
const ELEMENTS = SIDE * SIDE;
const WEIGHTS = [
  Array.from({ length: ELEMENTS }, (_, i) => (i % 5) - 2),
  Array.from({ length: ELEMENTS }, (_, i) => 0.25 * (i % 9) - 1),
  Array.from({ length: ELEMENTS }, (_, i) => ((i * 7) % 3) * 0.5),
];
const LABELS = ['cat', 'dog', 'bird'];
/** Values exact in float32, so that the model's float arithmetic is the only rounding. */
const X = Float32Array.from({ length: ELEMENTS }, (_, i) => ((i * 3) % 8) / 4 - 0.75);
const scoreOf = (target: number) => X.reduce((sum, value, i) => sum + WEIGHTS[target]![i]! * value, 0);

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.write('linear/1/model.onnx', linearModel(WEIGHTS, [0, 0, 0], [SIDE, SIDE]));
    await repository.write('linear/labels.txt', `${LABELS.join('\n')}\n`);
  }),
);

function expectAttributions(attributions: unknown, target: number) {
  expect(attributions).toMatchObject({ dataType: 'FP32', shape: [1, SIDE, SIDE], data: expect.any(Float32Array) });
  const { data } = attributions as { data: Float32Array };
  expect(data).toHaveLength(ELEMENTS);
  for (const [i, value] of data.entries()) expect(value).toBeCloseTo(WEIGHTS[target]![i]! * X[i]!, 4);
}

describe.each(['http', 'ws'] as const)('client.explain over %s', (transport) => {
  it('should attribute to each element its weight times its value, as a Float32Array shaped like the input', async () => {
    await using client = createClient({ url: server.url, transport });
    const result = await client.explain({ model: 'linear', inputs: { x: { data: X, shape: [1, SIDE, SIDE] } }, target: 1 });
    expect(result).toMatchObject({
      model: 'linear',
      version: '1',
      method: 'OCCLUSION',
      input: 'x',
      output: 'scores',
      target: 1,
      label: 'dog',
      features: ELEMENTS,
      // The input itself, then one copy per element.
      evaluations: ELEMENTS + 1,
      timing: { requests: expect.any(Number), meanBatchSize: expect.any(Number) },
    });
    expect(result.score).toBeCloseTo(scoreOf(1), 4);
    expectAttributions(result.attributions, 1);
  });

  it('should explain the top class by 2×2 patches when asked, summing the weight × value of each patch', async () => {
    await using client = createClient({ url: server.url, transport });
    const top = [0, 1, 2].reduce((best, target) => (scoreOf(target) > scoreOf(best) ? target : best), 0);
    const result = await client.explain({ model: 'linear', inputs: { x: { data: X, shape: [1, SIDE, SIDE] } }, patchSize: 2 });
    expect(result).toMatchObject({ target: top, label: LABELS[top], features: ELEMENTS / 4, evaluations: ELEMENTS / 4 + 1 });
    const data = result.attributions.data as Float32Array;
    for (let i = 0; i < ELEMENTS; i++) {
      const [row, column] = [Math.floor(i / SIDE), i % SIDE];
      const patch = [0, 1, SIDE, SIDE + 1].map((offset) => (row - (row % 2)) * SIDE + (column - (column % 2)) + offset);
      expect(data[i]).toBeCloseTo(
        patch.reduce((sum, j) => sum + WEIGHTS[top]![j]! * X[j]!, 0),
        4,
      );
    }
  });

  it('should throw InferGraphError with INVALID_ARGUMENT for a target that is not one of the classes', async () => {
    await using client = createClient({ url: server.url, transport });
    const refusal = await client
      .explain({ model: 'linear', inputs: { x: { data: X, shape: [1, SIDE, SIDE] } }, target: 3 })
      .catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(InferGraphError);
    expect(refusal).toMatchObject({
      code: 'INVALID_ARGUMENT',
      model: 'linear',
      status: transport === 'ws' ? undefined : 400,
      message: 'target of explain: output "scores" of model "linear" v1 has 3 classes, expected a class index from 0 to 2, got 3',
    });
  });
});

describe('client.explain with a large input over HTTP', () => {
  it('should send it as a multipart file part, and still get the closed-form attributions', async () => {
    const bodies: string[] = [];
    const recording: typeof fetch = async (input, init) => {
      bodies.push(init?.body instanceof FormData ? 'multipart' : 'json');
      return fetch(input, init);
    };
    await using client = createClient({ url: server.url, fetch: recording, fileMinBytes: ELEMENTS * 4 });
    const result = await client.explain({ model: 'linear', inputs: { x: { data: X, shape: [1, SIDE, SIDE] } }, target: 2 });
    expect(bodies).toEqual(['multipart']);
    expectAttributions(result.attributions, 2);
  });
});
