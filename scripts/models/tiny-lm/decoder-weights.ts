/**
 * Weights of a one-layer decoder that computes an n-gram model, set by hand instead of trained.
 *
 * The residual stream has four parts: [current token one-hot | position features | token 1 back
 * | token 2 back]. The embeddings write the first two. Attention head h looks h+1 positions back
 * and copies that token's one-hot: queries and keys are sinusoidal features of position_ids, the
 * query rotated by h+1 steps, so q·k peaks where the key's position is exactly the query's minus
 * h+1. Each query also scores a constant "no such token" sink (with a zero value) halfway between
 * that peak and every other key, so a head whose target is padding or before the start copies
 * nothing. The heads' outputs are the last two parts as they are: the output projection is the
 * identity into dimensions nothing wrote before, so the residual add is a concatenation.
 *
 * The MLP has one unit per n-gram context, an AND of one-hots (2·Σ − (2n − 1), then ReLU) whose
 * output row is that context's log-probability correction (ngram-model.ts); the LM head maps the
 * current token to its bigram row. The MLP's down-projection is folded into the LM head, so the
 * logits are x·W_U + relu(x·W_in + b_in)·W_out.
 */
import type { NgramModel } from './ngram-model.ts';

export interface DecoderShape {
  vocabSize: number;
  /** One per look-back distance: head h attends h+1 positions back. */
  numHeads: number;
  /** Sinusoid frequencies; each gives a cos and a sin feature. */
  positionFrequencies: number;
  /** Rows of the position table: position_ids must lie in [0, maxPositions). */
  maxPositions: number;
  /** Nats by which a head's target outscores the sink, and the sink every other key. */
  attentionMargin: number;
}

export interface WeightTensor {
  dims: number[];
  data: Float32Array;
}

export interface DecoderWeights {
  shape: DecoderShape;
  /** Width of the embeddings' output: current token and position parts. */
  embeddingDim: number;
  /** Width after attention: the embeddings' parts and one part per head. */
  residualDim: number;
  headDim: number;
  /** Index within a head of the query feature that the sink's key reads. */
  sinkFeature: number;
  /** [vocab, vocab]: one-hots. */
  tokenEmbedding: WeightTensor;
  /** [maxPositions, 2·positionFrequencies]: cos and sin of each frequency. */
  positionEmbedding: WeightTensor;
  /** [embeddingDim, heads·headDim], and so are key and value. */
  query: WeightTensor;
  queryBias: WeightTensor;
  key: WeightTensor;
  value: WeightTensor;
  /** [residualDim, contexts] */
  mlpIn: WeightTensor;
  mlpInBias: WeightTensor;
  /** [contexts, vocab] */
  mlpOut: WeightTensor;
  /** [residualDim, vocab] */
  lmHead: WeightTensor;
}

export function decoderWeights(ngrams: NgramModel, shape: DecoderShape): DecoderWeights {
  const { vocabSize: V, numHeads: H, positionFrequencies: K, maxPositions } = shape;
  const longest = Math.max(...ngrams.contexts.map((context) => context.tokens.length));
  if (longest > H + 1) throw new Error(`a ${longest}-token context needs ${longest - 1} heads, the decoder has ${H}`);
  const headDim = Math.max(V, 2 * K + 1);
  const positionPart = V;
  const embeddingDim = V + 2 * K;
  const residualDim = embeddingDim + H * headDim;
  const sinkFeature = 2 * K;
  /** Where the one-hot of the token `back` positions back has its `token` coordinate. */
  const oneHot = (back: number, token: number): number => (back === 0 ? token : embeddingDim + (back - 1) * headDim + token);

  const frequencies = Array.from(
    { length: K },
    (_, k) => HIGHEST_FREQUENCY * (Math.PI / maxPositions / HIGHEST_FREQUENCY) ** (k / (K - 1)),
  );
  const gap = smallestScoreGap(frequencies, maxPositions + H);
  const scale = (2 * shape.attentionMargin) / gap;

  const tokenEmbedding = zeros(V, V);
  for (let token = 0; token < V; token++) set(tokenEmbedding, token, token, 1);
  const positionEmbedding = zeros(maxPositions, 2 * K);
  for (let position = 0; position < maxPositions; position++) {
    frequencies.forEach((frequency, k) => {
      set(positionEmbedding, position, 2 * k, Math.cos(frequency * position));
      set(positionEmbedding, position, 2 * k + 1, Math.sin(frequency * position));
    });
  }

  const query = zeros(embeddingDim, H * headDim);
  const queryBias = zeros(H * headDim);
  const key = zeros(embeddingDim, H * headDim);
  const value = zeros(embeddingDim, H * headDim);
  for (let head = 0; head < H; head++) {
    const base = head * headDim;
    frequencies.forEach((frequency, k) => {
      // q = scale·(cos ω(t−d), sin ω(t−d)) from (cos ωt, sin ωt): a rotation by −ωd.
      const [cos, sin] = [Math.cos(frequency * (head + 1)), Math.sin(frequency * (head + 1))];
      const [c, s] = [positionPart + 2 * k, positionPart + 2 * k + 1];
      set(query, c, base + 2 * k, scale * cos);
      set(query, s, base + 2 * k, scale * sin);
      set(query, c, base + 2 * k + 1, -scale * sin);
      set(query, s, base + 2 * k + 1, scale * cos);
      set(key, c, base + 2 * k, 1);
      set(key, s, base + 2 * k + 1, 1);
    });
    queryBias.data[base + sinkFeature] = scale * (K - gap / 2);
    for (let token = 0; token < V; token++) set(value, token, base + token, 1);
  }

  const M = ngrams.contexts.length;
  const mlpIn = zeros(residualDim, M);
  const mlpInBias = zeros(M);
  const mlpOut = zeros(M, V);
  ngrams.contexts.forEach(({ tokens, correction }, unit) => {
    for (const [i, token] of tokens.entries()) set(mlpIn, oneHot(tokens.length - 1 - i, token), unit, 2);
    mlpInBias.data[unit] = 1 - 2 * tokens.length;
    mlpOut.data.set(correction, unit * V);
  });
  const lmHead = zeros(residualDim, V);
  lmHead.data.set(ngrams.bigram, 0);

  return {
    shape,
    embeddingDim,
    residualDim,
    headDim,
    sinkFeature,
    tokenEmbedding,
    positionEmbedding,
    query,
    queryBias,
    key,
    value,
    mlpIn,
    mlpInBias,
    mlpOut,
    lmHead,
  };
}

// With 8 frequencies from 2.5 rad down to π/2048 the smallest gap over 2k positions is ~2.1.
const HIGHEST_FREQUENCY = 2.5;

/** min over 1 ≤ |Δ| ≤ span of Σ(1 − cos ωΔ): how far the best wrong key falls below the right one, per unit of scale. */
function smallestScoreGap(frequencies: readonly number[], span: number): number {
  let smallest = Infinity;
  for (let delta = 1; delta <= span; delta++) {
    smallest = Math.min(
      smallest,
      frequencies.reduce((sum, frequency) => sum + 1 - Math.cos(frequency * delta), 0),
    );
  }
  if (smallest < 0.5) throw new Error(`position features alias: score gap ${smallest.toFixed(3)} within ${span} positions`);
  return smallest;
}

function zeros(...dims: number[]): WeightTensor {
  return { dims, data: new Float32Array(dims.reduce((product, dim) => product * dim, 1)) };
}

function set(tensor: WeightTensor, row: number, column: number, value: number): void {
  tensor.data[row * tensor.dims[1]! + column] = value;
}
