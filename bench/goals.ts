/**
 * The targets of issue 11 that `npm run bench` measures (goal 6, generation, is
 * `npm run bench:generate`'s), and issue 14's for the Open Inference Protocol, checked against one run's results. Each goal lists every case it
 * asks for; a case the run's filters left out is named as not measured, never counted as met.
 */
import { NAIVE_SERVER, NAIVE_TRANSPORT } from './naive.ts';
import { fixed } from './report.ts';
import type { GoalVerdict, HealthFigures, ScenarioResult } from './results.ts';
import { KNOWN_MODELS } from './samples.ts';
import { TRANSPORTS } from './transports.ts';

export const SATURATION = 64;

/** Goal 1: server p50 over raw p50 at concurrency 1, in ms. */
const LATENCY_OVER_RAW_MS = 0.5;
/** Goal 2: server main-thread CPU per request at SATURATION in flight, in ms. */
const MAIN_MS_PER_REQUEST: Record<string, number> = { glyphs: 0.12, 'ocr-direction': 0.4 };
/** Goal 3: ocr-direction items/s over raw two-worker items/s, on these transports. */
const OCR_VS_RAW = 0.6;
const OCR_TRANSPORTS = ['http-multipart', 'ws-base64'] as const;
/** Goal 4: glyphs, default batching over `maxBatchSize` 1. */
const BATCHING_GAIN = 5;
/** Goal 5: probe p99, in ms. */
const PROBE_P99_MS = 10;
/** Goal 7: items/s over the naive server's at SATURATION, and p50 over its p50 at concurrency 1, in ms. */
const NAIVE_THROUGHPUT = 2;
const LATENCY_OVER_NAIVE_MS = 0.3;
/** Issue 14: v2 binary's main-thread CPU per request at SATURATION in flight, at most this transport's. */
const V2_CPU_BASELINE = 'http-multipart';

/** One comparison a goal makes: the rows it reads (undefined where the run has none), and the check once all are there. */
interface Case {
  label: string;
  rows: readonly (ScenarioResult | undefined)[];
  check(rows: readonly ScenarioResult[]): [boolean, string];
}

