/**
 * SIGTERM on a real child process (`src/main.ts`, as `npm start` runs it) under mixed load on every
 * transport (HTTP, graphql-ws, SSE; predict, generate, predictStream, modelEvents, health): what was
 * in flight is answered, every stream ends with its last event, what comes after is sent elsewhere,
 * and what outlives the drain window is answered with a code that says to retry.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { ONE_WORKER } from '../fixtures/busy-worker.ts';
import { type ExecutionResult, queryOf } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { generationOf } from '../fixtures/generation.ts';
import { createTempRepository } from '../fixtures/repository.ts';
import { syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE } from '../fixtures/silero-vad.ts';
import { collect, nextData, requestSse, type Stream, subscribeSse } from '../fixtures/subscriptions.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { createWsClient, type TestWsClient } from '../fixtures/ws-client.ts';
import {
  GenerateDocument,
  HealthUpdatesDocument,
  ModelEventsDocument,
  PredictDocument,
  PredictStreamDocument,
  type PredictStreamSubscription,
  PredictVersionDocument,
  VersionFiguresDocument,
} from '../generated/graphql.ts';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const PIXELS = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(GLYPH_PIXELS).fill(0.5)) }];
/** What a client reads about work the server could not finish within its drain window. */
const CUT_OFF = 'the server shut down before this request finished; retry';

/** Wider text lines than SLOW_OCR_IMAGE's: about a third of a second of one worker's time, under the body size limit. */
const WIDE_OCR_IMAGE = { name: 'x', shape: [8, 3, 48, 3072], base64: float32ToBase64(new Float32Array(8 * 3 * 48 * 3072).fill(0.25)) };

/** A predictStream over far more frames than run between its first event and the signal. */
const LONG_STREAM = {
  input: {
    model: 'silero-vad',
    inputs: [
      { name: 'input', shape: [1, 1500 * VAD_FRAME], base64: float32ToBase64(syntheticAudio(1500 * VAD_FRAME, 3)) },
      { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] },
    ],
    frame: { input: 'input', size: VAD_FRAME },
  },
};

interface Child {
  process: ChildProcess;
  /** Resolves with the first log line that `match` accepts. */
  logLine(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** `src/main.ts` on `root`, port 0, its JSON log (stderr) read line by line. */
function startChild(root: string, ...flags: string[]): Child {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--models', root, '--port', '0', '--host', '127.0.0.1', '--workers', '2', ...flags],
    {
      cwd: PROJECT,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<{ match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }>();
  createInterface({ input: child.stderr! }).on('line', (text) => {
    const line = JSON.parse(text) as Record<string, unknown>;
    lines.push(line);
    for (const waiter of waiters) {
      if (!waiter.match(line)) continue;
      waiters.delete(waiter);
      waiter.resolve(line);
    }
  });
  return {
    process: child,
    logLine: (match) => {
      const seen = lines.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.add({ match, resolve }));
    },
  };
}

/** A POST of `body` sent in two halves: `arrived` once the server has taken the request (100 Continue), `finish` sends the rest. */
function startUpload(url: string, body: string) {
  const bytes = Buffer.from(body);
  const half = Math.floor(bytes.length / 2);
  const request = httpRequest(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': bytes.length, expect: '100-continue' },
  });
  const response = new Promise<{ status: number } & Record<string, unknown>>((resolve, reject) => {
    request.on('error', reject);
    request.on('response', async (incoming) => {
      const chunks: Buffer[] = [];
      for await (const chunk of incoming) chunks.push(chunk as Buffer);
      resolve({ status: incoming.statusCode!, ...JSON.parse(Buffer.concat(chunks).toString()) });
    });
  });
  const arrived = once(request, 'continue').then(() => void request.write(bytes.subarray(0, half)));
  request.flushHeaders();
  return {
    arrived,
    /** The answer, without sending the rest of the body. */
    response,
    finish: () => {
      request.end(bytes.subarray(half));
      return response;
    },
  };
}

/** A POST of `body` through `agent`: the answer, its headers, and whether it rode a kept-alive connection. */
async function postThrough(agent: Agent, url: string, body: string) {
  const request = httpRequest(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } });
  request.end(body);
  const [incoming] = (await once(request, 'response')) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return {
    status: incoming.statusCode!,
    connection: incoming.headers.connection,
    reusedSocket: request.reusedSocket,
    ...(JSON.parse(Buffer.concat(chunks).toString()) as ExecutionResult<unknown>),
  };
}

/** A GraphQL POST, answered with its status and body. */
async function post<Result, Variables>(url: string, document: TypedDocumentNode<Result, Variables>, variables: Variables) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: queryOf(document), variables }),
  });
  return { status: response.status, ...((await response.json()) as ExecutionResult<Result>) };
}

