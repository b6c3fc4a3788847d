/** The targets the server is held to, checked against one run's results. */
import { fixed } from './report.ts';
import type { GoalVerdict, ScenarioResult } from './results.ts';

export const SATURATION = 64;

/** One comparison a goal makes: the rows it reads, and the check once they all have answers. */
interface Case {
  rows: ScenarioResult[];
  check(): [boolean, string];
}

export function evaluateGoals(results: readonly ScenarioResult[]): GoalVerdict[] {
  const served = results.filter((result) => result.kind === 'server' && result.server === 'default');
  const raw = (model: string, concurrency: number) =>
    results.find((result) => result.kind === 'raw' && result.model === model && result.concurrency === concurrency);

  const ocr: Case[] = served.flatMap((result) => {
    const baseline = result.model === 'ocr-direction' && result.concurrency === SATURATION ? raw(result.model, SATURATION) : undefined;
    if (!baseline) return [];
    return [
      {
        rows: [result, baseline],
        check: () => {
          const ratio = result.itemsPerS / baseline.itemsPerS;
          return [
            ratio >= 0.5,
            `${result.transport}: ${fixed(ratio, 2)}x (${fixed(result.itemsPerS, 0)} vs ${fixed(baseline.itemsPerS, 0)} items/s)`,
          ];
        },
      },
    ];
  });

  const batching: Case[] = served.flatMap((result) => {
    if (result.model !== 'glyphs' || result.concurrency !== SATURATION) return [];
    const single = results.find(
      (other) =>
        other.server === 'maxBatchSize=1' &&
        other.model === result.model &&
        other.transport === result.transport &&
        other.concurrency === result.concurrency,
    );
    if (!single) return [];
    return [
      {
        rows: [result, single],
        check: () => {
          const ratio = result.itemsPerS / single.itemsPerS;
          return [
            ratio >= 5,
            `${result.transport}: ${fixed(ratio, 2)}x (${fixed(result.itemsPerS, 0)} vs ${fixed(single.itemsPerS, 0)} items/s; ` +
              `rows per run ${fixed(result.meanBatchPerRun, 1)} vs ${fixed(single.meanBatchPerRun, 1)})`,
          ];
        },
      },
    ];
  });

  const latency: Case[] = served.flatMap((result) => {
    const baseline = result.concurrency === 1 ? raw(result.model, 1) : undefined;
    if (!baseline) return [];
    return [
      {
        rows: [result, baseline],
        check: () => {
          const delta = result.p50Ms - baseline.p50Ms;
          return [
            delta <= 1,
            `${result.model} ${result.transport}: +${fixed(delta, 2)} ms (${fixed(result.p50Ms, 2)} vs ${fixed(baseline.p50Ms, 2)} ms)`,
          ];
        },
      },
    ];
  });

  const health: Case[] = served.flatMap((result) => {
    const probed = result.health;
    if (!probed) return [];
    return [
      {
        rows: [result],
        check: () => [
          probed.p99Ms < 20 && probed.failures === 0,
          `${result.model} ${result.transport}: p99 ${fixed(probed.p99Ms, 1)} ms, p50 ${fixed(probed.p50Ms, 1)} ms, ` +
            `max ${fixed(probed.maxMs, 1)} ms over ${probed.samples} probes${probed.failures ? `, ${probed.failures} failed` : ''}`,
        ],
      },
    ];
  });

  return [
    verdict(`(1) ocr-direction at ${SATURATION} in flight: server items/s >= 0.5x raw two-worker items/s (batch 1, same concurrency)`, ocr),
    verdict(`(2) glyphs at ${SATURATION} in flight: default batching >= 5x the same server with maxBatchSize 1`, batching),
    verdict('(3) at concurrency 1: server p50 within 1 ms of raw p50', latency),
    verdict(`(4) /health/live p99 < 20 ms while the server is saturated (${SATURATION} in flight, default server)`, health),
  ];
}

/** Met when every case meets it; not measured when the run had none. A case whose requests all failed misses. */
function verdict(goal: string, cases: readonly Case[]): GoalVerdict {
  const checked = cases.map(({ rows, check }): [boolean, string] => {
    const failed = rows.find((row) => row.requests === 0);
    if (!failed) return check();
    return [
      false,
      `${failed.model} ${failed.transport}${failed.server === 'maxBatchSize=1' ? ' (maxBatchSize=1)' : ''}: no request succeeded, ${failed.errors} errors: ${clip(failed.firstError ?? '', 240)}`,
    ];
  });
  const met = checked.length === 0 ? null : checked.every(([ok]) => ok);
  return { goal, met, details: checked.map(([ok, detail]) => `${ok ? 'ok  ' : 'MISS'} ${detail}`) };
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length)}…` : text;
}
