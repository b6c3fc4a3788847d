/**
 * Writes the decoder of decoder-weights.ts as ONNX with the signature Hugging Face Optimum gives
 * GPT-2 style decoders (one layer, so one past/present pair):
 *
 *   input_ids [batch_size, sequence_length] int64
 *   attention_mask [batch_size, past_sequence_length + sequence_length] int64, 0 for padding
 *   position_ids [batch_size, sequence_length] int64
 *   past_key_values.0.key / .value [batch_size, num_heads, past_sequence_length, head_dim] float32
 *   → logits [batch_size, sequence_length, vocab_size] float32
 *   → present.0.key / .value [batch_size, num_heads, past_sequence_length + sequence_length, head_dim]
 *
 * Without the cache the past inputs and present outputs go, and attention_mask is
 * [batch_size, sequence_length]. New token i sits at index past_sequence_length + i of the keys
 * and sees the keys at or before that index whose attention_mask is 1.
 */
import type { DecoderWeights } from './decoder-weights.ts';
import { BOOL, createGraphBuilder, FLOAT, INT64 } from './onnx-graph.ts';

export interface DecoderOnnxOptions {
  /** Take past_key_values and return present: one new token per step instead of the whole text. */
  kvCache: boolean;
  docString: string;
}

const BATCH = 'batch_size';
const SEQUENCE = 'sequence_length';
const PAST = 'past_sequence_length';
const TOTAL = 'past_sequence_length + sequence_length';
// Finite, unlike -inf, so that softmax stays defined even if every key of a row were masked.
const MASKED_SCORE = -1e9;

export function decoderToOnnx(weights: DecoderWeights, { kvCache, docString }: DecoderOnnxOptions): Uint8Array {
  const { vocabSize, numHeads } = weights.shape;
  const { headDim } = weights;
  const keys = kvCache ? TOTAL : SEQUENCE;
  const g = createGraphBuilder();
  const tensor = (name: string, { dims, data }: { dims: number[]; data: Float32Array }): string => g.floats(name, dims, data);

  g.input('input_ids', INT64, [BATCH, SEQUENCE]);
  g.input('attention_mask', INT64, [BATCH, keys]);
  g.input('position_ids', INT64, [BATCH, SEQUENCE]);
  if (kvCache) {
    g.input('past_key_values.0.key', FLOAT, [BATCH, numHeads, PAST, headDim]);
    g.input('past_key_values.0.value', FLOAT, [BATCH, numHeads, PAST, headDim]);
  }
  g.output('logits', FLOAT, [BATCH, SEQUENCE, vocabSize]);
  if (kvCache) {
    g.output('present.0.key', FLOAT, [BATCH, numHeads, TOTAL, headDim]);
    g.output('present.0.value', FLOAT, [BATCH, numHeads, TOTAL, headDim]);
  }

  const zero = g.ints('zero', [], [0]);
  const one = g.ints('one', [], [1]);
  const splitHeads = g.ints('split_heads_shape', [4], [0, 0, numHeads, headDim]);
  const mergeHeads = g.ints('merge_heads_shape', [3], [0, 0, numHeads * headDim]);

  // Embeddings: the token's one-hot beside the position's sinusoids.
  const tokens = g.node('Gather', [tensor('wte', weights.tokenEmbedding), 'input_ids']);
  const positions = g.node('Gather', [tensor('wpe', weights.positionEmbedding), 'position_ids']);
  const x = g.node('Concat', [tokens, positions], { axis: 2 });

  // [B, S, H·D] → [B, H, S, D]
  const heads = (projection: string): string => g.node('Transpose', [g.node('Reshape', [projection, splitHeads])], { perm: [0, 2, 1, 3] });
  const query = heads(
    g.node('Add', [g.node('MatMul', [x, tensor('attn.q.weight', weights.query)]), tensor('attn.q.bias', weights.queryBias)]),
  );
  const newKey = heads(g.node('MatMul', [x, tensor('attn.k.weight', weights.key)]));
  const newValue = heads(g.node('MatMul', [x, tensor('attn.v.weight', weights.value)]));
  const key = kvCache ? g.node('Concat', ['past_key_values.0.key', newKey], { axis: 2 }, 'present.0.key') : newKey;
  const value = kvCache ? g.node('Concat', ['past_key_values.0.value', newValue], { axis: 2 }, 'present.0.value') : newValue;
  const scores = g.node('MatMul', [query, g.node('Transpose', [key], { perm: [0, 1, 3, 2] })]);

  // Causal within the new tokens, by index: new token i is key index past + i.
  const total = g.node('Gather', [g.node('Shape', ['attention_mask']), one], { axis: 0 });
  const fresh = g.node('Gather', [g.node('Shape', ['input_ids']), one], { axis: 0 });
  const keyIndex = g.node('Range', [zero, total, one]);
  const queryIndex = g.node('Range', [g.node('Sub', [total, fresh]), total, one]);
  const causal = g.node('LessOrEqual', [
    g.node('Unsqueeze', [keyIndex, g.ints('axes_0', [1], [0])]),
    g.node('Unsqueeze', [queryIndex, g.ints('axes_1', [1], [1])]),
  ]);
  const unpadded = g.node('Unsqueeze', [g.node('Cast', ['attention_mask'], { to: BOOL }), g.ints('axes_1_2', [2], [1, 2])]);
  const visible = g.node('And', [causal, unpadded]);
  const masked = g.node('Where', [visible, scores, g.floats('masked_score', [], Float32Array.of(MASKED_SCORE))]);

  // The sink's score is a query feature (its key is a one-hot there, its value zero): softmax
  // over [sink, keys], then drop the sink's column.
  const sink = g.node('Gather', [query, g.ints('sink_feature', [1], [weights.sinkFeature])], { axis: 3 });
  const probabilities = g.node('Softmax', [g.node('Concat', [sink, masked], { axis: 3 })], { axis: 3 });
  const keyProbabilities = g.node('Slice', [
    probabilities,
    g.ints('slice_start', [1], [1]),
    g.ints('slice_end', [1], [Number.MAX_SAFE_INTEGER]),
    g.ints('slice_axis', [1], [3]),
  ]);
  const attended = g.node('Reshape', [
    g.node('Transpose', [g.node('MatMul', [keyProbabilities, value])], { perm: [0, 2, 1, 3] }),
    mergeHeads,
  ]);
  // The heads write dimensions of their own, so adding them to the residual stream is appending.
  const residual = g.node('Concat', [x, attended], { axis: 2 });

  const hidden = g.node('Relu', [
    g.node('Add', [g.node('MatMul', [residual, tensor('mlp.in.weight', weights.mlpIn)]), tensor('mlp.in.bias', weights.mlpInBias)]),
  ]);
  g.node(
    'Add',
    [
      g.node('MatMul', [residual, tensor('lm_head.weight', weights.lmHead)]),
      g.node('MatMul', [hidden, tensor('mlp.out.weight', weights.mlpOut)]),
    ],
    {},
    'logits',
  );

  return g.encode({ name: kvCache ? 'tiny_lm_with_past' : 'tiny_lm', docString });
}
