/**
 * The Prometheus metrics of one app, on a prom-client registry the app owns: never prom-client's
 * global default registry, so two apps in one process (the tests start many) do not collide.
 *
 * Names follow what Triton and vLLM operators know (`nv_inference_count` → `infergraph_inference_count_total`,
 * `vllm:num_requests_running` → `infergraph_generation_streams_running`). Per-version figures are read
 * at scrape time from the same stats `ModelStats` answers, so the two cannot disagree, and the core
 * modules that keep them know nothing of prom-client. Labels take only server-chosen values: a
 * model and version the registry holds, a transport, an outcome, a subscription's root field.
 */

import { type Counter, collectDefaultMetrics, Gauge, Histogram, Counter as PromCounter, Registry } from 'prom-client';
import type { BatcherStats } from '../batching/batcher.ts';
import type { WorkerStats } from '../runtime/worker-pool.ts';
import type { EngineStats } from '../streaming/generation/generation-engine.ts';

// v2: the Open Inference Protocol's REST routes, beside GraphQL over HTTP, WebSocket and SSE.
const TRANSPORTS = ['http', 'ws', 'sse', 'v2'] as const;
const OUTCOMES = ['success', 'rejected', 'cancelled', 'deadline', 'invalid', 'runtime', 'internal'] as const;

/** How an operation reached the server. */
export type Transport = (typeof TRANSPORTS)[number];

/** How an operation ended: success, or why it failed. */
export type Outcome = (typeof OUTCOMES)[number];

/** The figures of one loaded version, as the batching and generation cores keep them. */
export interface VersionFigures {
  model: string;
  version: number;
  state: string;
  memoryBytes: number | null;
  loadMs: number | null;
  /** The predictor's figures (requests, failures, runs, rows, queued, in flight, summed ms); null before the first request. */
  predict: BatcherStats | null;
  /** Generation streams running and waiting, and tokens generated; null for a model that does not generate or has not yet. */
  generation: Pick<EngineStats, 'activeStreams' | 'waitingStreams' | 'tokens'> | null;
}

/** The model and version a figure is of. */
export interface VersionLabels {
  model: string;
  version: number;
}

/** Seconds, 0.5 ms to 10 s: a run of a small model takes well under a millisecond, a big one seconds. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Rows of a run, powers of two as batch sizes are usually set. */
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

export interface MetricsSources {
  /** Every state a version can be in: each is a series of `infergraph_model_versions`, so a dashboard sees the zeros too. */
  states: readonly string[];
  /** Every version the registry holds, with its live figures; called at each scrape. */
  versions(): VersionFigures[];
  /** Open WebSocket connections; called at each scrape. */
  webSocketConnections(): number;
  /** The inference threads, by index, with how often each was replaced; called at each scrape. */
  workers(): readonly Pick<WorkerStats, 'restarts'>[];
}

