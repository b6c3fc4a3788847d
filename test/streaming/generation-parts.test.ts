import { describe, expect, it } from 'vitest';
import { readDecoderSignature } from '../../src/runtime/decoder-signature.ts';
import { groupByLength } from '../../src/runtime/decoder-streams.ts';
import { leftPadded, stackPast, unstackPresent } from '../../src/runtime/kv-cache.ts';
import { argmax, createSampler } from '../../src/runtime/sampler.ts';
import type { Tensor } from '../../src/runtime/tensor.ts';
import type { TensorSpec } from '../../src/runtime/tensor-spec.ts';
import { createTextStream } from '../../src/streaming/generation/text-stream.ts';

const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0]);

describe('sampler', () => {
  it('should pick the likeliest token at temperature 0', () => {
    expect(createSampler({ temperature: 0, topK: 0, topP: 1, seed: 1 })(logits)).toBe(1);
    expect(argmax(logits)).toBe(1);
  });

  it('should make the same choices for the same seed and keep to the top k', () => {
    const draw = (seed: number) => {
      const sample = createSampler({ temperature: 1.5, topK: 2, topP: 1, seed });
      return Array.from({ length: 200 }, () => sample(logits));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(new Set(draw(42))).toEqual(new Set([1, 3]));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('should keep only the nucleus under topP', () => {
    const peaked = Float32Array.from([10, 0, 0, 0]);
    const sample = createSampler({ temperature: 1, topK: 0, topP: 0.5, seed: 3 });
    expect(new Set(Array.from({ length: 100 }, () => sample(peaked)))).toEqual(new Set([0]));
  });
});

/** A byte-level tokenizer: token i is byte i, so multi-byte characters span tokens. */
const bytes = { decode: (ids: readonly number[]) => new TextDecoder().decode(Uint8Array.from(ids)) };
const tokensOf = (text: string) => [...new TextEncoder().encode(text)];

describe('text stream', () => {
  it('should hold a character split over tokens until it is whole', () => {
    const stream = createTextStream(bytes, []);
    const deltas = tokensOf('aé€b').map((id) => stream.push(id).delta);
    expect(deltas).toEqual(['a', '', 'é', '', '', '€', 'b']);
    expect(stream.text).toBe('aé€b');
  });

  it('should stop before a stop sequence split over tokens and never show any of it', () => {
    const stream = createTextStream(bytes, ['END']);
    const deltas: string[] = [];
    for (const id of tokensOf('one EN two ENDthree')) {
      const { delta, stopped } = stream.push(id);
      deltas.push(delta);
      if (stopped) break;
    }
    expect(deltas.join('')).toBe('one EN two ');
    expect(deltas).toHaveLength('one EN two END'.length);
    expect(stream.text).toBe('one EN two ');
  });

  it('should release held text that turned out not to be a stop sequence when generation ends', () => {
    const stream = createTextStream(bytes, ['xyz']);
    const shown = tokensOf('abxy')
      .map((id) => stream.push(id).delta)
      .join('');
    expect(shown).toBe('ab');
    expect(stream.flush()).toBe('xy');
  });
});

describe('kv cache', () => {
  const past = (length: number, base: number): Tensor => ({
    dataType: 'FP32',
    shape: [1, 2, length, 3],
    data: Float32Array.from({ length: 2 * length * 3 }, (_, index) => base + index),
  });

  it('should left-pad pasts into one batch and cut each stream back out of it', () => {
    const stacked = stackPast([past(2, 100), past(4, 200), null], 4, { heads: 2, headDim: 3, dataType: 'FP32' });
    expect(stacked.shape).toEqual([3, 2, 4, 3]);
    const [a, b, c] = unstackPresent(stacked, [2, 4, 0]);
    expect(a).toEqual(past(2, 100));
    expect(b).toEqual(past(4, 200));
    expect(c!.shape).toEqual([1, 2, 0, 3]);
    // The padding of the first stream (two positions of each head) is zero.
    expect([...(stacked.data as Float32Array).subarray(0, 6)]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('should mask padding and count positions from real tokens only', () => {
    const { inputIds, attentionMask, positionIds } = leftPadded([[7], [8]], [1, 3], 0);
    expect([...(inputIds.data as BigInt64Array)]).toEqual([7n, 8n]);
    expect(attentionMask.shape).toEqual([2, 4]);
    expect([...(attentionMask.data as BigInt64Array)]).toEqual([0n, 0n, 1n, 1n, 1n, 1n, 1n, 1n]);
    expect([...(positionIds.data as BigInt64Array)]).toEqual([1n, 3n]);
    const prompts = leftPadded([[5, 6, 7], [9]], [0, 0], 0);
    expect([...(prompts.attentionMask.data as BigInt64Array)]).toEqual([1n, 1n, 1n, 0n, 0n, 1n]);
    expect([...(prompts.positionIds.data as BigInt64Array)]).toEqual([0n, 1n, 2n, 1n, 1n, 0n]);
  });
});

describe('decode groups', () => {
  const streams = (lengths: number[]) => lengths.map((length, index) => ({ stream: index, length }));
  it('should run streams of similar length together, longest first', () => {
    expect(groupByLength(streams([100, 120, 110, 105]), 256)).toEqual([[1, 2, 3, 0]]);
  });

  it('should split streams of very different lengths where the padding costs more than a run', () => {
    // One run: 8 x 500 + 256 = 4256 row-positions; two: 4 x 500 + 256 + 4 x 20 + 256 = 2592.
    expect(groupByLength(streams([500, 20, 500, 20, 500, 20, 500, 20]), 256)).toEqual([
      [0, 2, 4, 6],
      [1, 3, 5, 7],
    ]);
    // A run that costs more than the padding it saves keeps them together.
    expect(groupByLength(streams([500, 20]), 1000)).toEqual([[0, 1]]);
  });
});

describe('decoder signature', () => {
  const spec = (name: string, dataType: TensorSpec['dataType'], shape: number[]): TensorSpec => ({
    name,
    dataType,
    shape,
    dimNames: shape.map(() => null),
  });
  it('should read the layers and cache shape of an Optimum decoder, and say why another model is none', () => {
    const signature = {
      inputs: [
        spec('input_ids', 'INT64', [-1, -1]),
        spec('attention_mask', 'INT64', [-1, -1]),
        spec('past_key_values.0.key', 'FP32', [-1, 4, -1, 8]),
        spec('past_key_values.0.value', 'FP32', [-1, 4, -1, 8]),
      ],
      outputs: [
        spec('logits', 'FP32', [-1, -1, 50]),
        spec('present.0.key', 'FP32', [-1, 4, -1, 8]),
        spec('present.0.value', 'FP32', [-1, 4, -1, 8]),
      ],
    };
    expect(readDecoderSignature(signature)).toMatchObject({
      attentionMask: true,
      positionIds: false,
      heads: 4,
      headDim: 8,
      vocabularySize: 50,
      layers: [{ pastKey: 'past_key_values.0.key', presentValue: 'present.0.value' }],
    });
    expect(readDecoderSignature({ inputs: [spec('pixels', 'FP32', [-1, 256])], outputs: [spec('probabilities', 'FP32', [-1, 10])] })).toBe(
      'it has no INT64 input "input_ids"',
    );
  });
});
