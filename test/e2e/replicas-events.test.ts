/**
 * Two replicas sharing one model repository and the machine's Redis: a model event on one reaches
 * modelEvents subscribers on the other (graphql-ws and SSE), each event naming its replica; admin
 * changes made on one (aliases, unload, load) change what the other serves.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { addGlyphs } from '../fixtures/model-versions.ts';
import { removeKeys, SHARED_REDIS_URL, uniquePrefix } from '../fixtures/redis.ts';
import { eventWhere, type ReplicaEvent, serveReplicas, untilEventBus, wsEvents } from '../fixtures/replicas.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';
import { nextData, type Stream, subscribeSse } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import {
  EventBusHealthDocument,
  LoadModelDocument,
  ModelDocument,
  PredictVersionDocument,
  ReplicaModelEventsDocument,
  type ReplicaModelEventsSubscription,
  ReplicasHealthDocument,
  SetAliasDocument,
  UnloadModelDocument,
} from '../generated/graphql.ts';

const PIXELS = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(GLYPH_PIXELS).fill(0.5)) }];
const prefix = uniquePrefix();

const replicas = forSuite(() =>
  serveReplicas(2, (repository) => addGlyphs(repository, 'glyphs', [1, 2], { versionPolicy: { all: true }, aliases: { stable: 1 } }), {
    redis: { url: SHARED_REDIS_URL, keyPrefix: prefix },
    workers: 1,
  }),
);
afterAll(() => removeKeys(prefix));

const a = () => replicas.servers[0]!;
const b = () => replicas.servers[1]!;

/**
 * Causes events with `poke` until `stream` delivers one, which it returns. An SSE subscription has no
 * answer of its own to wait for (graphql-ws has the next operation on its socket), so it is known to
 * listen once it has delivered something.
 */
async function untilListening(stream: Stream<ReplicaModelEventsSubscription>, poke: () => Promise<unknown>): Promise<ReplicaEvent> {
  const first = nextData(stream);
  let arrived = false;
  first.then(
    () => (arrived = true),
    () => (arrived = true),
  );
  while (!arrived) {
    await poke();
    await Promise.race([first, new Promise((resolve) => setTimeout(resolve, 100))]);
  }
  return (await first).modelEvents;
}

