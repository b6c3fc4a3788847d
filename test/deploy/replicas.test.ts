/**
 * Three replicas behind Debian's nginx with the repository's config (deploy/nginx/infergraph.conf), each a
 * server process of its own on loopback, sharing one model repository and the machine's Redis: what a client
 * of the balancer sees.
 */
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ServerProcess, startServerProcess } from '../../bench/server-process.ts';
import { createClient as createInferGraphClient } from '../../clients/sdk/src/index.ts';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { queryOf } from '../fixtures/documents.ts';
import { type Nginx, startNginx } from '../fixtures/nginx.ts';
import { removeKeys, SHARED_REDIS_URL, uniquePrefix } from '../fixtures/redis.ts';
import { createTempRepository, type TempRepository } from '../fixtures/repository.ts';
import { createVadReference, syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE, vadFrames } from '../fixtures/silero-vad.ts';
import { GenerateDocument, PredictDocument } from '../generated/graphql.ts';

const { pixels, labels } = generateGlyphs({ count: 1, seed: 5 });
const GLYPH_INPUT = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }] };

interface PredictAnswer {
  status: number;
  data?: { predict: { outputs: { name: string; data: number[] }[] } };
  errors?: { message: string; extensions?: { code?: string } }[];
}

async function predictThroughModel(origin: string, model: string): Promise<PredictAnswer> {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query: queryOf(PredictDocument), variables: { input: { ...GLYPH_INPUT, model } } }),
  });
  return { status: response.status, ...((await response.json()) as object) };
}

const predictThrough = (origin: string) => predictThroughModel(origin, 'glyphs');

/** The digit a glyphs answer gives: the index of its largest score. */
function digitOf(answer: PredictAnswer): number {
  const scores = answer.data!.predict.outputs[0]!.data;
  return scores.indexOf(Math.max(...scores));
}

async function requestsServedBy(replica: ServerProcess): Promise<number> {
  const data = await replica.graphql<{ model: { versions: { stats: { requests: number } }[] } }>(
    '{ model(name: "glyphs") { versions { stats { requests } } } }',
  );
  return data.model.versions.reduce((sum, version) => sum + version.stats.requests, 0);
}

/** A generation over graphql-ws at `wsUrl`: its token events, and its last event once it ends. */
function generate(wsUrl: string, maxTokens: number) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const events: { index: number; finishReason: string | null; error: { code: string } | null }[] = [];
  const done = new Promise<void>((resolve, reject) => {
    client.subscribe(
      { query: queryOf(GenerateDocument), variables: { input: { model: 'tiny-lm', prompt: 'The ', maxTokens, seed: 3 } } },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          else events.push((result.data as { generate: (typeof events)[number] }).generate);
        },
        error: reject,
        complete: resolve,
      },
    );
  }).finally(() => client.dispose());
  return { events, done };
}

/** Health events over graphql-ws every 100 ms, straight from one replica: when each came, and any error. */
function watchHealth(wsUrl: string) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const arrivals: number[] = [];
  const failures: unknown[] = [];
  client.subscribe(
    { query: 'subscription { health(intervalMs: 100) { live ready } }' },
    { next: () => arrivals.push(performance.now()), error: (error) => failures.push(error), complete: () => failures.push('completed') },
  );
  return { arrivals, failures, close: () => client.dispose() };
}

