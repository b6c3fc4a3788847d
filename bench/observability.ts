/**
 * `npm run bench:observability`: what metrics and request logs cost a predict. Two servers in
 * child processes, identical but for observability: `on` as shipped (metrics served, one log
 * line per request) and `off` (`METRICS=false`, no request lines). Rounds alternate which server
 * is measured first, so a drift of the shared machine falls on both; each server row is also
 * given as a ratio to raw onnxruntime-node (batch 1 on the same worker count) measured first.
 * The goal: `on` within 5% of `off` in throughput. Tracing stays off (it is off by default).
 *
 *   npm run bench:observability -- --quick --model glyphs --concurrency 1,64
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { waitForQuiet } from './cpu-meter.ts';
import { SATURATION } from './goals.ts';
import { percentile } from './load.ts';
import { createBenchRepository, describeModel, modelFile, soleInput } from './models.ts';
import { createRawPool } from './raw.ts';
import { fixed } from './report.ts';
import type { ScenarioResult } from './results.ts';
import { KNOWN_MODELS, samplesFor } from './samples.ts';
import { runRawScenario, runServerScenario, type Timing } from './scenarios.ts';
import { startServerProcess } from './server-process.ts';
import { TRANSPORTS, type TransportName } from './transports.ts';

const WORKERS = 2;
/** The largest throughput loss observability may cost: `on` / `off` at least this. */
const GOAL_RATIO = 0.95;
/** Other programs' CPU, in cores, past which a round is measured again once the machine is quiet. */
const NOISY_CORES = 0.25;

/** What turns observability off: no /metrics, and no per-request log line (lifecycle lines stay). */
const SERVERS = {
  on: {},
  off: { METRICS: 'false', LOG_REQUESTS: 'none' },
} as const satisfies Record<string, Record<string, string>>;
type ServerName = keyof typeof SERVERS;

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string', default: 'glyphs' },
    concurrency: { type: 'string', default: `1,${SATURATION}` },
    transport: { type: 'string', default: 'http-base64' },
    rounds: { type: 'string' },
    quick: { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = flags.quick || ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const models = flags.model.split(',').map((model) => model.trim());
const concurrencies = flags.concurrency.split(',').map(Number);
const transport = flags.transport as TransportName;
const rounds = Number(flags.rounds ?? (quick ? 3 : 5));
if (models.some((model) => !KNOWN_MODELS.includes(model))) usage(`--model takes ${KNOWN_MODELS.join(', ')}`);
if (concurrencies.some((value) => !Number.isInteger(value) || value < 1)) usage('--concurrency takes positive integers');
if (!TRANSPORTS.includes(transport)) usage(`--transport takes ${TRANSPORTS.join(', ')}`);
if (!Number.isInteger(rounds) || rounds < 1) usage('--rounds takes a positive integer');

const timing: Timing = quick ? { warmupMs: 400, durationMs: 1500 } : { warmupMs: 1000, durationMs: 4000 };
console.log(
  [
    `infergraph observability bench, ${quick ? 'quick' : 'full'} mode, ${rounds} rounds of ${timing.durationMs} ms per row, ${new Date().toISOString()}`,
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}`,
    `servers: two child processes, WORKERS=${WORKERS}: "on" as shipped (metrics, a log line per request, on a pipe this process reads),`,
    `         "off" with ${Object.entries(SERVERS.off)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ')}; tracing off in both. Transport ${transport}, one row per request.`,
  ].join('\n'),
);

const samples = new Map(models.map((model) => [model, samplesFor(model, 16)]));
const raw = new Map<string, ScenarioResult>();
for (const model of models) {
  await using pool = await createRawPool({ modelPath: await modelFile(model), workers: WORKERS });
  const input = soleInput(model, pool.inputNames);
  for (const concurrency of concurrencies) {
    raw.set(
      `${model}@${concurrency}`,
      await runRawScenario({ pool, model, input, samples: samples.get(model)!, concurrency, rowsPerRequest: 1, ...timing }),
    );
  }
}

await using repository = await createBenchRepository(models);
await using on = await startServerProcess({ modelRepository: repository.root, workers: WORKERS, env: SERVERS.on });
await using off = await startServerProcess({ modelRepository: repository.root, workers: WORKERS, env: SERVERS.off });
const servers = { on, off };

const rows: { model: string; concurrency: number; results: Record<ServerName, ScenarioResult[]> }[] = [];
for (const model of models) {
  const { input } = await describeModel(on, model);
  for (const concurrency of concurrencies) {
    const row = { model, concurrency, results: { on: [] as ScenarioResult[], off: [] as ScenarioResult[] } };
    rows.push(row);
    for (let round = 0; round < rounds; round++) {
      const order: ServerName[] = round % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
      let measured = await measureRound(order, model, input, concurrency);
      if (measured.some((result) => (result.cpu?.foreign ?? 0) >= NOISY_CORES)) {
        console.error('  (other programs were running: measuring the round again once the machine is quiet)');
        await waitForQuiet();
        measured = await measureRound(order, model, input, concurrency);
      }
      for (const [index, name] of order.entries()) row.results[name].push(measured[index]!);
    }
  }
}

async function measureRound(order: ServerName[], model: string, input: string, concurrency: number): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const name of order) {
    const result = await runServerScenario({
      server: servers[name],
      serverLabel: name,
      model,
      input,
      samples: samples.get(model)!,
      transport,
      concurrency,
      probeHealth: false,
      ...timing,
    });
    if (result.errors > 0) throw new Error(`${name} server: ${result.errors} errors, first: ${result.firstError}`);
    console.error(`  ${model} c=${concurrency} ${name}: ${fixed(result.itemsPerS, 0)} items/s, p50 ${fixed(result.p50Ms, 2)} ms`);
    results.push(result);
  }
  return results;
}

