import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../src/runtime/tensor.ts';
import { encodeInferResponse } from '../../../src/server/open-inference/v2-response.ts';
import { lengthPrefixed } from './v2-bodies.ts';

const OUTPUT0: Tensor = { dataType: 'FP32', shape: [3, 2], data: Float32Array.of(1.0, 1.1, 2.0, 2.1, 3.0, 3.1) };

/** The JSON header and the binary section of a binary response, split where Inference-Header-Content-Length says. */
function split(body: Uint8Array | string, headerLength: number | null): { header: unknown; binary: Uint8Array } {
  if (typeof body === 'string' || headerLength === null) throw new Error('expected a binary body with a header length');
  return { header: JSON.parse(Buffer.from(body.subarray(0, headerLength)).toString('utf8')), binary: body.subarray(headerLength) };
}

describe("the protocol's own examples", () => {
  it('should answer the JSON example: output0 as a [3,2] FP32 list, with the request id', () => {
    // kserve/open-inference-protocol, inference_rest.md, "Inference Request Examples": the response to the example
    // request, whose model returns a [ 3, 2 ] FP32 tensor.
    const encoded = encodeInferResponse({
      modelName: 'mymodel',
      modelVersion: '1',
      id: '42',
      outputs: [{ name: 'output0', tensor: OUTPUT0 }],
      binary: () => false,
    });
    expect(encoded.contentType).toBe('application/json');
    expect(encoded.headerLength).toBeNull();
    expect(JSON.parse(encoded.body as string)).toEqual({
      model_name: 'mymodel',
      model_version: '1',
      id: '42',
      // The example's "data" : [ 1.0, 1.1, 2.0, 2.1, 3.0, 3.1 ], as the FP32 values they round to.
      outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', data: [1.0, 1.1, 2.0, 2.1, 3.0, 3.1].map(Math.fround) }],
    });
  });

  it('should answer the binary data example: binary_data_size 24 in the JSON, then the 24 bytes', () => {
    // triton-inference-server/server, docs/protocol/extension_binary_data.md, "Examples".
    const encoded = encodeInferResponse({
      modelName: 'mymodel',
      modelVersion: '1',
      outputs: [{ name: 'output0', tensor: OUTPUT0 }],
      binary: (name) => name === 'output0',
    });
    expect(encoded.contentType).toBe('application/octet-stream');
    const { header, binary } = split(encoded.body, encoded.headerLength);
    expect(header).toEqual({
      model_name: 'mymodel',
      model_version: '1',
      outputs: [{ name: 'output0', shape: [3, 2], datatype: 'FP32', parameters: { binary_data_size: 24 } }],
    });
    expect(new Float32Array(binary.slice().buffer)).toEqual(OUTPUT0.data);
    expect(binary.byteLength).toBe(24);
  });
});

describe('encodeInferResponse', () => {
  it('should write JSON and binary outputs side by side, the binary ones in output order after the header', () => {
    const strings = ['', 'ü', '日本', '🦊'];
    const encoded = encodeInferResponse({
      modelName: 'ocr',
      modelVersion: '3',
      id: 'ré-1',
      parameters: { sequence_id: 5 },
      outputs: [
        { name: 'text', tensor: { dataType: 'STRING', shape: [2, 2], data: strings } },
        { name: 'valid', tensor: { dataType: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) } },
        { name: 'ids', tensor: { dataType: 'INT16', shape: [2], data: Int16Array.of(-2, 300) } },
      ],
      binary: (name) => name !== 'valid',
    });
    const { header, binary } = split(encoded.body, encoded.headerLength);
    expect(header).toEqual({
      model_name: 'ocr',
      model_version: '3',
      id: 'ré-1',
      parameters: { sequence_id: 5 },
      outputs: [
        { name: 'text', datatype: 'BYTES', shape: [2, 2], parameters: { binary_data_size: 4 * 4 + 0 + 2 + 6 + 4 } },
        { name: 'valid', datatype: 'BOOL', shape: [3], data: [true, false, true] },
        { name: 'ids', datatype: 'INT16', shape: [2], parameters: { binary_data_size: 4 } },
      ],
    });
    const utf8 = strings.map((text) => new TextEncoder().encode(text));
    expect(Buffer.from(binary)).toEqual(Buffer.concat([lengthPrefixed(utf8), Uint8Array.of(0xfe, 0xff, 0x2c, 0x01)]));
  });

  it('should count the header length in bytes, not characters', () => {
    const encoded = encodeInferResponse({
      modelName: 'mödel',
      modelVersion: '1',
      outputs: [{ name: '出力', tensor: { dataType: 'UINT8', shape: [1], data: Uint8Array.of(9) } }],
      binary: () => true,
    });
    const body = encoded.body as Uint8Array;
    expect(body[encoded.headerLength! - 1]).toBe('}'.charCodeAt(0));
    expect(body.subarray(encoded.headerLength!)).toEqual(Uint8Array.of(9));
  });

  it('should write INT64 and UINT64 past 2^53 as exact JSON numbers, FP16 as numbers and BOOL as booleans', () => {
    const encoded = encodeInferResponse({
      modelName: 'm',
      modelVersion: '1',
      outputs: [
        { name: 'i', tensor: { dataType: 'INT64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 9007199254740993n, -5n) } },
        { name: 'u', tensor: { dataType: 'UINT64', shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) } },
        { name: 'h', tensor: { dataType: 'FP16', shape: [2], data: Uint16Array.of(0x3c00, 0x3555) } },
        { name: 'b', tensor: { dataType: 'BOOL', shape: [1], data: Uint8Array.of(0) } },
      ],
      binary: () => false,
    });
    const text = encoded.body as string;
    expect(text).toContain('"data":[-9223372036854775808,9007199254740993,-5]');
    expect(text).toContain('"data":[18446744073709551615]');
    expect(text).toContain('"data":[1,0.333251953125]');
    expect(text).toContain('"data":[false]');
  });
});
