/**
 * Reads NumPy's .npy format (numpy.lib.format): a magic string, a header that is a Python dict literal, then the
 * raw elements. No npy reader is installed, and the format is small enough to read here: little-endian,
 * C-ordered arrays of the numeric types and bool.
 */
import type { TensorInput } from '../../clients/sdk/src/index.ts';
import { UsageError } from './exit-codes.ts';

const MAGIC = [0x93, ...new TextEncoder().encode('NUMPY')];

const ARRAYS = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  u8: BigUint64Array,
} as const;

export function readNpy(bytes: Uint8Array, file: string): TensorInput {
  const fail = (why: string) => new UsageError(`${file} is not a .npy array this can read: ${why}`);
  if (MAGIC.some((byte, index) => bytes[index] !== byte)) throw fail('no \\x93NUMPY magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([<>|=])([a-z])(\d+)'/.exec(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) throw fail('its header names no descr or shape');
  if (/'fortran_order':\s*True/.test(header)) throw fail('it is in Fortran order; save it with np.ascontiguousarray');
  const [, order, kind, size] = descr;
  if (order === '>' && size !== '1') throw fail('it is big-endian');
  const shape = shapeText
    .split(',')
    .map((dim) => dim.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((product, dim) => product * dim, 1);
  // Copied, so that the elements are aligned whatever the header's length.
  const body = new Uint8Array(bytes.subarray(start + headerLength));
  if (kind === 'b' && size === '1') return { data: Array.from(body.subarray(0, count), (value) => value !== 0), shape };
  const Array_ = ARRAYS[`${kind}${size}` as keyof typeof ARRAYS];
  if (!Array_) throw fail(`its data type ${descr[0]} is not one a model takes`);
  if (body.byteLength < count * Array_.BYTES_PER_ELEMENT) throw fail(`it holds fewer elements than its shape [${shape.join(', ')}]`);
  return { data: new Array_(body.buffer, 0, count), shape };
}
