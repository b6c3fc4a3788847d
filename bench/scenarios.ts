/** One measured scenario each: raw onnxruntime at one concurrency or batch size, or one server path. */
import { type CpuMeter, type CpuWindow, startCpuMeter } from './cpu-meter.ts';
import { type HealthProbe, type HealthProbeResult, startHealthProbe } from './health-probe.ts';
import { type LoadResult, mean, percentile, runClosedLoop } from './load.ts';
import type { RawPool } from './raw.ts';
import type { CpuFigures, HealthFigures, ScenarioResult } from './results.ts';
import { type ModelSamples, stackRows } from './samples.ts';
import type { ServerProcess } from './server-process.ts';
import { openTransport, type PredictReply, type TransportName } from './transports.ts';

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
  };
}

export interface ServerScenario extends Timing {
  server: ServerProcess;
  /** Names the server in the results: `default`, `maxBatchSize=1`, or a bench's own label. */
  serverLabel: string;
  model: string;
  input: string;
  samples: ModelSamples;
  transport: TransportName;
  concurrency: number;
  /** Probe /health/live every 5 ms through the window. */
  probeHealth: boolean;
}

export async function runServerScenario(scenario: ServerScenario): Promise<ScenarioResult> {
  const { server, serverLabel, model, transport, probeHealth } = scenario;
  // The probe's thread starts before the load, so that its start-up is not measured.
  const probe: HealthProbe | null = probeHealth ? await startHealthProbe(`${server.origin}/health/live`) : null;
  let measured: Measured;
  let probed: HealthProbeResult | null = null;
  try {
    measured = await measure(scenario, () => probe?.reset());
  } finally {
    probed = probe ? await probe.stop() : null;
  }

  const { load, stats, cpu } = measured;
  const summary = summarize(load, 1);
  const health: HealthFigures | null = probed && {
    samples: probed.latenciesMs.length,
    failures: probed.failures,
    p50Ms: percentile(probed.latenciesMs, 50),
    p99Ms: percentile(probed.latenciesMs, 99),
    maxMs: Math.max(...probed.latenciesMs),
  };
  return {
    ...summary,
    kind: 'server',
    model,
    transport,
    server: serverLabel,
    meanBatchPerRun: stats.items / stats.batches,
    meanBatchPerRequest: mean(load.replies.map((reply) => reply.batchSize)),
    vsRaw: null,
    timing: {
      totalMs: mean(load.replies.map((reply) => reply.totalMs)),
      queueMs: mean(load.replies.map((reply) => reply.queueMs)),
      computeMs: mean(load.replies.map((reply) => reply.computeMs)),
    },
    cpu: cpuFigures(cpu, summary.requests, true),
    health,
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

interface Measured {
  load: LoadResult<PredictReply>;
  /** The model's counters over the window. */
  stats: StatsSnapshot;
  cpu: CpuWindow;
}

async function measure(scenario: ServerScenario, onWindowStart: () => void): Promise<Measured> {
  const { server, model, input, samples, transport, concurrency, warmupMs, durationMs } = scenario;
  await using client = await openTransport(transport, { url: server.url, wsUrl: server.wsUrl, model, input, samples, concurrency });
  const readStats = async (): Promise<StatsSnapshot> => {
    const data = await server.graphql<{ model: { defaultVersion: { stats: StatsSnapshot } } }>(STATS, { name: model });
    return data.model.defaultVersion.stats;
  };
  let statsBefore: StatsSnapshot = { batches: 0, items: 0 };
  let statsAfter = statsBefore;
  let meter: CpuMeter | null = null;
  let cpu: CpuWindow | null = null;
  const load = await runClosedLoop<PredictReply>({
    concurrency,
    warmupMs,
    durationMs,
    send: (index) => client.send(index),
    async onWindowStart() {
      statsBefore = await readStats();
      onWindowStart();
      // Last, so that the CPU window matches the request window.
      meter = await startCpuMeter(server);
    },
    async onWindowEnd() {
      cpu = await meter!.stop();
      statsAfter = await readStats();
    },
  });
  return {
    load,
    stats: { batches: statsAfter.batches - statsBefore.batches, items: statsAfter.items - statsBefore.items },
    cpu: cpu!,
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
