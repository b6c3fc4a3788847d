/** A classifier's answer as people read it: its best classes, named by the model's labels. */

/** One class of a ranking: its index in the scores, its label (the index where the model has none), its score. */
export interface RankedClass {
  index: number;
  label: string;
  score: number;
}

/**
 * The `k` best entries of a row of scores (a classifier's probabilities or logits), best first, named by `labels`
 * (a model's `labels` in the catalog). Pure, so that a page and a command line rank alike.
 */
export function topK(scores: ArrayLike<number>, labels: readonly string[] | null | undefined, k: number): RankedClass[] {
  return Array.from(scores, (score, index) => ({ index, label: labels?.[index] ?? String(index), score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
