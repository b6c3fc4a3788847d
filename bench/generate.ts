/**
 * `npx tsx bench/generate.ts`: text generation on tiny-lm. The server (a child process, as in
 * `npm run bench`) against raw onnxruntime-node decoding one stream on one worker_thread; 1, 4
 * and 16 concurrent graphql-ws streams, and one SSE stream. Then a short second pass with the
 * server under `node --cpu-prof`, to split its event loop's time into GC, GraphQL and ws, worker
 * messages and the generation engine (its figures stay out of the tables above it). Prints the
 * tables, the goal and where the time goes; writes bench/results/generate.json. Never fails on
 * a figure. About 1.5 minutes; `--quick` about 30 s.
 *
 *   npx tsx bench/generate.ts --streams 1,16 --no-sse --no-profile
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readCorpusDocuments } from '../scripts/models/tiny-lm/corpus.ts';
import { loadTokenizer } from '../src/streaming/generation/text-tokenizer.ts';
import { waitForQuiet } from './cpu-meter.ts';
import type { GenerateVariables, StreamTransport } from './generate-clients.ts';
import { BUCKETS, type Bucket, profileBuckets } from './generate-profile.ts';
import type { RawGenerationRequest, RawGenerationResult } from './generate-protocol.ts';
import { describeGenerator, foreignCores, measureGeneration, poolRows, type ServerRow } from './generate-server.ts';
import { mean, percentile } from './load.ts';
import { createBenchRepository, modelFile } from './models.ts';
import { mainThreadProfile } from './profile-summary.ts';
import { fixed, formatTable } from './report.ts';
import { type ServerProcess, startServerProcess } from './server-process.ts';
import { spawnTsWorker } from './ts-worker.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench/results/generate.json');
const MODEL = 'tiny-lm';
/** The server's inference threads; tiny-lm holds a session on one of them (instances 1). */
const WORKERS = 2;
const MAX_TOKENS = 256;
const TEMPERATURE = 1;
const GOAL_STREAMS = 16;
const GOAL_RATIO = 6;
/** Openings of the corpus's paragraphs, so that generations run long before an end of text. */
const PROMPTS = [
  'The town ',
  'There is a baker ',
  'The old library ',
  'In spring the gardens ',
  'In the morning ',
  'She knows ',
  'Children come ',
  'The people of the town ',
];
/** Other programs' CPU, in cores, past which a row is measured again once the machine is quiet. */
const NOISY_CORES = 0.25;
/** Past length of the raw step ceiling: about the mean past of a 256-token generation. */
const CEILING_PAST = 128;
/** Goal 6 of issue 11: one stream and GOAL_STREAMS streams against raw, and per-token cost over these pasts. */
const RAW_RATIO = 0.6;
const PASTS = [16, 512] as const;
/** Tokens generated after each past's prompt: few, so that the past stays near its length. */
const PAST_TOKENS = 32;
/** "Flat": the server's per-token overhead over raw at the longest past within this factor of the shortest's (plus 0.02 ms of noise). */
const FLAT_FACTOR = 1.25;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    streams: { type: 'string' },
    'no-sse': { type: 'boolean', default: false },
    'no-profile': { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = flags.quick || ['1', 'true', 'yes'].includes(process.env.BENCH_QUICK ?? '');
const streamCounts = [...new Set((flags.streams ?? '1,4,16').split(',').map((value) => Number(value.trim())))].sort((a, b) => a - b);
if (streamCounts.some((value) => !Number.isInteger(value) || value < 1)) {
  console.error(
    `--streams takes positive integers, got ${flags.streams}\nusage: npx tsx bench/generate.ts [--quick] [--streams N,...] [--no-sse] [--no-profile]`,
  );
  process.exit(2);
}
const timing = quick ? { warmupMs: 800, durationMs: 3000 } : { warmupMs: 1500, durationMs: 6000 };
/**
 * Each server row is measured this many times, the rows taking turns, and the windows pooled:
 * the server's GC swings its throughput by up to 2x over tens of seconds, and taking turns
 * spreads those swings over the rows instead of loading them onto one.
 */
const rounds = quick ? 1 : 2;
const profileTiming = quick ? { warmupMs: 800, durationMs: 2000 } : { warmupMs: 1500, durationMs: 4000 };

/** Generation `iteration` of stream `stream`: the raw baseline replays stream 0's. */
const streamInput = (stream: number, iteration: number) => ({
  prompt: PROMPTS[(stream * 3 + iteration) % PROMPTS.length]!,
  seed: 1 + stream * 10_007 + iteration,
});
const variables = (stream: number, iteration: number): GenerateVariables => ({
  input: { model: MODEL, ...streamInput(stream, iteration), maxTokens: MAX_TOKENS, temperature: TEMPERATURE },
});

const startedAt = new Date();
console.log(
  `${[
    `infergraph generation bench, ${quick ? 'quick' : 'full'} mode (${timing.warmupMs} ms warm-up, ${rounds} x ${timing.durationMs} ms measured per row), ${startedAt.toISOString()}`,
    `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), node ${process.version}`,
    `model: ${MODEL} (its model.json: maxBatchSize 16, instances 1, intraOpNumThreads 1); every generation maxTokens ${MAX_TOKENS}, temperature ${TEMPERATURE},`,
    `       its own seed, prompts cycling over ${PROMPTS.length} openings of the corpus; a stream starts its next generation when one ends.`,
    `server: a child process (node --import tsx src/main.ts), WORKERS=${WORKERS}. Clients in this process, one graphql-ws socket per stream`,
    `        (SSE: one request per generation); token events timed on arrival. raw: one worker_thread of this process, the server's`,
    `        session options, scripts/models/tiny-lm/generate.ts with the server's sampler and stream 0's prompts and seeds.`,
  ].join('\n')}\n`,
);

// Raw first, while no server is running.
const modelPath = await modelFile(MODEL);
const modelDirectory = dirname(dirname(modelPath));
const tokenizer = loadTokenizer(
  JSON.parse(await readFile(join(modelDirectory, 'tokenizer.json'), 'utf8')) as object,
  JSON.parse(await readFile(join(modelDirectory, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>,
);
const eosId = tokenizer.eosIds[0];
if (eosId === undefined) throw new Error(`${MODEL} names no eos_token in its tokenizer_config.json`);
// tiny-lm's tokenizer has one token per character: a prompt of `past` characters of the corpus is a past of `past` tokens.
const corpusText = (await readCorpusDocuments()).join(' ');
const pastPrompts = PASTS.map((past) => ({ past, prompt: corpusText.slice(0, past) }));
const raw = await runRaw({
  modelPath,
  streams: Array.from({ length: 4096 }, (_, iteration) => {
    const { prompt, seed } = streamInput(0, iteration);
    return { prompt: tokenizer.encode(prompt), seed };
  }),
  eosId,
  maxTokens: MAX_TOKENS,
  temperature: TEMPERATURE,
  ...timing,
  ceilingBatches: [...new Set([1, ...streamCounts])].sort((a, b) => a - b),
  ceilingPastLength: CEILING_PAST,
  ceilingMsPerBatch: quick ? 300 : 800,
  batched: { rows: GOAL_STREAMS, durationMs: timing.durationMs },
  pasts: pastPrompts.map(({ past, prompt }) => ({
    past,
    prompt: tokenizer.encode(prompt),
    maxTokens: PAST_TOKENS,
    durationMs: quick ? 1000 : 2500,
  })),
});
const rawBatchedTokensPerS = raw.batched.tokens / (raw.batched.windowMs / 1000);
console.error(`  raw batched, ${raw.batched.rows} rows per run: ${fixed(rawBatchedTokensPerS, 0)} tokens/s`);
const rawTokensPerS = raw.tokens / (raw.windowMs / 1000);
console.error(`  raw 1 stream: ${fixed(rawTokensPerS, 0)} tokens/s, ${fixed(raw.meanRunMs, 3)} ms per run`);

const scenarios: [StreamTransport, number][] = streamCounts.map((streams) => ['graphql-ws', streams]);
if (!flags['no-sse']) scenarios.push(['sse', 1]);
const windows = scenarios.map((): ServerRow[] => []);
/** Per past length, the server's inter-token time (p50) of one stream after a prompt that long. */
const pastRows: { past: number; interTokenMs: number }[] = [];
{
  await using repository = await createBenchRepository([MODEL]);
  await using server = await startServerProcess({ modelRepository: repository.root, workers: WORKERS });
  console.error(`server at ${server.url}: ${await describeGenerator(server, MODEL)}`);
  let retries = quick ? 1 : 3;
  for (let round = 0; round < rounds; round++) {
    for (const [index, [transport, streams]] of scenarios.entries()) {
      let row = await measure(server, transport, streams, timing);
      if (foreignCores(row.cpu) >= NOISY_CORES && retries > 0) {
        retries--;
        console.error(`  (other programs used ${fixed(foreignCores(row.cpu), 2)} cores: measuring again once the machine is quiet)`);
        await waitForQuiet();
        const again = await measure(server, transport, streams, timing);
        if (foreignCores(again.cpu) < foreignCores(row.cpu)) row = again;
      }
      windows[index]!.push(row);
      logRow(row, rounds > 1 ? ` (round ${round + 1})` : '');
    }
  }
  for (const { past, prompt } of pastPrompts) {
    const row = await measureGeneration({
      server,
      model: MODEL,
      transport: 'graphql-ws',
      streams: 1,
      ...timing,
      variables: (_stream, iteration) => ({
        input: { model: MODEL, prompt, maxTokens: PAST_TOKENS, temperature: TEMPERATURE, seed: 1 + iteration },
      }),
    });
    pastRows.push({ past, interTokenMs: percentile(row.load.interTokenMs, 50) });
    console.error(`  graphql-ws 1 stream after a ${past}-token prompt: ITL p50 ${fixed(pastRows.at(-1)!.interTokenMs, 3)} ms`);
  }
}
const rows = windows.map(poolRows);

// The attribution pass: the same load on a server under --cpu-prof, whose profile is written when it exits.
const profiled: { streams: number; tokensPerS: number; serverTokens: number; windowMs: number; buckets: Record<Bucket, number> }[] = [];
if (!flags['no-profile']) {
  const directory = join(ROOT, 'bench/results/profiles', `generate-${startedAt.toISOString().replace(/[:.]/g, '-')}`);
  const profiledRows: ServerRow[] = [];
  {
    await using repository = await createBenchRepository([MODEL]);
    await using server = await startServerProcess({
      modelRepository: repository.root,
      workers: WORKERS,
      nodeFlags: ['--cpu-prof', '--cpu-prof-dir', directory],
    });
    for (const streams of new Set([1, streamCounts.at(-1)!])) {
      const row = await measure(server, 'graphql-ws', streams, profileTiming);
      profiledRows.push(row);
      logRow(row, ' (profiled)');
    }
  }
  const path = await mainThreadProfile(directory);
  if (path) {
    const buckets = await profileBuckets(
      path,
      profiledRows.map((row) => row.monotonicUs),
    );
    profiledRows.forEach((row, index) => {
      profiled.push({
        streams: row.streams,
        tokensPerS: row.load.tokensPerS,
        serverTokens: row.serverTokens,
        windowMs: row.load.windowMs,
        buckets: buckets[index]!,
      });
    });
  } else {
    console.error(`  (no main-thread profile in ${directory}: the attribution table is left out)`);
  }
}

// Figures, tables, goal, notes.
const single = rows.find((row) => row.transport === 'graphql-ws' && row.streams === 1);
const atGoal = rows.find((row) => row.transport === 'graphql-ws' && row.streams === GOAL_STREAMS);
const ceilingOf = (batch: number) => raw.ceiling.find((figure) => figure.batch === batch);
const figures = rows.map((row) => {
  const { load, cpu, threads } = row;
  const seconds = cpu.windowMs / 1000;
  const perToken = (ms: number) => (row.serverTokens > 0 ? ms / row.serverTokens : Number.NaN);
  const cores = (ms: number) => ms / cpu.windowMs;
  return {
    transport: row.transport,
    streams: row.streams,
    windowMs: load.windowMs,
    tokens: load.tokens,
    tokensPerS: load.tokensPerS,
    vsSingleStream: single ? load.tokensPerS / single.load.tokensPerS : null,
    vsRaw: load.tokensPerS / rawTokensPerS,
    timeToFirstTokenMs: summary(load.timeToFirstTokenMs),
    engineTimeToFirstTokenMs: summary(load.engineTimeToFirstTokenMs),
    interTokenMs: summary(load.interTokenMs),
    generationsFinished: load.finished,
    finishReasons: load.finishReasons,
    errors: load.errors,
    firstError: load.firstError,
    roundTokensPerS: row.roundTokensPerS,
    roundHelperCores: row.roundHelperCores,
    steps: row.steps,
    stepsPerS: row.steps / seconds,
    stepWallMs: row.steps > 0 ? cpu.windowMs / row.steps : Number.NaN,
    meanStepBatch: row.meanStepBatch,
    serverTokens: row.serverTokens,
    cpu: {
      mainMsPerToken: perToken(threads.main),
      helpersMsPerToken: perToken(threads.early),
      workersMsPerToken: perToken(threads.late),
      mainMsPerStep: row.steps > 0 ? threads.main / row.steps : Number.NaN,
      clientMsPerToken: perToken(cpu.clientMs),
      main: cores(threads.main),
      helpers: cores(threads.early),
      workers: cores(threads.late),
      client: cores(cpu.clientMs),
      machine: cores(cpu.machineMs),
      foreign: foreignCores(cpu),
      steal: cores(cpu.stealMs),
    },
    monotonicUs: row.monotonicUs,
  };
});

const ms = (value: number) => fixed(value, value >= 100 ? 0 : 2);
const rawRunsPerS = raw.runs / (raw.windowMs / 1000);
console.log('Generation on tiny-lm, client clock, ms ("x raw": over raw 1-stream tokens/s; TTFT: subscribe to first token event;');
console.log(
  '  "engine TTFT": the server\'s usage.timeToFirstTokenMs for the same generations; ITL: gap between one stream\'s token events;',
);
console.log('  "streams/step": rows per ONNX run, prefills included, from ModelVersion.generation over the window; "per window": each');
console.log("  measured window's tokens/s, the rows having taken turns)");
console.log(
  formatTable(
    [
      'path',
      'streams',
      'tokens/s',
      'per window',
      'x 1 stream',
      'x raw',
      'TTFT p50',
      'TTFT p99',
      'engine TTFT p50',
      'ITL p50',
      'ITL p99',
      'streams/step',
      'errors',
    ],
    [
      [
        'raw (1 thread)',
        '1',
        fixed(rawTokensPerS, 0),
        '',
        '',
        '1.00x',
        ms(percentile(raw.timeToFirstTokenMs, 50)),
        ms(percentile(raw.timeToFirstTokenMs, 99)),
        '',
        ms(percentile(raw.interTokenMs, 50)),
        ms(percentile(raw.interTokenMs, 99)),
        '1.00',
        '',
      ],
      ...figures.map((row) => [
        row.transport,
        String(row.streams),
        fixed(row.tokensPerS, 0),
        row.roundTokensPerS.map((value) => fixed(value, 0)).join(' / '),
        row.vsSingleStream === null ? '' : `${fixed(row.vsSingleStream, 2)}x`,
        `${fixed(row.vsRaw, 2)}x`,
        ms(row.timeToFirstTokenMs.p50),
        ms(row.timeToFirstTokenMs.p99),
        ms(row.engineTimeToFirstTokenMs.p50),
        ms(row.interTokenMs.p50),
        ms(row.interTokenMs.p99),
        fixed(row.meanStepBatch, 2),
        row.errors === 0 ? '' : `${row.errors} (${row.firstError?.slice(0, 60)})`,
      ]),
    ],
    1,
  ),
);

console.log(
  `\nServer CPU per token, ms, and in cores of ${availableParallelism()} (/proc, per thread: "main" the event loop; "V8/libuv" node's own threads,`,
);
console.log('  started with the process: parallel and concurrent GC, compiler; "inference" the worker_threads started later, session.run;');
console.log('  "bench": this process, the clients; raw: session.run per token, on its one thread)');
console.log(
  formatTable(
    [
      'path',
      'streams',
      'steps/s',
      'step wall',
      'main/tok',
      'V8/libuv/tok',
      'inference/tok',
      'main/step',
      'main',
      'V8/libuv',
      'inference',
      'bench',
      'rest of box',
      'steal',
    ],
    [
      [
        'raw (1 thread)',
        '1',
        fixed(rawRunsPerS, 0),
        fixed(1000 / rawRunsPerS, 3),
        '',
        '',
        fixed((raw.runs * raw.meanRunMs) / raw.tokens, 3),
        '',
        '',
        '',
        fixed((raw.runs * raw.meanRunMs) / raw.windowMs, 2),
        '',
        '',
        '',
      ],
      ...figures.map(({ transport, streams, stepsPerS, stepWallMs, cpu }) => [
        transport,
        String(streams),
        fixed(stepsPerS, 0),
        fixed(stepWallMs, 3),
        fixed(cpu.mainMsPerToken, 3),
        fixed(cpu.helpersMsPerToken, 3),
        fixed(cpu.workersMsPerToken, 3),
        fixed(cpu.mainMsPerStep, 3),
        fixed(cpu.main, 2),
        fixed(cpu.helpers, 2),
        fixed(cpu.workers, 2),
        fixed(cpu.client, 2),
        fixed(cpu.foreign, 2),
        fixed(cpu.steal, 2),
      ]),
    ],
    1,
  ),
);

