import { z } from 'zod';

/**
 * What `models/<name>/model.json` may say. Every field is optional: what is left out is
 * read off the ONNX file or taken from the server's defaults.
 */
export const modelConfigSchema = z.strictObject({
  description: z.string().optional(),
  task: z.string().optional(),
  /** Class names file, one per line in output order. Default: `labels.txt` when present. */
  labels: z.string().optional(),
  /** Largest batch, counted in items (rows of the batch dim), not requests. */
  maxBatchSize: z.int().min(1).max(65_536).optional(),
  /** How long a batch may wait to fill while the model's workers are busy. */
  maxQueueDelayMs: z.number().min(0).max(10_000).optional(),
  /** Requests waiting for this version past which new ones get OVERLOADED. */
  maxQueueSize: z.int().min(1).optional(),
  /** Workers holding a session of this model. */
  instances: z.int().min(1).max(256).optional(),
  intraOpNumThreads: z.int().min(1).max(64).optional(),
  /** The batch dim of every input and output: 0, or null for a model that takes one request at a time. */
  batchDim: z.union([z.literal(0), z.null()]).optional(),
});

export type ModelConfig = z.infer<typeof modelConfigSchema>;
