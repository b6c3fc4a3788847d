import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeInputs } from '../../../src/batching/decode-inputs.ts';
import { isBinaryOutput, parseInferRequest } from '../../../src/server/open-inference/v2-request.ts';
import { CONTEXT, caught, jsonBody, LIMITS, lengthPrefixed, servedVersion, withBinary } from './v2-bodies.ts';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe("the protocol's own examples", () => {
  // kserve/open-inference-protocol, specification/protocol/inference_rest.md, "Inference Request Examples", verbatim.
  const SPEC_REQUEST = `{
      "id" : "42",
      "inputs" : [
        {
          "name" : "input0",
          "shape" : [ 2, 2 ],
          "datatype" : "UINT32",
          "data" : [ 1, 2, 3, 4 ]
        },
        {
          "name" : "input1",
          "shape" : [ 3 ],
          "datatype" : "BOOL",
          "data" : [ true ]
        }
      ],
      "outputs" : [
        {
          "name" : "output0"
        }
      ]
    }`;
  const specModel = servedVersion([
    { name: 'input0', dataType: 'UINT32', shape: [2, 2] },
    { name: 'input1', dataType: 'BOOL', shape: [3] },
  ]);

  it('should read the JSON example request: its id, its tensors and the output it asks for as JSON', () => {
    const request = parseInferRequest(jsonBody(SPEC_REQUEST), null, CONTEXT);
    expect(request.id).toBe('42');
    expect(request.outputs).toEqual([{ name: 'output0', binary: false }]);
    expect(isBinaryOutput(request, 'output0')).toBe(false);
    // The example gives input1 one element for its shape [3]; the predictor refuses it as it refuses the same GraphQL input.
    const error = caught('INVALID_TENSOR', () => decodeInputs(specModel, request.inputs, LIMITS));
    expect(error.message).toBe('input "input1" of model "m" v1: shape [3] holds 3 elements, got 1');
    expect(error.details).toEqual({ tensor: 'input1' });
    const [input0] = request.inputs;
    expect(decodeInputs(specModel, [input0!, { ...request.inputs[1]!, data: [true, false, true] }], LIMITS).inputs).toEqual({
      input0: { dataType: 'UINT32', shape: [2, 2], data: Uint32Array.of(1, 2, 3, 4) },
      input1: { dataType: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    });
  });

  it('should read the binary data example request: 16 bytes for input0, 3 for input1, output0 asked as binary', () => {
    // triton-inference-server/server, docs/protocol/extension_binary_data.md, "Examples".
    const header = {
      model_name: 'mymodel',
      inputs: [
        { name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: 16 } },
        { name: 'input1', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
      ],
      outputs: [{ name: 'output0', parameters: { binary_data: true } }],
    };
    const input0 = new Uint8Array(Uint32Array.of(7, 0xffff_ffff, 0, 1 << 31).buffer);
    const { body, headerLength } = withBinary(header, input0, Uint8Array.of(1, 0, 1));
    expect(body.byteLength - headerLength).toBe(19);

    const request = parseInferRequest(body, headerLength, CONTEXT);
    expect(request.outputs).toEqual([{ name: 'output0', binary: true }]);
    expect(decodeInputs(specModel, request.inputs, LIMITS).inputs).toEqual({
      input0: { dataType: 'UINT32', shape: [2, 2], data: Uint32Array.of(7, 0xffff_ffff, 0, 1 << 31) },
      input1: { dataType: 'BOOL', shape: [3], data: Uint8Array.of(1, 0, 1) },
    });
  });
});

describe('JSON data', () => {
  it('should take nested data as the row-major flattened list', () => {
    const model = servedVersion([{ name: 'x', dataType: 'FP32', shape: [2, 2, 2] }]);
    const text = '{"inputs":[{"name":"x","shape":[2,2,2],"datatype":"FP32","data":[[[1,2],[3,4]],[[5,6],[7,8]]]}]}';
    const { inputs } = parseInferRequest(jsonBody(text), null, CONTEXT);
    expect(decodeInputs(model, inputs, LIMITS).inputs.x!.data).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  });

  it('should flatten data nested far deeper than the call stack goes', () => {
    const depth = 200_000;
    const text = `{"inputs":[{"name":"x","shape":[1],"datatype":"INT32","data":${'['.repeat(depth)}5${']'.repeat(depth)}}]}`;
    const { inputs } = parseInferRequest(jsonBody(text), null, CONTEXT);
    expect(inputs[0]!.data).toEqual([5]);
  });

  it('should read BYTES as strings, empty and multi-byte UTF-8 among them', () => {
    const model = servedVersion([{ name: 'text', dataType: 'STRING', shape: [-1] }]);
    const strings = ['', 'héllo', '日本語', '🦊', 'a\u0000b'];
    const text = JSON.stringify({ inputs: [{ name: 'text', shape: [5], datatype: 'BYTES', data: strings }] });
    const { inputs } = parseInferRequest(jsonBody(text), null, CONTEXT);
    expect(decodeInputs(model, inputs, LIMITS).inputs.text).toEqual({ dataType: 'STRING', shape: [5], data: strings });
  });

  it('should keep every digit of INT64 and UINT64 elements written as JSON numbers past 2^53, as Triton clients write them', () => {
    const ids = servedVersion([{ name: 'ids', dataType: 'INT64', shape: [-1] }]);
    const hashes = servedVersion([{ name: 'hashes', dataType: 'UINT64', shape: [-1] }]);
    const text =
      '{"inputs":[{"name":"ids","shape":[3],"datatype":"INT64","data":[-9223372036854775808,9007199254740993,[7]]},' +
      '{"name":"hashes","shape":[2],"datatype":"UINT64","data":[18446744073709551615,1.5e3]}]}';
    const { inputs } = parseInferRequest(jsonBody(text), null, CONTEXT);
    expect(decodeInputs(ids, [inputs[0]!], LIMITS).inputs.ids!.data).toEqual(
      BigInt64Array.of(-9223372036854775808n, 9007199254740993n, 7n),
    );
    expect(decodeInputs(hashes, [inputs[1]!], LIMITS).inputs.hashes!.data).toEqual(BigUint64Array.of(2n ** 64n - 1n, 1500n));
    // 1e20 is not an integer literal and past 2^53 no double is trusted: refused in the codec's words, as in GraphQL.
    const inexact = '{"inputs":[{"name":"hashes","shape":[1],"datatype":"UINT64","data":[1e20]}]}';
    const error = caught('INVALID_TENSOR', () => decodeInputs(hashes, parseInferRequest(jsonBody(inexact), null, CONTEXT).inputs, LIMITS));
    expect(error.message).toMatch(/^input "hashes" of model "m" v1: element 0 is 100000000000000000000, expected a UINT64/);
  });

  it('should read the request id, its parameters and binary_data_output, which a named output may override', () => {
    const text = JSON.stringify({
      id: 'req-7',
      parameters: { binary_data_output: true, priority: 2 },
      inputs: [],
      outputs: [{ name: 'scores' }, { name: 'labels', parameters: { binary_data: false } }],
    });
    const request = parseInferRequest(jsonBody(text), null, CONTEXT);
    expect(request).toEqual({
      id: 'req-7',
      parameters: { binary_data_output: true, priority: 2 },
      inputs: [],
      outputs: [
        { name: 'scores', binary: true },
        { name: 'labels', binary: false },
      ],
      binaryOutputs: true,
    });
    expect(isBinaryOutput(request, 'labels')).toBe(false);
    expect(isBinaryOutput(request, 'scores')).toBe(true);
    expect(isBinaryOutput(parseInferRequest(jsonBody('{"inputs":[]}'), null, CONTEXT), 'scores')).toBe(false);
  });
});

describe('binary data', () => {
  it('should cut the binary section among binary inputs in order, with JSON inputs between them', () => {
    const model = servedVersion([
      { name: 'a', dataType: 'FP16', shape: [2] },
      { name: 'b', dataType: 'INT8', shape: [2] },
      { name: 'c', dataType: 'STRING', shape: [3] },
    ]);
    const strings = ['', 'ü', '日本'];
    const header = {
      inputs: [
        { name: 'a', shape: [2], datatype: 'FP16', parameters: { binary_data_size: 4 } },
        { name: 'b', shape: [2], datatype: 'INT8', data: [-1, 2] },
        { name: 'c', shape: [3], datatype: 'BYTES', parameters: { binary_data_size: 4 * 3 + 0 + 2 + 6 } },
      ],
    };
    const { body, headerLength } = withBinary(header, Uint8Array.of(0x00, 0x3c, 0x00, 0xc0), lengthPrefixed(strings.map(utf8)));
    const { inputs } = decodeInputs(model, parseInferRequest(body, headerLength, CONTEXT).inputs, LIMITS);
    expect(inputs).toEqual({
      a: { dataType: 'FP16', shape: [2], data: Uint16Array.of(0x3c00, 0xc000) },
      b: { dataType: 'INT8', shape: [2], data: Int8Array.of(-1, 2) },
      c: { dataType: 'STRING', shape: [3], data: strings },
    });
  });

  it('should refuse BYTES elements that are not UTF-8, since infergraph holds them as strings', () => {
    const model = servedVersion([{ name: 'blob', dataType: 'STRING', shape: [1] }]);
    const element = Uint8Array.of(0xff, 0x00, 0xfe);
    const header = { inputs: [{ name: 'blob', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 7 } }] };
    const { body, headerLength } = withBinary(header, lengthPrefixed([element]));
    const { inputs } = parseInferRequest(body, headerLength, CONTEXT);
    const error = caught('INVALID_TENSOR', () => decodeInputs(model, inputs, LIMITS));
    expect(error.message).toBe('input "blob" of model "m" v1: element 0 is not valid UTF-8, expected a STRING');
    expect(error.details).toEqual({ tensor: 'blob' });
  });

  it('should take a header length equal to the body as a body with no binary section', () => {
    const text = '{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[0.25]}]}';
    const { inputs } = parseInferRequest(jsonBody(text), Buffer.byteLength(text), CONTEXT);
    expect(inputs).toEqual([{ name: 'x', dataType: 'FP64', shape: [1], data: [0.25] }]);
  });
});

