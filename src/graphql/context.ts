import type { Predictor } from '../batching/predictor.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';

/** What every resolver is given: the serving core, and the request's abort signal when there is one. */
export interface GraphQLContext {
  registry: ModelRegistry;
  predictor: Predictor;
  /** Aborts when the HTTP client goes away. */
  signal?: AbortSignal | undefined;
  /** Whether the server is shutting down (not ready). */
  draining: () => boolean;
}