export function evaluateGoals(results: readonly ScenarioResult[]): GoalVerdict[] {
  const find = (kind: ScenarioResult['kind'], server: string | null, model: string, transport: string, concurrency: number) =>
    results.find(
      (result) =>
        result.kind === kind &&
        result.server === server &&
        result.model === model &&
        result.transport === transport &&
        result.concurrency === concurrency,
    );
  const served = (model: string, transport: string, concurrency: number, server = 'default') =>
    find('server', server, model, transport, concurrency);
  const raw = (model: string, concurrency: number) => find('raw', null, model, 'raw', concurrency);
  const naive = (model: string, concurrency: number) => find('naive', NAIVE_SERVER, model, NAIVE_TRANSPORT, concurrency);
  const each = <T>(build: (model: string, transport: string) => T) =>
    KNOWN_MODELS.flatMap((model) => TRANSPORTS.map((transport) => build(model, transport)));

  const latency = each(
    (model, transport): Case => ({
      label: `${model} ${transport}`,
      rows: [served(model, transport, 1), raw(model, 1)],
      check: ([server, baseline]) => {
        const delta = server!.p50Ms - baseline!.p50Ms;
        return [
          delta <= LATENCY_OVER_RAW_MS,
          `${model} ${transport}: ${signed(delta)} ms (${fixed(server!.p50Ms, 2)} vs ${fixed(baseline!.p50Ms, 2)} ms)`,
        ];
      },
    }),
  );

  const mainCpu = each(
    (model, transport): Case => ({
      label: `${model} ${transport}`,
      rows: [served(model, transport, SATURATION)],
      check: ([server]) => {
        const perRequest = server!.cpu?.serverMainMsPerRequest ?? Number.NaN;
        const limit = MAIN_MS_PER_REQUEST[model] ?? Number.NaN;
        return [perRequest <= limit, `${model} ${transport}: ${fixed(perRequest, 3)} ms per request (goal ${limit} ms)`];
      },
    }),
  );

  const ocr = OCR_TRANSPORTS.map(
    (transport): Case => ({
      label: `ocr-direction ${transport}`,
      rows: [served('ocr-direction', transport, SATURATION), raw('ocr-direction', SATURATION)],
      check: ([server, baseline]) => {
        const ratio = server!.itemsPerS / baseline!.itemsPerS;
        return [
          ratio >= OCR_VS_RAW,
          `${transport}: ${fixed(ratio, 2)}x (${fixed(server!.itemsPerS, 0)} vs ${fixed(baseline!.itemsPerS, 0)} items/s)`,
        ];
      },
    }),
  );

  const batching = TRANSPORTS.map(
    (transport): Case => ({
      label: `glyphs ${transport}`,
      rows: [served('glyphs', transport, SATURATION), served('glyphs', transport, SATURATION, 'maxBatchSize=1')],
      check: ([server, single]) => {
        const ratio = server!.itemsPerS / single!.itemsPerS;
        return [
          ratio >= BATCHING_GAIN,
          `${transport}: ${fixed(ratio, 2)}x (${fixed(server!.itemsPerS, 0)} vs ${fixed(single!.itemsPerS, 0)} items/s; ` +
            `rows per run ${fixed(server!.meanBatchPerRun, 1)} vs ${fixed(single!.meanBatchPerRun, 1)})`,
        ];
      },
    }),
  );

  // Judged on the health port, where Kubernetes and load balancers are to probe; the GraphQL port's figures are printed beside them.
  const probed = (model: string, transport: string, server: string): Case => {
    const label = `${model} ${transport}${server === 'default' ? '' : ` (${server})`}`;
    return {
      label,
      rows: [served(model, transport, SATURATION, server)],
      check: ([row]) => {
        const { healthPort, health } = row!;
        const mainPort = health ? `; main port: ${probeLine('live', health.live)}; ${probeLine('ready', health.ready)}` : '';
        if (!healthPort) return [false, `${label}: not probed on a health port${mainPort}`];
        const { live, ready } = healthPort;
        return [
          [live, ready].every((probe) => probe.p99Ms < PROBE_P99_MS && probe.failures === 0),
          `${label}: health port: ${probeLine('live', live)}; ${probeLine('ready', ready)}${mainPort}`,
        ];
      },
    };
  };
  const health = [
    ...each((model, transport) => probed(model, transport, 'default')),
    ...TRANSPORTS.map((transport) => probed('glyphs', transport, 'maxBatchSize=1')),
  ];

  const versusNaive = each((model, transport): Case[] => [
    {
      label: `${model} ${transport} at ${SATURATION}`,
      rows: [served(model, transport, SATURATION), naive(model, SATURATION)],
      check: ([server, alternative]) => {
        const ratio = server!.itemsPerS / alternative!.itemsPerS;
        return [
          ratio >= NAIVE_THROUGHPUT,
          `${model} ${transport} at ${SATURATION}: ${fixed(ratio, 2)}x (${fixed(server!.itemsPerS, 0)} vs ${fixed(alternative!.itemsPerS, 0)} items/s)`,
        ];
      },
    },
    {
      label: `${model} ${transport} at 1`,
      rows: [served(model, transport, 1), naive(model, 1)],
      check: ([server, alternative]) => {
        const delta = server!.p50Ms - alternative!.p50Ms;
        return [
          delta <= LATENCY_OVER_NAIVE_MS,
          `${model} ${transport} at 1: p50 ${signed(delta)} ms (${fixed(server!.p50Ms, 2)} vs ${fixed(alternative!.p50Ms, 2)} ms)`,
        ];
      },
    },
  ]).flat();

  const v2Cpu = KNOWN_MODELS.map(
    (model): Case => ({
      label: `${model} v2-binary`,
      rows: [served(model, 'v2-binary', SATURATION), served(model, V2_CPU_BASELINE, SATURATION)],
      check: ([v2, graphql]) => {
        const [mine, theirs] = [v2!, graphql!].map((row) => row.cpu?.serverMainMsPerRequest ?? Number.NaN) as [number, number];
        return [mine <= theirs, `${model}: ${fixed(mine, 3)} vs ${fixed(theirs, 3)} ms per request (${fixed(mine / theirs, 2)}x)`];
      },
    }),
  );

  return [
    verdict(`(1) concurrency 1, both classifiers, every transport: p50 within ${LATENCY_OVER_RAW_MS} ms of raw`, latency),
    verdict(
      `(2) main-thread CPU per request at ${SATURATION} in flight, every transport: glyphs <= ${MAIN_MS_PER_REQUEST.glyphs} ms, ` +
        `ocr-direction <= ${MAIN_MS_PER_REQUEST['ocr-direction']} ms`,
      mainCpu,
    ),
    verdict(
      `(3) ocr-direction at ${SATURATION} in flight: >= ${OCR_VS_RAW}x raw two-worker items/s on ${OCR_TRANSPORTS.join(' and ')}`,
      ocr,
    ),
    verdict(`(4) glyphs at ${SATURATION} in flight, every transport: default batching >= ${BATCHING_GAIN}x maxBatchSize 1`, batching),
    verdict(
      `(5) /health/live and /health/ready p99 < ${PROBE_P99_MS} ms on the health port in every saturated scenario (${SATURATION} in flight; ` +
        'default and maxBatchSize=1 servers; the main port figures are for comparison)',
      health,
    ),
    verdict(
      `(7) against the naive server (node:http + onnxruntime-node in process, JSON base64, no batching), both classifiers, every ` +
        `transport: >= ${NAIVE_THROUGHPUT}x its items/s at ${SATURATION} in flight, p50 within ${LATENCY_OVER_NAIVE_MS} ms of its p50 at 1`,
      versusNaive,
    ),
    verdict(
      `(issue 14) v2 binary's main-thread CPU per request <= GraphQL ${V2_CPU_BASELINE}'s at ${SATURATION} in flight, both classifiers`,
      v2Cpu,
    ),
  ];
}