console.log(`\nRaw decode-step ceiling: one session.run of B streams, one new token each, over a past of ${CEILING_PAST} tokens`);
const ceiling1 = ceilingOf(1)!;
console.log(
  formatTable(
    ['streams/run', 'ms/run', 'ms/token', 'tokens/s ceiling', 'x 1 stream'],
    raw.ceiling.map((figure) => [
      String(figure.batch),
      fixed(figure.stepMs, 3),
      fixed(figure.stepMs / figure.batch, 4),
      fixed((1000 * figure.batch) / figure.stepMs, 0),
      `${fixed((figure.batch * ceiling1.stepMs) / figure.stepMs, 2)}x`,
    ]),
    0,
  ),
);

const attribution = profiled.map(({ streams, tokensPerS, serverTokens, windowMs, buckets }) => ({
  streams,
  tokensPerS,
  windowMs,
  /** Share of the event loop's wall time, and its ms per token. */
  buckets: Object.fromEntries(
    BUCKETS.map((bucket) => [bucket, { share: buckets[bucket] / windowMs, msPerToken: buckets[bucket] / serverTokens }]),
  ) as Record<Bucket, { share: number; msPerToken: number }>,
}));
if (attribution.length > 0) {
  console.log(
    '\nThe server\'s event loop, wall time by kind (a second pass under node --cpu-prof, graphql-ws; "GraphQL + ws": execute, envelop,',
  );
  console.log('  graphql-ws, ws, JSON and socket writes; "worker messages": postMessage both ways; "generation engine": src/streaming and');
  console.log(
    '  src/runtime: cache stack and unstack, sampling, text; "GC": pauses the loop waits out). Share of the window, then ms per token.',
  );
  console.log(
    formatTable(
      ['streams', 'tokens/s', ...BUCKETS],
      attribution.flatMap(({ streams, tokensPerS, buckets }) => [
        [`${streams} (share)`, fixed(tokensPerS, 0), ...BUCKETS.map((bucket) => `${fixed(buckets[bucket].share * 100, 1)}%`)],
        [`${streams} (ms/token)`, '', ...BUCKETS.map((bucket) => fixed(buckets[bucket].msPerToken, 3))],
      ]),
      1,
    ),
  );
}

