import type { Predictor } from '../batching/predictor.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';

/** What every resolver is given: the serving core, and a way to learn that the client went away. */
export interface GraphQLContext {
  registry: ModelRegistry;
  predictor: Predictor;
  /** A signal that aborts when the client goes away (made on first call); undefined without a client connection. */
  clientSignal?: () => AbortSignal | undefined;
  /** Whether the server is shutting down (not ready). */
  draining: () => boolean;
}
