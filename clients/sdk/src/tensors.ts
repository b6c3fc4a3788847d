/**
 * Tensors as JavaScript holds them (typed arrays, with their shape) and as the server takes and gives them
 * (README, "Tensors on the wire"): raw little-endian bytes as base64 or a multipart file part, or a JSON list.
 */
import { base64ToBytes, bytesToBase64 } from './base64.js';
import type { DataType, ImageInput as WireImageInput, TensorInput as WireTensorInput } from './generated/graphql.js';

export type { DataType };

/**
 * FP16 elements: a Float16Array where the runtime has one (Node 24, recent browsers), else their bits in a
 * Uint16Array (Node 20). The Float16Array type is named only where the consumer's TypeScript lib declares it.
 */
export type Float16Values = Uint16Array | (typeof globalThis extends { Float16Array: { prototype: infer Values } } ? Values : never);

/** The elements of each data type. 64-bit integers are bigints, BF16 its bits; JavaScript has no bfloat16. */
export interface ElementsOf {
  BOOL: boolean[];
  UINT8: Uint8Array;
  INT8: Int8Array;
  UINT16: Uint16Array;
  INT16: Int16Array;
  UINT32: Uint32Array;
  INT32: Int32Array;
  UINT64: BigUint64Array;
  INT64: BigInt64Array;
  FP16: Float16Values;
  BF16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  STRING: string[];
}

/** A tensor the server returned: narrow on `dataType` to get its array type. */
export type Tensor = { [Type in DataType]: { dataType: Type; shape: number[]; data: ElementsOf[Type] } }[DataType];

/**
 * A tensor to send. A typed array (or boolean[] / string[]) names its data type and goes as raw bytes; a plain
 * list of numbers goes as JSON in the model's data type, or in `dataType` when given (bigints and "NaN" welcome).
 */
export interface TensorInput {
  data: ElementsOf[DataType] | readonly (number | bigint | string | boolean)[];
  shape: readonly number[];
  /** Needed only where the array does not say it: FP16 or BF16 bits in a Uint16Array, or a JSON list. */
  dataType?: DataType;
}

type FixedWidth = Exclude<DataType, 'BOOL' | 'STRING' | 'FP16'>;

const ARRAY_OF = {
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  BF16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
} as const satisfies Record<FixedWidth, unknown>;

type Float16Constructor = new (buffer: ArrayBuffer) => ArrayBufferView;

function float16Array(): Float16Constructor | undefined {
  return (globalThis as { Float16Array?: Float16Constructor }).Float16Array;
}

/** The data type a typed array stands for; undefined for a plain list. */
function dataTypeOf(data: TensorInput['data']): DataType | undefined {
  const Float16 = float16Array();
  if (Float16 && data instanceof Float16) return 'FP16';
  if (data instanceof Uint8ClampedArray) return 'UINT8';
  for (const [dataType, ArrayType] of Object.entries(ARRAY_OF)) {
    if (dataType !== 'BF16' && data instanceof ArrayType) return dataType as DataType;
  }
  if (Array.isArray(data) && data.length > 0) {
    if (data.every((value) => typeof value === 'string')) return 'STRING';
    if (data.every((value) => typeof value === 'boolean')) return 'BOOL';
  }
  return undefined;
}

/** KServe/Triton's layout of a STRING tensor: per element a 4-byte little-endian length, then its UTF-8 bytes. */
function encodeStrings(values: readonly string[]): Uint8Array {
  const encoder = new TextEncoder();
  const encoded = values.map((value) => encoder.encode(value));
  const bytes = new Uint8Array(encoded.reduce((total, element) => total + 4 + element.length, 0));
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const element of encoded) {
    view.setUint32(offset, element.length, true);
    bytes.set(element, offset + 4);
    offset += 4 + element.length;
  }
  return bytes;
}