const verdict = (met: boolean | null) => (met === null ? 'NOT MEASURED' : met ? 'MET' : 'NOT MET');
const goalRatio = single && atGoal ? atGoal.load.tokensPerS / single.load.tokensPerS : null;
const singleVsRaw = single ? single.load.tokensPerS / rawTokensPerS : null;
const batchedVsRaw = atGoal ? atGoal.load.tokensPerS / rawBatchedTokensPerS : null;
const perToken = PASTS.map((past) => {
  const server = pastRows.find((row) => row.past === past)?.interTokenMs ?? Number.NaN;
  const rawMs = percentile(raw.pasts.find((row) => row.past === past)?.interTokenMs ?? [], 50);
  return { past, serverMs: server, rawMs, overheadMs: server - rawMs };
});
const [shortPast, longPast] = perToken as [(typeof perToken)[number], (typeof perToken)[number]];
const flatMeasured = Number.isFinite(shortPast.overheadMs) && Number.isFinite(longPast.overheadMs);
const goals = [
  {
    goal: `one stream >= ${RAW_RATIO}x the raw loop's tokens/s (graphql-ws)`,
    met: singleVsRaw === null ? null : singleVsRaw >= RAW_RATIO,
    ratio: singleVsRaw,
    detail: single ? `${fixed(single.load.tokensPerS, 0)} vs ${fixed(rawTokensPerS, 0)} tokens/s: ${fixed(singleVsRaw!, 2)}x` : '',
  },
  {
    goal: `${GOAL_STREAMS} streams >= ${RAW_RATIO}x raw batched decoding at ${GOAL_STREAMS} rows per run (graphql-ws)`,
    met: batchedVsRaw === null ? null : batchedVsRaw >= RAW_RATIO,
    ratio: batchedVsRaw,
    detail: atGoal ? `${fixed(atGoal.load.tokensPerS, 0)} vs ${fixed(rawBatchedTokensPerS, 0)} tokens/s: ${fixed(batchedVsRaw!, 2)}x` : '',
  },
  {
    goal: `per-token cost flat as the past grows from ${PASTS[0]} to ${PASTS[1]} tokens (the server's overhead over raw within ${FLAT_FACTOR}x)`,
    met: flatMeasured ? longPast.overheadMs <= FLAT_FACTOR * shortPast.overheadMs + 0.02 : null,
    ratio: flatMeasured ? longPast.overheadMs / shortPast.overheadMs : null,
    detail: perToken
      .map(
        ({ past, serverMs, rawMs, overheadMs }) =>
          `past ${past}: ${fixed(serverMs, 3)} ms per token (raw ${fixed(rawMs, 3)}, overhead ${fixed(overheadMs, 3)})`,
      )
      .join('; '),
  },
  {
    goal: `aggregate tokens/s at ${GOAL_STREAMS} streams >= ${GOAL_RATIO}x a single stream (graphql-ws; an earlier goal)`,
    met: goalRatio === null ? null : goalRatio >= GOAL_RATIO,
    ratio: goalRatio,
    detail:
      single && atGoal
        ? `${fixed(atGoal.load.tokensPerS, 0)} vs ${fixed(single.load.tokensPerS, 0)} tokens/s: ${fixed(goalRatio!, 2)}x`
        : '',
  },
];
console.log('\nGoal 6 of issue 11 (and the earlier batching goal)');
for (const { goal, met, detail } of goals) console.log(`[${verdict(met)}] ${goal}\n    ${detail}`);

