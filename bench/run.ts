/**
 * `npm run bench`: the server against raw onnxruntime-node, for each example model, transport
 * and concurrency; prints tables and the goals, writes bench/results/latest.json. Never fails
 * on a figure. About 6 minutes; `BENCH_QUICK=1` (or `--quick`: shorter rows, concurrency 1 and
 * 64 only) takes one or two.
 *
 *   npm run bench -- --model glyphs --concurrency 1,64 --transport http-multipart
 *
 * The naive server (bench/naive-server.ts: node:http + onnxruntime-node in process, JSON base64,
 * no batching) runs under the same load and probes, for goal 7. `--workers 1,2` also runs the
 * server's rows at each WORKERS given other than 2 (the goals' server, as raw has 2 threads),
 * as extra rows; `--worker-nice 0,5` the server's rows with WORKER_NICE=N (how much nicer its
 * inference threads run than its event loop) as extra rows "nice=N".
 *
 * `--profile` runs the servers under `node --cpu-prof` and prints where their main thread
 * spent its time; filter down to one scenario for a readable profile.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkAnswers } from './answer-check.ts';
import { waitForQuiet } from './cpu-meter.ts';
import { evaluateGoals, SATURATION } from './goals.ts';
import { createBenchRepository, describeModel, modelFile, soleInput } from './models.ts';
import { NAIVE_SERVER, startNaiveServer } from './naive.ts';
import { mainThreadProfile, summarizeProfile } from './profile-summary.ts';
import { createRawPool } from './raw.ts';
import { ceilingLines, cpuTable, fixed, goalLines, throughputTable, timeTable } from './report.ts';
import type { ScenarioResult } from './results.ts';
import { KNOWN_MODELS, samplesFor } from './samples.ts';
import { runNaiveScenario, runRawScenario, runServerScenario, type Timing } from './scenarios.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { TRANSPORTS, type TransportName } from './transports.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/latest.json');
/** The inference threads of the server the goals measure, and so the raw baseline's. */
const WORKERS = 2;
const SAMPLE_COUNT = 16;
/** Two batches per raw worker, so that a worker never waits for its next message. */
const CEILING_CONCURRENCY = 2 * WORKERS;

