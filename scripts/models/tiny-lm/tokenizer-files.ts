/**
 * The Hugging Face tokenizer files of the tiny LM. A BPE model with no merges and no
 * pre-tokenizer splits text into single characters; the Fuse decoder joins them back without
 * adding spaces, so decode(encode(text)) is text for any text in the vocabulary.
 */
import type { Vocabulary } from './vocabulary.ts';

export interface TokenizerFiles {
  /** tokenizer.json */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json: names the special tokens and turns off decode's space clean-up. */
  tokenizerConfig: Record<string, unknown>;
}

export function tokenizerFiles(vocabulary: Vocabulary, maxPositions: number): TokenizerFiles {
  const { tokens, eosId, unkId } = vocabulary;
  const special = [eosId, unkId].map((id) => ({
    id,
    content: tokens[id]!,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: special,
    normalizer: null,
    pre_tokenizer: null,
    post_processor: null,
    decoder: { type: 'Fuse' },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: tokens[unkId]!,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges: [],
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: tokens[eosId]!,
    eos_token: tokens[eosId]!,
    unk_token: tokens[unkId]!,
    // Padding is what attention_mask says; the pad id only fills the slot.
    pad_token: tokens[eosId]!,
    add_bos_token: false,
    add_eos_token: false,
    // Otherwise decode turns "a ." into "a." and the round trip breaks.
    clean_up_tokenization_spaces: false,
    model_max_length: maxPositions,
    added_tokens_decoder: Object.fromEntries(special.map(({ id, ...token }) => [String(id), token])),
  };
  return { tokenizer, tokenizerConfig };
}