const notes = whereTimeGoes();
console.log(`\nWhere the time goes\n${notes.map((line) => `  - ${line}`).join('\n')}`);

await mkdir(dirname(RESULTS), { recursive: true });
await writeFile(
  RESULTS,
  `${JSON.stringify(
    {
      startedAt: startedAt.toISOString(),
      mode: quick ? 'quick' : 'full',
      timing,
      profileTiming,
      machine: { cores: availableParallelism(), cpu: cpus()[0]?.model.trim() ?? null, node: process.version },
      server: { process: 'child', command: 'node --import tsx src/main.ts', workers: WORKERS },
      generation: { model: MODEL, maxTokens: MAX_TOKENS, temperature: TEMPERATURE, prompts: PROMPTS },
      raw: {
        tokensPerS: rawTokensPerS,
        tokens: raw.tokens,
        windowMs: raw.windowMs,
        runs: raw.runs,
        meanRunMs: raw.meanRunMs,
        timeToFirstTokenMs: summary(raw.timeToFirstTokenMs),
        interTokenMs: summary(raw.interTokenMs),
        ceiling: raw.ceiling,
        cache: raw.cache,
      },
      results: figures,
      attribution,
      rawBatched: { ...raw.batched, tokensPerS: rawBatchedTokensPerS },
      perToken,
      goals,
      notes,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${RESULTS}`);

