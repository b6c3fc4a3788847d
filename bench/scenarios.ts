/** One measured scenario each: raw onnxruntime at one concurrency or batch size, one infergraph server path, or the naive server. */
import { type CpuMeter, type CpuWindow, startCpuMeter } from './cpu-meter.ts';
import { type HealthProbe, type HealthProbeResult, startHealthProbe } from './health-probe.ts';
import { type LoadResult, mean, percentile, runClosedLoop } from './load.ts';
import { NAIVE_SERVER, NAIVE_TRANSPORT, type NaiveServer, openNaiveTransport } from './naive.ts';
import type { RawPool } from './raw.ts';
import type { CpuFigures, HealthFigures, ProbeFigures, ScenarioResult } from './results.ts';
import { type ModelSamples, stackRows } from './samples.ts';
import type { ChildServer, ServerProcess } from './server-process.ts';
import { openTransport, type TransportName } from './transports.ts';

export interface Timing {
  warmupMs: number;
  durationMs: number;
}

export interface RawScenario extends Timing {
  pool: RawPool;
  model: string;
  input: string;
  samples: ModelSamples;
  concurrency: number;
  rowsPerRequest: number;
}

export async function runRawScenario({
  pool,
  model,
  input,
  samples,
  concurrency,
  rowsPerRequest,
  warmupMs,
  durationMs,
}: RawScenario): Promise<ScenarioResult> {
  const shape = [rowsPerRequest, ...samples.rowShape];
  const batches = samples.rows.map((_, first) => stackRows(samples, rowsPerRequest, first));
  let meter: CpuMeter | null = null;
  let cpu: CpuWindow | null = null;
  const load = await runClosedLoop({
    concurrency,
    warmupMs,
    durationMs,
    send: (index) => pool.run(input, shape, batches[index % batches.length]!),
    onWindowStart: async () => {
      meter = await startCpuMeter(null);
    },
    onWindowEnd: async () => {
      cpu = await meter!.stop();
    },
  });
  const summary = summarize(load, rowsPerRequest);
  return {
    ...summary,
    kind: rowsPerRequest === 1 ? 'raw' : 'raw-ceiling',
    model,
    transport: 'raw',
    server: null,
    meanBatchPerRun: rowsPerRequest,
    meanBatchPerRequest: rowsPerRequest,
    vsRaw: null,
    timing: { totalMs: Number.NaN, queueMs: 0, computeMs: mean(load.replies.map((reply) => reply.computeMs)) },
    cpu: cpuFigures(cpu!, summary.requests, false),
    health: null,
    healthPort: null,
  };
}

export interface ServerScenario extends Timing {
  server: ServerProcess;
  /** Names the server in the results: `default`, `maxBatchSize=1`, `workers=1`, or a bench's own label. */
  serverLabel: string;
  model: string;
  input: string;
  samples: ModelSamples;
  transport: TransportName;
  concurrency: number;
  /** Probe /health/live and /health/ready every 5 ms through the window, on the health port too when the server has one. */
  probeHealth: boolean;
}

export async function runServerScenario(scenario: ServerScenario): Promise<ScenarioResult> {
  const { server, serverLabel, model, input, samples, transport, concurrency } = scenario;
  await using client = await openTransport(transport, {
    url: server.url,
    wsUrl: server.wsUrl,
    origin: server.origin,
    model,
    input,
    samples,
    concurrency,
  });
  const readStats = async (): Promise<StatsSnapshot> => {
    const data = await server.graphql<{ model: { defaultVersion: { stats: StatsSnapshot } } }>(STATS, { name: model });
    return data.model.defaultVersion.stats;
  };
  const { load, cpu, health, healthPort, stats } = await measure({ ...scenario, send: (index) => client.send(index), readStats });
  // Over v2 the answer carries no timing: its rows have no batch/req and no split of the predict time.
  const timings = load.replies.flatMap((reply) => (reply.timing ? [reply.timing] : []));
  return {
    ...summarize(load, 1),
    kind: 'server',
    model,
    transport,
    server: serverLabel,
    meanBatchPerRun: stats.items / stats.batches,
    meanBatchPerRequest: mean(timings.map((timing) => timing.batchSize)),
    vsRaw: null,
    timing:
      timings.length === 0
        ? null
        : {
            totalMs: mean(timings.map((timing) => timing.totalMs)),
            queueMs: mean(timings.map((timing) => timing.queueMs)),
            computeMs: mean(timings.map((timing) => timing.computeMs)),
          },
    cpu: cpuFigures(cpu, load.latenciesMs.length, true),
    health,
    healthPort,
  };
}

export interface NaiveScenario extends Timing {
  server: NaiveServer;
  model: string;
  input: string;
  samples: ModelSamples;
  concurrency: number;
  /** Probe /health/live and /health/ready every 5 ms through the window, on the health port too when the server has one. */
  probeHealth: boolean;
}

