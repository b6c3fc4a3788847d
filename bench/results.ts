/** What one scenario measured: a raw baseline, an infergraph server or the naive server. All times in ms. */
export interface ScenarioResult {
  kind: 'raw' | 'raw-ceiling' | 'server' | 'naive';
  model: string;
  /** `raw` for the baselines, `naive-json-base64` for the naive server, else the transport. */
  transport: string;
  /** Which server: `default`, `maxBatchSize=1`, `workers=N`, `naive`, or a label of bench:observability. Null for raw rows. */
  server: string | null;
  concurrency: number;
  /** Rows in each request. */
  rowsPerRequest: number;
  windowMs: number;
  /** The window on the monotonic clock, in µs: where to look in a CPU profile. */
  monotonicUs: [number, number];
  requests: number;
  errors: number;
  firstError: string | null;
  requestsPerS: number;
  itemsPerS: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  /** Rows per ONNX run, from the model's stats counters (server) or the request size (raw). */
  meanBatchPerRun: number;
  /** The batch size each request rode in, averaged over requests (timing.batchSize); NaN where answers carry no timing (v2). */
  meanBatchPerRequest: number;
  /** Server items/s over raw batch-1 items/s at the same concurrency. */
  vsRaw: number | null;
  /** Means over requests of the server's PredictTiming, and of session.run for raw rows; null for the naive server and v2, whose answers carry none. */
  timing: { totalMs: number; queueMs: number; computeMs: number } | null;
  cpu: CpuFigures | null;
  /** The probes of `/health/live` and `/health/ready` on the GraphQL port through the window, when they ran. */
  health: ProbeFigures | null;
  /** The same probes on the server's health port (`HEALTH_PORT`, its own thread), when it has one and they ran. */
  healthPort: ProbeFigures | null;
}

/** CPU over the window, in cores (1 = one core busy all the time) unless named otherwise. */
export interface CpuFigures {
  /** Server main thread (event loop) CPU per request, in ms; null for raw rows. */
  serverMainMsPerRequest: number | null;
  /** Server main thread, as a fraction of one core. */
  serverMain: number | null;
  /** Every other server thread: inference workers, GC. */
  serverOther: number | null;
  /** This process: load generator and probe, or the raw baseline with its workers. */
  client: number;
  /** The whole machine. */
  machine: number;
  /** Machine minus server minus this process: anything else running on the box. */
  foreign: number;
  /** vCPU time the hypervisor gave to someone else. */
  steal: number;
}

export interface ProbeFigures {
  live: HealthFigures;
  ready: HealthFigures;
}

export interface HealthFigures {
  samples: number;
  failures: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface GoalVerdict {
  goal: string;
  /** null when the run did not measure all the goal needs (filters) and what it did measure meets it. */
  met: boolean | null;
  /** Whether the run measured some of the goal's cases but not all. */
  partly: boolean;
  details: string[];
}