/** Reads `read` until its value passes `done`: a wait on the server's own word (polled: health has no stream of replicas). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function versionServing(server: TestServer, version: string): Promise<string> {
  const { data, errors } = await server.graphql(PredictVersionDocument, { input: { model: 'glyphs', version, inputs: PIXELS } });
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  return data!.predict.version;
}

async function mutate(server: TestServer, run: (server: TestServer) => ReturnType<TestServer['graphql']>): Promise<void> {
  const { errors } = await run(server);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
}

describe('the event bus across replicas', () => {
  it('should say in Query.health and /health/ready that Redis is connected', async () => {
    const { data } = await a().graphql(EventBusHealthDocument);
    expect(data!.health).toEqual({ live: true, ready: true, eventBus: 'CONNECTED' });
    const probe = await fetch(`${b().origin}/health/ready`);
    expect(probe.status).toBe(200);
    expect(((await probe.json()) as { eventBus: string }).eventBus).toBe('CONNECTED');
  });

  it('should list every replica in Query.health, a new one at once, and drop one that shuts down', async () => {
    const names = async () => (await a().graphql(ReplicasHealthDocument)).data!.health.replicas!.map(({ name, ready }) => [name, ready]);
    // Each said it is there once its link came up, and the other answered at once.
    const { data } = await until(
      () => b().graphql(ReplicasHealthDocument),
      (answer) => answer.data!.health.replicas!.length === 2,
    );
    expect(data!.health.replicas!.map(({ name, ready }) => [name, ready])).toEqual([
      ['A', true],
      ['B', true],
    ]);
    expect(Date.parse(data!.health.replicas![0]!.seenAt)).toBeGreaterThan(Date.now() - 10_000);

    const third = await startServer({
      modelRepository: replicas.repository.root,
      redis: { url: SHARED_REDIS_URL, keyPrefix: prefix },
      workers: 1,
      replica: 'C',
    });
    try {
      await untilEventBus(third, 'CONNECTED');
      // C said it is there when it started, and A answered it at once: neither waits for a beat.
      await until(names, (seen) => seen.length === 3);
      expect(await names()).toEqual([
        ['A', true],
        ['B', true],
        ['C', true],
      ]);
      await until(
        async () => (await third.graphql(ReplicasHealthDocument)).data!.health.replicas!.length,
        (count) => count === 3,
      );
    } finally {
      await third[Symbol.asyncDispose]();
    }
    // Its goodbye, not the 6 s of silence, takes it off the list.
    await until(names, (seen) => seen.length === 2);
    expect(await names()).toEqual([
      ['A', true],
      ['B', true],
    ]);
  });

  it("should deliver replica B's model events to A's subscribers over graphql-ws and SSE, and A's own events too", async () => {
    const overWs = await wsEvents(a());
    const overSse = subscribeSse(a(), ReplicaModelEventsDocument, { model: 'glyphs' });
    // A's own events, delivered on A with no round trip through Redis.
    const own = await untilListening(overSse, () => a().app.registry.reload('glyphs', '2'));
    expect(own).toMatchObject({ model: 'glyphs', version: '2', replica: 'A' });
    expect(await eventWhere(overWs, (event) => event.replica === 'A')).toMatchObject({ version: '2', state: 'READY', reason: 'reloaded' });

    // B alone, through its registry (no admin mutation, so A does not follow): only Redis brings A the news.
    await b().app.registry.unload('glyphs', '2');
    for (const stream of [overWs, overSse]) {
      const fromB = await eventWhere(stream, (event) => event.replica === 'B');
      expect(fromB).toEqual({ model: 'glyphs', version: '2', state: 'UNLOADING', reason: null, replica: 'B' });
      const next = (await nextData(stream)).modelEvents;
      expect(next).toEqual({ model: 'glyphs', version: '2', state: 'UNAVAILABLE', reason: 'unloaded by request', replica: 'B' });
      await stream.return();
    }
    await b().app.registry.load('glyphs', '2');
  });
});

describe('admin changes across replicas', () => {
  it('should move an alias on A when setAlias runs on B, and tell modelEvents subscribers on A', async () => {
    expect(await versionServing(a(), 'stable')).toBe('1');
    const events = await wsEvents(a());

    await mutate(b(), (server) => server.graphql(SetAliasDocument, { model: 'glyphs', alias: 'stable', versions: [{ version: '2' }] }));

    // A read model.json, which B wrote into the shared repository, and moved its own alias.
    const adopted = await eventWhere(events, (event) => event.replica === 'A');
    expect(adopted).toEqual({ model: 'glyphs', version: '2', state: 'READY', reason: 'alias "stable" now points here', replica: 'A' });
    await events.return();
    expect(await versionServing(a(), 'stable')).toBe('2');
    const { data } = await a().graphql(ModelDocument, { name: 'glyphs' });
    expect(data!.model!.aliases.find((alias) => alias.name === 'stable')).toEqual({
      name: 'stable',
      versions: [{ version: '2', weight: 1 }],
      history: [[{ version: '1', weight: 1 }]],
    });
    expect((await replicas.repository.readModelJson('glyphs')).aliases).toEqual({ stable: 2 });
  });

  it('should unload a version on A when unloadModel runs on B, and load it again with loadModel', async () => {
    const events = await wsEvents(a());

    await mutate(b(), (server) => server.graphql(UnloadModelDocument, { model: 'glyphs', version: '1' }));
    const unloaded = await eventWhere(events, (event) => event.replica === 'A' && event.state === 'UNAVAILABLE');
    expect(unloaded).toEqual({ model: 'glyphs', version: '1', state: 'UNAVAILABLE', reason: 'unloaded by request', replica: 'A' });
    const refused = await a().graphql(PredictVersionDocument, { input: { model: 'glyphs', version: '1', inputs: PIXELS } });
    expect(refused.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_READY');

    await mutate(b(), (server) => server.graphql(LoadModelDocument, { model: 'glyphs', version: '1' }));
    await eventWhere(events, (event) => event.replica === 'A' && event.version === '1' && event.state === 'READY');
    await events.return();
    expect(await versionServing(a(), '1')).toBe('1');
  });
});
