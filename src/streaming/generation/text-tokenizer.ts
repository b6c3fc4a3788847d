/** A Hugging Face tokenizer.json as encode, decode and end-of-sequence ids. */
import { Tokenizer } from '@huggingface/tokenizers';

/**
 * What generation needs of a Hugging Face tokenizer (`tokenizer.json`, with
 * `tokenizer_config.json` for the special tokens). @huggingface/tokenizers is pure JS, so
 * encoding and decoding stay on the event loop without blocking it for long.
 */
export interface TextTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[]): string;
  /** Ids that end generation. */
  eosIds: number[];
  /** The id padding slots are filled with (the mask hides them). */
  padId: number;
}

// Its .d.ts files import one another without extensions, which NodeNext cannot follow, so the
// class arrives untyped: this is the part of it we use.
interface HfTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  token_to_id(token: string): number | undefined;
}

type TokenizerConfig = Record<string, unknown>;

export function loadTokenizer(json: object, config: TokenizerConfig | null): TextTokenizer {
  const tokenizer = new (Tokenizer as new (json: object, config: object) => HfTokenizer)(json, config ?? {});
  const idOf = (field: string): number | undefined => {
    const token = tokenNameOf(config?.[field]);
    return token === undefined ? undefined : tokenizer.token_to_id(token);
  };
  const eos = idOf('eos_token');
  return {
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    // The library refuses an empty list; the text of no tokens is empty.
    decode: (ids) => (ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: true })),
    eosIds: eos === undefined ? [] : [eos],
    padId: idOf('pad_token') ?? eos ?? 0,
  };
}

/** A special token in tokenizer_config.json is a string or `{ content: string }`. */
function tokenNameOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { content?: unknown }).content === 'string') {
    return (value as { content: string }).content;
  }
  return undefined;
}