function measure(server: ServerProcess, transport: StreamTransport, streams: number, window: typeof timing): Promise<ServerRow> {
  return measureGeneration({ server, model: MODEL, transport, streams, ...window, variables });
}

function summary(values: readonly number[]) {
  return { count: values.length, p50: percentile(values, 50), p99: percentile(values, 99), mean: mean(values) };
}

function logRow(row: ServerRow, suffix = ''): void {
  const { load } = row;
  const errors = load.errors ? `, ${load.errors} errors (${load.firstError?.slice(0, 160)})` : '';
  console.error(
    `  ${row.transport} ${row.streams} streams${suffix}: ${fixed(load.tokensPerS, 0)} tokens/s, ITL p50 ${fixed(percentile(load.interTokenMs, 50), 2)} ms, ` +
      `${fixed(row.meanStepBatch, 2)} streams/step${errors}`,
  );
}

async function runRaw(request: RawGenerationRequest): Promise<RawGenerationResult> {
  const worker = spawnTsWorker(new URL('./generate-raw-worker.ts', import.meta.url), request);
  try {
    return await new Promise<RawGenerationResult>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the raw generation thread exited (code ${code}) without a result`)));
    });
  } finally {
    await worker.terminate();
  }
}

/** Largest over smallest. */
function spread(values: readonly number[]): number {
  return Math.max(...values) / Math.min(...values);
}

/** Observations read off this run's figures, for whoever works on the server's generation path. */
function whereTimeGoes(): string[] {
  const lines: string[] = [];
  const one = figures.find((row) => row.transport === 'graphql-ws' && row.streams === 1);
  const top = figures.filter((row) => row.transport === 'graphql-ws').at(-1);
  const sse = figures.find((row) => row.transport === 'sse');
  const rawRunPerToken = (raw.runs * raw.meanRunMs) / raw.tokens;
  if (one) {
    const serverMs = 1000 / one.tokensPerS;
    const rawMs = 1000 / rawTokensPerS;
    lines.push(
      `1 stream: ${fixed(serverMs, 3)} ms per token vs ${fixed(rawMs, 3)} ms raw (the server gives ${fixed(one.vsRaw * 100, 0)}% of raw); ` +
        `the run itself is ~${fixed(rawRunPerToken, 3)} ms of it. Per token the server burns ${fixed(one.cpu.mainMsPerToken, 3)} ms on its event loop, ` +
        `${fixed(one.cpu.helpersMsPerToken, 3)} ms on V8's helper threads and ${fixed(one.cpu.workersMsPerToken, 3)} ms on the inference thread.`,
    );
    lines.push(
      `Time to first token, 1 stream: ${fixed(one.timeToFirstTokenMs.p50, 2)} ms p50 at the client, of which the engine (stream start to first sampled token) ` +
        `accounts for ${fixed(one.engineTimeToFirstTokenMs.p50, 2)} ms; raw prefill plus first token: ${fixed(percentile(raw.timeToFirstTokenMs, 50), 2)} ms. ` +
        "The rest is subscribe handling (graphql-ws onSubscribe, parse, validate, context, tokenizer) and the first event's way out.",
    );
  }
  if (top && top.streams > 1) {
    const busy = top.cpu.main + top.cpu.helpers + top.cpu.workers + top.cpu.client;
    const parts: [string, number][] = [
      ['the event loop', top.cpu.main],
      ["V8's helper threads (GC)", top.cpu.helpers],
      ['the inference thread', top.cpu.workers],
      ['the bench clients', top.cpu.client],
    ];
    const heaviest = parts.reduce((best, part) => (part[1] > best[1] ? part : best));
    lines.push(
      `${top.streams} streams: the machine is ${fixed((busy / availableParallelism()) * 100, 0)}% busy (event loop ${fixed(top.cpu.main, 2)}, V8 helpers ${fixed(top.cpu.helpers, 2)}, ` +
        `inference ${fixed(top.cpu.workers, 2)}, clients ${fixed(top.cpu.client, 2)} cores); the heaviest is ${heaviest[0]}. ` +
        `A step takes ${fixed(top.stepWallMs, 2)} ms wall for ${fixed(top.meanStepBatch, 1)} streams, of which the event loop spends ${fixed(top.cpu.mainMsPerStep, 2)} ms CPU ` +
        `and a raw run of ${top.streams} streams at past ${CEILING_PAST} ${fixed(ceilingOf(top.streams)?.stepMs ?? Number.NaN, 2)} ms.`,
    );
    if (top.meanStepBatch < top.streams * 0.9) {
      lines.push(
        `${top.streams} streams rode ${fixed(top.meanStepBatch, 2)} per run on average: prefills are runs of their own, a decode step splits streams of very ` +
          'different past lengths into runs of similar length (decoder-streams.ts, groupByLength: padding to the longest costs more than a run), ' +
          'and a stream whose client has not read its buffered events sits steps out.',
      );
    }
  }
  const profiledTop = attribution.at(-1);
  if (profiledTop) {
    const { buckets } = profiledTop;
    const named = (bucket: Bucket) =>
      `${bucket} ${fixed(buckets[bucket].share * 100, 0)}% (${fixed(buckets[bucket].msPerToken, 3)} ms/token)`;
    lines.push(
      `Event loop at ${profiledTop.streams} streams (profiled pass): ${named('GC')}, ${named('generation engine')}, ${named('GraphQL + ws')}, ` +
        `${named('worker messages')}, idle ${fixed(buckets.idle.share * 100, 0)}%. GraphQL and ws serialization is ${fixed(buckets['GraphQL + ws'].msPerToken, 3)} ms per token ` +
        `against an ONNX run of ${fixed((ceilingOf(profiledTop.streams)?.stepMs ?? Number.NaN) / profiledTop.streams, 3)} ms per token at ${profiledTop.streams} streams per run.`,
    );
  }
  const swings = figures.filter((row) => row.roundTokensPerS.length > 1);
  if (swings.length > 0) {
    const widest = swings.reduce((best, row) => (spread(row.roundTokensPerS) > spread(best.roundTokensPerS) ? row : best));
    const slowest = widest.roundTokensPerS.indexOf(Math.min(...widest.roundTokensPerS));
    const fastest = widest.roundTokensPerS.indexOf(Math.max(...widest.roundTokensPerS));
    const gcMoved = widest.roundHelperCores[slowest]! >= 1.3 * widest.roundHelperCores[fastest]!;
    lines.push(
      `Windows of the same row differ by up to ${fixed((spread(widest.roundTokensPerS) - 1) * 100, 0)}% (${widest.transport} ${widest.streams}: ` +
        `${widest.roundTokensPerS.map((value) => fixed(value, 0)).join(' vs ')} tokens/s, V8 helper threads at ` +
        `${widest.roundHelperCores.map((value) => fixed(value, 2)).join(' vs ')} cores)` +
        (gcMoved
          ? ': the slow window is the one where GC worked harder.'
          : "; the helpers' CPU does not explain it: compare rows with care."),
    );
  }
  const { layers, heads, headDim } = raw.cache;
  const kilobytes = (2 * layers * heads * CEILING_PAST * headDim * 4) / 1024;
  lines.push(
    "The cache stays on the inference thread (runtime/decoder-streams.ts): a step's present is the next step's past as it is, and only token ids " +
      `cross threads; onnxruntime still writes the whole present each run (~${fixed(kilobytes, 0)} KB per stream at past ${CEILING_PAST}, as the raw loop does), ` +
      'and the batch is restacked (one copy of every cache in it) when a stream joins or leaves.',
  );
  const ceilingTop = top ? ceilingOf(top.streams) : undefined;
  if (ceilingTop && ceilingTop.batch > 1 && one) {
    const gain = (ceilingTop.batch * ceiling1.stepMs) / ceilingTop.stepMs;
    const ceilingTokensPerS = (1000 * ceilingTop.batch) / ceilingTop.stepMs;
    lines.push(
      `What ${GOAL_RATIO}x can mean on this model: onnxruntime gives ${fixed(gain, 1)}x the tokens per run-time at ${ceilingTop.batch} streams per run as at 1 ` +
        `(${fixed(ceilingTokensPerS, 0)} tokens/s ceiling, ${fixed(ceilingTokensPerS / one.tokensPerS, 1)}x the server's single stream today). ` +
        `So the goal is reachable only while a single stream stays overhead-bound; a server as fast as raw at 1 stream would top out near ${fixed(ceilingTokensPerS / rawTokensPerS, 1)}x.`,
    );
  }
  if (sse && one) {
    lines.push(
      `SSE, 1 stream: ${fixed(sse.tokensPerS, 0)} tokens/s (${fixed(sse.tokensPerS / one.tokensPerS, 2)}x graphql-ws), ITL p50 ${fixed(sse.interTokenMs.p50, 2)} ms, ` +
        `TTFT p50 ${fixed(sse.timeToFirstTokenMs.p50, 2)} ms, event loop ${fixed(sse.cpu.mainMsPerToken, 3)} ms per token (graphql-ws: ${fixed(one.cpu.mainMsPerToken, 3)}).`,
    );
  }
  return lines;
}
