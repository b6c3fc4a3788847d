import { Buffer } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { InferError } from '../../src/errors.ts';
import { decodeBytes, decodeJson, encodeBytes, encodeJson, fromBase64, toBase64 } from '../../src/runtime/codec.ts';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsOf, halfBitsToFloat } from '../../src/runtime/fp16.ts';
import { allocate, DATA_TYPES, type DataType, type Tensor, type TensorElements } from '../../src/runtime/tensor.ts';

const CONTEXT = 'input "x" of model "m" v1';

function tensorOf(dataType: DataType, data: TensorElements): Tensor {
  return { dataType, shape: [data.length], data };
}

/** The elements as a plain array, so any storage compares with toEqual. */
function elements(data: TensorElements): unknown[] {
  return Array.from(data as ArrayLike<unknown>);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
}

function fromHex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text.replaceAll(' ', ''), 'hex'));
}

/** Runs `run`, which must throw INVALID_TENSOR, and returns the error's message. */
function invalidTensorMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InferError);
    expect((error as InferError).code).toBe('INVALID_TENSOR');
    return (error as InferError).message;
  }
  throw new Error('expected an INVALID_TENSOR error, but nothing was thrown');
}

interface Sample {
  dataType: DataType;
  /** The JSON form, as encodeJson writes it. */
  json: (number | string | boolean)[];
  /** The same elements as little-endian bytes. */
  hex: string;
  storage: new (length: number) => TensorElements;
}

const SAMPLES: Sample[] = [
  { dataType: 'BOOL', json: [true, false, true], hex: '01 00 01', storage: Uint8Array },
  { dataType: 'UINT8', json: [0, 1, 255], hex: '00 01 ff', storage: Uint8Array },
  { dataType: 'INT8', json: [-128, -1, 127], hex: '80 ff 7f', storage: Int8Array },
  { dataType: 'UINT16', json: [0, 258, 65535], hex: '00 00 02 01 ff ff', storage: Uint16Array },
  { dataType: 'INT16', json: [-2, 32767, -32768], hex: 'fe ff ff 7f 00 80', storage: Int16Array },
  { dataType: 'UINT32', json: [4294967295, 1], hex: 'ff ff ff ff 01 00 00 00', storage: Uint32Array },
  {
    dataType: 'INT32',
    json: [-2147483648, 2147483647, -2],
    hex: '00 00 00 80 ff ff ff 7f fe ff ff ff',
    storage: Int32Array,
  },
  {
    dataType: 'UINT64',
    json: [0, '18446744073709551615', 9007199254740991],
    hex: '00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff ff ff ff ff ff ff 1f 00',
    storage: BigUint64Array,
  },
  {
    dataType: 'INT64',
    json: ['-9223372036854775808', '9223372036854775807', -2],
    hex: '00 00 00 00 00 00 00 80 ff ff ff ff ff ff ff 7f fe ff ff ff ff ff ff ff',
    storage: BigInt64Array,
  },
  { dataType: 'FP16', json: [1, -2, 65504, 'Infinity', 'NaN'], hex: '00 3c 00 c0 ff 7b 00 7c 00 7e', storage: Uint16Array },
  { dataType: 'BF16', json: [1, -2, 'Infinity', 'NaN'], hex: '80 3f 00 c0 80 7f c0 7f', storage: Uint16Array },
  { dataType: 'FP32', json: [1, -2, 0.5, '-Infinity'], hex: '00 00 80 3f 00 00 00 c0 00 00 00 3f 00 00 80 ff', storage: Float32Array },
  {
    dataType: 'FP64',
    json: [1, -0.5, 'Infinity'],
    hex: '00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 e0 bf 00 00 00 00 00 00 f0 7f',
    storage: Float64Array,
  },
  {
    dataType: 'STRING',
    json: ['', 'héllo', '日本'],
    hex: '00 00 00 00 06 00 00 00 68 c3 a9 6c 6c 6f 06 00 00 00 e6 97 a5 e6 9c ac',
    storage: Array,
  },
];

describe('the samples', () => {
  it('should cover every data type', () => {
    expect(SAMPLES.map((sample) => sample.dataType)).toEqual([...DATA_TYPES]);
  });
});

