/**
 * The server side of the generation bench: one window of streams against a server process,
 * read together with the model version's generation counters (ModelVersion.generation) and the
 * server's CPU by kind of thread, and windows of one scenario pooled into a row.
 */
import { type CpuMeter, type CpuWindow, startCpuMeter } from './cpu-meter.ts';
import type { StreamTransport } from './generate-clients.ts';
import { runStreamLoad, type StreamLoadOptions, type StreamLoadResult } from './generate-load.ts';
import { groupsDelta, readThreadGroups, type ThreadGroups } from './generate-threads.ts';
import type { ServerProcess } from './server-process.ts';

export interface ServerRow {
  transport: StreamTransport;
  streams: number;
  load: StreamLoadResult;
  /** Over the window, from the version's generation counters. */
  steps: number;
  stepRows: number;
  meanStepBatch: number;
  serverTokens: number;
  cpu: CpuWindow;
  threads: ThreadGroups;
  monotonicUs: [number, number];
  /** Tokens/s of each window pooled into this row, and the cores V8's helper threads (GC) used in it. */
  roundTokensPerS: number[];
  roundHelperCores: number[];
}

interface GenerationSnapshot {
  steps: number;
  stepRows: number;
  tokens: number;
}

/** Checks `model` is READY on `server`; its version and batching settings, for the log. */
export async function describeGenerator(server: ServerProcess, model: string): Promise<string> {
  const { model: found } = await server.graphql<{
    model: {
      defaultVersion: { version: string; state: string; stateReason: string | null; maxBatchSize: number; instances: number } | null;
    } | null;
  }>(`query ($name: String!) { model(name: $name) { defaultVersion { version state stateReason maxBatchSize instances } } }`, {
    name: model,
  });
  const version = found?.defaultVersion;
  if (version?.state !== 'READY')
    throw new Error(`model "${model}" is not READY on the server: ${version?.stateReason ?? version?.state ?? 'not found'}`);
  return `${model} v${version.version}: maxBatchSize ${version.maxBatchSize}, instances ${version.instances}`;
}

export interface MeasureOptions {
  server: ServerProcess;
  model: string;
  transport: StreamTransport;
  streams: number;
  warmupMs: number;
  durationMs: number;
  variables: StreamLoadOptions['variables'];
}

/** One window of generation load on `server`, with the model's counters and the server's CPU over it. */
export async function measureGeneration({
  server,
  model,
  transport,
  streams,
  warmupMs,
  durationMs,
  variables,
}: MeasureOptions): Promise<ServerRow> {
  let before: GenerationSnapshot = { steps: 0, stepRows: 0, tokens: 0 };
  let after = before;
  let meter: CpuMeter | null = null;
  let cpu: CpuWindow | null = null;
  let threadsBefore: ThreadGroups = { main: 0, early: 0, late: 0 };
  let threads = threadsBefore;
  let monotonicStart = 0;
  let monotonicEnd = 0;
  const load = await runStreamLoad({
    url: server.url,
    transport,
    streams,
    warmupMs,
    durationMs,
    variables,
    async onWindowStart() {
      before = await readGeneration(server, model);
      threadsBefore = await readThreadGroups(server.pid);
      monotonicStart = monotonicUs();
      // Last, so that the CPU window matches the token window.
      meter = await startCpuMeter(server);
    },
    async onWindowEnd() {
      cpu = await meter!.stop();
      threads = groupsDelta(await readThreadGroups(server.pid), threadsBefore);
      monotonicEnd = monotonicUs();
      after = await readGeneration(server, model);
    },
  });
  const steps = after.steps - before.steps;
  const stepRows = after.stepRows - before.stepRows;
  return {
    transport,
    streams,
    load,
    steps,
    stepRows,
    meanStepBatch: steps > 0 ? stepRows / steps : Number.NaN,
    serverTokens: after.tokens - before.tokens,
    cpu: cpu!,
    threads,
    monotonicUs: [monotonicStart, monotonicEnd],
    roundTokensPerS: [load.tokensPerS],
    roundHelperCores: [threads.early / cpu!.windowMs],
  };
}

/** One row of the windows of one scenario: counts and times summed, latencies pooled. */
export function poolRows(parts: ServerRow[]): ServerRow {
  const first = parts[0]!;
  const sum = (pick: (row: ServerRow) => number) => parts.reduce((total, row) => total + pick(row), 0);
  const windowMs = sum((row) => row.load.windowMs);
  const tokens = sum((row) => row.load.tokens);
  const steps = sum((row) => row.steps);
  const stepRows = sum((row) => row.stepRows);
  const finishReasons: Record<string, number> = {};
  for (const row of parts)
    for (const [reason, count] of Object.entries(row.load.finishReasons)) finishReasons[reason] = (finishReasons[reason] ?? 0) + count;
  return {
    transport: first.transport,
    streams: first.streams,
    load: {
      windowMs,
      tokens,
      tokensPerS: tokens / (windowMs / 1000),
      finished: sum((row) => row.load.finished),
      finishReasons,
      timeToFirstTokenMs: parts.flatMap((row) => row.load.timeToFirstTokenMs),
      engineTimeToFirstTokenMs: parts.flatMap((row) => row.load.engineTimeToFirstTokenMs),
      interTokenMs: parts.flatMap((row) => row.load.interTokenMs),
      errors: sum((row) => row.load.errors),
      firstError: parts.find((row) => row.load.firstError !== null)?.load.firstError ?? null,
    },
    steps,
    stepRows,
    meanStepBatch: steps > 0 ? stepRows / steps : Number.NaN,
    serverTokens: sum((row) => row.serverTokens),
    cpu: {
      windowMs: sum((row) => row.cpu.windowMs),
      serverMainMs: sum((row) => row.cpu.serverMainMs),
      serverOtherMs: sum((row) => row.cpu.serverOtherMs),
      clientMs: sum((row) => row.cpu.clientMs),
      machineMs: sum((row) => row.cpu.machineMs),
      stealMs: sum((row) => row.cpu.stealMs),
    },
    threads: { main: sum((row) => row.threads.main), early: sum((row) => row.threads.early), late: sum((row) => row.threads.late) },
    monotonicUs: first.monotonicUs,
    roundTokensPerS: parts.flatMap((row) => row.roundTokensPerS),
    roundHelperCores: parts.flatMap((row) => row.roundHelperCores),
  };
}

async function readGeneration(server: ServerProcess, model: string): Promise<GenerationSnapshot> {
  const { model: found } = await server.graphql<{
    model: { versions: { generation: { meanStepBatch: number; steps: number; tokens: number } | null }[] } | null;
  }>(`query ($name: String!) { model(name: $name) { versions { generation { meanStepBatch steps tokens } } } }`, { name: model });
  const generation = found?.versions.find((version) => version.generation)?.generation;
  if (!generation) return { steps: 0, stepRows: 0, tokens: 0 };
  // meanStepBatch is stepRows / steps since load; its product with steps gives the running sum back.
  return { steps: generation.steps, stepRows: Math.round(generation.meanStepBatch * generation.steps), tokens: generation.tokens };
}

/** Other programs' CPU over the window, in cores. */
export function foreignCores(cpu: CpuWindow): number {
  return Math.max(0, (cpu.machineMs - cpu.serverMainMs - cpu.serverOtherMs - cpu.clientMs) / cpu.windowMs);
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
