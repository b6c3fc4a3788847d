import { Buffer } from 'node:buffer';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import type { GraphQLResponse } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { statsOf, waitForStats } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64, ocrImages } from '../fixtures/tensors.ts';
import { PredictDocument, type PredictInput } from '../generated/graphql.ts';

const { pixels: GLYPH } = generateGlyphs({ count: 1, seed: 31 });
const GOOD_PIXELS = { name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(GLYPH) };

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
    await repository.write('corrupt/1/model.onnx', 'these bytes are no ONNX model');
    // On one worker, so that one slow request keeps it busy and the next ones must queue.
    await repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER);
    await repository.copyExample('ocr-direction', 'ocr-queue-of-one', { ...ONE_WORKER, maxQueueSize: 1 });
  }),
);

afterEach(async () => {
  // Whatever was refused, the server keeps serving.
  const { data, errors } = await server.graphql(PredictDocument, { input: { model: 'glyphs', inputs: [GOOD_PIXELS] } });
  expect(errors).toBeUndefined();
  expect(data!.predict.outputs[0]!.shape).toEqual([1, 10]);
});

function predict(input: PredictInput) {
  return server.graphql(PredictDocument, { input });
}

/** Asserts that a predict failed with exactly one error of `code` and HTTP `status`, written for a person; returns its message. */
function expectRefused(response: GraphQLResponse<unknown>, code: string, status: number): string {
  return expectFailure(response, code, { status, path: ['predict'] });
}

async function expectInvalidTensor(input: PredictInput, ...fragments: string[]): Promise<string> {
  const message = expectRefused(await predict(input), 'INVALID_TENSOR', 400);
  for (const fragment of fragments) expect(message).toContain(fragment);
  return message;
}

describe('MODEL_NOT_FOUND', () => {
  it('should refuse a model that is not in the repository, listing the models there are', async () => {
    const message = expectRefused(await predict({ model: 'nope', inputs: [GOOD_PIXELS] }), 'MODEL_NOT_FOUND', 404);
    expect(message).toContain('model "nope"');
    expect(message).toContain('glyphs');
    expect(message).toContain('ocr-direction');
  });

  it('should refuse a version the model does not have, listing the versions it has', async () => {
    const message = expectRefused(await predict({ model: 'glyphs', version: '7', inputs: [GOOD_PIXELS] }), 'MODEL_NOT_FOUND', 404);
    expect(message).toBe('model "glyphs" has no version or alias "7" (versions: 1; aliases: none)');
  });
});

describe('MODEL_NOT_READY', () => {
  it('should refuse a FAILED model, saying why it failed', async () => {
    const message = expectRefused(await predict({ model: 'corrupt', inputs: [GOOD_PIXELS] }), 'MODEL_NOT_READY', 503);
    expect(message).toContain('model "corrupt" v1 is FAILED');
    expect(message).toContain(join('corrupt', '1', 'model.onnx'));
  });
});

describe('INVALID_TENSOR', () => {
  it('should refuse an input the model does not have, naming the inputs it has', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, name: 'image' }] },
      'model "glyphs" v1',
      'input "image"',
      'inputs: "pixels"',
    );
  });

  it('should refuse a request that leaves out an input, naming its type and shape', async () => {
    await expectInvalidTensor({ model: 'glyphs', inputs: [] }, 'model "glyphs" v1', '"pixels" FP32 [N,256]', 'does not give');
  });

  it("should refuse a data type other than the input's", async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, dataType: 'INT32', data: new Array(GLYPH_PIXELS).fill(0) }] },
      'input "pixels" of model "glyphs" v1',
      'expected FP32, got INT32',
    );
  });

  it('should refuse a tensor of the wrong rank', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, shape: [GLYPH_PIXELS] }] },
      'input "pixels" of model "glyphs" v1',
      'expected shape [N,256], got [256]',
    );
  });

  it('should refuse a fixed dim of the wrong size', async () => {
    await expectInvalidTensor(
      { model: 'ocr-direction', inputs: [{ name: 'x', shape: [1, 1, 48, 192], base64: float32ToBase64(new Float32Array(48 * 192)) }] },
      'input "x" of model "ocr-direction" v1',
      'expected shape [N,3,?,?], got [1,1,48,192]',
    );
  });

  it('should refuse data whose length does not match the shape', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, data: GOOD_PIXELS.data.slice(1) }] },
      'input "pixels" of model "glyphs" v1',
      'shape [1,256] holds 256 elements, got 255',
    );
  });

  it('should refuse an element that is not a number, naming its index and value', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, data: [...GOOD_PIXELS.data.slice(0, 9), 'ink', ...GOOD_PIXELS.data.slice(10)] }] },
      'input "pixels" of model "glyphs" v1',
      'element 9 is "ink"',
      'expected an FP32',
    );
  });

  it('should refuse base64 that is not base64', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: 'AAAA*AAA' }] },
      'input "pixels" of model "glyphs" v1',
      'not valid base64',
      'character 4 is "*"',
    );
  });

  it('should refuse bytes of the wrong length for the shape', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(GLYPH.subarray(1)) }] },
      'input "pixels" of model "glyphs" v1',
      'expected 1024 bytes for 256 FP32 elements, got 1020',
    );
  });

  it('should refuse a tensor given both as data and as base64', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [{ ...GOOD_PIXELS, base64: float32ToBase64(GLYPH) }] },
      'input "pixels" of model "glyphs" v1',
      'give exactly one of data, base64 or file, got 2',
    );
  });

  it('should refuse BF16, which onnxruntime-node cannot pass', async () => {
    await expectInvalidTensor(
      {
        model: 'glyphs',
        inputs: [{ name: 'pixels', dataType: 'BF16', shape: [1, GLYPH_PIXELS], base64: Buffer.alloc(2 * GLYPH_PIXELS).toString('base64') }],
      },
      'input "pixels" of model "glyphs" v1',
      'BF16 is not supported',
    );
  });

  it("should refuse a batch larger than the model's maxBatchSize, naming the input, the limit and the size", async () => {
    const rows = 65;
    await expectInvalidTensor(
      {
        model: 'glyphs',
        inputs: [{ name: 'pixels', shape: [rows, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(rows * GLYPH_PIXELS)) }],
      },
      'model "glyphs" v1',
      '"pixels"',
      'maxBatchSize of 64',
      'a batch of 65 rows',
    );
  });

  it('should refuse an output the model does not have, naming the outputs it has', async () => {
    await expectInvalidTensor(
      { model: 'glyphs', inputs: [GOOD_PIXELS], outputs: ['logits'] },
      'model "glyphs" v1',
      'output "logits"',
      'outputs: "probabilities"',
    );
  });

  it('should answer an empty list of outputs as a client mistake, not as an internal error', async () => {
    const response = await predict({ model: 'glyphs', inputs: [GOOD_PIXELS], outputs: [] });
    const code = response.errors?.[0]?.extensions?.code;
    expect(code, response.errors?.[0]?.message).not.toBe('INTERNAL');
    expect(response.status).toBeLessThan(500);
    if (code !== undefined) expectRefused(response, 'INVALID_TENSOR', 400);
  });
});

