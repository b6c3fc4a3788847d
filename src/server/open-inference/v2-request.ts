/**
 * Reads an Open Inference Protocol (KServe v2) infer request: its JSON object and, with the binary tensor data
 * extension, the bytes after it. Only the wire is checked here: the JSON, the datatype names, how the binary section
 * splits among the inputs. The tensors go on as TensorInput, `data` flattened or `bytes` cut from the body, so that
 * the predictor's decodeInputs checks them against the model (limits first, then element count and every element)
 * with the same INVALID_TENSOR errors a GraphQL request gets.
 */
import type { TensorInput } from '../../batching/decode-inputs.ts';
import { InferError } from '../../errors.ts';
import { fromV2DataType, V2_DATA_TYPES } from './v2-datatypes.ts';

export interface RequestedOutput {
  name: string;
  /** Whether it goes back as binary data: its own `binary_data`, else the request's `binary_data_output`. */
  binary: boolean;
}

export interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: TensorInput[];
  /** The outputs the request names; absent for all of the model's outputs. */
  outputs?: RequestedOutput[];
  /** `parameters.binary_data_output`: every output as binary data unless its own `binary_data` says otherwise. */
  binaryOutputs: boolean;
}

type JsonObject = Record<string, unknown>;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `headerLength` is the `Inference-Header-Content-Length` header: the first that many bytes of `body` are the JSON
 * object and the rest is the binary section, cut among the inputs that give `parameters.binary_data_size`, in their
 * order. Without it the whole body is JSON. `context` names the model in messages: `model "m" v1`.
 */
export function parseInferRequest(body: Uint8Array, headerLength: number | null, context: string): InferRequest {
  const headerEnd = headerLength ?? body.byteLength;
  if (!Number.isSafeInteger(headerEnd) || headerEnd < 0 || headerEnd > body.byteLength) {
    throw invalidArgument(
      `${context}: Inference-Header-Content-Length must be a byte count within the body's ${body.byteLength} bytes, got ${headerLength}`,
    );
  }
  const text = readText(body.subarray(0, headerEnd), context);
  const request = parseJson(text, headerLength, context);
  const { id, parameters, inputs, outputs } = request;
  if (id !== undefined && typeof id !== 'string') throw invalidArgument(`${context}: "id" must be a string`);
  if (parameters !== undefined && !isObject(parameters)) throw invalidArgument(`${context}: "parameters" must be a JSON object`);
  if (!Array.isArray(inputs)) throw invalidArgument(`${context}: the request has no "inputs" list`);
  const binaryOutputs = readBoolean(parameters?.binary_data_output, `${context}: parameters.binary_data_output`);

  const section = body.subarray(headerEnd);
  const cutter = binaryCutter(section, headerLength, context);
  // A second, slower parse keeps the digits of 64-bit integers past 2^53; only a request that has them pays for it.
  let precise: JsonObject | undefined;
  const preciseData = (index: number) => {
    precise ??= JSON.parse(text, keepIntegerDigits) as JsonObject;
    return ((precise.inputs as JsonObject[])[index] as JsonObject).data as unknown[];
  };
  const read = inputs.map((input, index) => readInput(input, index, context, cutter, preciseData));
  cutter.finish();

  return {
    ...(id === undefined ? {} : { id }),
    ...(parameters === undefined ? {} : { parameters }),
    inputs: read,
    ...(outputs === undefined ? {} : { outputs: readOutputs(outputs, binaryOutputs, context) }),
    binaryOutputs,
  };
}

/** Whether the response sends output `name` as binary data. */
export function isBinaryOutput({ outputs, binaryOutputs }: InferRequest, name: string): boolean {
  return outputs?.find((output) => output.name === name)?.binary ?? binaryOutputs;
}

function readText(header: Uint8Array, context: string): string {
  try {
    return UTF8.decode(header);
  } catch (cause) {
    throw invalidArgument(`${context}: the request's JSON is not valid UTF-8`, cause);
  }
}

function parseJson(text: string, headerLength: number | null, context: string): JsonObject {
  let request: unknown;
  try {
    request = JSON.parse(text);
  } catch (cause) {
    const hint = headerLength === null ? '; a body with binary tensor data needs the Inference-Header-Content-Length header' : '';
    throw invalidArgument(`${context}: the request is not valid JSON (${(cause as Error).message})${hint}`, cause);
  }
  if (!isObject(request)) throw invalidArgument(`${context}: the request must be a JSON object with an "inputs" list`);
  return request;
}

interface BinaryCutter {
  /** The next `size` bytes of the binary section, for the input `context` names. */
  take(size: number, context: string, name: string): Uint8Array;
  /** Bytes no input has taken. */
  left(): number;
  /** Every byte of the binary section must belong to an input. */
  finish(): void;
}

function binaryCutter(section: Uint8Array, headerLength: number | null, context: string): BinaryCutter {
  let offset = 0;
  let lastTaker: string | null = null;
  return {
    take(size, inputContext, name) {
      const left = section.byteLength - offset;
      if (size > left) {
        const why =
          headerLength === null
            ? 'the request has no Inference-Header-Content-Length header, so no binary data'
            : offset === 0
              ? `the body has ${left} after its ${headerLength}-byte JSON header`
              : `the body has ${left} left after its ${headerLength}-byte JSON header and the binary data of the inputs before`;
        throw invalidTensor(`${inputContext}: parameters.binary_data_size says ${size} bytes, but ${why}`, name);
      }
      lastTaker = name;
      offset += size;
      return section.subarray(offset - size, offset);
    },
    left: () => section.byteLength - offset,
    finish() {
      if (offset === section.byteLength) return;
      const extra = `the body has ${section.byteLength} bytes after its ${headerLength}-byte JSON header`;
      if (lastTaker === null) throw invalidArgument(`${context}: ${extra}, but no input gives parameters.binary_data_size`);
      throw invalidTensor(
        `input "${lastTaker}" of ${context}: the inputs' parameters.binary_data_size add up to ${offset} bytes, but ${extra}`,
        lastTaker,
      );
    },
  };
}

