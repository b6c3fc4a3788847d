/**
 * Every datatype through the whole v2 path a tensor takes: a request body, parseInferRequest, the predictor's
 * decodeInputs, and encodeInferResponse, in JSON and in binary. What comes back must be what went in.
 */
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeInputs } from '../../../src/batching/decode-inputs.ts';
import { halfBitsToFloat } from '../../../src/runtime/fp16.ts';
import { BYTES_PER_ELEMENT, DATA_TYPES, type DataType } from '../../../src/runtime/tensor.ts';
import { fromV2DataType, toV2DataType, V2_DATA_TYPES } from '../../../src/server/open-inference/v2-datatypes.ts';
import { parseInferRequest } from '../../../src/server/open-inference/v2-request.ts';
import { encodeInferResponse } from '../../../src/server/open-inference/v2-response.ts';
import { CONTEXT, caught, LIMITS, lengthPrefixed, servedVersion, withBinary } from './v2-bodies.ts';

/** onnxruntime-node cannot pass BF16, so the predictor refuses it (see the last test); every other type is served. */
type Served = Exclude<DataType, 'BF16'>;
const SERVED = DATA_TYPES.filter((dataType): dataType is Served => dataType !== 'BF16');
const model = servedVersion(SERVED.map((dataType) => ({ name: `t_${dataType}`, dataType, shape: [-1] })));

const integer = (min: number, max: number) => fc.integer({ min, max }).map(String);
const bigInteger = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map(String);
const FLOAT_WORDS = fc.constantFrom('"NaN"', '"Infinity"', '"-Infinity"');

/** One element as a client writes it in JSON text: numbers in JavaScript's shortest form, 64-bit integers in full. */
const JSON_ELEMENT: Record<Served, fc.Arbitrary<string>> = {
  BOOL: fc.boolean().map(String),
  UINT8: integer(0, 0xff),
  INT8: integer(-0x80, 0x7f),
  UINT16: integer(0, 0xffff),
  INT16: integer(-0x8000, 0x7fff),
  UINT32: integer(0, 0xffff_ffff),
  INT32: integer(-0x8000_0000, 0x7fff_ffff),
  UINT64: bigInteger(0n, 2n ** 64n - 1n),
  INT64: bigInteger(-(2n ** 63n), 2n ** 63n - 1n),
  FP16: fc.oneof(
    fc
      .integer({ min: 0, max: 0xffff })
      .map(halfBitsToFloat)
      .filter(Number.isFinite)
      .map((value) => JSON.stringify(value)),
    FLOAT_WORDS,
  ),
  FP32: fc.oneof(
    fc.float({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
    FLOAT_WORDS,
  ),
  FP64: fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => JSON.stringify(value)),
    FLOAT_WORDS,
  ),
  STRING: fc.string({ unit: 'binary' }).map((value) => JSON.stringify(value)),
};

/** Raw little-endian bytes of some elements: any bit pattern, NaN payloads included; BOOL bytes are 0 or 1. */
function binaryElements(dataType: Served): fc.Arbitrary<{ count: number; bytes: Uint8Array }> {
  if (dataType === 'STRING') {
    return fc.array(fc.string({ unit: 'binary' }), { maxLength: 8 }).map((strings) => ({
      count: strings.length,
      bytes: lengthPrefixed(strings.map((text) => new TextEncoder().encode(text))),
    }));
  }
  if (dataType === 'BOOL') {
    return fc.array(fc.constantFrom(0, 1), { maxLength: 8 }).map((bits) => ({ count: bits.length, bytes: Uint8Array.from(bits) }));
  }
  const size = BYTES_PER_ELEMENT[dataType];
  return fc
    .integer({ min: 0, max: 8 })
    .chain((count) => fc.uint8Array({ minLength: count * size, maxLength: count * size }).map((bytes) => ({ count, bytes })));
}

/** The JSON text of each element of each output's `data`, numbers exactly as written (JSON.parse would round 64-bit ones). */
function dataTexts(json: string): Record<string, string[]> {
  const numberText = (_key: string, value: unknown, context?: { source?: string }) =>
    typeof value === 'number' ? { literal: context!.source! } : value;
  const { outputs } = JSON.parse(json, numberText) as { outputs: { name: string; data: unknown[] }[] };
  const text = (element: unknown) => (typeof element === 'object' ? (element as { literal: string }).literal : JSON.stringify(element));
  return Object.fromEntries(outputs.map(({ name, data }) => [name, data.map(text)]));
}

const infer = (inputs: ReturnType<typeof parseInferRequest>['inputs'], binary: boolean) =>
  encodeInferResponse({
    modelName: 'm',
    modelVersion: '1',
    outputs: Object.entries(decodeInputs(model, inputs, LIMITS).inputs).map(([name, tensor]) => ({ name, tensor })),
    binary: () => binary,
  });

