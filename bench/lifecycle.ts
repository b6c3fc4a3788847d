/**
 * `npm run bench:lifecycle`: what model management costs a client. (1) Time to first answer of
 * a cold model (lazy loading: the first request waits for the load) against the same request
 * once warm, for each example classifier. (2) Requests lost while a model is reloaded under
 * load (the goal: none), and the latency they see meanwhile. The server runs in a child
 * process, as in bench/run.ts. `--quick` shortens the load window.
 */
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { GLYPH_PIXELS, generateGlyphs } from '../scripts/models/glyphs.ts';
import { PredictDocument } from '../test/generated/graphql.ts';
import { percentile, runClosedLoop, sleep } from './load.ts';
import { createBenchRepository } from './models.ts';
import { startServerProcess } from './server-process.ts';

const { values: flags } = parseArgs({ options: { quick: { type: 'boolean', default: false } }, strict: true });
const loadMs = flags.quick ? 3_000 : 10_000;
const reloadEveryMs = 500;

const PREDICT = print(PredictDocument);
const { pixels } = generateGlyphs({ count: 1, seed: 11 });
const INPUTS: Record<string, unknown[]> = {
  glyphs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }],
  'ocr-direction': [{ name: 'x', shape: [1, 3, 48, 192], data: new Array<number>(3 * 48 * 192).fill(0.25) }],
};

async function timed<T>(work: () => Promise<T>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

console.log(`infergraph lifecycle bench, ${flags.quick ? 'quick' : 'full'} mode, ${new Date().toISOString()}`);
console.log('server: a child process (node --import tsx src/main.ts), WORKERS=2, LAZY_LOAD=true for the cold start\n');

// (1) Cold against warm, each model in a server of its own so that nothing was loaded before.
console.log('model          cold first answer ms   warm answer ms (median of 20)   cold / warm');
for (const model of Object.keys(INPUTS)) {
  await using repository = await createBenchRepository([model]);
  await using server = await startServerProcess({ modelRepository: repository.root, workers: 2, env: { LAZY_LOAD: 'true' } });
  const input = { model, inputs: INPUTS[model] };
  const cold = await timed(() => server.graphql(PREDICT, { input }));
  const warm: number[] = [];
  for (let run = 0; run < 20; run++) warm.push(await timed(() => server.graphql(PREDICT, { input })));
  const median = percentile(warm, 50);
  console.log(
    `${model.padEnd(14)} ${cold.toFixed(1).padStart(20)}   ${median.toFixed(2).padStart(30)}   ${(cold / median).toFixed(0).padStart(10)}x`,
  );
}

// (2) Reload under load: 32 requests in flight on glyphs, reloadModel every 500 ms.
{
  await using repository = await createBenchRepository(['glyphs']);
  await using server = await startServerProcess({ modelRepository: repository.root, workers: 2 });
  const input = { model: 'glyphs', inputs: INPUTS.glyphs };
  const send = () => server.graphql<{ predict: { version: string } }>(PREDICT, { input });
  const steady = await runClosedLoop({ concurrency: 32, warmupMs: 1000, durationMs: loadMs, send });
  let reloads = 0;
  let reloading = true;
  const reloader = (async () => {
    while (reloading) {
      await server.graphql('mutation { reloadModel(model: "glyphs") { name } }');
      reloads++;
      await sleep(reloadEveryMs);
    }
  })();
  const during = await runClosedLoop({ concurrency: 32, warmupMs: 0, durationMs: loadMs, send });
  reloading = false;
  await reloader;
  const row = (name: string, result: typeof steady) =>
    `${name.padEnd(22)} ${String(result.latenciesMs.length).padStart(8)} ${String(result.errors).padStart(7)} ${percentile(result.latenciesMs, 50).toFixed(1).padStart(7)} ${percentile(result.latenciesMs, 99).toFixed(1).padStart(7)}`;
  console.log('\nglyphs at 32 in flight   answered  failed  p50 ms  p99 ms');
  console.log(row('steady', steady));
  console.log(row(`${reloads} reloads meanwhile`, during));
  console.log(
    `\n[${during.errors === 0 ? 'MET' : 'NOT MET'}] requests lost during reloads under load: ${during.errors} (goal 0)${during.firstError ? `; first: ${during.firstError}` : ''}`,
  );
}
