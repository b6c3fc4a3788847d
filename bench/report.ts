/** Plain-text tables of the results, for a terminal. */
import type { GoalVerdict, ScenarioResult } from './results.ts';

/** Aligns the first `textColumns` columns left and the figures after them right. */
export function formatTable(headers: string[], rows: string[][], textColumns = 3): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const cell = (text: string, column: number) => (column < textColumns ? text.padEnd(widths[column]!) : text.padStart(widths[column]!));
  const line = (row: string[]) => row.map(cell).join('  ').trimEnd();
  return [line(headers), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(line)].join('\n');
}

export function throughputTable(results: readonly ScenarioResult[]): string {
  const headers = [
    'model',
    'path',
    'server',
    'conc',
    'req/s',
    'items/s',
    'p50 ms',
    'p99 ms',
    'batch/run',
    'batch/req',
    'x raw',
    'main ms/req',
    'errors',
    'live p99 (main port)',
    'ready p99 (main port)',
    'live p99 (health port)',
    'ready p99 (health port)',
    'other load',
  ];
  const rows = results.map((result) => [
    ...label(result),
    fixed(result.requestsPerS, 0),
    fixed(result.itemsPerS, 0),
    fixed(result.p50Ms, 2),
    fixed(result.p99Ms, 2),
    fixed(result.meanBatchPerRun, 1),
    fixed(result.meanBatchPerRequest, 1),
    result.vsRaw === null ? '' : `${fixed(result.vsRaw, 2)}x`,
    result.cpu?.serverMainMsPerRequest == null ? '' : fixed(result.cpu.serverMainMsPerRequest, 3),
    result.errors === 0 ? '' : String(result.errors),
    result.health ? `${fixed(result.health.live.p99Ms, 1)} ms` : '',
    result.health ? `${fixed(result.health.ready.p99Ms, 1)} ms` : '',
    result.healthPort ? `${fixed(result.healthPort.live.p99Ms, 1)} ms` : '',
    result.healthPort ? `${fixed(result.healthPort.ready.p99Ms, 1)} ms` : '',
    (result.cpu?.foreign ?? 0) >= 0.1 ? `${fixed(result.cpu!.foreign, 2)} cores` : '',
  ]);
  return formatTable(headers, rows);
}

/** Where a request's time goes, from the client's clock and the server's PredictTiming (raw: session.run). */
export function timeTable(results: readonly ScenarioResult[]): string {
  const headers = ['model', 'path', 'server', 'conc', 'mean', 'outside predict', 'predict total', 'queue', 'compute', 'other in predict'];
  const rows = results
    .filter((result) => result.timing && result.kind !== 'raw-ceiling')
    .map((result) => {
      const { totalMs, queueMs, computeMs } = result.timing!;
      const start = [...label(result), fixed(result.meanMs, 2)];
      if (result.kind === 'raw') return [...start, '', '', '', fixed(computeMs, 2), ''];
      return [
        ...start,
        fixed(result.meanMs - totalMs, 2),
        fixed(totalMs, 2),
        fixed(queueMs, 2),
        fixed(computeMs, 2),
        fixed(totalMs - queueMs - computeMs, 2),
      ];
    });
  return formatTable(headers, rows);
}

/** CPU over each window, from /proc, in cores; "main CPU/req" is the server's event-loop time per request. */
export function cpuTable(results: readonly ScenarioResult[]): string {
  const headers = [
    'model',
    'path',
    'server',
    'conc',
    'main CPU/req ms',
    'server main',
    'server other',
    'bench process',
    'rest of box',
    'steal',
  ];
  const rows = results
    .filter((result) => result.cpu)
    .map((result) => {
      const cpu = result.cpu!;
      const cores = (value: number | null) => (value === null ? '' : fixed(value, 2));
      return [
        ...label(result),
        cpu.serverMainMsPerRequest === null ? '' : fixed(cpu.serverMainMsPerRequest, 3),
        cores(cpu.serverMain),
        cores(cpu.serverOther),
        cores(cpu.client),
        cores(cpu.foreign),
        cores(cpu.steal),
      ];
    });
  return formatTable(headers, rows);
}

function label(result: ScenarioResult): string[] {
  const path = result.kind === 'raw-ceiling' ? `raw, ${result.rowsPerRequest} rows/run` : result.transport;
  return [result.model, path, result.server ?? '-', String(result.concurrency)];
}

export function goalLines(verdicts: readonly GoalVerdict[]): string {
  return verdicts
    .map(({ goal, met, partly, details }) => {
      const mark = met === null ? (partly ? 'MET WHERE MEASURED' : 'NOT MEASURED') : met ? 'MET' : 'NOT MET';
      return [`[${mark}] ${goal}`, ...details.map((detail) => `    ${detail}`)].join('\n');
    })
    .join('\n');
}

/** Per model: raw batch-1 at the highest concurrency, raw at its best batch size, the server's best and the naive server's. */
export function ceilingLines(results: readonly ScenarioResult[]): string[] {
  const models = [...new Set(results.map((result) => result.model))];
  return models.map((model) => {
    const own = results.filter((result) => result.model === model);
    const best = (rows: ScenarioResult[]) =>
      rows.reduce<ScenarioResult | undefined>((top, row) => (!top || row.itemsPerS > top.itemsPerS ? row : top), undefined);
    const rawRows = own.filter((result) => result.kind === 'raw');
    const top = Math.max(...rawRows.map((result) => result.concurrency));
    const raw = rawRows.find((result) => result.concurrency === top);
    const ceiling = best(own.filter((result) => result.kind === 'raw-ceiling'));
    const server = best(own.filter((result) => result.kind === 'server' && result.server === 'default'));
    const naive = best(own.filter((result) => result.kind === 'naive'));
    const parts = [
      raw && `raw batch 1 at ${top} in flight ${fixed(raw.itemsPerS, 0)} items/s`,
      ceiling && `raw at ${ceiling.rowsPerRequest} rows/run ${fixed(ceiling.itemsPerS, 0)} items/s`,
      server && `server best ${fixed(server.itemsPerS, 0)} items/s (${server.transport}, ${server.concurrency} in flight)`,
      naive && `naive server best ${fixed(naive.itemsPerS, 0)} items/s (${naive.concurrency} in flight)`,
    ];
    return `  ${model}: ${parts.filter(Boolean).join('; ')}`;
  });
}

export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}
