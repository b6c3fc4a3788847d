/**
 * Inputs that pass the model's spec but that onnxruntime refuses while it runs: the client gets
 * INFERENCE_REJECTED naming the model and carrying onnxruntime's reason, not INTERNAL; on every transport.
 */
import { describe, expect, it } from 'vitest';
import { expectFailure } from '../fixtures/failures.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { PredictDocument } from '../generated/graphql.ts';

const HEADS = 2;
const HEAD_DIM = 98;

const server = forSuite(() => serveModels((repository) => repository.copyExample('tiny-lm')));

/** Two new tokens after a cached past: a step as Optimum's decoder signature takes it. */
function decodeStep({ maskLength, keyLength = 2, valueLength = 2 }: { maskLength: number; keyLength?: number; valueLength?: number }) {
  const zeros = (length: number) => Array.from({ length }, () => 0);
  return {
    model: 'tiny-lm',
    inputs: [
      { name: 'input_ids', shape: [1, 2], data: [5, 6] },
      { name: 'attention_mask', shape: [1, maskLength], data: zeros(maskLength).map(() => 1) },
      { name: 'position_ids', shape: [1, 2], data: [keyLength, keyLength + 1] },
      { name: 'past_key_values.0.key', shape: [1, HEADS, keyLength, HEAD_DIM], data: zeros(HEADS * keyLength * HEAD_DIM) },
      { name: 'past_key_values.0.value', shape: [1, HEADS, valueLength, HEAD_DIM], data: zeros(HEADS * valueLength * HEAD_DIM) },
    ],
  };
}

describe.each(TRANSPORTS)('a run onnxruntime refuses, over $name', (transport) => {
  it('should answer INFERENCE_REJECTED naming the model when the KV cache length disagrees with the attention mask', async () => {
    // Past 2 + 2 new tokens wants a mask of 4; 5 passes the spec (a dynamic dim) but not the graph.
    const result = await transport.execute(server, PredictDocument, { input: decodeStep({ maskLength: 5 }) });
    const message = expectFailure(result, 'INFERENCE_REJECTED', { path: ['predict'], ...('status' in result ? { status: 400 } : {}) });
    expect(message).toMatch(/^model "tiny-lm" v1: onnxruntime refused the inputs: /);
    // onnxruntime's own reason, without the paths of its build.
    expect(message).toContain('Attempting to broadcast an axis by a dimension other than 1. 4 by 5');
    expect(message).not.toMatch(/onnxruntime_src|\/[a-z_]+\/[a-z_]+\//);
  });

  it('should answer INFERENCE_REJECTED when the cached keys and values have different lengths', async () => {
    const result = await transport.execute(server, PredictDocument, { input: decodeStep({ maskLength: 4, valueLength: 3 }) });
    const message = expectFailure(result, 'INFERENCE_REJECTED', { path: ['predict'] });
    expect(message).toMatch(/^model "tiny-lm" v1: onnxruntime refused the inputs: .*MatMul dimension mismatch/);
  });

  it('should keep serving the same model a consistent step after a refused one', async () => {
    const result = await transport.execute(server, PredictDocument, { input: decodeStep({ maskLength: 4 }) });
    expect(result.errors).toBeUndefined();
    expect(result.data!.predict.outputs.map(({ name, shape }) => ({ name, shape }))).toEqual([
      { name: 'logits', shape: [1, 2, 98] },
      { name: 'present.0.key', shape: [1, HEADS, 4, HEAD_DIM] },
      { name: 'present.0.value', shape: [1, HEADS, 4, HEAD_DIM] },
    ]);
  });
});

describe('refusals among concurrent requests', () => {
  it('should fail only the refused request when others of the same shape are sent with it', async () => {
    // Same shapes, so the batcher may run them together; a refused shared run is retried request by request.
    const outOfRange = decodeStep({ maskLength: 4 });
    outOfRange.inputs[2] = { name: 'position_ids', shape: [1, 2], data: [5000, 5001] };
    const answers = await Promise.all(
      [0, 1, 2, 3].map((index) => server.graphql(PredictDocument, { input: index === 2 ? outOfRange : decodeStep({ maskLength: 4 }) })),
    );
    for (const [index, answer] of answers.entries()) {
      if (index === 2) expect(expectFailure(answer, 'INFERENCE_REJECTED', { status: 400 })).toMatch(/out of (data )?bounds|out of range/i);
      else expect(answer.errors).toBeUndefined();
    }
  });
});
