import { describe, expect, it } from 'vitest';
import { concatAlong, splitAlong } from '../../src/batching/concat.ts';
import { groupByShape } from '../../src/batching/shape-groups.ts';
import type { Tensor } from '../../src/runtime/tensor.ts';

const fp32 = (shape: number[], values: number[]): Tensor => ({ dataType: 'FP32', shape, data: Float32Array.from(values) });

describe('groupByShape', () => {
  it('should group requests whose non-batch dims, data types and outputs agree, keeping order', () => {
    const a = { inputs: { x: fp32([1, 2], [1, 2]) }, outputs: null, id: 'a' };
    const b = { inputs: { x: fp32([3, 3], new Array(9).fill(0)) }, outputs: null, id: 'b' };
    const c = { inputs: { x: fp32([2, 2], [1, 2, 3, 4]) }, outputs: null, id: 'c' };
    const d = { inputs: { x: { dataType: 'FP64', shape: [1, 2], data: new Float64Array(2) } as Tensor }, outputs: null, id: 'd' };
    const e = { inputs: { x: fp32([1, 2], [5, 6]) }, outputs: ['y'], id: 'e' };
    expect(groupByShape([a, b, c, d, e]).map((group) => group.map((request) => request.id))).toEqual([['a', 'c'], ['b'], ['d'], ['e']]);
  });
});

describe('groupByShape with batch dims not first', () => {
  it('should group by the dims around each batch dim and by the value of inputs without one', () => {
    const axes = { input: 0, sr: null, h: 1 };
    const call = (id: string, rate: bigint, width = 512) => ({
      id,
      outputs: null,
      inputs: {
        input: fp32([1, width], new Array(width).fill(0)),
        sr: { dataType: 'INT64', shape: [], data: BigInt64Array.of(rate) } as Tensor,
        h: fp32([2, 1, 64], new Array(128).fill(0)),
      },
    });
    const groups = groupByShape([call('a', 16000n), call('b', 8000n), call('c', 16000n), call('d', 16000n, 1024)], axes);
    expect(groups.map((group) => group.map((request) => request.id))).toEqual([['a', 'c'], ['b'], ['d']]);
  });
});

describe('concatAlong and splitAlong', () => {
  it('should join and cut along a middle dim', () => {
    // Two [2, 1, 3] states become one [2, 2, 3]: block by block along dim 0.
    const a = fp32([2, 1, 3], [1, 2, 3, 4, 5, 6]);
    const b = fp32([2, 1, 3], [7, 8, 9, 10, 11, 12]);
    const joined = concatAlong([a, b], 1);
    expect(joined.shape).toEqual([2, 2, 3]);
    expect([...(joined.data as Float32Array)]).toEqual([1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12]);
    const [first, second] = splitAlong(joined, [1, 1], 1);
    expect([...(first!.data as Float32Array)]).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...(second!.data as Float32Array)]).toEqual([7, 8, 9, 10, 11, 12]);
  });

  it('should join tensors along dim 0 and cut the result back into the same pieces', () => {
    const joined = concatAlong([fp32([1, 2], [1, 2]), fp32([2, 2], [3, 4, 5, 6])]);
    expect(joined.shape).toEqual([3, 2]);
    expect([...(joined.data as Float32Array)]).toEqual([1, 2, 3, 4, 5, 6]);
    const [first, second] = splitAlong(joined, [1, 2]);
    expect(first!.shape).toEqual([1, 2]);
    expect([...(second!.data as Float32Array)]).toEqual([3, 4, 5, 6]);
    expect((second!.data as Float32Array).buffer).not.toBe((joined.data as Float32Array).buffer);
  });

  it('should join string and 64-bit tensors exactly', () => {
    const strings = concatAlong([
      { dataType: 'STRING', shape: [1], data: ['a'] },
      { dataType: 'STRING', shape: [2], data: ['b', 'ç'] },
    ]);
    expect(strings.data).toEqual(['a', 'b', 'ç']);
    const ints = concatAlong([
      { dataType: 'INT64', shape: [1], data: BigInt64Array.of(-(2n ** 63n)) },
      { dataType: 'INT64', shape: [1], data: BigInt64Array.of(2n ** 63n - 1n) },
    ]);
    expect([...(ints.data as BigInt64Array)]).toEqual([-(2n ** 63n), 2n ** 63n - 1n]);
  });

  it('should keep zero-row pieces in place', () => {
    const joined = concatAlong([fp32([0, 2], []), fp32([1, 2], [7, 8])]);
    expect(splitAlong(joined, [0, 1]).map((piece) => piece.shape)).toEqual([
      [0, 2],
      [1, 2],
    ]);
  });
});