describe('errors', () => {
  const x = servedVersion([{ name: 'x', dataType: 'FP32', shape: [2, 2] }]);

  it('should answer INVALID_ARGUMENT for a body that is not JSON, hinting at the header a binary body needs', () => {
    const error = caught('INVALID_ARGUMENT', () => parseInferRequest(jsonBody('{"inputs": [}'), null, CONTEXT));
    expect(error.message).toMatch(
      /^model "m" v1: the request is not valid JSON \(.+\); a body with binary tensor data needs the Inference-Header-Content-Length header$/,
    );
    const { body } = withBinary({ inputs: [] }, Uint8Array.of(1, 2));
    expect(caught('INVALID_ARGUMENT', () => parseInferRequest(body, null, CONTEXT)).message).toMatch(/not valid JSON/);
  });

  it('should answer INVALID_ARGUMENT for a header that is not UTF-8', () => {
    const body = Uint8Array.of(0x7b, 0xff, 0x7d);
    expect(caught('INVALID_ARGUMENT', () => parseInferRequest(body, 3, CONTEXT)).message).toBe(
      'model "m" v1: the request\'s JSON is not valid UTF-8',
    );
  });

  it('should answer INVALID_ARGUMENT for a header length past the body, negative or not a number', () => {
    const { body, headerLength } = withBinary({ inputs: [] });
    expect(caught('INVALID_ARGUMENT', () => parseInferRequest(body, headerLength + 1, CONTEXT)).message).toBe(
      `model "m" v1: Inference-Header-Content-Length must be a byte count within the body's ${headerLength} bytes, got ${headerLength + 1}`,
    );
    caught('INVALID_ARGUMENT', () => parseInferRequest(body, -1, CONTEXT));
    caught('INVALID_ARGUMENT', () => parseInferRequest(body, Number.NaN, CONTEXT));
  });

  it('should answer INVALID_ARGUMENT for a request without an inputs list, or that is not an object', () => {
    const message = (text: string) => caught('INVALID_ARGUMENT', () => parseInferRequest(jsonBody(text), null, CONTEXT)).message;
    expect(message('{"outputs":[]}')).toBe('model "m" v1: the request has no "inputs" list');
    expect(message('{"inputs":{"x":[1]}}')).toBe('model "m" v1: the request has no "inputs" list');
    expect(message('[]')).toBe('model "m" v1: the request must be a JSON object with an "inputs" list');
    expect(message('{"inputs":[],"id":42}')).toBe('model "m" v1: "id" must be a string');
    expect(message('{"inputs":[7]}')).toBe('model "m" v1: inputs[0] must be a JSON object');
    expect(message('{"inputs":[{"shape":[1]}]}')).toBe('model "m" v1: inputs[0] has no "name"');
    expect(message('{"inputs":[],"parameters":{"binary_data_output":"yes"}}')).toBe(
      'model "m" v1: parameters.binary_data_output must be true or false, got "yes"',
    );
    expect(message('{"inputs":[],"outputs":[{"name":"y","parameters":{"classification":3}}]}')).toBe(
      'output "y" of model "m" v1: the classification extension is not supported; ask for the tensor',
    );
  });

  it('should answer INVALID_TENSOR naming the input for an unknown datatype, STRING included', () => {
    for (const datatype of ['FLOAT32', 'STRING', 'fp32']) {
      const text = JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype, data: [1] }] });
      const error = caught('INVALID_TENSOR', () => parseInferRequest(jsonBody(text), null, CONTEXT));
      expect(error.message).toBe(
        `input "x" of model "m" v1: unknown datatype "${datatype}", expected one of ` +
          'BOOL, UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64, FP16, BF16, FP32, FP64, BYTES',
      );
      expect(error.details).toEqual({ tensor: 'x' });
    }
    const missing = '{"inputs":[{"name":"x","shape":[1],"data":[1]}]}';
    expect(caught('INVALID_TENSOR', () => parseInferRequest(jsonBody(missing), null, CONTEXT)).message).toMatch(
      /^input "x" of model "m" v1: give its "datatype", one of BOOL/,
    );
  });

  it('should answer INVALID_TENSOR naming the input for a shape that is not a list of non-negative integers', () => {
    for (const shape of ['[2,-1]', '[2.5]', '["2"]', '7', 'null']) {
      const text = `{"inputs":[{"name":"x","datatype":"FP32","shape":${shape},"data":[]}]}`;
      const error = caught('INVALID_TENSOR', () => parseInferRequest(jsonBody(text), null, CONTEXT));
      expect(error.message).toBe(`input "x" of model "m" v1: "shape" must be a list of non-negative integers, got ${shape}`);
      expect(error.details).toEqual({ tensor: 'x' });
    }
  });

  it('should answer INVALID_TENSOR naming the input when the element count does not match the shape, JSON or binary', () => {
    const json = '{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[[1,2],[3]]}]}';
    const fromJson = caught('INVALID_TENSOR', () => decodeInputs(x, parseInferRequest(jsonBody(json), null, CONTEXT).inputs, LIMITS));
    expect(fromJson.message).toBe('input "x" of model "m" v1: shape [2,2] holds 4 elements, got 3');
    expect(fromJson.details).toEqual({ tensor: 'x' });

    const header = { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 12 } }] };
    const { body, headerLength } = withBinary(header, new Uint8Array(12));
    const fromBinary = caught('INVALID_TENSOR', () => decodeInputs(x, parseInferRequest(body, headerLength, CONTEXT).inputs, LIMITS));
    expect(fromBinary.message).toBe('input "x" of model "m" v1: expected 16 bytes for 4 FP32 elements, got 12');
    expect(fromBinary.details).toEqual({ tensor: 'x' });
  });

  it('should answer INVALID_TENSOR naming the input whose binary_data_size is missing while binary bytes are left', () => {
    const header = {
      inputs: [
        { name: 'a', shape: [1], datatype: 'UINT8', parameters: { binary_data_size: 1 } },
        { name: 'b', shape: [1], datatype: 'UINT8' },
      ],
    };
    const { body, headerLength } = withBinary(header, Uint8Array.of(1, 2));
    const error = caught('INVALID_TENSOR', () => parseInferRequest(body, headerLength, CONTEXT));
    expect(error.message).toBe(
      'input "b" of model "m" v1: give its "data", or parameters.binary_data_size for binary data; ' +
        'the body has 1 bytes of binary data not yet given to an input',
    );
    expect(error.details).toEqual({ tensor: 'b' });
  });

  it('should answer INVALID_TENSOR naming the last binary input when the sizes leave bytes over', () => {
    const header = {
      inputs: [
        { name: 'a', shape: [1], datatype: 'UINT8', parameters: { binary_data_size: 1 } },
        { name: 'b', shape: [1], datatype: 'UINT8', data: [2] },
      ],
    };
    const { body, headerLength } = withBinary(header, Uint8Array.of(1, 2));
    const error = caught('INVALID_TENSOR', () => parseInferRequest(body, headerLength, CONTEXT));
    expect(error.message).toBe(
      `input "a" of model "m" v1: the inputs' parameters.binary_data_size add up to 1 bytes, ` +
        `but the body has 2 bytes after its ${headerLength}-byte JSON header`,
    );
    expect(error.details).toEqual({ tensor: 'a' });

    const allJson = withBinary({ inputs: [header.inputs[1]] }, Uint8Array.of(1));
    expect(caught('INVALID_ARGUMENT', () => parseInferRequest(allJson.body, allJson.headerLength, CONTEXT)).message).toBe(
      `model "m" v1: the body has 1 bytes after its ${allJson.headerLength}-byte JSON header, but no input gives parameters.binary_data_size`,
    );
  });

  it('should answer INVALID_TENSOR naming the input whose binary data the body cuts short', () => {
    const header = {
      inputs: [
        { name: 'a', shape: [2], datatype: 'UINT16', parameters: { binary_data_size: 4 } },
        { name: 'b', shape: [2], datatype: 'UINT16', parameters: { binary_data_size: 4 } },
      ],
    };
    const { body, headerLength } = withBinary(header, new Uint8Array(6));
    const error = caught('INVALID_TENSOR', () => parseInferRequest(body, headerLength, CONTEXT));
    expect(error.message).toBe(
      'input "b" of model "m" v1: parameters.binary_data_size says 4 bytes, ' +
        `but the body has 2 left after its ${headerLength}-byte JSON header and the binary data of the inputs before`,
    );
    expect(error.details).toEqual({ tensor: 'b' });

    const text = JSON.stringify({ inputs: [header.inputs[0]] });
    expect(caught('INVALID_TENSOR', () => parseInferRequest(jsonBody(text), null, CONTEXT)).message).toBe(
      'input "a" of model "m" v1: parameters.binary_data_size says 4 bytes, ' +
        'but the request has no Inference-Header-Content-Length header, so no binary data',
    );
  });

  it('should answer INVALID_TENSOR naming the input for data and binary_data_size both, or a bad size or data', () => {
    const message = (input: Record<string, unknown>) => {
      const text = JSON.stringify({ inputs: [{ name: 'x', shape: [1], datatype: 'UINT8', ...input }] });
      const error = caught('INVALID_TENSOR', () => parseInferRequest(jsonBody(text), null, CONTEXT));
      expect(error.details).toEqual({ tensor: 'x' });
      return error.message;
    };
    expect(message({ data: [1], parameters: { binary_data_size: 1 } })).toBe(
      'input "x" of model "m" v1: give "data" or parameters.binary_data_size, not both',
    );
    expect(message({ parameters: { binary_data_size: -4 } })).toBe(
      'input "x" of model "m" v1: parameters.binary_data_size must be a byte count, got -4',
    );
    expect(message({ data: 'AAEC' })).toBe('input "x" of model "m" v1: "data" must be a JSON list, got "AAEC"');
    expect(message({ parameters: { shared_memory_region: 'r' } })).toBe(
      'input "x" of model "m" v1: the shared-memory extension is not supported; send the data',
    );
  });

  it('should leave element checks to the predictor, with the words a GraphQL request gets', () => {
    const text = '{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP32","data":[1,2,3,"four"]}]}';
    const error = caught('INVALID_TENSOR', () => decodeInputs(x, parseInferRequest(jsonBody(text), null, CONTEXT).inputs, LIMITS));
    expect(error.message).toBe(
      'input "x" of model "m" v1: element 3 is "four", expected an FP32 (a number, or "NaN", "Infinity" or "-Infinity")',
    );
    const wrongType = '{"inputs":[{"name":"x","shape":[2,2],"datatype":"FP64","data":[1,2,3,4]}]}';
    expect(
      caught('INVALID_TENSOR', () => decodeInputs(x, parseInferRequest(jsonBody(wrongType), null, CONTEXT).inputs, LIMITS)).message,
    ).toBe('input "x" of model "m" v1: expected FP32, got FP64');
  });
});