describe.each(SAMPLES)('$dataType', ({ dataType, json, hex: bytesHex, storage }) => {
  it('should decode the JSON list into its storage and encode it back unchanged', () => {
    const data = decodeJson(dataType, json, CONTEXT);
    expect(data).toBeInstanceOf(storage);
    expect(data).toHaveLength(json.length);
    expect(encodeJson(tensorOf(dataType, data))).toEqual(json);
  });

  it('should encode to the known little-endian bytes', () => {
    const data = decodeJson(dataType, json, CONTEXT);
    expect(hex(encodeBytes(tensorOf(dataType, data)))).toBe(bytesHex);
  });

  it('should decode the known bytes into the same elements as the JSON list', () => {
    const data = decodeBytes(dataType, fromHex(bytesHex), json.length, CONTEXT);
    expect(data).toBeInstanceOf(storage);
    expect(data).toEqual(decodeJson(dataType, json, CONTEXT));
    expect(encodeJson(tensorOf(dataType, data))).toEqual(json);
  });

  it('should round trip through base64', () => {
    const bytes = encodeBytes(tensorOf(dataType, decodeJson(dataType, json, CONTEXT)));
    const data = decodeBytes(dataType, fromBase64(toBase64(bytes), CONTEXT), json.length, CONTEXT);
    expect(encodeJson(tensorOf(dataType, data))).toEqual(json);
  });

  it('should handle an empty tensor both ways', () => {
    const fromJson = decodeJson(dataType, [], CONTEXT);
    expect(fromJson).toBeInstanceOf(storage);
    expect(fromJson).toHaveLength(0);
    expect(encodeJson(tensorOf(dataType, fromJson))).toEqual([]);
    expect(encodeBytes(tensorOf(dataType, fromJson))).toHaveLength(0);
    expect(decodeBytes(dataType, new Uint8Array(0), 0, CONTEXT)).toHaveLength(0);
  });

  it('should allocate zeroed storage of the right kind', () => {
    const data = allocate(dataType, 3);
    expect(data).toBeInstanceOf(storage);
    expect(data).toHaveLength(3);
    expect(encodeJson(tensorOf(dataType, data))).toEqual(
      Array.from({ length: 3 }, () => (dataType === 'BOOL' ? false : dataType === 'STRING' ? '' : 0)),
    );
  });
});

describe('integers', () => {
  it('should keep the 64-bit extremes exact as decimal strings', () => {
    const int64 = decodeJson('INT64', ['-9223372036854775808', '9223372036854775807'], CONTEXT);
    expect(elements(int64)).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
    const uint64 = decodeJson('UINT64', ['18446744073709551615', '9007199254740993'], CONTEXT);
    expect(elements(uint64)).toEqual([2n ** 64n - 1n, 9007199254740993n]);
    expect(encodeJson(tensorOf('UINT64', uint64))).toEqual(['18446744073709551615', '9007199254740993']);
  });

  it('should write safe 64-bit values as numbers and the first unsafe ones as strings', () => {
    const data = BigInt64Array.of(9007199254740991n, -9007199254740991n, 9007199254740992n, -9007199254740992n, 0n);
    expect(encodeJson(tensorOf('INT64', data))).toEqual([9007199254740991, -9007199254740991, '9007199254740992', '-9007199254740992', 0]);
  });

  it('should accept decimal strings for every integer type', () => {
    expect(elements(decodeJson('INT8', ['-128', '127', '-0'], CONTEXT))).toEqual([-128, 127, 0]);
    expect(elements(decodeJson('UINT32', ['4294967295'], CONTEXT))).toEqual([4294967295]);
    expect(elements(decodeJson('INT64', ['-2', 3], CONTEXT))).toEqual([-2n, 3n]);
  });

  it('should accept 0 and 1 as BOOL', () => {
    expect(encodeJson(tensorOf('BOOL', decodeJson('BOOL', [1, 0, true], CONTEXT)))).toEqual([true, false, true]);
  });

  it('should reject a value just out of range for each integer type rather than wrap it', () => {
    const outOfRange: [DataType, number | string][] = [
      ['UINT8', 256],
      ['UINT8', -1],
      ['INT8', -129],
      ['INT8', 128],
      ['UINT16', 65536],
      ['INT16', -32769],
      ['UINT32', 4294967296],
      ['INT32', 2147483648],
      ['INT32', '-2147483649'],
      ['UINT64', -1],
      ['UINT64', '18446744073709551616'],
      ['INT64', '9223372036854775808'],
      ['INT64', '-9223372036854775809'],
    ];
    for (const [dataType, value] of outOfRange) {
      const message = invalidTensorMessage(() => decodeJson(dataType, [0, value], CONTEXT));
      expect(message).toContain(`${CONTEXT}: element 1 is ${JSON.stringify(value)}, expected `);
      expect(message).toContain(dataType);
    }
  });
});

