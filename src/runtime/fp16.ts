/**
 * IEEE 754 binary16 (FP16) and bfloat16 (BF16) conversions. Both travel as raw 16-bit
 * patterns in a Uint16Array; these functions are the only place those bits are made or read.
 *
 * Encoding rounds straight from the float64 to 16 bits. Going through float32 first (the usual
 * bit trick for BF16) rounds twice and can land on the wrong side of a tie, e.g. 1 + 2^-8 + 2^-30
 * would become 1 instead of 1 + 2^-7. For inputs that are already float32 values (everything
 * read from a Float32Array) the result is identical to the bit trick.
 */

interface HalfFormat {
  mantissaBits: number;
  bias: number;
  /** The largest exponent field value, which marks Infinity and NaN. */
  exponentMask: number;
  /** Multiplies a subnormal magnitude into its mantissa field: 2^(mantissaBits + bias - 1). */
  subnormalScale: number;
  /** The value of one mantissa unit at each exponent field value, so decoding is one multiplication. */
  unitAt: Float64Array;
  infinityBits: number;
  nanBits: number;
}

function halfFormat(exponentBits: number, mantissaBits: number): HalfFormat {
  const bias = 2 ** (exponentBits - 1) - 1;
  const exponentMask = 2 ** exponentBits - 1;
  const infinityBits = exponentMask << mantissaBits;
  const unitAt = Float64Array.from({ length: exponentMask + 1 }, (_, field) => 2 ** (Math.max(field, 1) - bias - mantissaBits));
  return {
    mantissaBits,
    bias,
    exponentMask,
    subnormalScale: 2 ** (mantissaBits + bias - 1),
    unitAt,
    infinityBits,
    nanBits: infinityBits | (1 << (mantissaBits - 1)),
  };
}

const FP16 = halfFormat(5, 10);
const BF16 = halfFormat(8, 7);

// Reads a float64's bits without allocating; shared because the hot loops call encode per element.
const scratch = new DataView(new ArrayBuffer(8));

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const rest = value - floor;
  return rest > 0.5 || (rest === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}

function encode(x: number, format: HalfFormat): number {
  const { mantissaBits, bias } = format;
  if (Number.isNaN(x)) return format.nanBits;
  scratch.setFloat64(0, x);
  const high = scratch.getUint32(0);
  const sign = (high >>> 16) & 0x8000;
  const exponent = ((high >>> 20) & 0x7ff) - 1023;
  if (exponent > bias) return sign | format.infinityBits;
  // Subnormal (or zero): scaling by a power of two is exact, so rounding the product is rounding the value.
  // Rounding up out of the subnormals gives the bits of the smallest normal, which is correct.
  if (exponent < 1 - bias) return sign | roundHalfEven(Math.abs(x) * format.subnormalScale);
  // Every kept mantissa bit is in the high word, with the round bit just below them.
  const dropped = 20 - mantissaBits;
  const mantissa = (high >>> dropped) & ((1 << mantissaBits) - 1);
  const half = 1 << (dropped - 1);
  const rest = high & ((1 << dropped) - 1);
  const roundUp = rest > half || (rest === half && (scratch.getUint32(4) !== 0 || (mantissa & 1) === 1));
  // A carry out of the mantissa moves into the exponent field: the next binade, or Infinity past the largest.
  return sign | ((((exponent + bias) << mantissaBits) | mantissa) + (roundUp ? 1 : 0));
}

function decode(bits: number, format: HalfFormat): number {
  const { mantissaBits, exponentMask } = format;
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> mantissaBits) & exponentMask;
  const mantissa = bits & ((1 << mantissaBits) - 1);
  if (exponent === exponentMask) return mantissa === 0 ? sign * Infinity : NaN;
  const significand = exponent === 0 ? mantissa : mantissa | (1 << mantissaBits);
  return sign * significand * format.unitAt[exponent]!;
}
/** The binary16 bits nearest to `x` (ties to even); too large becomes Infinity, NaN becomes 0x7e00. */
export function floatToHalfBits(x: number): number {
  return encode(x, FP16);
}

export function halfBitsToFloat(bits: number): number {
  return decode(bits, FP16);
}

/** The bfloat16 bits nearest to `x` (ties to even); too large becomes Infinity, NaN becomes 0x7fc0. */
export function floatToBf16Bits(x: number): number {
  return encode(x, BF16);
}

export function bf16BitsToFloat(bits: number): number {
  return decode(bits, BF16);
}

/**
 * FP16 elements as their bits. onnxruntime-node returns float16 outputs as a Float16Array where
 * the runtime has one (Node 24) and as Uint16Array bits where it does not, so the worker never
 * assumes which: a view of the same bytes, no copy, no rounding.
 */
export function halfBitsOf(data: ArrayBufferView): Uint16Array {
  if (data instanceof Uint16Array) return data;
  if (data.byteLength % 2 !== 0) throw new TypeError(`FP16 data of ${data.byteLength} bytes is not whole 16-bit elements`);
  return new Uint16Array(data.buffer, data.byteOffset, data.byteLength / 2);
}
