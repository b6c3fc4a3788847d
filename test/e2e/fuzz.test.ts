/**
 * Thousands of malformed requests (test/fixtures/fuzz-requests.ts) thrown at a running server over
 * HTTP, SSE and graphql-ws, each batch sent beside a valid predict. The server must refuse each
 * clearly, keep answering the valid ones correctly, stay up, and not grow. fast-check shrinks a
 * failing batch to the smallest that still fails, and prints its seed to replay it.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { sendFuzz } from '../fixtures/fuzz-client.ts';
import { FUZZ_CASES } from '../fixtures/fuzz-requests.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose } from '../fixtures/tensors.ts';
import { PredictDocument } from '../generated/graphql.ts';

/** Batches of 1 to 10 malformed requests: about 2,400 requests and socket messages in all, ~15 s on two idle cores. `FUZZ_RUNS` for more. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
/** How much the heap (JS and buffers) may grow over the second round, after a full collection. */
const HEAP_MARGIN_BYTES = 64 * 2 ** 20;

const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('ocr-direction');
    },
    // A small tensor limit makes the over-limit cases cheap to send.
    { maxTensorBytes: 256 * 1024 },
  ),
);
const reference = forSuite(() => createReferenceSession('glyphs'));

/** Any request of the table, each family drawn by its weight. */
const fuzzRequest = fc.oneof(...FUZZ_CASES.map(({ weight, request }) => ({ weight, arbitrary: request })));

/** A full garbage collection: V8's gc(), exposed for this process only. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

function heapBytes(): number {
  collectGarbage();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

it('should refuse thousands of malformed requests clearly, keep answering valid ones, stay up and bounded in memory', async () => {
  const { pixels } = generateGlyphs({ count: 2, seed: 99 });
  const { probabilities: expected } = await reference.run({ pixels: { shape: [2, GLYPH_PIXELS], data: pixels } });
  const valid = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [2, GLYPH_PIXELS], data: Array.from(pixels) }] };

  // Warm up every path once (the first multipart, SSE and socket requests allocate for good) before measuring.
  await fc.assert(
    fc.asyncProperty(fuzzRequest, (request) => sendFuzz(server, request).then(() => {})),
    { numRuns: 20, seed: 1 },
  );
  let sent = 0;
  const round = (seed: number | undefined) =>
    fc.assert(
      fc.asyncProperty(fc.array(fuzzRequest, { minLength: 1, maxLength: 10 }), async (requests) => {
        // A socket's frames are messages the server must each survive: they count one by one.
        sent += requests.reduce((count, request) => count + (request.transport === 'ws' ? request.frames.length + 1 : 1), 0);
        const [problems, answer] = await Promise.all([
          Promise.all(requests.map((request) => sendFuzz(server, request))),
          server.graphql(PredictDocument, { input: valid }),
        ]);
        expect(problems.flat()).toEqual([]);
        expect(answer.errors).toBeUndefined();
        expectClose(answer.data!.predict.outputs[0]!.data, expected!);
        expect((await fetch(`${server.origin}/health/live`)).status).toBe(200);
      }),
      // FUZZ_SEED replays the run a failure printed (fast-check prints its seed).
      { numRuns: RUNS / 2, ...(seed === undefined ? {} : { seed }) },
    );

  // Two rounds: the first fills what is bounded by design (yoga's caches of parsed and validated
  // documents, up to their size, the buckets of the rate limits); memory that still grows in the
  // second is a leak.
  const heapBefore = heapBytes();
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
  await round(seed);
  const heapBetween = heapBytes();
  await round(seed === undefined ? undefined : seed + 1);

  const growth = heapBytes() - heapBetween;
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  console.info(`fuzz: ${sent} requests and socket messages; heap +${mib(heapBetween - heapBefore)}, then +${mib(growth)}`);
  expect(sent).toBeGreaterThan(RUNS * 4);
  expect(growth, `the heap grew by ${(growth / 2 ** 20).toFixed(1)} MiB in the second round`).toBeLessThan(HEAP_MARGIN_BYTES);
}, 120_000);
