/** What every resolver is given, and the events the server publishes. */
import type { Principal } from '../auth/principal.ts';
import type { Predictor, PredictTiming } from '../batching/predictor.ts';
import type { Explainer } from '../explain/explainer.ts';
import type { EventBusState, ReplicaHealth } from '../health/read-health.ts';
import type { PipelineRunner } from '../pipelines/pipeline-runner.ts';
import { type AdminChange, adminChangeSchema } from '../registry/admin-change.ts';
import { type ReplicaModelEvent, replicaModelEventSchema } from '../registry/model-events.ts';
import type { ModelRegistry } from '../registry/model-registry.ts';
import { type ReplicaStatus, replicaStatusSchema } from '../server/replica-roster.ts';
import type { EventBus } from '../streaming/event-bus.ts';
import type { Generator } from '../streaming/generation/generator.ts';
import type { EventSchemas } from '../streaming/replicated-event-target.ts';

/** What the server publishes: for subscribers, and (admin changes) for the other replicas. */
export interface ServerEvents extends Record<string, unknown> {
  'model-events': ReplicaModelEvent;
  'admin-changes': AdminChange;
  /** Each replica's beat: that it is there, and whether it is ready. */
  'replica-status': ReplicaStatus;
}

/** What each topic's events must be when they come from another replica through Redis. */
export const SERVER_EVENT_SCHEMAS: EventSchemas<ServerEvents> = {
  'model-events': replicaModelEventSchema,
  'admin-changes': adminChangeSchema,
  'replica-status': replicaStatusSchema,
};

/** What every resolver is given: the serving core, and a way to learn that the client went away. */
export interface GraphQLContext {
  registry: ModelRegistry;
  predictor: Predictor;
  explainer: Explainer;
  generator: Generator;
  /** Runs pipelines on images, their steps through the whole registry (access to a pipeline is access to its steps). */
  pipelines: PipelineRunner;
  bus: EventBus<ServerEvents>;
  /** Tells the other replicas of an admin change this one made, so that they apply it too. */
  announce: (change: Omit<AdminChange, 'replica'>) => void;
  /** With Redis, whether it is reachable; absent for a process on its own. */
  eventBus?: () => EventBusState;
  /** With Redis, the replicas sharing it, heard from lately; absent for a process on its own. */
  replicas?: () => ReplicaHealth[];
  /** Who the request acts for; ANONYMOUS (every scope, every model) while authentication is off. */
  principal: Principal;
  /** A signal that aborts when the client goes away (made on first call); undefined without a client connection. */
  clientSignal?: () => AbortSignal | undefined;
  /** Whether the server is shutting down (not ready). */
  draining: () => boolean;
  /** Aborts when the server starts to shut down: open streams then end, each after its last event. */
  shutdown: AbortSignal;
  /** The operation's trace span, opaque here: resolvers hand it to the core, whose reports then carry it. Undefined with tracing off. */
  trace?: unknown;
  /** The id of this operation in the log, as the client got it (`x-request-id`, `extensions.requestId`). */
  requestId: string;
  /** What the resolvers note for the operation's log line; written as they go, read once it ends. */
  notes: OperationNotes;
}

/** The version an operation touched (the last, when it touched several) and, for predict, the timing of its run. */
export interface OperationNotes {
  model?: string;
  version?: number;
  timing?: PredictTiming;
}