/** The naive server under the same load and probes: one request is one run, so its batch is 1. */
export async function runNaiveScenario(scenario: NaiveScenario): Promise<ScenarioResult> {
  const { server, model, input, samples, concurrency } = scenario;
  await using client = openNaiveTransport({ server, model, input, samples, concurrency });
  const { load, cpu, health, healthPort } = await measure({ ...scenario, send: (index) => client.send(index) });
  return {
    ...summarize(load, 1),
    kind: 'naive',
    model,
    transport: NAIVE_TRANSPORT,
    server: NAIVE_SERVER,
    meanBatchPerRun: 1,
    meanBatchPerRequest: 1,
    vsRaw: null,
    timing: null,
    cpu: cpuFigures(cpu, load.latenciesMs.length, true),
    health,
    healthPort,
  };
}

interface StatsSnapshot {
  batches: number;
  items: number;
}

const STATS = /* GraphQL */ `
  query Stats($name: String!) {
    model(name: $name) { defaultVersion { stats { batches items } } }
  }
`;

interface MeasureOptions<Reply> extends Timing {
  server: ChildServer;
  concurrency: number;
  probeHealth: boolean;
  send(index: number): Promise<Reply>;
  /** The model's counters, read as the window opens and closes. */
  readStats?: () => Promise<StatsSnapshot>;
}

interface Measured<Reply> {
  load: LoadResult<Reply>;
  cpu: CpuWindow;
  health: ScenarioResult['health'];
  healthPort: ScenarioResult['healthPort'];
  /** The model's counters over the window; zeros without `readStats`. */
  stats: StatsSnapshot;
}

async function measure<Reply>({
  server,
  concurrency,
  probeHealth,
  send,
  readStats = async () => ({ batches: 0, items: 0 }),
  warmupMs,
  durationMs,
}: MeasureOptions<Reply>): Promise<Measured<Reply>> {
  // The probes' thread starts before the load, so that its start-up is not measured. Each origin's
  // live and ready, each on its own keep-alive socket: the GraphQL port's, then the health port's.
  const origins = [server.origin, ...(server.healthOrigin ? [server.healthOrigin] : [])];
  const probe: HealthProbe | null = probeHealth
    ? await startHealthProbe(origins.flatMap((origin) => [`${origin}/health/live`, `${origin}/health/ready`]))
    : null;
  let statsBefore: StatsSnapshot = { batches: 0, items: 0 };
  let statsAfter = statsBefore;
  let meter: CpuMeter | null = null;
  let cpu: CpuWindow | null = null;
  let load: LoadResult<Reply>;
  let probed: HealthProbeResult[] | null = null;
  try {
    load = await runClosedLoop<Reply>({
      concurrency,
      warmupMs,
      durationMs,
      send,
      async onWindowStart() {
        statsBefore = await readStats();
        probe?.reset();
        // Last, so that the CPU window matches the request window.
        meter = await startCpuMeter(server);
      },
      async onWindowEnd() {
        cpu = await meter!.stop();
        statsAfter = await readStats();
      },
    });
  } finally {
    probed = probe ? await probe.stop() : null;
  }
  const [live, ready, portLive, portReady] = probed ?? [];
  return {
    load,
    cpu: cpu!,
    health: probeFigures(live, ready),
    healthPort: probeFigures(portLive, portReady),
    stats: { batches: statsAfter.batches - statsBefore.batches, items: statsAfter.items - statsBefore.items },
  };
}

function probeFigures(live: HealthProbeResult | undefined, ready: HealthProbeResult | undefined): ProbeFigures | null {
  return live && ready ? { live: healthFigures(live), ready: healthFigures(ready) } : null;
}

function healthFigures({ latenciesMs, failures }: HealthProbeResult): HealthFigures {
  return {
    samples: latenciesMs.length,
    failures,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: Math.max(...latenciesMs),
  };
}

function cpuFigures(cpu: CpuWindow, requests: number, hasServer: boolean): CpuFigures {
  const cores = (ms: number) => ms / cpu.windowMs;
  return {
    serverMainMsPerRequest: hasServer ? cpu.serverMainMs / requests : null,
    serverMain: hasServer ? cores(cpu.serverMainMs) : null,
    serverOther: hasServer ? cores(cpu.serverOtherMs) : null,
    client: cores(cpu.clientMs),
    machine: cores(cpu.machineMs),
    foreign: Math.max(0, cores(cpu.machineMs - cpu.serverMainMs - cpu.serverOtherMs - cpu.clientMs)),
    steal: cores(cpu.stealMs),
  };
}

function summarize<T>(load: LoadResult<T>, rowsPerRequest: number) {
  const seconds = load.windowMs / 1000;
  const requests = load.latenciesMs.length;
  return {
    concurrency: load.concurrency,
    rowsPerRequest,
    windowMs: load.windowMs,
    monotonicUs: load.monotonicUs,
    requests,
    errors: load.errors,
    firstError: load.firstError,
    requestsPerS: requests / seconds,
    itemsPerS: (requests * rowsPerRequest) / seconds,
    p50Ms: percentile(load.latenciesMs, 50),
    p99Ms: percentile(load.latenciesMs, 99),
    meanMs: mean(load.latenciesMs),
  };
}