/** Reads ocr-single's request count over the socket until `count` requests reached its queue: the server's word, not the clock. */
async function requestsReached(ws: TestWsClient, count: number): Promise<void> {
  for (;;) {
    const { data } = await ws.graphql(VersionFiguresDocument, { name: 'ocr-single' });
    if (data!.model!.versions[0]!.stats.requests >= count) return;
  }
}

/** The rest of a predictStream after its first event: consecutive frames with no error, ended by the server. */
async function expectFramesAfterFirst(stream: Stream<PredictStreamSubscription>, first: PredictStreamSubscription) {
  const rest = await collect(stream);
  for (const result of rest) expect(result.errors).toBeUndefined();
  const indexes = [first, ...rest.map((result) => result.data!)].map((data) => data.predictStream.index);
  expect(indexes).toEqual(indexes.map((_, index) => index));
  // Ended by the shutdown, after the frame in flight, not by running out of frames.
  expect(indexes.length).toBeLessThan(first.predictStream.count);
}

describe('graceful drain', () => {
  it('should answer everything in flight at SIGTERM on every transport, end every stream with its last event, refuse new work with 503, go not ready at once, and exit 0', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs', 'glyphs', { maxQueueDelayMs: 50 });
    await repository.copyExample('tiny-lm');
    await repository.copyExample('silero-vad');
    const child = startChild(repository.root);
    const exited = once(child.process, 'exit');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const url = (await child.logLine((line) => line.msg === 'infergraph listening')).url as string;
      const origin = new URL(url).origin;
      for (const model of ['glyphs', 'tiny-lm', 'silero-vad'])
        await child.logLine((line) => line.model === model && line.state === 'READY');
      const body = JSON.stringify({ query: queryOf(PredictVersionDocument), variables: { input: { model: 'glyphs', inputs: PIXELS } } });
      // Not lazy: the client keeps its socket once its operations are done, so the server's close is what it sees.
      await using ws = createWsClient(url.replace(/^http/, 'ws'), undefined, { lazy: false });

      const generate = { input: { model: 'tiny-lm', prompt: 'The keeper ', maxTokens: 400, seed: 1 } };
      const generations = [
        ws.subscribe(GenerateDocument, generate),
        ws.subscribe(GenerateDocument, generate),
        subscribeSse(url, GenerateDocument, generate),
      ];
      const frameStreams = [ws.subscribe(PredictStreamDocument, LONG_STREAM), subscribeSse(url, PredictStreamDocument, LONG_STREAM)];
      const health = ws.subscribe(HealthUpdatesDocument, {});
      // Read from the start: graphql-ws's client iterator never ends if its operation completed, with no
      // event, before the first read.
      const modelEventsOverWs = collect(ws.subscribe(ModelEventsDocument, {}));
      // Its response has begun once the server has subscribed it.
      const modelEvents = await requestSse(url, ModelEventsDocument, {});
      // Sent whole once the server has taken each (100 Continue): provably in flight at the signal.
      const overHttp = Array.from({ length: 32 }, () => startUpload(url, body));
      await Promise.all(overHttp.map((upload) => upload.arrived));
      const overHttpAnswers = overHttp.map((upload) => upload.finish());
      // A predict still uploading its body holds the drain open (the server answers what it has begun
      // to receive) while the probes and a late request are checked; "100 Continue" proves it arrived.
      const uploading = startUpload(url, body);
      await uploading.arrived;
      const overWs = Array.from({ length: 8 }, () => ws.graphql(PredictVersionDocument, { input: { model: 'glyphs', inputs: PIXELS } }));
      // Every stream has sent an event, those on the socket after the predicts: all of it is in flight.
      for (const stream of generations) await nextData(stream);
      const firstFrames = await Promise.all(frameStreams.map((stream) => nextData(stream)));
      expect((await nextData(health)).health.ready).toBe(true);
      // A connection kept alive from just before the signal (well within the server's keep-alive
      // timeout), for a request sent on it during the drain.
      expect(await postThrough(agent, url, body)).toMatchObject({ status: 200, data: { predict: { model: 'glyphs' } } });

      child.process.kill('SIGTERM');
      await child.logLine((line) => line.msg === 'shutting down');
      const [ready, live, late, lateOnKeptAlive] = await Promise.all([
        fetch(`${origin}/health/ready`),
        fetch(`${origin}/health/live`),
        fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
        postThrough(agent, url, body),
      ]);
      expect(ready.status).toBe(503);
      expect(live.status).toBe(200);
      expect(late.status).toBe(503);
      expectFailure((await late.json()) as ExecutionResult<unknown>, 'MODEL_NOT_READY');
      // A connection kept alive is answered too, and told to close: its pool must not reuse it for a server going away.
      expect(lateOnKeptAlive).toMatchObject({ status: 503, connection: 'close', reusedSocket: true });
      expect(expectFailure(lateOnKeptAlive, 'MODEL_NOT_READY')).toBe('the server is shutting down; retry on another replica');

      expect(await uploading.finish()).toMatchObject({ status: 200, data: { predict: { model: 'glyphs' } } });
      for (const answer of await Promise.all(overHttpAnswers))
        expect(answer).toMatchObject({ status: 200, data: { predict: { model: 'glyphs' } } });
      for (const answer of await Promise.all(overWs)) expect(answer.errors).toBeUndefined();
      for (const stream of generations) {
        // A stream longer than the drain ends with CANCELLED: the server is shutting down. Over SSE
        // `collect` fails unless the stream ends with `event: complete`.
        expect(generationOf(await collect(stream)).final.finishReason).toBe('CANCELLED');
      }
      for (const [index, stream] of frameStreams.entries()) await expectFramesAfterFirst(stream, firstFrames[index]!);
      // The health stream's last event says what changed: not ready.
      const healthAfter = await collect(health);
      for (const result of healthAfter) expect(result.errors).toBeUndefined();
      expect(healthAfter.at(-1)?.data?.health).toMatchObject({ live: true, ready: false });
      expect(modelEvents.status).toBe(200);
      const events: ExecutionResult<unknown>[] = [];
      for await (const result of modelEvents.results) events.push(result);
      for (const result of [...events, ...(await modelEventsOverWs)]) expect(result.errors).toBeUndefined();
      // Only after every operation completed does the socket close, going away.
      expect(await ws.closed).toEqual({ code: 1001, reason: 'Going away' });
      const [code] = await exited;
      expect(code).toBe(0);
      await child.logLine((line) => line.msg === 'shut down cleanly');
    } finally {
      agent.destroy();
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
  });

  it('should answer what outlives --drain-timeout-ms with MODEL_NOT_READY on every transport, then exit 1, saying so', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('ocr-direction', 'ocr-single', ONE_WORKER);
    await repository.copyExample('silero-vad');
    // One worker: a slow run holds up every other run, of either model.
    const child = startChild(repository.root, '--drain-timeout-ms', '100', '--workers', '1');
    const exited = once(child.process, 'exit');
    try {
      const url = (await child.logLine((line) => line.msg === 'infergraph listening')).url as string;
      for (const model of ['ocr-single', 'silero-vad']) await child.logLine((line) => line.model === model && line.state === 'READY');
      // Not lazy: the client keeps its socket once its operations are done, so the server's close is what it sees.
      await using ws = createWsClient(url.replace(/^http/, 'ws'), undefined, { lazy: false });
      // A request whose body never finishes holds the drain open past its window.
      const stuck = startUpload(url, JSON.stringify({ query: '{ __typename }' }));
      await stuck.arrived;
      const frames = subscribeSse(url, PredictStreamDocument, LONG_STREAM);
      const first = await nextData(frames);
      // About a third of a second of the worker's time, then requests queued behind it on each transport,
      // each sent once the server's own count says the one before reached the queue: all outlive the window.
      const slow = post(url, PredictDocument, { input: { model: 'ocr-single', inputs: [WIDE_OCR_IMAGE] } });
      await requestsReached(ws, 1);
      const quick = {
        input: { model: 'ocr-single', inputs: [{ name: 'x', shape: [1, 3, 48, 192], data: new Array(3 * 48 * 192).fill(0) }] },
      };
      const overWs = ws.graphql(PredictDocument, quick);
      await requestsReached(ws, 2);
      const overSse = collect(subscribeSse(url, PredictDocument, quick));
      await requestsReached(ws, 3);

      child.process.kill('SIGTERM');
      expect(expectFailure(await stuck.response, 'MODEL_NOT_READY', { status: 503 })).toBe(CUT_OFF);
      expect(expectFailure(await slow, 'MODEL_NOT_READY', { status: 503 })).toBe(CUT_OFF);
      expect(expectFailure(await overWs, 'MODEL_NOT_READY')).toBe(CUT_OFF);
      // Over SSE, a predict (one result) and a stream with frames already sent each end with the cut-off, then `event: complete`.
      const [sseAnswer, ...more] = await overSse;
      expect(more).toEqual([]);
      expect(expectFailure(sseAnswer!, 'MODEL_NOT_READY')).toBe(CUT_OFF);
      const rest = await collect(frames);
      const sent = rest.slice(0, -1).map((result) => result.data!.predictStream.index);
      expect(sent).toEqual(sent.map((_, index) => first.predictStream.index + 1 + index));
      expect(expectFailure(rest.at(-1)!, 'MODEL_NOT_READY')).toBe(CUT_OFF);
      expect(await ws.closed).toEqual({ code: 1001, reason: 'Going away' });
      const [code] = await exited;
      expect(code).toBe(1);
      await child.logLine((line) => line.level === 50 && String(line.msg).includes('outlived the drain window'));
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
  });
});
