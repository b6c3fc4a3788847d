/**
 * Tensors as infergraph holds them between the wire and onnxruntime: a KServe v2 data type,
 * a shape, and the elements in a typed array (or a string array for STRING). Typed arrays
 * are what cross to worker threads, as transferred buffers.
 */
export const DATA_TYPES = [
  'BOOL',
  'UINT8',
  'INT8',
  'UINT16',
  'INT16',
  'UINT32',
  'INT32',
  'UINT64',
  'INT64',
  'FP16',
  'BF16',
  'FP32',
  'FP64',
  'STRING',
] as const;

export type DataType = (typeof DATA_TYPES)[number];

/** The element storage of each data type. BOOL is one byte per element; FP16 holds raw half-float bits. */
export interface ElementArrays {
  BOOL: Uint8Array;
  UINT8: Uint8Array;
  INT8: Int8Array;
  UINT16: Uint16Array;
  INT16: Int16Array;
  UINT32: Uint32Array;
  INT32: Int32Array;
  UINT64: BigUint64Array;
  INT64: BigInt64Array;
  FP16: Uint16Array;
  BF16: Uint16Array;
  FP32: Float32Array;
  FP64: Float64Array;
  STRING: string[];
}

export type TensorElements = ElementArrays[DataType];
export type NumericDataType = Exclude<DataType, 'STRING'>;
export type TypedElements = ElementArrays[NumericDataType];

export interface Tensor {
  dataType: DataType;
  shape: readonly number[];
  data: TensorElements;
}

/** onnxruntime's name for each data type it can load. BF16 has none in onnxruntime-node. */
export const ORT_TYPE: Record<Exclude<DataType, 'BF16'>, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  INT8: 'int8',
  UINT16: 'uint16',
  INT16: 'int16',
  UINT32: 'uint32',
  INT32: 'int32',
  UINT64: 'uint64',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  STRING: 'string',
};

const FROM_ORT_TYPE = new Map<string, DataType>(Object.entries(ORT_TYPE).map(([dataType, ortType]) => [ortType, dataType as DataType]));
FROM_ORT_TYPE.set('bfloat16', 'BF16');

/** The data type for an onnxruntime type name, or undefined for one infergraph does not serve. */
export function dataTypeFromOrt(ortType: string): DataType | undefined {
  return FROM_ORT_TYPE.get(ortType);
}

/** Bytes per element; STRING has no fixed size. */
export const BYTES_PER_ELEMENT: Record<NumericDataType, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  UINT32: 4,
  INT32: 4,
  UINT64: 8,
  INT64: 8,
  FP16: 2,
  BF16: 2,
  FP32: 4,
  FP64: 8,
};

export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * The elements in an array that covers its whole buffer: the same array when it does, else a copy.
 * Only such a buffer can cross to another thread by transfer without sending (or taking from its
 * owner) bytes it does not cover, like the rest of Node's Buffer pool.
 */
export function withOwnBuffer<T extends TypedElements>(data: T): T {
  if (data.byteOffset === 0 && data.byteLength === data.buffer.byteLength) return data;
  return data.slice() as T;
}

interface TypedArrayClass {
  new (length: number): TypedElements;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedElements;
}

/** The typed array class each numeric data type is stored in. */
export const ARRAY_CLASS: Record<NumericDataType, TypedArrayClass> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  INT8: Int8Array,
  UINT16: Uint16Array,
  INT16: Int16Array,
  UINT32: Uint32Array,
  INT32: Int32Array,
  UINT64: BigUint64Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  BF16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** Zeroed storage for `count` elements ('' for STRING). */
export function allocate<T extends DataType>(dataType: T, count: number): ElementArrays[T] {
  const elements = dataType === 'STRING' ? new Array<string>(count).fill('') : new ARRAY_CLASS[dataType as NumericDataType](count);
  return elements as ElementArrays[T];
}