/** modelEvents of one model over graphql-ws, straight from one replica, as they come. */
function watchModelEvents(wsUrl: string, model: string) {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
  const events: { state: string; replica: string | null }[] = [];
  const listening = new Promise<void>((resolve) => client.on('connected', () => resolve()));
  client.subscribe(
    { query: 'subscription ($model: String) { modelEvents(model: $model) { state replica } }', variables: { model } },
    {
      next: (result) => events.push((result.data as { modelEvents: (typeof events)[number] }).modelEvents),
      error: () => {},
      complete: () => {},
    },
  );
  return { events, listening, close: () => client.dispose() };
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Three server processes over one repository that `fill` lays out, sharing the machine's Redis, behind nginx. */
interface Trio extends AsyncDisposable {
  replicas: ServerProcess[];
  nginx: Nginx;
}

async function startTrio(fill: (repository: TempRepository) => Promise<void>, env: Record<string, string>): Promise<Trio> {
  const redisPrefix = uniquePrefix();
  const repository = await createTempRepository();
  await fill(repository);
  const replicas = await Promise.all(
    [0, 1, 2].map(() =>
      startServerProcess({
        modelRepository: repository.root,
        workers: 1,
        env: { LOG_REQUESTS: 'none', REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: redisPrefix, ...env },
      }),
    ),
  );
  const nginx = await startNginx(replicas.map((replica) => Number(new URL(replica.origin).port)));
  return {
    replicas,
    nginx,
    async [Symbol.asyncDispose]() {
      await nginx[Symbol.asyncDispose]();
      await Promise.all(replicas.map((replica) => replica[Symbol.asyncDispose]()));
      await repository[Symbol.asyncDispose]();
      await removeKeys(redisPrefix);
    },
  };
}

describe('three replicas behind nginx', () => {
  let trio: Trio;
  let replicas: ServerProcess[];
  let nginx: Nginx;

  beforeAll(async () => {
    trio = await startTrio(async (repository) => {
      await repository.copyExample('glyphs', 'glyphs', { instances: 1 });
      await repository.copyExample('tiny-lm');
      await repository.copyExample('silero-vad');
      // A model of its own for the admin calls, so that unloading it leaves the other tests' models alone.
      await repository.copyExample('glyphs', 'spare', { instances: 1 });
    }, {});
    ({ replicas, nginx } = trio);
  }, 90_000);

  afterAll(() => trio?.[Symbol.asyncDispose]());

  it('should show all three replicas, ready, in the health of whichever replica answers', async () => {
    const readyReplicas = async () => {
      const response = await fetch(`${nginx.origin}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ health { eventBus replicas { name ready } } }' }),
      });
      const { data } = (await response.json()) as { data: { health: { eventBus: string; replicas: { ready: boolean }[] } } };
      expect(data.health.eventBus).toBe('CONNECTED');
      return data.health.replicas.filter((replica) => replica.ready).length;
    };
    await until(async () => (await readyReplicas()) === 3, 'three ready replicas in health');
  });

  it('should tell a modelEvents subscriber on one replica of an unload and a load asked of another', async () => {
    const [a, b] = replicas as [ServerProcess, ServerProcess];
    const watch = watchModelEvents(a.wsUrl, 'spare');
    await watch.listening;
    // The subscription is registered once the server has answered an operation after it on the same socket.
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Every replica applies what B was asked, and each tells its own subscribers, naming itself; A's subscriber hears all three.
    const replicasIn = (state: string) => new Set(watch.events.filter((event) => event.state === state).map((event) => event.replica)).size;
    await b.graphql('mutation { unloadModel(model: "spare") { name } }');
    await until(() => replicasIn('UNAVAILABLE') === 3, 'UNAVAILABLE from all three replicas');
    expect((await predictThroughModel(a.origin, 'spare')).errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');
    await b.graphql('mutation { loadModel(model: "spare") { name } }');
    await until(() => replicasIn('READY') === 3, 'READY from all three replicas');
    await watch.close();
    expect((await predictThroughModel(a.origin, 'spare')).errors).toBeUndefined();
  });

  it('should spread HTTP predicts over all three replicas, each answering right', async () => {
    const before = await Promise.all(replicas.map(requestsServedBy));
    const answers = await Promise.all(Array.from({ length: 60 }, () => predictThrough(nginx.origin)));
    for (const answer of answers) {
      expect(answer.errors).toBeUndefined();
      expect(digitOf(answer)).toBe(labels[0]);
    }
    const after = await Promise.all(replicas.map(requestsServedBy));
    const served = after.map((count, index) => count - before[index]!);
    expect(served.reduce((sum, count) => sum + count, 0)).toBe(60);
    for (const count of served) expect(count).toBeGreaterThan(0);
  });

  it('should pass graphql-ws through: a generation streams every token through the balancer', async () => {
    const { events, done } = generate(`${nginx.origin.replace('http', 'ws')}/graphql`, 12);
    await done;
    expect(events.length).toBeGreaterThan(1);
    expect(['EOS', 'LENGTH']).toContain(events.at(-1)?.finishReason);
    expect(events.map((event) => event.index)).toEqual(events.map((_event, index) => index));
  });

  it('should pass SSE through: a generation over SSE streams every token through the balancer', async () => {
    const response = await fetch(`${nginx.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({
        query: queryOf(GenerateDocument),
        variables: { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 12, seed: 3 } },
      }),
    });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: next\ndata: (.*)$/gm)].map(
      (match) => (JSON.parse(match[1]!) as { data: { generate: { index: number; finishReason: string | null } } }).data.generate,
    );
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((event) => event.index)).toEqual(events.map((_event, index) => index));
    expect(['EOS', 'LENGTH']).toContain(events.at(-1)?.finishReason);
    expect(text).toMatch(/^event: complete$/m);
  });

  it("should keep each stateful sequence on one replica (the SDK's X-Sequence-Id), so its state carries from call to call", async () => {
    const client = createInferGraphClient({ url: `${nginx.origin}/graphql`, transport: 'http' });
    const frames = vadFrames(syntheticAudio(12 * VAD_FRAME, 9));
    await using reference = await createVadReference();
    const expected = await reference.probabilities(frames);
    // Three sequences interleaved, so that a balancer spreading calls would put a sequence's calls on several replicas.
    const probabilities = await Promise.all(
      ['a', 'b', 'c'].map(async (id) => {
        const answers: number[] = [];
        for (const [index, frame] of frames.entries()) {
          const { outputs } = await client.predict({
            model: 'silero-vad',
            inputs: { input: { data: frame, shape: [1, VAD_FRAME] }, sr: { data: BigInt64Array.of(BigInt(VAD_SAMPLE_RATE)), shape: [] } },
            sequence: { id, start: index === 0, end: index === frames.length - 1 },
          });
          answers.push((outputs.output!.data as Float32Array)[0]!);
        }
        return answers;
      }),
    );
    for (const answers of probabilities) {
      expect(answers).toHaveLength(expected.length);
      for (const [index, probability] of answers.entries()) expect(probability).toBeCloseTo(expected[index]!, 4);
    }
  });

  it('should lose no request when a replica dies under load, and leave the other replicas streams running', async () => {
    const [, , doomed] = replicas as [ServerProcess, ServerProcess, ServerProcess];
    const watches = replicas.slice(0, 2).map((replica) => watchHealth(replica.wsUrl));
    let stop = false;
    const answers: PredictAnswer[] = [];
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) answers.push(await predictThrough(nginx.origin));
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    process.kill(doomed.pid, 'SIGKILL');
    const killedAt = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    stop = true;
    await Promise.all(load);
    for (const watch of watches) await watch.close();

    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((answer) => answer.status !== 200 || answer.errors)).toEqual([]);
    for (const { arrivals, failures } of watches) {
      expect(failures).toEqual([]);
      expect(arrivals.filter((at) => at > killedAt).length).toBeGreaterThanOrEqual(5);
    }
  });
});

describe('a rate limit across three replicas behind nginx', () => {
  const BURST = 6;
  let trio: Trio;

  beforeAll(async () => {
    trio = await startTrio((repository) => repository.copyExample('glyphs', 'glyphs', { instances: 1 }), {
      // A slow refill, so that the test's own pace cannot give a token back.
      RATE_LIMIT_REQUESTS_PER_SECOND: '0.05',
      RATE_LIMIT_REQUEST_BURST: String(BURST),
    });
  }, 90_000);

  afterAll(() => trio?.[Symbol.asyncDispose]());

  it('should hold one caller to its burst whichever replica nginx picks, and refuse it on every replica after', async () => {
    const served = await Promise.all(Array.from({ length: BURST }, () => predictThrough(trio.nginx.origin)));
    expect(served.map((answer) => answer.status)).toEqual(Array(BURST).fill(200));
    const refused = [
      await predictThrough(trio.nginx.origin),
      ...(await Promise.all(trio.replicas.map((replica) => predictThrough(replica.origin)))),
    ];
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(answer.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    }
  });
});
