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
import { authSettings, createKeysFile, signToken } from '../fixtures/credentials.ts';
import { sendFuzz } from '../fixtures/fuzz-client.ts';
import { FUZZ_CASES, withCredentials } from '../fixtures/fuzz-requests.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose } from '../fixtures/tensors.ts';
import { PredictDocument } from '../generated/graphql.ts';

/** Batches of 1 to 10 malformed requests: about 2,400 requests and socket messages in all, ~15 s on two idle cores. `FUZZ_RUNS` for more. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);
/** Batches of 1 to 6 requests, each with a credential of the list or none, against a server with authentication on. */
const AUTH_RUNS = Math.ceil(RUNS / 4);
const JWT_SECRET_FOR_FUZZ = 'a-fuzzing-secret-that-is-long-enough-for-hs256';
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

it('should refuse forged, expired and malformed credentials clearly with authentication on, and keep serving valid ones', async () => {
  await using keys = await createKeysFile([{ name: 'caller', scopes: ['predict', 'models:read'] }]);
  await using guarded = await serveModels(async (repository) => repository.copyExample('glyphs'), {
    auth: authSettings({ keysFile: keys.path, jwtSecret: JWT_SECRET_FOR_FUZZ }),
  });
  const hour = Math.floor(Date.now() / 1000) + 3600;
  const credentials = [
    keys.bearer.caller!,
    `Bearer ${await signToken({ scope: 'predict' }, { secret: JWT_SECRET_FOR_FUZZ })}`,
    // Forged: another secret. Expired: an hour ago. Unsigned: alg none. A key that was never issued.
    `Bearer ${await signToken({ scope: 'predict admin' }, { secret: 'not-the-servers-secret-but-just-as-long-as-it' })}`,
    `Bearer ${await signToken({ scope: 'predict' }, { secret: JWT_SECRET_FOR_FUZZ, expiresAt: hour - 7200 })}`,
    'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzY29wZSI6ImFkbWluIiwiZXhwIjo5OTk5OTk5OTk5fQ.',
    'Bearer igk_never-issued-never-issued-never-issued-00',
  ];
  const request = fc.oneof(...FUZZ_CASES.map(({ weight, request }) => ({ weight, arbitrary: withCredentials(request, credentials) })));
  const { pixels } = generateGlyphs({ count: 1, seed: 7 });
  const valid = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] };
  await using caller = guarded.as(keys.bearer.caller!);
  await fc.assert(
    fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 6 }), async (requests) => {
      const [problems, answer, anonymous] = await Promise.all([
        Promise.all(requests.map((fuzzed) => sendFuzz(guarded, fuzzed))),
        caller.graphql(PredictDocument, { input: valid }),
        guarded.graphql(PredictDocument, { input: valid }),
      ]);
      expect(problems.flat()).toEqual([]);
      expect(answer.errors).toBeUndefined();
      expect(anonymous).toMatchObject({ status: 401, errors: [{ extensions: { code: 'UNAUTHENTICATED' } }] });
      expect((await fetch(`${guarded.origin}/health/live`)).status).toBe(200);
    }),
    { numRuns: AUTH_RUNS, ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
  );
}, 120_000);
