import { describe, expect, it } from 'vitest';
import { decodeJson, encodeBytes, toBase64 } from '../../src/runtime/codec.ts';
import type { DataType } from '../../src/runtime/tensor.ts';
import { constantModel, identityModel, lookupModel } from '../fixtures/onnx.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { ModelDocument, PredictEncodingsDocument } from '../generated/graphql.ts';

/** Four elements of each type, reaching for its extremes. */
const SAMPLES: Record<Exclude<DataType, 'BF16'>, (number | string | boolean)[]> = {
  BOOL: [true, false, true, false],
  UINT8: [0, 1, 254, 255],
  INT8: [-128, -1, 0, 127],
  UINT16: [0, 1, 65534, 65535],
  INT16: [-32768, -1, 0, 32767],
  UINT32: [0, 1, 4294967294, 4294967295],
  INT32: [-2147483648, -1, 0, 2147483647],
  UINT64: [0, 9007199254740991, '9007199254740993', '18446744073709551615'],
  INT64: ['-9223372036854775808', -1, -9007199254740991, '9223372036854775807'],
  FP16: [0.5, -2, 65504, 'NaN'],
  FP32: [1.5, '-Infinity', 'NaN', 3.4028234663852886e38],
  FP64: [Math.PI, 'Infinity', 1e-300, -2.5],
  STRING: ['', 'héllo', '日本語', 'tab\there'],
};
const TYPES = Object.keys(SAMPLES) as (keyof typeof SAMPLES)[];

const server = forSuite(() =>
  serveModels(async (repository) => {
    for (const dataType of TYPES) await repository.write(`identity-${dataType.toLowerCase()}/1/model.onnx`, identityModel(dataType));
    await repository.write('identity-bf16/1/model.onnx', identityModel('BF16'));
    await repository.write('constant/1/model.onnx', constantModel());
    await repository.write('lookup/1/model.onnx', lookupModel());
  }),
);

describe('data types over the wire', () => {
  it.each(TYPES)('should return %s elements exactly as sent, as data and as base64', async (dataType) => {
    const values = SAMPLES[dataType];
    const base64 = toBase64(encodeBytes({ dataType, shape: [1, 4], data: decodeJson(dataType, values, 'sample') }));
    const model = `identity-${dataType.toLowerCase()}`;

    const asData = await server.graphql(PredictEncodingsDocument, {
      input: { model, inputs: [{ name: 'x', shape: [1, 4], data: values }] },
    });
    expect(asData.errors).toBeUndefined();
    expect(asData.data).toMatchObject({ predict: { outputs: [{ name: 'y', dataType, shape: [1, 4], data: values, base64 }] } });

    const asBase64 = await server.graphql(PredictEncodingsDocument, {
      input: { model, inputs: [{ name: 'x', dataType, shape: [1, 4], base64 }] },
    });
    expect(asBase64.data).toMatchObject({ predict: { outputs: [{ data: values, base64 }] } });
  });

  it('should take 64-bit integers written as literals in the query exactly', async () => {
    const response = await server.graphql(`mutation {
      predict(input: { model: "identity-int64", inputs: [{ name: "x", shape: [1, 4], data: [-9223372036854775808, -1, 7, 9223372036854775807] }] }) {
        outputs { data }
      }
    }`);
    expect(response.data).toEqual({ predict: { outputs: [{ data: ['-9223372036854775808', -1, 7, '9223372036854775807'] }] } });
  });

  it('should mark a model with BF16 tensors FAILED, saying onnxruntime-node cannot pass them', async () => {
    const response = await server.graphql(ModelDocument, { name: 'identity-bf16' });
    expect(response.data?.model?.versions.map(({ state, stateReason }) => ({ state, stateReason }))).toEqual([
      {
        state: 'FAILED',
        stateReason: expect.stringMatching(/identity-bf16\/1\/model\.onnx cannot be loaded: .*BF16, which onnxruntime-node cannot pass/),
      },
    ]);
  });

  it('should refuse BF16 input tensors with INVALID_TENSOR naming the reason', async () => {
    const response = await server.graphql(PredictEncodingsDocument, {
      input: { model: 'identity-fp32', inputs: [{ name: 'x', dataType: 'BF16', shape: [1, 4], base64: 'AAAAAAAAAAA=' }] },
    });
    expect(response.errors?.[0]).toMatchObject({
      message: 'input "x" of model "identity-fp32" v1: BF16 is not supported, since onnxruntime-node cannot pass bfloat16 tensors',
      extensions: { code: 'INVALID_TENSOR' },
    });
  });
});

describe('models of unusual shape', () => {
  it('should run a model with no inputs', async () => {
    const response = await server.graphql(PredictEncodingsDocument, { input: { model: 'constant', inputs: [] } });
    expect(response.data).toMatchObject({ predict: { outputs: [{ name: 'y', shape: [3], data: [1, 2, 3] }], timing: { batchSize: 1 } } });
  });

  it('should fail only the request whose run fails and answer the others sent with it', async () => {
    const indices = [1, 2, 99, 3, 4, 5, 6, 7];
    const responses = await Promise.all(
      indices.map((index) =>
        server.graphql(PredictEncodingsDocument, { input: { model: 'lookup', inputs: [{ name: 'index', shape: [1], data: [index] }] } }),
      ),
    );
    responses.forEach((response, position) => {
      const index = indices[position]!;
      if (index === 99) {
        // A Gather index past the table: onnxruntime refuses this request's input, not the server.
        expect(response.errors?.[0]).toMatchObject({
          message: expect.stringMatching(/^model "lookup" v1: onnxruntime refused the inputs: .*out of data bounds, idx=99/),
          extensions: { code: 'INFERENCE_REJECTED' },
        });
      } else {
        expect(response.data).toMatchObject({ predict: { outputs: [{ data: [index * 10] }] } });
      }
    });
    const after = await server.graphql(PredictEncodingsDocument, {
      input: { model: 'lookup', inputs: [{ name: 'index', shape: [2], data: [8, 9] }] },
    });
    expect(after.data).toMatchObject({ predict: { outputs: [{ data: [80, 90] }] } });
  });
});
