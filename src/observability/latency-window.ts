/** The most recent latencies of one kind, for percentiles without keeping everything. */
export interface LatencyWindow {
  record(ms: number): void;
  /** The p-th percentile (0–100) of the recorded window, or null before the first. */
  percentile(p: number): number | null;
  readonly count: number;
}

export function createLatencyWindow(capacity = 1024): LatencyWindow {
  const samples = new Float64Array(capacity);
  let count = 0;
  return {
    record(ms) {
      samples[count % capacity] = ms;
      count++;
    },
    percentile(p) {
      const size = Math.min(count, capacity);
      if (size === 0) return null;
      const sorted = samples.slice(0, size).sort();
      return sorted[Math.min(size - 1, Math.max(0, Math.ceil((p / 100) * size) - 1))]!;
    },
    get count() {
      return count;
    },
  };
}
