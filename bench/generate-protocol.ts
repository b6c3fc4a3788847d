/** Messages between bench/generate.ts and its raw decoding thread. Times in ms. */

export interface RawGenerationRequest {
  modelPath: string;
  /** Generations run in turn: each one's prompt ids and sampler seed, as the server's stream 0 gets them. */
  streams: { prompt: number[]; seed: number }[];
  eosId: number;
  maxTokens: number;
  temperature: number;
  warmupMs: number;
  durationMs: number;
  /** Streams per decode run for the step ceiling. */
  ceilingBatches: number[];
  ceilingPastLength: number;
  /** How long to repeat each ceiling run. */
  ceilingMsPerBatch: number;
  /** Raw batched decoding: `rows` streams generated in lockstep, one run per step for all of them, for `durationMs`. */
  batched: { rows: number; durationMs: number };
  /** Per past length: generations of `maxTokens` after a prompt of that many tokens, one at a time, for `durationMs` each. */
  pasts: { past: number; prompt: number[]; maxTokens: number; durationMs: number }[];
}

export interface RawGenerationResult {
  /** Tokens (end-of-text excluded) sampled inside the window. */
  tokens: number;
  windowMs: number;
  /** session.run calls inside the window (prefills and decode steps) and their mean time. */
  runs: number;
  meanRunMs: number;
  timeToFirstTokenMs: number[];
  interTokenMs: number[];
  ceiling: { batch: number; pastLength: number; stepMs: number }[];
  /** Raw batched decoding: tokens sampled (every row counts, end of text or not) over its window. */
  batched: { rows: number; tokens: number; windowMs: number; runs: number };
  /** Per past length, the gaps between one generation's tokens. */
  pasts: { past: number; interTokenMs: number[] }[];
  /** The cache's [batch, heads, past, headDim] dims and how many layers hold one. */
  cache: { layers: number; heads: number; headDim: number };
}
