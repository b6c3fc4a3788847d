import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, ONE_WORKER, SLOW_OCR_IMAGE } from '../fixtures/busy-worker.ts';
import { statsOf } from '../fixtures/figures.ts';
import { postMultipart } from '../fixtures/multipart.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { argmaxRows, expectClose, float32Bytes, float32FromBase64, float32ToBase64, glyphRow, ocrImages } from '../fixtures/tensors.ts';
import {
  ModelDetailsDocument,
  PredictBase64Document,
  PredictDocument,
  PredictEncodingsDocument,
  type PredictInput,
  type PredictMutation,
  PredictTopKDocument,
} from '../generated/graphql.ts';

const OCR_OUTPUT = 'softmax_0.tmp_0';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
    // The same network, told it has no batch dim: every request must then run alone.
    await repository.copyExample('glyphs', 'glyphs-unbatched', { batchDim: null });
    await repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER);
  }),
);
const glyphsReference = forSuite(() => createReferenceSession('glyphs'));
const ocrReference = forSuite(() => createReferenceSession('ocr-direction'));

async function predict(input: PredictInput): Promise<PredictMutation['predict']> {
  const { status, data, errors } = await server.graphql(PredictDocument, { input });
  expect(errors).toBeUndefined();
  expect(status).toBe(200);
  return data!.predict;
}

async function glyphsExpected(pixels: Float32Array, rows: number): Promise<Float32Array> {
  const outputs = await glyphsReference.run({ pixels: { shape: [rows, GLYPH_PIXELS], data: pixels } });
  return outputs.probabilities!;
}

async function ocrExpected(images: Float32Array, rows: number, width: number): Promise<Float32Array> {
  const outputs = await ocrReference.run({ x: { shape: [rows, 3, 48, width], data: images } });
  return outputs[OCR_OUTPUT]!;
}

describe('predict with JSON data', () => {
  it('should classify glyphs with the same probabilities as onnxruntime run directly', async () => {
    const { pixels } = generateGlyphs({ count: 4, seed: 101 });
    const result = await predict({ model: 'glyphs', inputs: [{ name: 'pixels', shape: [4, GLYPH_PIXELS], data: Array.from(pixels) }] });
    expect(result.model).toBe('glyphs');
    expect(result.version).toBe('1');
    expect(result.outputs).toHaveLength(1);
    const [output] = result.outputs;
    expect(output).toMatchObject({ name: 'probabilities', dataType: 'FP32', shape: [4, 10] });
    expectClose(output!.data, await glyphsExpected(pixels, 4));
  });

  it('should classify text line direction with the same scores as onnxruntime run directly', async () => {
    const images = ocrImages(2, 192, 102);
    const result = await predict({ model: 'ocr-direction', inputs: [{ name: 'x', shape: [2, 3, 48, 192], data: Array.from(images) }] });
    expect(result.outputs).toHaveLength(1);
    expect(result.outputs[0]).toMatchObject({ name: OCR_OUTPUT, dataType: 'FP32', shape: [2, 2] });
    expectClose(result.outputs[0]!.data, await ocrExpected(images, 2, 192));
  });
});

describe('predict with base64 bytes', () => {
  it('should classify glyphs from base64 as onnxruntime does', async () => {
    const { pixels } = generateGlyphs({ count: 3, seed: 103 });
    const result = await predict({
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [3, GLYPH_PIXELS], base64: float32ToBase64(pixels) }],
    });
    expect(result.outputs[0]!.shape).toEqual([3, 10]);
    expectClose(result.outputs[0]!.data, await glyphsExpected(pixels, 3));
  });

  it('should classify text line direction from base64 as onnxruntime does', async () => {
    const images = ocrImages(3, 192, 104);
    const result = await predict({
      model: 'ocr-direction',
      inputs: [{ name: 'x', shape: [3, 3, 48, 192], base64: float32ToBase64(images) }],
    });
    expect(result.outputs[0]!.shape).toEqual([3, 2]);
    expectClose(result.outputs[0]!.data, await ocrExpected(images, 3, 192));
  });

  it('should give the same numbers for the same tensor sent as data and as base64', async () => {
    const { pixels } = generateGlyphs({ count: 2, seed: 105 });
    const fromData = await predict({ model: 'glyphs', inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], data: Array.from(pixels) }] });
    const fromBase64 = await predict({
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], base64: float32ToBase64(pixels) }],
    });
    expect(fromBase64.outputs).toEqual(fromData.outputs);
  });
});

