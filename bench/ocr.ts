/**
 * `npm run bench:ocr`: the OCR pipeline (model `ocr`: detector → direction per region → recogniser per region) served
 * by the real server against a naive script that drives the same three ONNX models in one process with the same pre-
 * and post-processing, one image after another and its regions one by one (bench/ocr-naive.ts). Both first read the
 * pages once, checked against what is written; then each runs closed loops of `runPipeline` (the script: of `read`)
 * at concurrency 1, 8 and 32 for a fixed window. Prints images/s, p50 and p99 latency and, for the server, the batch
 * each step's requests rode in (`steps[].batchSizes`), then the goals. Never fails on a figure. About 4 minutes;
 * `--quick` shortens the windows and leaves out 32 in flight (about a minute and a half).
 *
 *   npm run bench:ocr -- --quick --concurrency 1,8 --transport base64,multipart
 *
 * A row's window opens once every loop has had one answer (at 32 in flight a request waits for the 31 before it, so
 * the first wave is no steady state), and counts each request that ends inside it; the loops are then aborted
 * rather than drained.
 */
import { availableParallelism, cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { RunPipelineDocument } from '../test/generated/graphql.ts';
import { type CpuMeter, startCpuMeter, waitForQuiet } from './cpu-meter.ts';
import { mean, percentile, sleep } from './load.ts';
import { createBenchRepository, describeModel } from './models.ts';
import { createNaiveOcr } from './ocr-naive.ts';
import { checkReadings, type Page, type ReadingCheck, renderPages } from './ocr-pages.ts';
import { fixed, formatTable, goalLines } from './report.ts';
import type { GoalVerdict } from './results.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';

const PIPELINE = 'ocr';
const STEP_MODELS = ['ocr-detector', 'ocr-direction', 'ocr-recogniser'];
const WORKERS = 2;
/** 300 dpi is where the recogniser reads the pages exactly, spaces included. */
const DPI = 300;
const RUN_PIPELINE = print(RunPipelineDocument);
const TRANSPORTS = ['base64', 'multipart'] as const;
type Transport = (typeof TRANSPORTS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    concurrency: { type: 'string' },
    transport: { type: 'string' },
  },
  strict: true,
});
const quick = flags.quick || ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
// Quick mode leaves out 32 in flight: its first wave alone takes half a minute per path.
const concurrencies = (flags.concurrency ?? (quick ? '1,8' : '1,8,32')).split(',').map(Number);
if (concurrencies.some((value) => !Number.isInteger(value) || value < 1))
  usage(`--concurrency takes positive integers, got ${flags.concurrency}`);
const transports = (flags.transport ?? 'base64').split(',') as Transport[];
if (transports.some((name) => !TRANSPORTS.includes(name))) usage(`--transport takes ${TRANSPORTS.join(', ')}, got ${flags.transport}`);
/** The least warm-up; a row waits longer while its first wave of requests is still in flight. */
const timing = quick ? { warmupMs: 500, durationMs: 6000 } : { warmupMs: 1500, durationMs: 15_000 };

interface Row {
  path: string;
  concurrency: number;
  images: number;
  imagesPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Step → the mean rows of the run each of its requests rode in; null for the script (always 1). */
  batches: Map<string, number> | null;
  /** Step → its requests per image (1 on the page, one per line after). */
  requestsPerImage: Map<string, number> | null;
  errors: number;
  firstError: string | null;
  /** Cores the serving thread used over the window: the server's main thread (its event loop), or this process for the script. */
  mainCores: number;
  /** Cores of the server's other threads (inference workers, libuv, GC); null for the script. */
  otherThreadCores: number | null;
  /** Cores busy with other programs over the window. */
  otherCores: number;
}

/** What one answer says of each step, or null from the script. */
type StepBatches = { step: string; batchSizes: number[] }[] | null;

