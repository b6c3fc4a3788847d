/**
 * Character n-gram statistics of the corpus, in the form the decoder adds up: a bigram logit row
 * for the current token, and for each longer context seen often enough a correction that lifts
 * the row to that context's log-probabilities (Witten-Bell interpolation, which backs off to the
 * shorter context in proportion to how many different tokens followed the longer one).
 *
 * The corrections telescope: a context is kept only when its one-shorter suffix is (a suffix
 * occurs at least as often), so the bigram row plus the corrections of every kept suffix of the
 * context is exactly log P(next | longest kept context).
 */

export interface NgramOptions {
  vocabSize: number;
  /** Never a target: it gets a vanishing probability in every context. */
  unkId: number;
  /** Longest context, in tokens, counting the current one. */
  maxContext: number;
  /** Fewest occurrences for a context of three or more tokens to get a correction of its own. */
  minCount: number;
}

export interface NgramModel {
  /** log P(next | current), [current, next] row-major. */
  bigram: Float32Array;
  /** Contexts of 2..maxContext tokens, shortest first. */
  contexts: NgramContext[];
}

export interface NgramContext {
  /** Oldest token first; the last is the current one. */
  tokens: number[];
  /** log P(next | tokens) - log P(next | tokens minus the oldest), indexed by next. */
  correction: Float32Array;
}

// Pseudo-count of every token the corpus never shows, so a prompt using one still has a future.
const UNSEEN_COUNT = 0.1;
const UNK_PROBABILITY = 1e-12;

/** Counts every (context, next) pair inside each sequence of token ids. */
export function countNgramModel(sequences: readonly number[][], options: NgramOptions): NgramModel {
  const { vocabSize, unkId, maxContext, minCount } = options;
  const followers = new Map<string, Map<number, number>>();
  const contextTokens = new Map<string, number[]>();
  const unigramCounts = new Float64Array(vocabSize).fill(UNSEEN_COUNT);
  for (const sequence of sequences) {
    for (let i = 1; i < sequence.length; i++) {
      const next = sequence[i]!;
      unigramCounts[next]! += 1;
      for (let length = 1; length <= Math.min(maxContext, i); length++) {
        const context = sequence.slice(i - length, i);
        const key = context.join(',');
        const counts = followers.get(key) ?? new Map<number, number>();
        counts.set(next, (counts.get(next) ?? 0) + 1);
        followers.set(key, counts);
        contextTokens.set(key, context);
      }
    }
  }

  unigramCounts[unkId] = 0;
  const total = unigramCounts.reduce((sum, count) => sum + count, 0);
  const unigram = unigramCounts.map((count) => (count / total) * (1 - UNK_PROBABILITY));
  unigram[unkId] = UNK_PROBABILITY;

  const memo = new Map<string, Float64Array>();
  const probabilities = (context: readonly number[]): Float64Array => {
    if (context.length === 0) return unigram;
    const key = context.join(',');
    const cached = memo.get(key);
    if (cached) return cached;
    const lower = probabilities(context.slice(1));
    const counts = followers.get(key);
    if (!counts) return lower;
    const seen = [...counts.values()].reduce((sum, count) => sum + count, 0);
    const weight = counts.size / (seen + counts.size);
    const result = lower.map((p) => p * weight);
    for (const [next, count] of counts) result[next]! += count / (seen + counts.size);
    memo.set(key, result);
    return result;
  };

  const bigram = new Float32Array(vocabSize * vocabSize);
  for (let current = 0; current < vocabSize; current++) {
    bigram.set(probabilities([current]).map(Math.log), current * vocabSize);
  }
  const contexts: NgramContext[] = [];
  for (const [key, tokens] of contextTokens) {
    const occurrences = [...followers.get(key)!.values()].reduce((sum, count) => sum + count, 0);
    if (tokens.length < 2 || (tokens.length > 2 && occurrences < minCount)) continue;
    const longer = probabilities(tokens);
    const shorter = probabilities(tokens.slice(1));
    contexts.push({ tokens, correction: Float32Array.from(longer, (p, next) => Math.log(p) - Math.log(shorter[next]!)) });
  }
  contexts.sort((a, b) => a.tokens.length - b.tokens.length);
  return { bigram, contexts };
}