function decodeStrings(bytes: Uint8Array): string[] {
  const decoder = new TextDecoder();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: string[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const length = view.getUint32(offset, true);
    values.push(decoder.decode(bytes.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return values;
}

/**
 * The raw bytes of a tensor. Typed arrays are viewed as they lie in memory: little-endian on every platform
 * Node and the browsers run on, which is the server's byte order.
 */
function bytesOf(dataType: DataType, data: TensorInput['data']): Uint8Array {
  if (dataType === 'STRING') return encodeStrings((data as readonly unknown[]).map(String));
  if (dataType === 'BOOL') return Uint8Array.from(data as readonly unknown[], (value) => (value ? 1 : 0));
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`a plain list cannot be sent as raw ${dataType} bytes`);
}

/** JSON has no bigint, NaN or infinities: the server takes them as strings. */
function jsonElement(value: number | bigint | string | boolean): number | string | boolean {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

/**
 * An image file as it is (PNG, JPEG or WebP bytes), for the input a model's `preprocessing` fills: the server makes
 * the tensor. predict takes one for such an input; runPipeline and ocr take the bytes alone.
 */
export interface ImageInput {
  image: Uint8Array;
}

export interface EncodedInput {
  input: WireTensorInput;
  /** The bytes to send as a multipart file part at `input.file` (`input.image.file` for an image), when they go that way. */
  file?: Uint8Array;
  /** Where in the input the file part goes. */
  fileField?: 'file' | 'image.file';
}

/** An image file as the server's ImageInput: base64, or (at `fileMinBytes` or more) a file part at its `file`. */
export function encodeImageFile(image: Uint8Array, fileMinBytes: number): { image: WireImageInput; file?: Uint8Array } {
  if (image.byteLength >= fileMinBytes) return { image: { file: null as unknown as Blob }, file: image };
  return { image: { base64: bytesToBase64(image) } };
}

/** An image as the server's TensorInput: base64, or (at `fileMinBytes` or more) a file part. */
export function encodeImage(name: string, { image }: ImageInput, fileMinBytes: number): EncodedInput {
  const { image: wire, file } = encodeImageFile(image, fileMinBytes);
  return file ? { input: { name, image: wire }, file, fileField: 'image.file' } : { input: { name, image: wire } };
}

/** A tensor to send as the server's TensorInput: JSON, base64, or (at `fileMinBytes` or more) a file part. */
export function encodeInput(name: string, tensor: TensorInput, fileMinBytes: number): EncodedInput {
  const shape = [...tensor.shape];
  const dataType = tensor.dataType ?? dataTypeOf(tensor.data);
  const typed = ArrayBuffer.isView(tensor.data) || dataType === 'STRING' || dataType === 'BOOL';
  if (!typed || dataType === undefined) {
    const data = Array.from(tensor.data as readonly (number | bigint | string | boolean)[], jsonElement);
    return { input: { name, shape, data, ...(dataType ? { dataType } : {}) } };
  }
  const bytes = bytesOf(dataType, tensor.data);
  if (bytes.length >= fileMinBytes) return { input: { name, shape, dataType, file: null as unknown as Blob }, file: bytes };
  return { input: { name, shape, dataType, base64: bytesToBase64(bytes) } };
}

/** An output as the server sends it (base64 selected), as a typed tensor. */
export function decodeOutput(output: { dataType: DataType; shape: number[]; base64: string }): Tensor {
  const { dataType, shape } = output;
  // A fresh buffer of its own: aligned for any element size.
  const bytes = base64ToBytes(output.base64);
  if (dataType === 'STRING') return { dataType, shape, data: decodeStrings(bytes) };
  if (dataType === 'BOOL') return { dataType, shape, data: Array.from(bytes, (byte) => byte !== 0) };
  if (dataType === 'FP16') {
    const Float16 = float16Array() ?? Uint16Array;
    return { dataType, shape, data: new Float16(bytes.buffer) as Float16Values };
  }
  return { dataType, shape, data: new ARRAY_OF[dataType](bytes.buffer) } as Tensor;
}