const startedAt = new Date();
const pages = await renderPages({ dpi: DPI });
console.log(
  [
    `infergraph OCR pipeline bench, ${quick ? 'quick' : 'full'} mode (${timing.durationMs} ms measured per row, after at least ${timing.warmupMs} ms and one answer per loop), ${startedAt.toISOString()}`,
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}`,
    `pages: ${pages.length} PNGs at ${DPI} dpi (test/fixtures/text-image.ts), ${pages.map((page) => `${page.lines.length} lines (${page.upsideDown} upside down)`).join(', ')};`,
    `       ${pages.map((page) => `${(page.png.byteLength / 1024).toFixed(0)} KB`).join(', ')}; request n sends page n mod ${pages.length}`,
    `server: a child process (node --import tsx src/main.ts), WORKERS=${WORKERS}, serving a temp copy of ${[PIPELINE, ...STEP_MODELS].join(', ')};`,
    `        runPipeline over HTTP (fetch), the page as ${transports.map((name) => (name === 'base64' ? 'base64 in JSON' : 'a multipart file part')).join(' / ')}`,
    `naive: bench/ocr-naive.ts in this process: one onnxruntime-node session per step model (intraOpNumThreads from its model.json),`,
    `       the server's own pre- and post-processing, regions one by one (batch 1); N in flight = N async loops sharing the sessions`,
  ].join('\n'),
);

await using repository = await createBenchRepository([PIPELINE, ...STEP_MODELS]);
const rows: Row[] = [];
const checks: string[] = [];

{
  await using naive = await createNaiveOcr({ repository: repository.root, pipeline: PIPELINE });
  const readings = [];
  for (const page of pages) readings.push((await naive.read(page.png)).texts);
  checks.push(describeCheck('naive', checkReadings(pages, readings)));
  for (const concurrency of concurrencies) {
    const read = async (index: number, signal: AbortSignal) => {
      await naive.read(pageOf(index).png, signal);
      return null;
    };
    rows.push(await measure('naive', concurrency, null, read));
  }
}

{
  await using server = await startServerProcess({ modelRepository: repository.root, workers: WORKERS });
  const settings = await Promise.all(STEP_MODELS.map(async (model) => (await describeModel(server, model)).settings));
  console.log(`        step models: ${settings.join('; ')}\n`);
  const readings = [];
  for (const page of pages) readings.push((await runPipeline(server, 'base64', page)).regions.map((region) => region.text ?? ''));
  checks.push(describeCheck('server', checkReadings(pages, readings)));
  for (const transport of transports) {
    for (const concurrency of concurrencies) {
      rows.push(
        await measure(`server ${transport}`, concurrency, server, async (index, signal) => {
          return (await runPipeline(server, transport, pageOf(index), signal)).steps;
        }),
      );
    }
  }
}

console.log(`\ncorrectness, before measuring (each page read once):\n${checks.join('\n')}\n`);
console.log(table(rows));
console.log('\nserver / naive:');
const naiveAt = (concurrency: number) => rows.find((row) => row.path === 'naive' && row.concurrency === concurrency);
for (const row of rows.filter((row) => row.path !== 'naive')) {
  const naive = naiveAt(row.concurrency);
  if (!naive) continue;
  const p50 =
    row.concurrency === 1 ? `, p50 ${signed(row.p50Ms - naive.p50Ms)} ms (${fixed(row.p50Ms, 0)} vs ${fixed(naive.p50Ms, 0)})` : '';
  console.log(`  ${row.path} at ${row.concurrency} in flight: images/s ${fixed(row.imagesPerS / naive.imagesPerS, 2)}x${p50}`);
}
console.log(`\ngoals:\n${goalLines(goals(rows))}`);

