/** What the registry tells its listeners: one version's change of state, with the reason. */
import type { ModelState } from './model-version.ts';

export interface ModelEvent {
  model: string;
  version: number;
  state: ModelState;
  reason: string | null;
  /** Milliseconds since the epoch. */
  at: number;
}

export type ModelEventListener = (event: ModelEvent) => void;
