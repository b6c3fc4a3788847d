/**
 * The tiny LM's tokens: one per character. Every printable ASCII character and the newline has
 * its own id, not just those the corpus happens to use, so that any ASCII prompt round-trips
 * through the tokenizer exactly; the model gives the characters it never saw a small probability.
 */

/** End of text, as GPT-2 spells it; also what a generation may be started from. */
const EOS_TOKEN = '<|endoftext|>';
/** Stands for any character outside the vocabulary. */
const UNK_TOKEN = '<unk>';

export interface Vocabulary {
  /** Token strings in id order: the two special tokens first, then the characters. */
  tokens: readonly string[];
  eosId: number;
  unkId: number;
  /** Ids of the characters of `text`, UNK for those outside the vocabulary. */
  encode(text: string): number[];
}

export function createVocabulary(): Vocabulary {
  const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));
  const tokens = [EOS_TOKEN, UNK_TOKEN, '\n', ...printable];
  const ids = new Map(tokens.map((token, id) => [token, id]));
  const unkId = ids.get(UNK_TOKEN)!;
  return {
    tokens,
    eosId: ids.get(EOS_TOKEN)!,
    unkId,
    encode: (text) => Array.from(text, (char) => ids.get(char) ?? unkId),
  };
}
