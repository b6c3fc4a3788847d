/**
 * The tensor codec: every data type to and from both wire forms, a flat row-major JSON list
 * and raw little-endian bytes (base64 in JSON, or a multipart file). Client data is checked
 * here element by element, so nothing downstream sees a value silently wrapped or truncated.
 */
import { Buffer } from 'node:buffer';
import { InferError } from '../errors.ts';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat } from './fp16.ts';
import {
  ARRAY_CLASS,
  allocate,
  BYTES_PER_ELEMENT,
  type DataType,
  type ElementArrays,
  type Tensor,
  type TensorElements,
  type TypedElements,
} from './tensor.ts';

type IntDataType = 'UINT8' | 'INT8' | 'UINT16' | 'INT16' | 'UINT32' | 'INT32';
type BigIntDataType = 'UINT64' | 'INT64';
type FloatDataType = 'FP16' | 'BF16' | 'FP32' | 'FP64';

const INT_RANGE: Record<IntDataType, readonly [min: number, max: number]> = {
  UINT8: [0, 0xff],
  INT8: [-0x80, 0x7f],
  UINT16: [0, 0xffff],
  INT16: [-0x8000, 0x7fff],
  UINT32: [0, 0xffff_ffff],
  INT32: [-0x8000_0000, 0x7fff_ffff],
};

const BIGINT_RANGE: Record<BigIntDataType, readonly [min: bigint, max: bigint]> = {
  UINT64: [0n, 2n ** 64n - 1n],
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
};

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INTEGER = /^-?[0-9]+$/;
const DECIMAL = /^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const FLOAT_WORDS = `a number, or "NaN", "Infinity" or "-Infinity"`;

/** What each data type accepts in JSON, as the end of an error message. */
const EXPECTED: Record<DataType, string> = {
  BOOL: 'a BOOL (true, false, 0 or 1)',
  ...mapIntRanges(),
  UINT64: `a UINT64 (an integer from 0 to ${BIGINT_RANGE.UINT64[1]}, as a decimal string above ${MAX_SAFE})`,
  INT64: `an INT64 (an integer from ${BIGINT_RANGE.INT64[0]} to ${BIGINT_RANGE.INT64[1]}, as a decimal string beyond ±${MAX_SAFE})`,
  FP16: `an FP16 (${FLOAT_WORDS})`,
  BF16: `a BF16 (${FLOAT_WORDS})`,
  FP32: `an FP32 (${FLOAT_WORDS})`,
  FP64: `an FP64 (${FLOAT_WORDS})`,
  STRING: 'a STRING (a JSON string)',
};

function mapIntRanges(): Record<IntDataType, string> {
  const entries = Object.entries(INT_RANGE).map(([dataType, [min, max]]) => {
    const article = dataType.startsWith('U') ? 'a' : 'an';
    return [dataType, `${article} ${dataType} (an integer from ${min} to ${max})`];
  });
  return Object.fromEntries(entries) as Record<IntDataType, string>;
}

/** Checks and converts a flat row-major JSON list from a client. `context` starts every error message. */
export function decodeJson(dataType: DataType, values: readonly unknown[], context: string): TensorElements {
  switch (dataType) {
    case 'BOOL':
      return decodeBools(values, context);
    case 'UINT64':
    case 'INT64':
      return decodeBigInts(allocate(dataType, values.length), values, dataType, context);
    case 'FP32':
    case 'FP64':
      return decodeFloats(allocate(dataType, values.length), values, dataType, context);
    case 'FP16':
      return decodeHalves(values, floatToHalfBits, dataType, context);
    case 'BF16':
      return decodeHalves(values, floatToBf16Bits, dataType, context);
    case 'STRING':
      return decodeStrings(values, context);
    default:
      return decodeInts(allocate(dataType, values.length), values, dataType, context);
  }
}

function decodeBools(values: readonly unknown[], context: string): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === true || value === 1) out[i] = 1;
    else if (value !== false && value !== 0) throw elementError(context, i, value, 'BOOL');
  }
  return out;
}

function decodeInts<A extends ElementArrays[IntDataType]>(out: A, values: readonly unknown[], dataType: IntDataType, context: string): A {
  const [min, max] = INT_RANGE[dataType];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const n = typeof value === 'number' ? value : typeof value === 'string' && INTEGER.test(value) ? Number(value) : NaN;
    // Checked before the store: a typed array would wrap 256 to 0 without a word.
    if (!(Number.isInteger(n) && n >= min && n <= max)) throw elementError(context, i, value, dataType);
    out[i] = n;
  }
  return out;
}

