import { describe, expect, it } from 'vitest';
import { topK } from '../../clients/sdk/src/index.ts';

describe("the SDK's topK", () => {
  it('should rank scores best first, named by the labels, with their class index', () => {
    expect(topK(Float32Array.of(0.1, 0.7, 0.2), ['cat', 'dog', 'owl'], 2)).toEqual([
      { index: 1, label: 'dog', score: expect.closeTo(0.7, 6) },
      { index: 2, label: 'owl', score: expect.closeTo(0.2, 6) },
    ]);
  });

  it('should name a class by its index where the model has no labels, and give all when k is larger', () => {
    expect(topK([3, -1], null, 5).map(({ label }) => label)).toEqual(['0', '1']);
  });
});
