export interface Scored {
  label: string;
  score: number;
}

/** The k best entries of a probability row, with their labels (the class index where a model has none). */
export function topK(row: ArrayLike<number>, labels: readonly string[] | null | undefined, k: number): Scored[] {
  return Array.from(row, (score, index) => ({ label: labels?.[index] ?? String(index), score }))
    .sort((a, b) => b.score - a.score)
    .slice(0, k);
}