function decodeBigInts<A extends ElementArrays[BigIntDataType]>(
  out: A,
  values: readonly unknown[],
  dataType: BigIntDataType,
  context: string,
): A {
  const [min, max] = BIGINT_RANGE[dataType];
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    let n: bigint | undefined;
    // An unsafe JSON number may already have lost digits in the client's parser, so it must be a string.
    if (typeof value === 'number') n = Number.isSafeInteger(value) ? BigInt(value) : undefined;
    else if (typeof value === 'string' && INTEGER.test(value)) n = BigInt(value);
    if (n === undefined || n < min || n > max) throw elementError(context, i, value, dataType);
    out[i] = n;
  }
  return out;
}

/** The hot path: an image as FP32 is a long list of plain numbers, so those take one typeof and a store. */
function decodeFloats<A extends Float32Array | Float64Array>(
  out: A,
  values: readonly unknown[],
  dataType: FloatDataType,
  context: string,
): A {
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    out[i] = typeof value === 'number' ? value : floatFromString(value, i, dataType, context);
  }
  return out;
}

function decodeHalves(values: readonly unknown[], toBits: (x: number) => number, dataType: FloatDataType, context: string): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    out[i] = toBits(typeof value === 'number' ? value : floatFromString(value, i, dataType, context));
  }
  return out;
}

/** JSON cannot hold NaN or the infinities, so they arrive as words; numeric strings are accepted too. */
function floatFromString(value: unknown, index: number, dataType: FloatDataType, context: string): number {
  if (typeof value === 'string') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    if (DECIMAL.test(value)) return Number(value);
  }
  throw elementError(context, index, value, dataType);
}

function decodeStrings(values: readonly unknown[], context: string): string[] {
  const out = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (typeof value !== 'string') throw elementError(context, i, value, 'STRING');
    out[i] = value;
  }
  return out;
}

/** The JSON form of a tensor's elements, the inverse of decodeJson. */
export function encodeJson(tensor: Tensor): (number | string | boolean)[] {
  const { dataType, data } = tensor;
  switch (dataType) {
    case 'BOOL':
      return mapElements(data as Uint8Array, (byte) => byte !== 0);
    case 'UINT64':
    case 'INT64':
      return mapElements(data as ElementArrays[BigIntDataType], bigintToJson);
    case 'FP16':
      return mapElements(data as Uint16Array, (bits) => floatToJson(halfBitsToFloat(bits)));
    case 'BF16':
      return mapElements(data as Uint16Array, (bits) => floatToJson(bf16BitsToFloat(bits)));
    case 'FP32':
    case 'FP64':
      return mapElements(data as Float32Array | Float64Array, floatToJson);
    case 'STRING':
      return (data as string[]).slice();
    default:
      return Array.from(data as ElementArrays[IntDataType]);
  }
}

/** A plain loop: Array.from with a map function is several times slower on large outputs. */
function mapElements<T, R>(data: ArrayLike<T>, convert: (value: T) => R): R[] {
  const out = new Array<R>(data.length);
  for (let i = 0; i < data.length; i++) out[i] = convert(data[i] as T);
  return out;
}

function bigintToJson(value: bigint): number | string {
  return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : value.toString();
}

