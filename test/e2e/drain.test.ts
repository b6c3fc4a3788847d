/**
 * SIGTERM on a real child process (`src/main.ts`, as `npm start` runs it) under mixed HTTP,
 * WebSocket and generate load: what was in flight is answered, what comes after is sent elsewhere.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { queryOf } from '../fixtures/documents.ts';
import { generationOf } from '../fixtures/generation.ts';
import { createTempRepository } from '../fixtures/repository.ts';
import { collect, nextData } from '../fixtures/subscriptions.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { createWsClient } from '../fixtures/ws-client.ts';
import { GenerateDocument, PredictVersionDocument } from '../generated/graphql.ts';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const PIXELS = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(GLYPH_PIXELS).fill(0.5)) }];

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

describe('graceful drain', () => {
  it('should answer everything in flight at SIGTERM over HTTP and WebSocket, refuse new work with 503, go not ready at once, and exit 0', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs', 'glyphs', { maxQueueDelayMs: 50 });
    await repository.copyExample('tiny-lm');
    const child = startChild(repository.root);
    const exited = once(child.process, 'exit');
    try {
      const url = (await child.logLine((line) => line.msg === 'infergraph listening')).url as string;
      const origin = new URL(url).origin;
      for (const model of ['glyphs', 'tiny-lm']) await child.logLine((line) => line.model === model && line.state === 'READY');
      const predict = async () => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
          body: JSON.stringify({ query: queryOf(PredictVersionDocument), variables: { input: { model: 'glyphs', inputs: PIXELS } } }),
        });
        return { status: response.status, ...((await response.json()) as { errors?: unknown[] }) };
      };
      await using ws = createWsClient(url.replace(/^http/, 'ws'));

      const streams = [1, 2].map(() =>
        ws.subscribe(GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The keeper ', maxTokens: 400, seed: 1 } }),
      );
      const body = JSON.stringify({ query: queryOf(PredictVersionDocument), variables: { input: { model: 'glyphs', inputs: PIXELS } } });
      // Sent whole once the server has taken each (100 Continue): provably in flight at the signal.
      const overHttp = Array.from({ length: 32 }, () => startUpload(url, body));
      await Promise.all(overHttp.map((upload) => upload.arrived));
      const overHttpAnswers = overHttp.map((upload) => upload.finish());
      // A predict still uploading its body holds the drain open (the server answers what it has begun
      // to receive) while the probes and a late request are checked; "100 Continue" proves it arrived.
      const uploading = startUpload(url, body);
      await uploading.arrived;
      const overWs = Array.from({ length: 8 }, () => ws.graphql(PredictVersionDocument, { input: { model: 'glyphs', inputs: PIXELS } }));
      // Both streams are producing tokens, sent after the predicts on the same socket: all of it is in flight.
      for (const stream of streams) await nextData(stream);

      child.process.kill('SIGTERM');
      await child.logLine((line) => line.msg === 'shutting down');
      const [ready, live, late] = await Promise.all([fetch(`${origin}/health/ready`), fetch(`${origin}/health/live`), predict()]);
      expect(ready.status).toBe(503);
      expect(live.status).toBe(200);
      expect(late).toMatchObject({ status: 503, errors: [{ extensions: { code: 'MODEL_NOT_READY' } }] });

      expect(await uploading.finish()).toMatchObject({ status: 200, data: { predict: { model: 'glyphs' } } });
      for (const answer of await Promise.all(overHttpAnswers))
        expect(answer).toMatchObject({ status: 200, data: { predict: { model: 'glyphs' } } });
      for (const answer of await Promise.all(overWs)) expect(answer.errors).toBeUndefined();
      for (const stream of streams) {
        const { final } = generationOf(await collect(stream));
        // A stream longer than the drain ends with CANCELLED: the server is shutting down.
        expect(final?.finishReason).toBe('CANCELLED');
      }
      const [code] = await exited;
      expect(code).toBe(0);
      await child.logLine((line) => line.msg === 'shut down cleanly');
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
  });

  it('should exit 1, saying so, when in-flight work outlives --drain-timeout-ms', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs');
    const child = startChild(repository.root, '--drain-timeout-ms', '300');
    const exited = once(child.process, 'exit');
    try {
      const url = (await child.logLine((line) => line.msg === 'infergraph listening')).url as string;
      await child.logLine((line) => line.model === 'glyphs' && line.state === 'READY');
      // A request whose body never finishes holds the drain open past its window.
      const stuck = startUpload(url, JSON.stringify({ query: '{ __typename }' }));
      await stuck.arrived;
      const cutOff = expect(stuck.response).rejects.toMatchObject({ code: 'ECONNRESET' });
      child.process.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(1);
      await cutOff;
      await child.logLine((line) => line.level === 50 && String(line.msg).includes('outlived the drain window'));
    } finally {
      if (child.process.exitCode === null) child.process.kill('SIGKILL');
    }
  });
});