describe('predict with a multipart file', () => {
  it('should classify glyphs from a binary part of a GraphQL multipart request as onnxruntime does', async () => {
    const { pixels } = generateGlyphs({ count: 5, seed: 106 });
    const { status, data, errors } = await postMultipart(
      server.url,
      PredictDocument,
      { input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [5, GLYPH_PIXELS], file: null }] } },
      [{ path: 'input.inputs.0.file', bytes: float32Bytes(pixels) }],
    );
    expect(errors).toBeUndefined();
    expect(status).toBe(200);
    expect(data!.predict.outputs[0]).toMatchObject({ name: 'probabilities', shape: [5, 10] });
    expectClose(data!.predict.outputs[0]!.data, await glyphsExpected(pixels, 5));
  });

  it('should classify text line direction from a binary part as onnxruntime does', async () => {
    const images = ocrImages(4, 192, 107);
    const { status, data, errors } = await postMultipart(
      server.url,
      PredictDocument,
      { input: { model: 'ocr-direction', inputs: [{ name: 'x', shape: [4, 3, 48, 192], file: null }] } },
      [{ path: 'input.inputs.0.file', bytes: float32Bytes(images) }],
    );
    expect(errors).toBeUndefined();
    expect(status).toBe(200);
    expect(data!.predict.outputs[0]!.shape).toEqual([4, 2]);
    expectClose(data!.predict.outputs[0]!.data, await ocrExpected(images, 4, 192));
  });
});

describe('outputs', () => {
  it('should compute the outputs asked for by name', async () => {
    const { pixels } = generateGlyphs({ count: 1, seed: 108 });
    const result = await predict({
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }],
      outputs: ['probabilities'],
    });
    expect(result.outputs.map((output) => output.name)).toEqual(['probabilities']);
    expectClose(result.outputs[0]!.data, await glyphsExpected(pixels, 1));
  });

  it('should encode a base64 output as the same floats as its data', async () => {
    const images = ocrImages(2, 96, 109);
    const { data, errors } = await server.graphql(PredictEncodingsDocument, {
      input: { model: 'ocr-direction', inputs: [{ name: 'x', shape: [2, 3, 48, 96], base64: float32ToBase64(images) }] },
    });
    expect(errors).toBeUndefined();
    const [output] = data!.predict.outputs;
    expect(Array.from(float32FromBase64(output!.base64))).toEqual(output!.data);
    expectClose(output!.data, await ocrExpected(images, 2, 96));
  });

  it('should answer with base64 alone when only base64 is selected', async () => {
    const { pixels } = generateGlyphs({ count: 2, seed: 110 });
    const { data, errors } = await server.graphql(PredictBase64Document, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], base64: float32ToBase64(pixels) }] },
    });
    expect(errors).toBeUndefined();
    const [output] = data!.predict.outputs;
    expect(output).toMatchObject({ name: 'probabilities', dataType: 'FP32', shape: [2, 10] });
    expectClose(float32FromBase64(output!.base64), await glyphsExpected(pixels, 2));
  });
});

describe('labels', () => {
  it('should name the digits drawn in labelled glyph samples as the best classes', async () => {
    const count = 48;
    const { pixels, labels } = generateGlyphs({ count, seed: 2026 });
    const { data, errors } = await server.graphql(PredictTopKDocument, {
      input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [count, GLYPH_PIXELS], base64: float32ToBase64(pixels) }] },
      k: 3,
    });
    expect(errors).toBeUndefined();
    const [output] = data!.predict.outputs;
    const topK = output!.topK!;
    expect(topK).toHaveLength(count);
    const reference = argmaxRows(await glyphsExpected(pixels, count), 10);
    topK.forEach((row, n) => {
      expect(row).toHaveLength(3);
      expect(row.map((entry) => entry.score)).toEqual([...row.map((entry) => entry.score)].sort((a, b) => b - a));
      for (const entry of row) {
        expect(entry.label).toBe(String(entry.index));
        expect(entry.score).toBe(output!.data[n * 10 + entry.index]);
      }
      expect(row[0]!.index).toBe(reference[n]);
    });
    // The model scores ~99% on held-out samples; the labels it names must be the digits drawn.
    const correct = topK.filter((row, n) => row[0]!.label === String(labels[n])).length;
    expect(correct / count).toBeGreaterThanOrEqual(0.9);
  });

  it('should give every class of a two-class model when k is larger', async () => {
    const images = ocrImages(1, 192, 111);
    const { data, errors } = await server.graphql(PredictTopKDocument, {
      input: { model: 'ocr-direction', inputs: [{ name: 'x', shape: [1, 3, 48, 192], base64: float32ToBase64(images) }] },
      k: 5,
    });
    expect(errors).toBeUndefined();
    const [row] = data!.predict.outputs[0]!.topK!;
    expect(row!.map((entry) => entry.label).sort()).toEqual(['0', '180']);
    expect(row![0]!.score).toBeGreaterThanOrEqual(row![1]!.score);
  });
});