function floatToJson(value: number): number | string {
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

/**
 * Checks and converts raw little-endian bytes from a client. With `owned`, the caller hands
 * the bytes over and they are viewed in place when aligned; otherwise (or when unaligned) the
 * result gets a fresh buffer of its own, which can be transferred to a worker thread.
 */
export function decodeBytes(
  dataType: DataType,
  bytes: Uint8Array,
  expectedCount: number,
  context: string,
  { owned = false }: { owned?: boolean } = {},
): TensorElements {
  if (dataType === 'STRING') return decodeStringBytes(bytes, expectedCount, context);
  const expectedBytes = expectedCount * BYTES_PER_ELEMENT[dataType];
  if (bytes.byteLength !== expectedBytes) {
    throw invalid(`${context}: expected ${expectedBytes} bytes for ${expectedCount} ${dataType} elements, got ${bytes.byteLength}`);
  }
  // A typed array needs an offset aligned to its element size; a Buffer may sit anywhere in Node's pool.
  const inPlace = owned && bytes.byteOffset % BYTES_PER_ELEMENT[dataType] === 0;
  const own = inPlace ? bytes : new Uint8Array(bytes);
  if (dataType === 'BOOL') {
    const bad = own.findIndex((byte) => byte > 1);
    if (bad !== -1) throw invalid(`${context}: element ${bad} is byte ${own[bad]}, expected a BOOL byte (0 or 1)`);
  }
  // Typed arrays read in platform byte order; this assumes a little-endian platform, as the wire is.
  return new ARRAY_CLASS[dataType](own.buffer, own.byteOffset, expectedCount);
}

// ignoreBOM keeps a leading U+FEFF as part of the element instead of dropping it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_ENCODER = new TextEncoder();

/** The KServe v2 (Triton) layout: each element is a uint32 little-endian byte length, then its UTF-8. */
function decodeStringBytes(bytes: Uint8Array, expectedCount: number, context: string): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings: string[] = [];
  let offset = 0;
  while (offset < bytes.byteLength) {
    const index = strings.length;
    const left = bytes.byteLength - offset;
    if (left < 4) {
      throw invalid(`${context}: element ${index} is truncated: ${left} bytes left, expected a 4-byte length`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length > left - 4) {
      throw invalid(`${context}: element ${index} is truncated: its length says ${length} bytes, ${left - 4} left`);
    }
    try {
      strings.push(UTF8.decode(bytes.subarray(offset, offset + length)));
    } catch (cause) {
      throw invalid(`${context}: element ${index} is not valid UTF-8, expected a STRING`, cause);
    }
    offset += length;
  }
  if (strings.length !== expectedCount) {
    throw invalid(`${context}: expected ${expectedCount} STRING elements, got ${strings.length}`);
  }
  return strings;
}

/** The raw little-endian bytes of a tensor. For numeric types this is a view of the tensor's own storage, not a copy. */
export function encodeBytes(tensor: Tensor): Uint8Array {
  if (tensor.dataType === 'STRING') return encodeStringBytes(tensor.data as string[]);
  const data = tensor.data as TypedElements;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encodeStringBytes(strings: readonly string[]): Uint8Array {
  const encoded = strings.map((text) => UTF8_ENCODER.encode(text));
  const out = new Uint8Array(encoded.reduce((total, utf8) => total + 4 + utf8.byteLength, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const utf8 of encoded) {
    view.setUint32(offset, utf8.byteLength, true);
    out.set(utf8, offset + 4);
    offset += 4 + utf8.byteLength;
  }
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

// A plain character class, not a repeated group of four: irregexp then needs no backtracking stack on megabytes.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes standard base64, padded or not. Buffer skips junk (and takes URL-safe letters)
 * silently, so the decoded length is checked against the text's: any skipped character
 * makes it shorter. The slow regex only runs to word the error.
 */
export function fromBase64(text: string, context: string): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.byteLength === decodedLength(text) && !text.includes('-') && !text.includes('_')) return bytes;
  const padded = text.endsWith('=');
  if (!BASE64.test(text) || (padded ? text.length % 4 !== 0 : text.length % 4 === 1)) {
    const bad = text.search(/[^A-Za-z0-9+/=]/);
    const reason = bad === -1 ? `its length or "=" padding is wrong` : `character ${bad} is ${JSON.stringify(text[bad])}`;
    throw invalid(`${context}: the data is not valid base64 (${reason}), expected only A-Z, a-z, 0-9, + and / with optional "=" padding`);
  }
  throw invalid(`${context}: the data is not valid base64, expected only A-Z, a-z, 0-9, + and / with optional "=" padding`);
}

/** The bytes that well-formed base64 of this length holds, or -1 when no well-formed text has it. */
function decodedLength(text: string): number {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0x3d /* = */) end--;
  const padding = text.length - end;
  if (padding > 2 || (padding > 0 && text.length % 4 !== 0) || end % 4 === 1) return -1;
  return Math.floor((end * 3) / 4);
}

function invalid(message: string, cause?: unknown): InferError {
  return new InferError('INVALID_TENSOR', message, cause === undefined ? {} : { cause });
}

function elementError(context: string, index: number, value: unknown, dataType: DataType): InferError {
  return invalid(`${context}: element ${index} is ${describe(value)}, expected ${EXPECTED[dataType]}`);
}

/** Longest echo of a bad element, in characters: enough to recognise it, too little to carry a payload back into logs or answers. */
const MAX_ECHO_CHARS = 32;

/** The value as the client wrote it, cut short so a huge string cannot flood a message. */
function describe(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined; // a bigint or a cycle
  }
  text ??= String(value);
  return text.length > MAX_ECHO_CHARS ? `${text.slice(0, MAX_ECHO_CHARS - 3)}...` : text;
}
