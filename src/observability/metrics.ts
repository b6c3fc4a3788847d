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
import { type Counter, collectDefaultMetrics, Gauge, Counter as PromCounter, Registry } from 'prom-client';

/** How an operation reached the server. */
export type Transport = 'http' | 'ws' | 'sse';

/** How an operation ended: success, or why it failed. */
export type Outcome = 'success' | 'rejected' | 'cancelled' | 'deadline' | 'invalid' | 'runtime' | 'internal';

/** The figures of one loaded version, as the batching and generation cores keep them. */
export interface VersionFigures {
  model: string;
  version: number;
  state: string;
  memoryBytes: number | null;
  loadMs: number | null;
  /** Predict requests, failures, ONNX runs, rows, queued, in flight, and summed queue and compute ms; null before the first request. */
  predict: {
    requests: number;
    failures: number;
    runs: number;
    items: number;
    queued: number;
    inFlight: number;
    queueMsTotal: number;
    computeMsTotal: number;
  } | null;
  /** Generation streams running and waiting, and tokens generated; null for a model that does not generate or has not yet. */
  generation: { activeStreams: number; waitingStreams: number; tokens: number } | null;
}

export interface MetricsSources {
  /** Every state a version can be in: each is a series of `infergraph_model_versions`, so a dashboard sees the zeros too. */
  states: readonly string[];
  /** Every version the registry holds, with its live figures; called at each scrape. */
  versions(): VersionFigures[];
  /** Open WebSocket connections; called at each scrape. */
  webSocketConnections(): number;
}

export interface Metrics {
  /** The app's own registry: what /metrics serves. */
  readonly registry: Registry;
  /** Counts one finished GraphQL operation. */
  recordOperation(transport: Transport, outcome: Outcome): void;
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

  totalOf(
    'infergraph_inference_request_success_total',
    'Predict requests answered, per version (Triton nv_inference_request_success)',
    (f) => (f.predict ? f.predict.requests - f.predict.failures - f.predict.queued - f.predict.inFlight : undefined),
  );
  totalOf(
    'infergraph_inference_request_failure_total',
    'Predict requests that failed after they were queued, per version (Triton nv_inference_request_failure)',
    (f) => f.predict?.failures,
  );
  totalOf('infergraph_inference_count_total', 'Rows inferred, per version (Triton nv_inference_count)', (f) => f.predict?.items);
  totalOf(
    'infergraph_inference_exec_count_total',
    'ONNX runs, per version; inference_count / exec_count is the mean batch size (Triton nv_inference_exec_count)',
    (f) => f.predict?.runs,
  );
  totalOf('infergraph_inference_queue_seconds_total', 'Time requests waited in the queue, summed, per version', (f) =>
    f.predict ? f.predict.queueMsTotal / 1000 : undefined,
  );
  totalOf('infergraph_inference_compute_seconds_total', 'Time ONNX runs took, summed, per version', (f) =>
    f.predict ? f.predict.computeMsTotal / 1000 : undefined,
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

  return {
    registry,
    recordOperation(transport, outcome) {
      requests.inc({ transport, outcome });
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

function labelsOf({ model, version }: VersionFigures): { model: string; version: string } {
  return { model, version: String(version) };
}