/**
 * Met when every case is measured and meets it; not met when a measured case misses; undecided
 * (`met` null) when the run measured none of its cases, or only some and those meet it. A case
 * whose requests all failed misses.
 */
function verdict(goal: string, cases: readonly Case[]): GoalVerdict {
  const details: string[] = [];
  const unmeasured: string[] = [];
  let missed = false;
  for (const { label, rows, check } of cases) {
    const present = rows.filter((row) => row !== undefined);
    if (present.length < rows.length) {
      unmeasured.push(label);
      continue;
    }
    const failed = present.find((row) => row.requests === 0);
    const [ok, detail] = failed
      ? [
          false,
          `${failed.model} ${failed.transport} (${failed.server ?? 'raw'}): no request succeeded, ${failed.errors} errors: ${clip(failed.firstError ?? '', 240)}`,
        ]
      : check(present);
    missed ||= !ok;
    details.push(`${ok ? 'ok  ' : 'MISS'} ${detail}`);
  }
  const partly = unmeasured.length > 0 && unmeasured.length < cases.length;
  if (unmeasured.length > 0) details.push(`not measured in this run: ${unmeasured.join(', ')}`);
  const met = missed ? false : unmeasured.length === 0 ? true : null;
  return { goal, met, partly, details };
}

function probeLine(path: string, probe: HealthFigures): string {
  return (
    `${path} p99 ${fixed(probe.p99Ms, 1)} ms (p50 ${fixed(probe.p50Ms, 1)}, max ${fixed(probe.maxMs, 1)}, ${probe.samples} probes` +
    `${probe.failures ? `, ${probe.failures} failed` : ''})`
  );
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : ''}${fixed(value, 2)}`;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