describe('datatype names', () => {
  it('should name every data type as the protocol does, BYTES for STRING, and read each name back', () => {
    expect(V2_DATA_TYPES).toEqual(DATA_TYPES.map((dataType) => (dataType === 'STRING' ? 'BYTES' : dataType)));
    for (const dataType of DATA_TYPES) expect(fromV2DataType(toV2DataType(dataType))).toBe(dataType);
    expect(fromV2DataType('STRING')).toBeUndefined();
  });
});

describe('round trips', () => {
  it('should answer every datatype sent as JSON with the same JSON elements', () => {
    const tensors = fc.record(
      Object.fromEntries(SERVED.map((dataType) => [dataType, fc.array(JSON_ELEMENT[dataType], { maxLength: 8 })])) as Record<
        Served,
        fc.Arbitrary<string[]>
      >,
    );
    fc.assert(
      fc.property(tensors, (elements) => {
        const inputs = SERVED.map(
          (dataType) =>
            `{"name":"t_${dataType}","shape":[${elements[dataType].length}],"datatype":"${toV2DataType(dataType)}",` +
            `"data":[${elements[dataType].join(',')}]}`,
        );
        const request = parseInferRequest(Buffer.from(`{"inputs":[${inputs.join(',')}]}`), null, CONTEXT);
        const response = infer(request.inputs, false);
        expect(response.contentType).toBe('application/json');
        expect(dataTexts(response.body as string)).toEqual(
          Object.fromEntries(SERVED.map((dataType) => [`t_${dataType}`, elements[dataType]])),
        );
      }),
    );
  });

  it('should answer every datatype sent as binary data with the same bytes, byte for byte and in order', () => {
    const tensors = fc.tuple(...SERVED.map(binaryElements));
    fc.assert(
      fc.property(tensors, (elements) => {
        const header = {
          inputs: SERVED.map((dataType, index) => ({
            name: `t_${dataType}`,
            shape: [elements[index]!.count],
            datatype: toV2DataType(dataType),
            parameters: { binary_data_size: elements[index]!.bytes.byteLength },
          })),
        };
        const { body, headerLength } = withBinary(header, ...elements.map(({ bytes }) => bytes));
        const response = infer(parseInferRequest(body, headerLength, CONTEXT).inputs, true);
        expect(response.contentType).toBe('application/octet-stream');
        const answer = response.body as Uint8Array;
        const { outputs } = JSON.parse(Buffer.from(answer.subarray(0, response.headerLength!)).toString('utf8'));
        expect(outputs).toEqual(header.inputs);
        expect(Buffer.from(answer.subarray(response.headerLength!))).toEqual(Buffer.from(body.subarray(headerLength)));
      }),
    );
  });

  it('should answer nested JSON data with the flat row-major list of the same elements', () => {
    const fp64 = servedVersion([{ name: 'x', dataType: 'FP64', shape: [-1, -1] }]);
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
    const size = fc.integer({ min: 1, max: 4 });
    const matrices = fc
      .tuple(size, size)
      .chain(([rows, columns]) =>
        fc.array(fc.array(finite, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }),
      );
    fc.assert(
      fc.property(matrices, (matrix) => {
        const text = JSON.stringify({ inputs: [{ name: 'x', shape: [matrix.length, matrix[0]!.length], datatype: 'FP64', data: matrix }] });
        const { inputs } = decodeInputs(fp64, parseInferRequest(Buffer.from(text), null, CONTEXT).inputs, LIMITS);
        const response = encodeInferResponse({
          modelName: 'm',
          modelVersion: '1',
          outputs: [{ name: 'x', tensor: inputs.x! }],
          binary: () => false,
        });
        const [output] = JSON.parse(response.body as string).outputs;
        expect(output.shape).toEqual([matrix.length, matrix[0]!.length]);
        expect(output.data).toEqual(JSON.parse(JSON.stringify(matrix.flat())));
      }),
    );
  });

  it('should refuse BF16 naming the tensor, as the predictor does any BF16 input', () => {
    const bf16 = servedVersion([{ name: 'x', dataType: 'BF16', shape: [1] }]);
    const { body, headerLength } = withBinary(
      { inputs: [{ name: 'x', shape: [1], datatype: 'BF16', parameters: { binary_data_size: 2 } }] },
      Uint8Array.of(0x80, 0x3f),
    );
    const error = caught('INVALID_TENSOR', () => decodeInputs(bf16, parseInferRequest(body, headerLength, CONTEXT).inputs, LIMITS));
    expect(error.message).toBe('input "x" of model "m" v1: BF16 is not supported, since onnxruntime-node cannot pass bfloat16 tensors');
    expect(error.details).toEqual({ tensor: 'x' });
  });
});
