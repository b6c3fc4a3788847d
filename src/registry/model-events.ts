/** What the registry tells its listeners: one version's change of state, with the reason. */
import { z } from 'zod';
import { MODEL_STATES, type ModelState } from './model-version.ts';

export interface ModelEvent {
  model: string;
  version: number;
  state: ModelState;
  reason: string | null;
  /** Milliseconds since the epoch. */
  at: number;
}

export type ModelEventListener = (event: ModelEvent) => void;

/** A model event as the bus carries it: with the replica whose registry it happened in. */
export interface ReplicaModelEvent extends ModelEvent {
  replica: string;
}

/** What a model event read back from Redis must be. */
export const replicaModelEventSchema: z.ZodType<ReplicaModelEvent> = z.object({
  model: z.string(),
  version: z.number().int().positive(),
  state: z.enum(MODEL_STATES),
  reason: z.string().nullable(),
  at: z.number(),
  replica: z.string(),
});