describe('floats', () => {
  const FLOAT_TYPES = ['FP16', 'BF16', 'FP32', 'FP64'] as const;

  it.each(FLOAT_TYPES)('should carry NaN and both infinities as words in %s through JSON and bytes', (dataType) => {
    const json = ['NaN', 'Infinity', '-Infinity', 0];
    const data = decodeJson(dataType, json, CONTEXT);
    expect(encodeJson(tensorOf(dataType, data))).toEqual(json);
    const bytes = encodeBytes(tensorOf(dataType, data));
    expect(encodeJson(tensorOf(dataType, decodeBytes(dataType, bytes, 4, CONTEXT)))).toEqual(json);
  });

  it.each(FLOAT_TYPES)('should accept numeric strings in %s', (dataType) => {
    const data = decodeJson(dataType, ['1.5', '-2', '.5', '1e2', '-0.25E+1'], CONTEXT);
    expect(encodeJson(tensorOf(dataType, data))).toEqual([1.5, -2, 0.5, 100, -2.5]);
  });

  it('should round FP32 to the nearest float32', () => {
    expect(encodeJson(tensorOf('FP32', decodeJson('FP32', [0.1], CONTEXT)))).toEqual([Math.fround(0.1)]);
  });

  it('should keep -0 through bytes', () => {
    for (const dataType of FLOAT_TYPES) {
      const data = decodeJson(dataType, [-0], CONTEXT);
      const [value] = encodeJson(tensorOf(dataType, decodeBytes(dataType, encodeBytes(tensorOf(dataType, data)), 1, CONTEXT)));
      expect(Object.is(value, -0)).toBe(true);
    }
  });

  it('should reject strings that are not numbers', () => {
    for (const value of ['', ' 1', '1.5abc', '0x10', 'inf', 'nan', '+Infinity', '1,5']) {
      const message = invalidTensorMessage(() => decodeJson('FP32', [value], CONTEXT));
      expect(message).toBe(
        `${CONTEXT}: element 0 is ${JSON.stringify(value)}, expected an FP32 (a number, or "NaN", "Infinity" or "-Infinity")`,
      );
    }
  });

  it('should decode a large FP32 list of plain numbers exactly', () => {
    const values = Array.from({ length: 147_456 }, (_, i) => Math.fround(Math.sin(i)));
    expect(elements(decodeJson('FP32', values, CONTEXT))).toEqual(values);
  });
});

