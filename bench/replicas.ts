/**
 * `npm run bench:replicas`: what scaling out costs a request. Three server processes share one model
 * repository behind Debian's nginx with the repository's config (deploy/nginx/infergraph.conf); the
 * same glyphs predicts over HTTP are sent straight to one replica and through the balancer, in
 * alternated rounds. On a 2-core machine three replicas cannot add throughput (they share the same
 * cores), so what is reported is the balancer's cost: latency and items/s through nginx over direct.
 * `--quick` shortens the rounds.
 */
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { GLYPH_PIXELS, generateGlyphs } from '../scripts/models/glyphs.ts';
import { startNginx } from '../test/fixtures/nginx.ts';
import { PredictDocument } from '../test/generated/graphql.ts';
import { percentile, runClosedLoop } from './load.ts';
import { createBenchRepository } from './models.ts';
import { startServerProcess } from './server-process.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, strict: true });
const rounds = flags.quick ? 2 : 4;
const timing = flags.quick ? { warmupMs: 300, durationMs: 1500 } : { warmupMs: 1000, durationMs: 4000 };

const PREDICT = print(PredictDocument);
const { pixels } = generateGlyphs({ count: 1, seed: 11 });
const BODY = JSON.stringify({
  query: PREDICT,
  variables: { input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] } },
});

async function predict(url: string): Promise<void> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  const answer = (await response.json()) as { errors?: unknown };
  if (!response.ok || answer.errors) throw new Error(`predict failed: ${response.status} ${JSON.stringify(answer.errors)}`);
}

console.log(`infergraph replicas bench, ${flags.quick ? 'quick' : 'full'} mode, ${new Date().toISOString()}`);
console.log('three server processes (WORKERS=1 each, LOG_REQUESTS=none) on one model repository; nginx 1 worker in front;');
console.log(`glyphs predict over HTTP (JSON data), ${rounds} alternated rounds of ${timing.durationMs} ms per path and concurrency\n`);

await using repository = await createBenchRepository(['glyphs'], { instances: 1 });
const replicas = await Promise.all(
  [0, 1, 2].map(() => startServerProcess({ modelRepository: repository.root, workers: 1, env: { LOG_REQUESTS: 'none' } })),
);
try {
  await using nginx = await startNginx(replicas.map((replica) => Number(new URL(replica.origin).port)));
  const paths = { direct: replicas[0]!.url, 'through nginx': `${nginx.origin}/graphql` };
  console.log('path            in flight  items/s (per round)            p50 ms  p99 ms  items/s / direct  p50 - direct');
  for (const concurrency of [1, 32]) {
    const measured: Record<string, { itemsPerSecond: number[]; latencies: number[] }> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, url] of Object.entries(paths)) {
        const result = await runClosedLoop({ concurrency, ...timing, send: () => predict(url) });
        if (result.errors > 0) throw new Error(`${name}: ${result.errors} errors, the first: ${result.firstError}`);
        measured[name] ??= { itemsPerSecond: [], latencies: [] };
        const entry = measured[name];
        entry.itemsPerSecond.push((result.latenciesMs.length * 1000) / result.windowMs);
        entry.latencies.push(...result.latenciesMs);
      }
    }
    const direct = measured.direct!;
    for (const [name, { itemsPerSecond, latencies }] of Object.entries(measured)) {
      const total = itemsPerSecond.reduce((sum, value) => sum + value, 0) / itemsPerSecond.length;
      const directTotal = direct.itemsPerSecond.reduce((sum, value) => sum + value, 0) / direct.itemsPerSecond.length;
      console.log(
        [
          name.padEnd(15),
          String(concurrency).padStart(9),
          `${total.toFixed(0)} (${itemsPerSecond.map((value) => value.toFixed(0)).join(', ')})`.padEnd(30),
          percentile(latencies, 50).toFixed(2).padStart(6),
          percentile(latencies, 99).toFixed(2).padStart(7),
          `${(total / directTotal).toFixed(2)}x`.padStart(17),
          `${(percentile(latencies, 50) - percentile(direct.latencies, 50)).toFixed(2)} ms`.padStart(13),
        ].join(' '),
      );
    }
  }
} finally {
  await Promise.all(replicas.map((replica) => replica[Symbol.asyncDispose]()));
}
