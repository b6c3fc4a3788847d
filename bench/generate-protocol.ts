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
  /** The cache's [batch, heads, past, headDim] dims and how many layers hold one. */
  cache: { layers: number; heads: number; headDim: number };
}