describe('OVERLOADED', () => {
  it('should refuse requests past maxQueueSize at once, and answer the ones it took', async () => {
    const running = await keepWorkerBusy(server, 'ocr-queue-of-one', SLOW_OCR_IMAGE);
    const small = { name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(ocrImages(1, 192, 32)) };
    const queued = predict({ model: 'ocr-queue-of-one', inputs: [small] });
    await waitForStats(server, 'ocr-queue-of-one', (stats) => stats.queued === 1);

    // The one worker is busy and the queue of one is full: each of these is refused at once.
    const refused = await Promise.all(Array.from({ length: 6 }, () => predict({ model: 'ocr-queue-of-one', inputs: [small] })));
    for (const response of refused) {
      const message = expectRefused(response, 'OVERLOADED', 429);
      expect(message).toContain('model "ocr-queue-of-one" v1');
      expect(message).toContain('maxQueueSize 1');
    }

    const [first, second] = await Promise.all([running.answer, queued]);
    expect(first.errors).toBeUndefined();
    expect(first.data!.predict.outputs[0]!.shape).toEqual([8, 2]);
    expect(second.errors).toBeUndefined();
    expect(second.data!.predict.outputs[0]!.shape).toEqual([1, 2]);
    expect(await statsOf(server, 'ocr-queue-of-one')).toMatchObject({ requests: 2, failures: 0, queued: 0, inFlight: 0 });
  });
});

describe('DEADLINE_EXCEEDED', () => {
  it('should refuse a timeoutMs of zero', async () => {
    const message = expectRefused(await predict({ model: 'glyphs', inputs: [GOOD_PIXELS], timeoutMs: 0 }), 'DEADLINE_EXCEEDED', 504);
    expect(message).toContain('model "glyphs" v1');
    expect(message).toContain('timeoutMs must be positive, got 0');
  });

  it('should refuse a negative timeoutMs', async () => {
    const message = expectRefused(await predict({ model: 'glyphs', inputs: [GOOD_PIXELS], timeoutMs: -5 }), 'DEADLINE_EXCEEDED', 504);
    expect(message).toContain('got -5');
  });

  it('should drop a request whose deadline passes while it waits behind a busy worker', async () => {
    const running = await keepWorkerBusy(server, 'ocr-single', SLOW_OCR_IMAGE);
    const images = ocrImages(1, 192, 33);
    const late = await predict({
      model: 'ocr-single',
      inputs: [{ name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(images) }],
      timeoutMs: 1,
    });
    const message = expectRefused(late, 'DEADLINE_EXCEEDED', 504);
    expect(message).toContain('model "ocr-single" v1');
    expect(message).toContain('deadline passed while it was queued');

    const first = await running.answer;
    expect(first.errors).toBeUndefined();
    // The dropped request never ran: the slow one was the only run.
    const stats = await waitForStats(server, 'ocr-single', (figures) => figures.queued === 0 && figures.inFlight === 0);
    expect(stats).toMatchObject({ requests: 2, failures: 1, batches: 1, items: 8 });
  });
});

describe('INFERENCE_REJECTED', () => {
  it('should answer a run onnxruntime refuses with its reason, naming the model', async () => {
    // A zero-width image passes every check of the request, and the convolution refuses it inside onnxruntime.
    const response = await predict({ model: 'ocr-direction', inputs: [{ name: 'x', shape: [1, 3, 48, 0], data: [] }] });
    const message = expectRefused(response, 'INFERENCE_REJECTED', 400);
    expect(message).toMatch(/^model "ocr-direction" v1: onnxruntime refused the inputs: Non-zero status code returned while running/);
  });
});
