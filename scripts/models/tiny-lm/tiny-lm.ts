/**
 * The tiny LM: character n-gram statistics of corpus.txt (up to three characters of context)
 * written as the weights of a one-layer, two-head decoder with a KV cache. See decoder-weights.ts
 * for how attention and the MLP compute the n-gram model, and decoder-onnx.ts for the signature.
 */
import type { ModelConfig } from '../model-recipe.ts';
import { readCorpusDocuments } from './corpus.ts';
import { decoderToOnnx } from './decoder-onnx.ts';
import { type DecoderShape, decoderWeights } from './decoder-weights.ts';
import { countNgramModel } from './ngram-model.ts';
import { tokenizerFiles } from './tokenizer-files.ts';
import { createVocabulary } from './vocabulary.ts';

export const TINY_LM_NAME = 'tiny-lm';
export const TINY_LM_VERSION = 1;

const SHAPE: Omit<DecoderShape, 'vocabSize'> = { numHeads: 2, positionFrequencies: 8, maxPositions: 2048, attentionMargin: 32 };
// Contexts of three characters seen once are mostly one word of the corpus each: keeping them
// would grow the MLP by 60% to recite the corpus more faithfully.
const MIN_CONTEXT_COUNT = 2;

/** Written as model.json when the repository has none; the server's schema is strict. */
export const TINY_LM_CONFIG: ModelConfig = {
  description:
    'A character-level decoder (one layer, two heads, a KV cache) whose weights are the n-gram statistics of scripts/models/tiny-lm/corpus.txt. ' +
    'Hugging Face Optimum signature: input_ids, attention_mask, position_ids, past_key_values.0.key/value → logits, present.0.key/value. ' +
    `Tokenizer in tokenizer.json, end of text in tokenizer_config.json; position_ids below ${SHAPE.maxPositions}.`,
  task: 'text-generation',
  maxBatchSize: 16,
  instances: 1,
  intraOpNumThreads: 1,
};

export interface TinyLm {
  /** model.onnx */
  model: Uint8Array;
  /** Neurons of the MLP: one per context of two or three characters. */
  contexts: number;
}

export async function createTinyLm({ kvCache }: { kvCache: boolean }): Promise<TinyLm> {
  const vocabulary = createVocabulary();
  const documents = await readCorpusDocuments();
  // Each paragraph follows end-of-text and ends with it, as documents do in GPT-2's training.
  const sequences = documents.map((text) => [vocabulary.eosId, ...vocabulary.encode(text), vocabulary.eosId]);
  const ngrams = countNgramModel(sequences, {
    vocabSize: vocabulary.tokens.length,
    unkId: vocabulary.unkId,
    maxContext: SHAPE.numHeads + 1,
    minCount: MIN_CONTEXT_COUNT,
  });
  const weights = decoderWeights(ngrams, { ...SHAPE, vocabSize: vocabulary.tokens.length });
  const model = decoderToOnnx(weights, {
    kvCache,
    docString: 'Character n-gram model of an original corpus written as a one-layer decoder; built by infergraph scripts/build-models.ts.',
  });
  return { model, contexts: ngrams.contexts.length };
}

/** tokenizer.json and tokenizer_config.json, as written beside model.json. */
export function tinyLmTokenizerFiles(): Record<string, string> {
  const { tokenizer, tokenizerConfig } = tokenizerFiles(createVocabulary(), SHAPE.maxPositions);
  return {
    'tokenizer.json': `${JSON.stringify(tokenizer, null, 2)}\n`,
    'tokenizer_config.json': `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
  };
}