/** Closed loops of `send` at `concurrency`; the window opens once each loop has had an answer and timing.warmupMs passed. */
async function measure(
  path: string,
  concurrency: number,
  server: ServerProcess | null,
  send: (index: number, signal: AbortSignal) => Promise<StepBatches>,
): Promise<Row> {
  // Mostly for the server to finish what the last row's aborted requests left; others' work may keep the box busy.
  await waitForQuiet({ timeoutMs: 5000 });
  const controller = new AbortController();
  const answers: { endedMs: number; latencyMs: number; steps: StepBatches }[] = [];
  const failures: number[] = [];
  const first: { error: string | null } = { error: null };
  let sent = 0;
  let answered = 0;
  let warmed = () => {};
  const warm = new Promise<void>((resolve) => (warmed = resolve));
  const loop = async () => {
    let firstAnswer = true;
    while (!controller.signal.aborted) {
      const started = performance.now();
      try {
        const steps = await send(sent++, controller.signal);
        answers.push({ endedMs: performance.now(), latencyMs: performance.now() - started, steps });
      } catch (error) {
        if (controller.signal.aborted) break;
        failures.push(performance.now());
        first.error ??= describeError(error);
        await sleep(5);
      }
      if (firstAnswer && ++answered === concurrency) warmed();
      firstAnswer = false;
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  await Promise.all([warm, sleep(timing.warmupMs)]);
  const meter: CpuMeter = await startCpuMeter(server);
  const start = performance.now();
  await sleep(timing.durationMs);
  const end = performance.now();
  const cpu = await meter.stop();
  controller.abort();
  await Promise.all(loops);

  const counted = answers.filter((answer) => answer.endedMs >= start && answer.endedMs <= end);
  const latencies = counted.map((answer) => answer.latencyMs);
  const steps = counted.flatMap((answer) => answer.steps ?? []);
  const perStep = (value: (runs: typeof steps) => number) =>
    server &&
    new Map([...new Set(steps.map((step) => step.step))].map((name) => [name, value(steps.filter((step) => step.step === name))]));
  const row: Row = {
    path,
    concurrency,
    images: counted.length,
    imagesPerS: (counted.length * 1000) / (end - start),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    batches: perStep((runs) => mean(runs.flatMap((run) => run.batchSizes))),
    requestsPerImage: perStep((runs) => mean(runs.map((run) => run.batchSizes.length))),
    errors: failures.filter((at) => at >= start && at <= end).length,
    firstError: first.error,
    mainCores: (server ? cpu.serverMainMs : cpu.clientMs) / cpu.windowMs,
    otherThreadCores: server ? cpu.serverOtherMs / cpu.windowMs : null,
    otherCores: Math.max(0, (cpu.machineMs - cpu.serverMainMs - cpu.serverOtherMs - cpu.clientMs) / cpu.windowMs),
  };
  const errors = row.errors ? `, ${row.errors} errors (${first.error?.slice(0, 160)})` : '';
  console.error(
    `  ${path} c=${concurrency}: ${fixed(row.imagesPerS, 2)} images/s, p50 ${fixed(row.p50Ms, 0)} ms, p99 ${fixed(row.p99Ms, 0)} ms${errors}`,
  );
  return row;
}

interface PipelineAnswer {
  regions: { text: string | null }[];
  steps: { step: string; batchSizes: number[] }[];
}

/** One runPipeline over HTTP as a client sends it: the page's bytes as base64 in the JSON, or as a multipart file. */
async function runPipeline(server: ServerProcess, transport: Transport, page: Page, signal?: AbortSignal): Promise<PipelineAnswer> {
  const input = { model: PIPELINE, image: transport === 'base64' ? { base64: page.png.toString('base64') } : { file: null } };
  const operation = JSON.stringify({ query: RUN_PIPELINE, variables: { input } });
  let body: string | FormData = operation;
  if (transport === 'multipart') {
    body = new FormData();
    body.append('operations', operation);
    body.append('map', JSON.stringify({ 0: ['variables.input.image.file'] }));
    body.append('0', new Blob([new Uint8Array(page.png)], { type: 'image/png' }), 'page.png');
  }
  const response = await fetch(server.url, {
    method: 'POST',
    headers: { accept: 'application/graphql-response+json', ...(transport === 'base64' ? { 'content-type': 'application/json' } : {}) },
    body,
    signal: signal ?? null,
  });
  const answer = (await response.json()) as { data?: { runPipeline?: PipelineAnswer } | null; errors?: { message: string }[] };
  const result = answer.data?.runPipeline;
  if (answer.errors?.length || !result) {
    throw new Error(`runPipeline failed (HTTP ${response.status}): ${answer.errors?.map((error) => error.message).join('; ')}`);
  }
  return result;
}

/** fetch's "fetch failed" says why in its cause (a reset socket, a refused connection). */
function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
}

function pageOf(index: number): Page {
  return pages[index % pages.length]!;
}

function describeCheck(who: string, { lines, exact, ignoringSpaces, misses }: ReadingCheck): string {
  const verdict = ignoringSpaces === lines ? 'OK' : 'WRONG';
  return [
    `  ${who}: ${verdict}, ${exact}/${lines} lines read exactly, ${ignoringSpaces}/${lines} but for spaces`,
    ...misses.map((miss) => `    ${miss}`),
  ].join('\n');
}

function table(rows: readonly Row[]): string {
  const steps = [...new Set(rows.flatMap((row) => [...(row.batches?.keys() ?? [])]))];
  const headers = [
    'path',
    'conc',
    'images',
    'images/s',
    'p50 ms',
    'p99 ms',
    ...steps.map((step) => `${step} batch`),
    'requests/image',
    'main thread',
    'other threads',
    'errors',
    'other load',
  ];
  const body = rows.map((row) => [
    row.path,
    String(row.concurrency),
    String(row.images),
    fixed(row.imagesPerS, 2),
    fixed(row.p50Ms, 0),
    fixed(row.p99Ms, 0),
    ...steps.map((step) => (row.batches ? fixed(row.batches.get(step) ?? Number.NaN, 2) : '1')),
    row.requestsPerImage ? steps.map((step) => fixed(row.requestsPerImage!.get(step) ?? Number.NaN, 1)).join(' / ') : '',
    `${fixed(row.mainCores, 2)} cores`,
    row.otherThreadCores === null ? '' : `${fixed(row.otherThreadCores, 2)} cores`,
    row.errors ? String(row.errors) : '',
    row.otherCores >= 0.1 ? `${fixed(row.otherCores, 2)} cores` : '',
  ]);
  const note =
    `"<step> batch": the mean rows of the ONNX run each of the step's requests rode in (steps[].batchSizes); the script's\n` +
    `runs are all 1. "requests/image": the step's requests per image (${steps.join(' / ')}): 1 on the page, one per line after.\n` +
    `"main thread": CPU of the server's event loop (GraphQL and every step's pre- and post-processing in JavaScript), or of\n` +
    `the script's whole process; "other threads": the server's inference workers, libuv (sharp) and GC. "other load": other\n` +
    `programs on the machine. p99 is over the window's requests only (a dozen or two): read it as a rough maximum.\n`;
  return `${note}\n${formatTable(headers, body, 1)}`;
}

/** The goals, on the base64 rows (the server's first transport): each MET, NOT MET or NOT MEASURED. */
function goals(rows: readonly Row[]): GoalVerdict[] {
  const server = (concurrency: number) => rows.find((row) => row.path === `server ${transports[0]}` && row.concurrency === concurrency);
  const pairs = (list: number[]) =>
    list.flatMap((concurrency) => {
      const [ours, naive] = [server(concurrency), naiveAt(concurrency)];
      return ours && naive ? [{ concurrency, ours, naive }] : [];
    });
  const verdict = (goal: string, checked: { met: boolean; detail: string }[], wanted: number): GoalVerdict => ({
    goal,
    met: checked.length === 0 ? null : checked.some((check) => !check.met) ? false : checked.length === wanted ? true : null,
    partly: checked.length > 0 && checked.length < wanted,
    details: checked.map((check) => check.detail),
  });

  const busy = pairs([8, 32]);
  const atOne = pairs([1]);
  const batched = rows.filter((row) => row.path.startsWith('server') && row.concurrency >= 8 && row.batches);
  return [
    verdict(
      "(a) at 8 and 32 in flight the server's images/s ≥ the naive script's (batching across requests + 2 inference threads)",
      busy.map(({ concurrency, ours, naive }) => ({
        met: ours.imagesPerS >= naive.imagesPerS,
        detail: `${concurrency} in flight: server ${fixed(ours.imagesPerS, 2)} vs naive ${fixed(naive.imagesPerS, 2)} images/s (${fixed(ours.imagesPerS / naive.imagesPerS, 2)}x)`,
      })),
      2,
    ),
    verdict(
      "(b) at 1 in flight the server's p50 is within +15 ms of the naive script's (HTTP, base64 and queueing cost little)",
      atOne.map(({ ours, naive }) => ({
        met: ours.p50Ms - naive.p50Ms <= 15,
        detail: `server ${fixed(ours.p50Ms, 1)} ms vs naive ${fixed(naive.p50Ms, 1)} ms: ${signed(ours.p50Ms - naive.p50Ms)} ms`,
      })),
      1,
    ),
    verdict(
      '(c) at 8 in flight and more, the direction and recognize steps run in batches: mean batch size > 1',
      batched.map((row) => {
        const [direction, recognize] = [row.batches!.get('direction') ?? 0, row.batches!.get('recognize') ?? 0];
        return {
          met: direction > 1 && recognize > 1,
          detail: `${row.path} at ${row.concurrency}: direction ${fixed(direction, 2)}, recognize ${fixed(recognize, 2)}`,
        };
      }),
      batched.length,
    ),
  ];
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fixed(value, 1)}`;
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench:ocr -- [--quick] [--concurrency 1,8,32] [--transport base64,multipart]`);
  process.exit(2);
}