const { values: flags } = parseArgs({
  options: {
    model: { type: 'string', multiple: true },
    concurrency: { type: 'string', multiple: true },
    transport: { type: 'string', multiple: true },
    workers: { type: 'string', multiple: true },
    'worker-nice': { type: 'string', multiple: true },
    quick: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = flags.quick || ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const models = pick('model', flags.model, KNOWN_MODELS);
const transports = pick('transport', flags.transport, TRANSPORTS) as TransportName[];
const concurrencies = list(flags.concurrency).map(Number);
// Quick mode measures only what the goals read, to stay near a minute.
if (concurrencies.length === 0) concurrencies.push(...(quick ? [1, SATURATION] : [1, 8, 32, SATURATION]));
if (concurrencies.some((value) => !Number.isInteger(value) || value < 1))
  usage(`--concurrency takes positive integers, got ${flags.concurrency}`);
const workerCounts = list(flags.workers).map(Number);
if (workerCounts.length === 0) workerCounts.push(WORKERS);
if (workerCounts.some((value) => !Number.isInteger(value) || value < 1)) usage(`--workers takes positive integers, got ${flags.workers}`);
const niceValues = list(flags['worker-nice']).map(Number);
if (niceValues.some((value) => !Number.isInteger(value) || value < 0 || value > 19))
  usage(`--worker-nice takes integers 0 to 19, got ${flags['worker-nice']}`);

/** A server measured: the goals' ("default"), or one with other settings whose rows are extra. */
interface ServerVariant {
  label: string;
  workers: number;
  env: Record<string, string>;
}
const serverVariants: ServerVariant[] = [
  ...workerCounts.map((workers) => ({ label: workers === WORKERS ? 'default' : `workers=${workers}`, workers, env: {} })),
  ...niceValues.map((nice) => ({ label: `nice=${nice}`, workers: WORKERS, env: { WORKER_NICE: String(nice) } })),
];

const timing: Timing = quick ? { warmupMs: 400, durationMs: 1200 } : { warmupMs: 1500, durationMs: 5000 };
const ceilingTiming: Timing = quick ? { warmupMs: 300, durationMs: 1000 } : { warmupMs: 1000, durationMs: 3000 };
const ceilingRows = quick ? [32] : [8, 32, 64];

/** Worker counts measured as extra rows, beside the goals' server. */
const extraWorkers = workerCounts.filter((count) => count !== WORKERS);

const startedAt = new Date();
const header = [
  `infergraph bench, ${quick ? 'quick' : 'full'} mode (${timing.warmupMs} ms warm-up, ${timing.durationMs} ms measured per row), ${startedAt.toISOString()}`,
  `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}`,
  `server: a child process (node --import tsx src/main.ts), WORKERS=${WORKERS}, serving a temp copy of the measured models`,
  `        (their own model.json settings), with HEALTH_PORT (the probes also on a port of their own, served by a thread);`,
  `        the load generator, the /health/live and /health/ready probes of both ports (own thread) and`,
  `        the raw baseline run in this process, on the same cores.${extraWorkers.length > 0 ? ` Extra rows "workers=N": the same with WORKERS=N (x raw still against ${WORKERS} raw threads).` : ''}`,
  `raw: onnxruntime-node on ${WORKERS} worker_threads, intraOpNumThreads 1, one message per run, timed on this main thread.`,
  `naive: bench/naive-server.ts in a child process: node:http, one onnxruntime-node session per model on its main thread`,
  `       (intraOpNumThreads 1), a JSON body with the tensor as base64, no batching; same load generator and probes.`,
  `every server request carries 1 row (bodies encoded once, up front); "batch/run" is rows per ONNX run (the model's stats`,
  `counters), "batch/req" the batch a request rode in (timing.batchSize; "-" over v2, whose answers carry no timing). Rows with`,
  `other programs running are measured again. Paths: GraphQL predict as http-base64, http-multipart, ws-base64; the Open`,
  `Inference Protocol's POST /v2/models/{m}/infer as v2-json (JSON lists both ways) and v2-binary (the binary tensor data`,
  `extension both ways, as tritonclient sends by default).`,
].join('\n');
console.log(`${header}\n`);

const results: ScenarioResult[] = [];
/** Other programs' CPU, in cores, past which a row is measured again once the machine is quiet. */
const NOISY_CORES = 0.25;
let retries = quick ? 3 : 8;
const record = async (run: () => Promise<ScenarioResult>) => {
  let result = await run();
  if ((result.cpu?.foreign ?? 0) >= NOISY_CORES && retries > 0) {
    retries--;
    console.error(`  (other programs used ${fixed(result.cpu!.foreign, 2)} cores: measuring again once the machine is quiet)`);
    await waitForQuiet();
    const again = await run();
    if ((again.cpu?.foreign ?? 0) < result.cpu!.foreign) result = again;
  }
  results.push(result);
  const path = result.kind === 'raw-ceiling' ? `raw ${result.rowsPerRequest} rows/run` : result.transport;
  const errors = result.errors ? `, ${result.errors} errors (${result.firstError?.slice(0, 160)})` : '';
  console.error(
    `  ${result.model} ${path}${result.server && result.server !== 'default' ? ` [${result.server}]` : ''} c=${result.concurrency}: ` +
      `${fixed(result.itemsPerS, 0)} items/s, p50 ${fixed(result.p50Ms, 2)} ms, p99 ${fixed(result.p99Ms, 2)} ms${errors}`,
  );
};

const samples = new Map(models.map((model) => [model, samplesFor(model, SAMPLE_COUNT)]));
const settings: string[] = [];
const checks: string[] = [];
/** Checks the model is served and answers alike over every transport measured, before any row is timed. */
const serve = async (server: ServerProcess, model: string, label: string) => {
  const served = await describeModel(server, model);
  settings.push(`${label} server, ${served.settings}`);
  console.error(`${label} server at ${server.url}: ${served.settings}`);
  const check = await checkAnswers({ server, model, input: served.input, samples: samples.get(model)!, transports });
  checks.push(`${label} server, ${check}`);
  console.error(`  ${check}`);
  return served.input;
};

/** Each model's input, as onnxruntime reads it: what the naive server is sent. */
const inputNames = new Map<string, string>();
// Raw first, while no server is running.
for (const model of models) {
  await using pool = await createRawPool({ modelPath: await modelFile(model), workers: WORKERS });
  const input = soleInput(model, pool.inputNames);
  inputNames.set(model, input);
  const common = { pool, model, input, samples: samples.get(model)! };
  for (const concurrency of concurrencies) await record(() => runRawScenario({ ...common, ...timing, concurrency, rowsPerRequest: 1 }));
  for (const rows of ceilingRows) {
    await record(() => runRawScenario({ ...common, ...ceilingTiming, concurrency: CEILING_CONCURRENCY, rowsPerRequest: rows }));
  }
}

const profiles = join(ROOT, 'bench/results/profiles', startedAt.toISOString().replace(/[:.]/g, '-'));
const profileFlags = (name: string) => (flags.profile ? ['--cpu-prof', '--cpu-prof-dir', join(profiles, name)] : []);

// Goal 7's alternative, alone on the machine as raw was.
{
  const files = new Map(await Promise.all(models.map(async (model) => [model, await modelFile(model)] as const)));
  await using server = await startNaiveServer({ models: files, nodeFlags: profileFlags('naive') });
  settings.push(`naive server: ${models.map((model) => `${model} (${files.get(model)})`).join(', ')}, intraOpNumThreads 1`);
  for (const model of models) {
    const input = inputNames.get(model)!;
    for (const concurrency of concurrencies) {
      await record(() =>
        runNaiveScenario({
          server,
          model,
          input,
          samples: samples.get(model)!,
          concurrency,
          probeHealth: concurrency >= SATURATION,
          ...timing,
        }),
      );
    }
  }
}

for (const { label, workers, env } of serverVariants) {
  await using repository = await createBenchRepository(models);
  await using server = await startServerProcess({
    modelRepository: repository.root,
    workers,
    env,
    nodeFlags: profileFlags(label),
    healthPort: true,
  });
  for (const model of models) {
    const input = await serve(server, model, label);
    for (const concurrency of concurrencies) {
      for (const transport of transports) {
        await record(() =>
          runServerScenario({
            server,
            serverLabel: label,
            model,
            input,
            samples: samples.get(model)!,
            transport,
            concurrency,
            probeHealth: concurrency >= SATURATION,
            ...timing,
          }),
        );
      }
    }
  }
}

// The batching goal: the same server and model, each request run alone.
if (models.includes('glyphs') && concurrencies.includes(SATURATION) && workerCounts.includes(WORKERS)) {
  await using repository = await createBenchRepository(['glyphs'], { maxBatchSize: 1 });
  await using server = await startServerProcess({
    modelRepository: repository.root,
    workers: WORKERS,
    env: { MAX_BATCH_SIZE: '1' },
    nodeFlags: profileFlags('max-batch-size-1'),
    healthPort: true,
  });
  const input = await serve(server, 'glyphs', 'maxBatchSize=1');
  for (const transport of transports) {
    await record(() =>
      runServerScenario({
        server,
        serverLabel: 'maxBatchSize=1',
        model: 'glyphs',
        input,
        samples: samples.get('glyphs')!,
        transport,
        concurrency: SATURATION,
        probeHealth: true,
        ...timing,
      }),
    );
  }
}

for (const result of results) {
  if (result.kind !== 'server' && result.kind !== 'naive') continue;
  const raw = results.find((other) => other.kind === 'raw' && other.model === result.model && other.concurrency === result.concurrency);
  result.vsRaw = raw ? result.itemsPerS / raw.itemsPerS : null;
}
/** Per model: raw, naive and the goals' server side by side by concurrency; then the other servers; ceilings last. */
const order = (result: ScenarioResult) => [
  models.indexOf(result.model),
  result.server === 'maxBatchSize=1' ? 2 : result.server?.startsWith('workers=') ? 1 : 0,
  result.kind === 'raw-ceiling' ? 1 : 0,
];
const sorted = results
  .map((result, index) => ({ result, key: [...order(result), result.concurrency, index] }))
  .sort((a, b) => compareKeys(a.key, b.key))
  .map(({ result }) => result);
const goals = evaluateGoals(results);

console.log(`Models as served\n${settings.map((line) => `  ${line}`).join('\n')}\n`);
console.log(`Answers, checked before measuring (each sample once per transport, one at a time, against http-base64's)`);
console.log(`${checks.map((line) => `  ${line}`).join('\n')}\n`);
console.log('Throughput and latency ("x raw": items/s over raw batch-1 items/s at the same concurrency; "main ms/req": the server\'s main');
console.log(
  '  thread CPU per request; "live p99", "ready p99": the /health/live and /health/ready probes, on the GraphQL port ("main port",',
);
console.log('  answered on the main thread before yoga) and on HEALTH_PORT ("health port", its own thread; goal 5 judges these);');
console.log(
  '  "other load": CPU used by other programs during the row, which skews it; such rows were measured twice, keeping the quieter)',
);
console.log(throughputTable(sorted));
console.log("\nWhere a request's time goes, mean ms (client clock, and PredictTiming from the server; raw: session.run)");
console.log('  outside predict = client latency - predict total: HTTP or WebSocket, GraphQL parse/validate/execute, JSON both ways');
console.log("  (no v2 rows: the Open Inference Protocol's answer has no field for PredictTiming)");
console.log(
  '  other in predict = total - queue - compute: input decode, concat/split, the worker round trip and waiting for the event loop',
);
console.log(timeTable(sorted));
console.log(
  `\nCPU over each window, in cores of ${availableParallelism()} (/proc; "rest of box" is other programs, "steal" the hypervisor)`,
);
console.log(cpuTable(sorted));
console.log(`\nGoals\n${goalLines(goals)}`);
console.log(`\nCeilings\n${ceilingLines(sorted).join('\n')}`);

if (flags.profile) {
  const servers = [...serverVariants.map((variant) => variant.label), 'max-batch-size-1', NAIVE_SERVER];
  for (const name of servers) {
    const label = name === 'max-batch-size-1' ? 'maxBatchSize=1' : name;
    const path = await mainThreadProfile(join(profiles, name));
    const windows = results.filter((result) => result.server === label).map((result) => result.monotonicUs);
    if (path) console.log(`\nServer main thread, ${label} server: self time\n${await summarizeProfile(path, windows)}`);
  }
}

await mkdir(join(ROOT, 'bench/results'), { recursive: true });
const document = {
  startedAt: startedAt.toISOString(),
  mode: quick ? 'quick' : 'full',
  timing,
  ceilingTiming,
  machine: { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? null, node: process.version },
  server: { process: 'child', command: 'node --import tsx src/main.ts', workers: WORKERS, extraWorkers },
  naive: { process: 'child', command: 'node --import tsx bench/naive-server.ts', intraOpNumThreads: 1 },
  filters: { models, transports, concurrencies, workers: workerCounts, workerNice: niceValues },
  results: sorted,
  goals,
};
await writeFile(RESULTS, `${JSON.stringify(document, null, 2)}\n`);
console.log(`\nwrote ${RESULTS}`);

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function list(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
}

function pick(flag: string, values: readonly string[] | undefined, known: readonly string[]): string[] {
  const chosen = list(values);
  const unknown = chosen.filter((value) => !known.includes(value));
  if (unknown.length > 0) usage(`unknown --${flag} ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return chosen.length > 0 ? known.filter((value) => chosen.includes(value)) : [...known];
}

function usage(message: string): never {
  console.error(
    `${message}\nusage: npm run bench -- [--quick] [--profile] [--model NAME,...] [--concurrency N,...] [--transport ${TRANSPORTS.join('|')},...] [--workers N,...] [--worker-nice N,...]`,
  );
  process.exit(2);
}