describe('timing', () => {
  it('should report queue, compute and total times and the batch size a request rode in', async () => {
    const { pixels } = generateGlyphs({ count: 3, seed: 112 });
    const { timing } = await predict({ model: 'glyphs', inputs: [{ name: 'pixels', shape: [3, GLYPH_PIXELS], data: Array.from(pixels) }] });
    for (const value of [timing.queueMs, timing.computeMs, timing.totalMs]) {
      expect(Number.isFinite(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
    expect(timing.totalMs).toBeGreaterThanOrEqual(timing.computeMs);
    expect(timing.batchSize).toBe(3);
  });
});

describe('dynamic batching', () => {
  it('should answer 32 concurrent requests each with its own rows', async () => {
    const count = 32;
    const { pixels } = generateGlyphs({ count, seed: 113 });
    const expected = await glyphsExpected(pixels, count);
    const before = await statsOf(server, 'glyphs');
    const results = await Promise.all(Array.from({ length: count }, (_, n) => predict(glyphRow('glyphs', pixels, n))));
    results.forEach((result, n) => {
      expect(result.outputs[0]!.shape).toEqual([1, 10]);
      expectClose(result.outputs[0]!.data, expected.subarray(n * 10, (n + 1) * 10));
    });
    const after = await statsOf(server, 'glyphs');
    expect(after.requests - before.requests).toBe(count);
    expect(after.items - before.items).toBe(count);
    expect(after.batches - before.batches).toBeLessThanOrEqual(count);
    expect(after.failures).toBe(before.failures);
    expect(after.meanBatchSize).toBeCloseTo(after.items / after.batches, 10);
    expect(after).toMatchObject({ queued: 0, inFlight: 0 });
  });

  it('should run a model without a batch dim one request at a time, answering each correctly', async () => {
    const { data } = await server.graphql(ModelDetailsDocument, { name: 'glyphs-unbatched' });
    expect(data!.model!.versions[0]!.maxBatchSize).toBe(0);

    const count = 8;
    const { pixels } = generateGlyphs({ count, seed: 114 });
    const expected = await glyphsExpected(pixels, count);
    const results = await Promise.all(Array.from({ length: count }, (_, n) => predict(glyphRow('glyphs-unbatched', pixels, n))));
    results.forEach((result, n) => {
      expect(result.timing.batchSize).toBe(1);
      expectClose(result.outputs[0]!.data, expected.subarray(n * 10, (n + 1) * 10));
    });
    const stats = await statsOf(server, 'glyphs-unbatched');
    expect(stats).toMatchObject({ requests: count, batches: count, items: count, meanBatchSize: 1, failures: 0 });
  });

  it('should answer a burst of mixed image widths that waited together, each as onnxruntime does', async () => {
    // A slow request holds the one worker of this copy, so the burst gathers in one batch of two widths.
    const busy = await keepWorkerBusy(server, 'ocr-single', SLOW_OCR_IMAGE);
    const widths = [192, 96, 192, 96, 96, 192, 96, 192];
    const images = widths.map((width, n) => ocrImages(2, width, 200 + n));
    const results = await Promise.all(
      images.map((image, n) =>
        predict({ model: 'ocr-single', inputs: [{ name: 'x', shape: [2, 3, 48, widths[n]!], base64: float32ToBase64(image) }] }),
      ),
    );
    expect((await busy.answer).errors).toBeUndefined();
    const expected = await Promise.all(images.map((image, n) => ocrExpected(image, 2, widths[n]!)));
    results.forEach((result, n) => {
      expect(result.outputs[0]!.shape).toEqual([2, 2]);
      expectClose(result.outputs[0]!.data, expected[n]!);
      // A run holds one width only: at most the 4 requests × 2 rows of that width.
      expect(result.timing.batchSize).toBeLessThanOrEqual(8);
    });
    expect(results.some((result) => result.timing.batchSize > 2)).toBe(true);
  });
});