const median = (values: number[]) => percentile(values, 50);
console.log(
  '\nmodel           conc   on items/s  off items/s  on/off (each round)            on p50 ms  off p50 ms  on/raw  off/raw  goal',
);
let allMet = true;
for (const { model, concurrency, results } of rows) {
  const ratios = results.on.map((result, index) => result.itemsPerS / results.off[index]!.itemsPerS);
  const ratio = median(ratios);
  const onItems = median(results.on.map((result) => result.itemsPerS));
  const offItems = median(results.off.map((result) => result.itemsPerS));
  const rawItems = raw.get(`${model}@${concurrency}`)!.itemsPerS;
  const met = ratio >= GOAL_RATIO;
  allMet &&= met;
  console.log(
    [
      model.padEnd(15),
      String(concurrency).padStart(4),
      fixed(onItems, 0).padStart(11),
      fixed(offItems, 0).padStart(12),
      `  ${fixed(ratio, 3)} (${ratios.map((value) => fixed(value, 2)).join(' ')})`.padEnd(31),
      fixed(median(results.on.map((result) => result.p50Ms)), 2).padStart(10),
      fixed(median(results.off.map((result) => result.p50Ms)), 2).padStart(11),
      fixed(onItems / rawItems, 2).padStart(7),
      fixed(offItems / rawItems, 2).padStart(8),
      fixed(median(results.on.map(mainMsPerRequest)), 3).padStart(15),
      fixed(median(results.off.map(mainMsPerRequest)), 3).padStart(5),
      met ? '  MET' : '  NOT MET',
    ].join(' '),
  );
}
console.log(
  `\nGoal: predict with metrics and request logs on within 5% of off (median over rounds of on/off items/s >= ${GOAL_RATIO}): ${allMet ? 'MET' : 'NOT MET'}`,
);

/** The server's main-thread (event loop) CPU per request: what observability adds shows here first. */
function mainMsPerRequest(result: ScenarioResult): number {
  return result.cpu?.serverMainMsPerRequest ?? Number.NaN;
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run bench:observability -- [--quick] [--model NAME,...] [--concurrency N,...] [--transport NAME] [--rounds N]`,
  );
  process.exit(2);
}