export interface Metrics {
  /** The app's own registry: what /metrics serves. */
  readonly registry: Registry;
  /** Counts one finished GraphQL operation; a query or mutation also observes how long it took, in seconds. */
  recordOperation(transport: Transport, outcome: Outcome, seconds?: number): void;
  /** Observes one ONNX run of a version: its rows, compute time and each request's queue wait. */
  recordRun(version: VersionLabels, run: { batchSize: number; computeMs: number; queueMs: readonly number[] }): void;
  /** Observes a stream's time to first token, or a later token's latency, in ms. */
  recordTokenTiming(version: VersionLabels, kind: 'timeToFirstToken' | 'interToken', ms: number): void;
  /** Counts a finished generation stream by why it ended (EOS, STOP, LENGTH, CANCELLED, ERROR), and its prompt tokens. */
  recordGenerationFinish(version: VersionLabels, reason: string, promptTokens: number, completionTokens: number): void;
  /** Observes one step of a pipeline request: its time in ms, and whether it failed the request. */
  recordPipelineStep(step: { pipeline: string; step: string; model: string }, ms: number, failed: boolean): void;
  /** Counts a subscription that starts; call the returned function once when it ends. */
  openSubscription(transport: Transport, kind: string): () => void;
}

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  // Process CPU, memory, handles, GC and event-loop lag (its delay histogram from perf_hooks' monitorEventLoopDelay).
  collectDefaultMetrics({ register: registry, prefix: 'infergraph_', eventLoopMonitoringPrecision: 10 });

  const requests = new PromCounter({
    name: 'infergraph_requests_total',
    help: 'GraphQL operations finished, by transport and outcome (success, or the reason they failed)',
    labelNames: ['transport', 'outcome'] as const,
    registers: [registry],
  });
  // Every series from the start, at 0: rate() and increase() need a sample before the first
  // increment, or the first failure of a kind never shows in a dashboard or an alert.
  for (const transport of TRANSPORTS) for (const outcome of OUTCOMES) requests.inc({ transport, outcome }, 0);
  const subscriptions = new Gauge({
    name: 'infergraph_subscriptions_active',
    help: 'Subscriptions running, by transport and root field (generate, predictStream, modelEvents, health)',
    labelNames: ['transport', 'kind'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'infergraph_websocket_connections',
    help: 'Open graphql-ws connections',
    registers: [registry],
    collect() {
      this.set(sources.webSocketConnections());
    },
  });

  new PromCounter({
    name: 'infergraph_worker_restarts_total',
    help: 'Inference threads that died and were replaced, by worker index',
    labelNames: ['worker'] as const,
    registers: [registry],
    collect() {
      // Set from the pool's own count at each scrape, so /metrics and pool.stats() cannot disagree.
      this.reset();
      sources.workers().forEach(({ restarts }, index) => {
        this.inc({ worker: String(index) }, restarts);
      });
    },
  });

  const versionLabels = ['model', 'version'] as const;
  type Label = (typeof versionLabels)[number];
  /** A counter whose value is a running total kept elsewhere: each scrape sets it from that total. */
  const totalOf = (name: string, help: string, read: (figures: VersionFigures) => number | undefined) =>
    new PromCounter({
      name,
      help,
      labelNames: versionLabels,
      registers: [registry],
      collect(this: Counter<Label>) {
        // Reset, then add the totals: a version that was reloaded or unloaded starts again from zero,
        // which Prometheus's rate() reads as a counter reset.
        this.reset();
        for (const figures of sources.versions()) {
          const value = read(figures);
          if (value !== undefined) this.inc(labelsOf(figures), value);
        }
      },
    });
  const gaugeOf = (name: string, help: string, read: (figures: VersionFigures) => number | null | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: versionLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const figures of sources.versions()) {
          const value = read(figures);
          if (value !== undefined && value !== null) this.set(labelsOf(figures), value);
        }
      },
    });

  /**
   * A predict total of a version; 0 for a READY version not yet asked (its predictor keeps no figures
   * before the first request), so that the series exists before it moves: rate() and increase() need a
   * sample before an increment, or an alert misses a version's first failures.
   */
  const predictTotal =
    (read: (stats: BatcherStats) => number) =>
    (f: VersionFigures): number | undefined =>
      f.predict ? read(f.predict) : f.state === 'READY' ? 0 : undefined;
  totalOf(
    'infergraph_inference_request_success_total',
    'Predict requests answered, per version (Triton nv_inference_request_success)',
    predictTotal((stats) => stats.requests - stats.failures - stats.queued - stats.inFlight),
  );
  totalOf(
    'infergraph_inference_request_failure_total',
    'Predict requests that failed after they were queued, per version (Triton nv_inference_request_failure)',
    predictTotal((stats) => stats.failures),
  );
  totalOf(
    'infergraph_inference_count_total',
    'Rows inferred, per version (Triton nv_inference_count)',
    predictTotal((stats) => stats.items),
  );
  totalOf(
    'infergraph_inference_exec_count_total',
    'ONNX runs, per version; inference_count / exec_count is the mean batch size (Triton nv_inference_exec_count)',
    predictTotal((stats) => stats.runs),
  );
  totalOf(
    'infergraph_inference_queue_seconds_total',
    'Time requests waited in the queue, summed, per version',
    predictTotal((stats) => stats.queueMsTotal / 1000),
  );
  totalOf(
    'infergraph_inference_compute_seconds_total',
    'Time ONNX runs took, summed, per version',
    predictTotal((stats) => stats.computeMsTotal / 1000),
  );
  gaugeOf(
    'infergraph_inference_pending_requests',
    'Predict requests queued, not yet dispatched, per version (Triton nv_inference_pending_request_count)',
    (f) => f.predict?.queued ?? 0,
  );
  gaugeOf('infergraph_inference_in_flight_requests', 'Predict requests dispatched to a run and not yet answered, per version', (f) =>
    f.predict ? f.predict.inFlight : 0,
  );
  gaugeOf(
    'infergraph_generation_streams_running',
    'Generation streams running, per version (vLLM num_requests_running)',
    (f) => f.generation?.activeStreams,
  );
  gaugeOf(
    'infergraph_generation_streams_waiting',
    'Generation streams waiting for a slot, per version (vLLM num_requests_waiting)',
    (f) => f.generation?.waitingStreams,
  );
  totalOf(
    'infergraph_generation_tokens_total',
    'Tokens generated, per version (vLLM generation_tokens_total)',
    (f) => f.generation?.tokens,
  );
  gaugeOf('infergraph_model_memory_bytes', 'Estimated bytes a loaded version takes', (f) => (f.state === 'READY' ? f.memoryBytes : null));
  gaugeOf('infergraph_model_load_seconds', 'Time the last load of a version took, warm-up included', (f) =>
    f.loadMs === null ? null : f.loadMs / 1000,
  );
  new Gauge({
    name: 'infergraph_model_versions',
    help: 'Versions the registry holds, by model and state (1 for the state a version is in, 0 for the others)',
    labelNames: ['model', 'version', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const figures of sources.versions()) {
        for (const state of sources.states) this.set({ ...labelsOf(figures), state }, state === figures.state ? 1 : 0);
      }
    },
  });

  const histogramOf = (name: string, help: string, buckets: number[]) =>
    new Histogram({ name, help, labelNames: versionLabels, buckets, registers: [registry] });
  const requestDuration = new Histogram({
    name: 'infergraph_request_duration_seconds',
    help: 'Time a query or mutation took from execution to its result, by transport',
    labelNames: ['transport'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const batchSize = histogramOf('infergraph_inference_batch_size', 'Rows of each ONNX run, per version', BATCH_SIZE_BUCKETS);
  const queueDuration = histogramOf(
    'infergraph_inference_queue_duration_seconds',
    'Time each predict request waited in the queue before its run, per version (Triton nv_inference_queue_duration_us)',
    LATENCY_BUCKETS,
  );
  const computeDuration = histogramOf(
    'infergraph_inference_compute_duration_seconds',
    'Time each ONNX run took on its worker, per version (Triton nv_inference_compute_infer_duration_us)',
    LATENCY_BUCKETS,
  );
  const timeToFirstToken = histogramOf(
    'infergraph_generation_time_to_first_token_seconds',
    'Time from a stream start to its first token, per version (vLLM time_to_first_token_seconds)',
    LATENCY_BUCKETS,
  );
  const interToken = histogramOf(
    'infergraph_generation_inter_token_latency_seconds',
    'Time between two tokens of a stream, per version (vLLM time_per_output_token_seconds)',
    LATENCY_BUCKETS,
  );

  const generationFinished = new PromCounter({
    name: 'infergraph_generation_requests_total',
    help: 'Generation streams finished, per version and finish reason (vLLM request_success_total{finished_reason})',
    labelNames: ['model', 'version', 'finish_reason'] as const,
    registers: [registry],
  });
  const promptTokens = new PromCounter({
    name: 'infergraph_generation_prompt_tokens_total',
    help: 'Prompt tokens of finished generation streams, per version (vLLM prompt_tokens_total)',
    labelNames: versionLabels,
    registers: [registry],
  });

  const pipelineStepLabels = ['pipeline', 'step', 'model'] as const;
  const pipelineStepDuration = new Histogram({
    name: 'infergraph_pipeline_step_duration_seconds',
    help: "Time each step of a pipeline request took, its regions' requests together (Triton's ensemble composing-model figures)",
    labelNames: pipelineStepLabels,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const pipelineStepFailures = new PromCounter({
    name: 'infergraph_pipeline_step_failures_total',
    help: 'Pipeline requests that failed at a step, per step',
    labelNames: pipelineStepLabels,
    registers: [registry],
  });

  return {
    registry,
    recordPipelineStep(step, ms, failed) {
      pipelineStepDuration.observe(step, ms / 1000);
      if (failed) pipelineStepFailures.inc(step);
    },
    recordGenerationFinish(version, reason, prompt) {
      const labels = labelsOf(version);
      generationFinished.inc({ ...labels, finish_reason: reason.toLowerCase() });
      promptTokens.inc(labels, prompt);
    },
    recordOperation(transport, outcome, seconds) {
      requests.inc({ transport, outcome });
      if (seconds !== undefined) requestDuration.observe({ transport }, seconds);
    },
    recordRun(version, run) {
      const labels = labelsOf(version);
      batchSize.observe(labels, run.batchSize);
      computeDuration.observe(labels, run.computeMs / 1000);
      for (const ms of run.queueMs) queueDuration.observe(labels, ms / 1000);
    },
    recordTokenTiming(version, kind, ms) {
      (kind === 'timeToFirstToken' ? timeToFirstToken : interToken).observe(labelsOf(version), ms / 1000);
    },
    openSubscription(transport, kind) {
      subscriptions.inc({ transport, kind });
      let open = true;
      return () => {
        if (!open) return;
        open = false;
        subscriptions.dec({ transport, kind });
      };
    },
  };
}

function labelsOf({ model, version }: VersionLabels): { model: string; version: string } {
  return { model, version: String(version) };
}