describe('FP16', () => {
  it('should encode the known half-precision values', () => {
    const exact: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [2 ** -24, 0x0001],
      [2 ** -14, 0x0400],
      [2 ** -14 - 2 ** -24, 0x03ff],
      [0, 0x0000],
      [-0, 0x8000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
      [NaN, 0x7e00],
    ];
    for (const [value, bits] of exact) {
      expect(floatToHalfBits(value), `${value}`).toBe(bits);
      expect(halfBitsToFloat(bits), `0x${bits.toString(16)}`).toBe(value);
    }
    expect(floatToHalfBits(0.1)).toBe(0x2e66);
    expect(floatToHalfBits(1 / 3)).toBe(0x3555);
    expect(halfBitsToFloat(0x3555)).toBe(0.333251953125);
  });

  it('should round to nearest with ties to even', () => {
    expect(floatToHalfBits(1 + 2 ** -11)).toBe(0x3c00); // tie, down to even
    expect(floatToHalfBits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie, up to even
    expect(floatToHalfBits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01); // just past the tie
    expect(floatToHalfBits(2 ** -25)).toBe(0x0000); // subnormal tie, down to zero
    expect(floatToHalfBits(2 ** -25 + 2 ** -60)).toBe(0x0001);
    expect(floatToHalfBits(3 * 2 ** -25)).toBe(0x0002); // subnormal tie, up to even
    expect(floatToHalfBits(-(2 ** -26))).toBe(0x8000); // underflow keeps the sign
    expect(floatToHalfBits(Number.MIN_VALUE)).toBe(0x0000);
  });

  it('should overflow to Infinity from 65520 up', () => {
    expect(floatToHalfBits(65519.99)).toBe(0x7bff);
    expect(floatToHalfBits(65520)).toBe(0x7c00);
    expect(floatToHalfBits(-65520)).toBe(0xfc00);
    expect(floatToHalfBits(1e300)).toBe(0x7c00);
  });

  it('should decode every NaN pattern as NaN and both infinities with their sign', () => {
    expect(halfBitsToFloat(0x7c00)).toBe(Infinity);
    expect(halfBitsToFloat(0xfc00)).toBe(-Infinity);
    for (const bits of [0x7c01, 0x7e00, 0x7fff, 0xfc01, 0xffff]) expect(halfBitsToFloat(bits)).toBeNaN();
  });

  it('should round trip every finite half exactly and round every midpoint between them to even', () => {
    for (let bits = 0; bits < 0x7c00; bits++) {
      const value = halfBitsToFloat(bits);
      if (floatToHalfBits(value) !== bits || floatToHalfBits(-value) !== (bits | 0x8000)) {
        expect.fail(`0x${bits.toString(16)} (${value}) does not round trip`);
      }
      if (bits === 0x7bff) continue;
      const midpoint = (value + halfBitsToFloat(bits + 1)) / 2;
      const even = bits % 2 === 0 ? bits : bits + 1;
      const near = [floatToHalfBits(midpoint), floatToHalfBits(midpoint * (1 - 2 ** -40)), floatToHalfBits(midpoint * (1 + 2 ** -40))];
      if (bits > 0 && (near[0] !== even || near[1] !== bits || near[2] !== bits + 1)) {
        expect.fail(`the midpoint above 0x${bits.toString(16)} rounds to ${near.map((b) => b.toString(16))}`);
      }
    }
  });
  it('should read FP16 elements as the same bits whether they come as Uint16Array or Float16Array', () => {
    const bits = Uint16Array.of(0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x7e00);
    expect(halfBitsOf(bits)).toBe(bits);
    // Node 24 has Float16Array, and onnxruntime-node then returns float16 outputs in one.
    const halves = new Float16Array(bits.buffer);
    expect([...halfBitsOf(halves)]).toEqual([...bits]);
    const offset = new Float16Array(bits.buffer, 2, 3);
    expect([...halfBitsOf(offset)]).toEqual([0xc000, 0x7bff, 0x0001]);
  });
});

describe('BF16', () => {
  const float32 = new Float32Array(1);
  const float32Bits = new Uint32Array(float32.buffer);

  /** The usual bit trick on a float32: add half an ulp (ties to even) and keep the top 16 bits. */
  function referenceBf16(bits: number): number {
    return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
  }

  it('should encode the known bfloat16 values', () => {
    const known: [number, number][] = [
      [1, 0x3f80],
      [-2, 0xc000],
      [Math.PI, 0x4049],
      [0.1, 0x3dcd],
      [2 ** -133, 0x0001],
      [2 ** -126, 0x0080],
      [3.3895313892515355e38, 0x7f7f],
      [1e39, 0x7f80],
      [-0, 0x8000],
      [-Infinity, 0xff80],
      [NaN, 0x7fc0],
    ];
    for (const [value, bits] of known) expect(floatToBf16Bits(value), `${value}`).toBe(bits);
    expect(bf16BitsToFloat(0x3f80)).toBe(1);
    expect(bf16BitsToFloat(0x4049)).toBe(3.140625);
    expect(bf16BitsToFloat(0x7f7f)).toBe(3.3895313892515355e38);
    expect(bf16BitsToFloat(0x0001)).toBe(2 ** -133);
    expect(Object.is(bf16BitsToFloat(0x8000), -0)).toBe(true);
    expect(bf16BitsToFloat(0xff80)).toBe(-Infinity);
    expect(bf16BitsToFloat(0x7fc1)).toBeNaN();
  });

  it('should match the float32 bit trick for every float32 input', () => {
    let seed = 12345;
    for (let i = 0; i < 200_000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      // Half the samples sit on exact ties, where the rounding rule shows.
      float32Bits[0] = i % 2 === 0 ? seed : (seed & 0xffff0000) | 0x8000;
      const bits = float32Bits[0]!;
      const value = float32[0]!;
      if (Number.isNaN(value)) continue;
      const expected = referenceBf16(bits);
      if (floatToBf16Bits(value) !== expected) expect.fail(`0x${bits.toString(16)}: expected 0x${expected.toString(16)}`);
    }
  });

  it('should round once from the float64, not twice through float32', () => {
    // Through float32 this becomes exactly 1 + 2^-8, a tie that would go down to 1.
    expect(floatToBf16Bits(1 + 2 ** -8 + 2 ** -30)).toBe(0x3f81);
  });

  it('should round trip every finite bfloat16 exactly', () => {
    for (let bits = 0; bits < 0x7f80; bits++) {
      if (floatToBf16Bits(bf16BitsToFloat(bits)) !== bits) expect.fail(`0x${bits.toString(16)} does not round trip`);
    }
  });
});

describe('strings', () => {
  it('should round trip non-ASCII, empty and emoji strings through JSON and bytes', () => {
    const json = ['', 'naïve', '日本語', '🙂', '\uFEFFbom', 'a\u0000b'];
    const data = decodeJson('STRING', json, CONTEXT);
    const bytes = encodeBytes(tensorOf('STRING', data));
    expect(decodeBytes('STRING', bytes, json.length, CONTEXT)).toEqual(json);
    expect(encodeJson(tensorOf('STRING', data))).toEqual(json);
  });

  it('should write each element as a 4-byte little-endian length and its UTF-8', () => {
    expect(hex(encodeBytes(tensorOf('STRING', ['🙂'])))).toBe('04 00 00 00 f0 9f 99 82');
  });
});

describe('bytes', () => {
  it('should copy bytes at an odd offset into a fresh buffer a worker can take', () => {
    const backing = new Uint8Array(9);
    backing.set(fromHex('00 00 80 3f 00 00 00 c0'), 1);
    const input = backing.subarray(1);
    const data = decodeBytes('FP32', input, 2, CONTEXT) as Float32Array;
    expect(data.byteOffset).toBe(0);
    expect(data.buffer.byteLength).toBe(8);
    backing.fill(0);
    expect(Array.from(data)).toEqual([1, -2]);
    const moved = structuredClone(data, { transfer: [data.buffer] });
    expect(Array.from(moved)).toEqual([1, -2]);
  });

  it('should copy out of a pooled Buffer from base64', () => {
    const bytes = fromBase64(toBase64(fromHex('fe ff 01 00')), CONTEXT);
    const data = decodeBytes('INT16', bytes, 2, CONTEXT) as Int16Array;
    expect(data.buffer).not.toBe(bytes.buffer);
    expect(data.buffer.byteLength).toBe(4);
    expect(Array.from(data)).toEqual([-2, 1]);
  });

  it('should encode a view at an offset from its own bytes only', () => {
    const data = new Int16Array(Int16Array.of(7, -2, 9).buffer, 2, 1);
    expect(hex(encodeBytes(tensorOf('INT16', data)))).toBe('fe ff');
    expect(toBase64(encodeBytes(tensorOf('INT16', data)))).toBe(Buffer.from([0xfe, 0xff]).toString('base64'));
  });
});

describe('base64', () => {
  it('should accept padded, unpadded and empty base64', () => {
    expect(hex(fromBase64('QUJD', CONTEXT))).toBe('41 42 43');
    expect(hex(fromBase64('QUI=', CONTEXT))).toBe('41 42');
    expect(hex(fromBase64('QUI', CONTEXT))).toBe('41 42');
    expect(hex(fromBase64('QQ==', CONTEXT))).toBe('41');
    expect(fromBase64('', CONTEXT)).toHaveLength(0);
    expect(toBase64(fromHex('41 42'))).toBe('QUI=');
  });

  it('should reject text Buffer would silently skip or misread', () => {
    for (const text of ['QUJD!', 'QU JD', 'QUJD\n', 'Q', 'QUJDQ', 'QQ=', 'Q===', 'QQ==QQ==', '-_8=', '==']) {
      const message = invalidTensorMessage(() => fromBase64(text, CONTEXT));
      expect(message).toMatch(new RegExp(`^${escapeRegExp(CONTEXT)}: the data is not valid base64 \\(.+\\), expected only A-Z`));
    }
    expect(invalidTensorMessage(() => fromBase64('QU JD', CONTEXT))).toContain('(character 2 is " ")');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('errors', () => {
  it('should name the context, the element and what an INT32 takes', () => {
    expect(invalidTensorMessage(() => decodeJson('INT32', [1, 2, 3, 'abc'], CONTEXT))).toBe(
      `${CONTEXT}: element 3 is "abc", expected an INT32 (an integer from -2147483648 to 2147483647)`,
    );
  });

  it('should reject the wrong JSON type for every data type', () => {
    const wrong: [DataType, unknown][] = [
      ['BOOL', 'true'],
      ['BOOL', 2],
      ['UINT8', true],
      ['INT16', null],
      ['INT64', [1]],
      ['UINT64', { value: 1 }],
      ['FP16', true],
      ['BF16', null],
      ['FP32', undefined],
      ['FP64', [1.5]],
      ['STRING', 5],
      ['STRING', null],
    ];
    for (const [dataType, value] of wrong) {
      const message = invalidTensorMessage(() => decodeJson(dataType, [value], CONTEXT));
      expect(message).toMatch(new RegExp(`^${escapeRegExp(CONTEXT)}: element 0 is .+, expected an? ${dataType} \\(`));
    }
  });

  it('should say what each type expects', () => {
    expect(invalidTensorMessage(() => decodeJson('UINT8', [256], CONTEXT))).toBe(
      `${CONTEXT}: element 0 is 256, expected a UINT8 (an integer from 0 to 255)`,
    );
    expect(invalidTensorMessage(() => decodeJson('BOOL', [0, 1, 2], CONTEXT))).toBe(
      `${CONTEXT}: element 2 is 2, expected a BOOL (true, false, 0 or 1)`,
    );
    expect(invalidTensorMessage(() => decodeJson('STRING', ['a', 5], CONTEXT))).toBe(
      `${CONTEXT}: element 1 is 5, expected a STRING (a JSON string)`,
    );
    expect(invalidTensorMessage(() => decodeJson('INT64', [2 ** 53], CONTEXT))).toBe(
      `${CONTEXT}: element 0 is 9007199254740992, expected an INT64 (an integer from -9223372036854775808 to 9223372036854775807, as a decimal string beyond ±9007199254740991)`,
    );
  });

  it('should reject fractional and non-finite values for integer types', () => {
    for (const value of [1.5, '1.5', NaN, Infinity, '1e3', '', '+1', ' 1']) {
      expect(invalidTensorMessage(() => decodeJson('INT32', [value], CONTEXT))).toMatch(/element 0 is .*, expected an INT32/);
      expect(invalidTensorMessage(() => decodeJson('INT64', [value], CONTEXT))).toMatch(/element 0 is .*, expected an INT64/);
    }
  });

  it('should cut a huge value short in the message', () => {
    const message = invalidTensorMessage(() => decodeJson('FP32', ['x'.repeat(10_000)], CONTEXT));
    expect(message.length).toBeLessThan(200);
    expect(message).toContain('..., expected an FP32');
  });

  it('should name expected and actual byte counts on a length mismatch', () => {
    expect(invalidTensorMessage(() => decodeBytes('FP32', new Uint8Array(7), 2, CONTEXT))).toBe(
      `${CONTEXT}: expected 8 bytes for 2 FP32 elements, got 7`,
    );
    expect(invalidTensorMessage(() => decodeBytes('INT64', new Uint8Array(16), 1, CONTEXT))).toBe(
      `${CONTEXT}: expected 8 bytes for 1 INT64 elements, got 16`,
    );
  });

  it('should reject a BOOL byte other than 0 or 1', () => {
    expect(invalidTensorMessage(() => decodeBytes('BOOL', fromHex('01 02 00'), 3, CONTEXT))).toBe(
      `${CONTEXT}: element 1 is byte 2, expected a BOOL byte (0 or 1)`,
    );
  });

  it('should reject truncated STRING bytes', () => {
    expect(invalidTensorMessage(() => decodeBytes('STRING', fromHex('01 00 00 00 61 05 00 00 00 62 63 64'), 2, CONTEXT))).toBe(
      `${CONTEXT}: element 1 is truncated: its length says 5 bytes, 3 left`,
    );
    expect(invalidTensorMessage(() => decodeBytes('STRING', fromHex('01 00 00 00 61 05 00'), 2, CONTEXT))).toBe(
      `${CONTEXT}: element 1 is truncated: 2 bytes left, expected a 4-byte length`,
    );
  });

  it('should reject a STRING element count other than the expected one', () => {
    expect(invalidTensorMessage(() => decodeBytes('STRING', fromHex('01 00 00 00 61'), 2, CONTEXT))).toBe(
      `${CONTEXT}: expected 2 STRING elements, got 1`,
    );
    expect(invalidTensorMessage(() => decodeBytes('STRING', fromHex('00 00 00 00 00 00 00 00'), 1, CONTEXT))).toBe(
      `${CONTEXT}: expected 1 STRING elements, got 2`,
    );
  });

  it('should reject STRING bytes that are not UTF-8', () => {
    expect(invalidTensorMessage(() => decodeBytes('STRING', fromHex('00 00 00 00 02 00 00 00 c3 28'), 2, CONTEXT))).toBe(
      `${CONTEXT}: element 1 is not valid UTF-8, expected a STRING`,
    );
  });
});