function readInput(
  input: unknown,
  index: number,
  context: string,
  cutter: BinaryCutter,
  preciseData: (index: number) => unknown[],
): TensorInput {
  if (!isObject(input)) throw invalidArgument(`${context}: inputs[${index}] must be a JSON object`);
  const { name, datatype, shape, parameters, data } = input;
  if (typeof name !== 'string') throw invalidArgument(`${context}: inputs[${index}] has no "name"`);
  const tensorContext = `input "${name}" of ${context}`;
  const fail = (message: string) => invalidTensor(`${tensorContext}: ${message}`, name);

  const known = `one of ${V2_DATA_TYPES.join(', ')}`;
  if (typeof datatype !== 'string') throw fail(`give its "datatype", ${known}`);
  const dataType = fromV2DataType(datatype);
  if (dataType === undefined) throw fail(`unknown datatype ${JSON.stringify(datatype)}, expected ${known}`);
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw fail(`"shape" must be a list of non-negative integers, got ${echo(shape)}`);
  }
  if (parameters !== undefined && !isObject(parameters)) throw fail('"parameters" must be a JSON object');
  if (parameters?.shared_memory_region !== undefined) throw fail('the shared-memory extension is not supported; send the data');
  const size = parameters?.binary_data_size;

  if (size !== undefined) {
    if (data !== undefined) throw fail('give "data" or parameters.binary_data_size, not both');
    if (!Number.isSafeInteger(size) || (size as number) < 0) {
      throw fail(`parameters.binary_data_size must be a byte count, got ${echo(size)}`);
    }
    return { name, dataType, shape, bytes: cutter.take(size as number, tensorContext, name) };
  }
  if (data === undefined) {
    const left = cutter.left();
    const binary = left > 0 ? `; the body has ${left} bytes of binary data not yet given to an input` : '';
    throw fail(`give its "data", or parameters.binary_data_size for binary data${binary}`);
  }
  if (!Array.isArray(data)) throw fail(`"data" must be a JSON list, got ${echo(data)}`);
  let flat = flatten(data);
  if ((dataType === 'INT64' || dataType === 'UINT64') && flat.some(isUnsafeNumber)) flat = flatten(preciseData(index));
  return { name, dataType, shape, data: flat };
}

function readOutputs(outputs: unknown, binaryOutputs: boolean, context: string): RequestedOutput[] {
  if (!Array.isArray(outputs)) throw invalidArgument(`${context}: "outputs" must be a list`);
  return outputs.map((output, index) => {
    if (!isObject(output) || typeof output.name !== 'string') throw invalidArgument(`${context}: outputs[${index}] has no "name"`);
    const { name, parameters } = output;
    const outputContext = `output "${name}" of ${context}`;
    if (parameters !== undefined && !isObject(parameters)) throw invalidArgument(`${outputContext}: "parameters" must be a JSON object`);
    if (parameters?.classification !== undefined) {
      throw invalidArgument(`${outputContext}: the classification extension is not supported; ask for the tensor`);
    }
    const own = parameters?.binary_data;
    return { name, binary: own === undefined ? binaryOutputs : readBoolean(own, `${outputContext}: parameters.binary_data`) };
  });
}

/**
 * The protocol allows `data` "row-major flattened or nested". A flat list (the common, large case) is passed on as it
 * is; a nested one is flattened row-major without recursion, so no nesting depth can overflow the stack.
 */
function flatten(data: readonly unknown[]): readonly unknown[] {
  if (!data.some(Array.isArray)) return data;
  const flat: unknown[] = [];
  const stack: { list: readonly unknown[]; next: number }[] = [{ list: data, next: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.list.length) {
      stack.pop();
      continue;
    }
    const value = top.list[top.next++];
    if (Array.isArray(value)) stack.push({ list: value, next: 0 });
    else flat.push(value);
  }
  return flat;
}

function isUnsafeNumber(value: unknown): boolean {
  return typeof value === 'number' && !Number.isSafeInteger(value);
}

const INTEGER = /^-?[0-9]+$/;

/**
 * A reviver that keeps an integer literal too large for a double as its decimal digits, which the codec reads
 * exactly as a 64-bit integer: Triton's clients write INT64 and UINT64 elements as plain JSON numbers.
 */
function keepIntegerDigits(_key: string, value: unknown, context?: { source?: string }): unknown {
  const source = context?.source;
  return isUnsafeNumber(value) && source !== undefined && INTEGER.test(source) ? source : value;
}

function readBoolean(value: unknown, what: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgument(`${what} must be true or false, got ${echo(value)}`);
  return value;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Longest echo of a bad value, in characters: enough to recognise it, too little to flood a message. */
const MAX_ECHO_CHARS = 32;

function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS - 3)}...` : text;
}

function invalidArgument(message: string, cause?: unknown): InferError {
  return new InferError('INVALID_ARGUMENT', message, cause === undefined ? {} : { cause });
}

function invalidTensor(message: string, tensor: string): InferError {
  return new InferError('INVALID_TENSOR', message, { details: { tensor } });
}
