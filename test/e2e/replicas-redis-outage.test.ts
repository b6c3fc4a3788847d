/**
 * Redis going away and coming back under two replicas: each keeps serving and delivering its own
 * events, says DEGRADED (health, /health/ready, a metric) and logs the loss once; when Redis is back
 * on the same port they reconnect by themselves and events cross again, with no restart. Garbage on
 * a channel is dropped and logged, and the subscriber reading the channel carries on.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { expectFailure } from '../fixtures/failures.ts';
import { createCapturingLogger } from '../fixtures/logger.ts';
import { addGlyphs } from '../fixtures/model-versions.ts';
import { type RedisChild, startRedisChild, uniquePrefix } from '../fixtures/redis.ts';
import { eventWhere, type Replicas, serveReplicas, untilEventBus, wsEvents } from '../fixtures/replicas.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { nextData } from '../fixtures/subscriptions.ts';
import { EventBusHealthDocument, UnloadModelDocument } from '../generated/graphql.ts';

const prefix = uniquePrefix();
const logger = createCapturingLogger('info');
let redis: RedisChild;
let replicas: Replicas;

afterAll(async () => {
  await replicas?.[Symbol.asyncDispose]();
  await redis?.[Symbol.asyncDispose]();
});

/** The value of an unlabelled series in the server's /metrics, or of the series with `labels` (as written there). */
async function metric(server: TestServer, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${server.origin}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}${labels} `));
  if (!line) throw new Error(`/metrics has no ${name}${labels}`);
  return Number(line.split(' ')[1]);
}

const linesSaying = (start: string) => logger.records().filter((record) => record.msg.startsWith(start)).length;

describe('a Redis outage under two replicas', () => {
  it('should degrade to local events, stay ready, log the loss once, and share events again once Redis is back', async () => {
    redis = await startRedisChild();
    replicas = await serveReplicas(2, (repository) => addGlyphs(repository, 'glyphs', [1, 2], { versionPolicy: { all: true } }), {
      redis: { url: redis.url, keyPrefix: prefix },
      workers: 1,
      logger,
    });
    const [a, b] = replicas.servers as [TestServer, TestServer];
    expect(await metric(a, 'infergraph_event_bus_connected')).toBe(1);
    const events = await wsEvents(a);

    await redis.stop();
    for (const server of [a, b]) {
      const probe = await untilEventBus(server, 'DEGRADED');
      expect(probe).toMatchObject({ live: true, ready: true, eventBus: 'DEGRADED' });
    }
    expect((await fetch(`${a.origin}/health/ready`)).status).toBe(200);
    expect((await a.graphql(EventBusHealthDocument)).data!.health).toEqual({ live: true, ready: true, eventBus: 'DEGRADED' });
    expect(await metric(a, 'infergraph_event_bus_connected')).toBe(0);

    // A still serves its admin mutations and its own subscribers; the announcement to B is what is lost.
    const { errors } = await a.graphql(UnloadModelDocument, { model: 'glyphs', version: '2' });
    expect(errors).toBeUndefined();
    expect(await eventWhere(events, (event) => event.state === 'UNAVAILABLE')).toEqual({
      model: 'glyphs',
      version: '2',
      state: 'UNAVAILABLE',
      reason: 'unloaded by request',
      replica: 'A',
    });
    expect(await metric(a, 'infergraph_event_bus_dropped_events_total', '{reason="unpublished"}')).toBeGreaterThan(0);

    await redis.start();
    await Promise.all([untilEventBus(a, 'CONNECTED'), untilEventBus(b, 'CONNECTED')]);
    expect(await metric(a, 'infergraph_event_bus_connected')).toBe(1);

    // B's events reach A again, over the connection ioredis made anew.
    await b.app.registry.unload('glyphs', '1');
    expect(await eventWhere(events, (event) => event.replica === 'B')).toEqual({
      model: 'glyphs',
      version: '1',
      state: 'UNLOADING',
      reason: null,
      replica: 'B',
    });
    await events.return();

    // Once per replica each way, however many reconnection attempts came between.
    expect(linesSaying('lost Redis')).toBe(2);
    expect(linesSaying('Redis is back')).toBe(2);
  });

  it('should drop and log an event on a channel that is not valid, and keep delivering the valid ones', async () => {
    const [a, b] = replicas.servers as [TestServer, TestServer];
    const events = await wsEvents(a);
    const from = logger.lines.length;
    const intruder = new Redis(redis.url);
    try {
      const channel = `${prefix}events:model-events`;
      await intruder.publish(channel, 'not json');
      await intruder.publish(channel, JSON.stringify({ origin: 'X', event: { model: 'glyphs', version: -1, state: 'ASLEEP' } }));
      await intruder.publish(`${prefix}events:admin-changes`, JSON.stringify({ origin: 'X', event: { replica: 'X', action: 'delete' } }));
    } finally {
      intruder.disconnect();
    }
    const dropped = await logger.waitFor(
      (record) => record.msg === 'dropped an event from Redis that is not valid' && record.topic === 'admin-changes',
      from,
    );
    expect(dropped.level).toBe(40);
    expect(
      logger
        .records()
        .slice(from)
        .filter((record) => record.msg === 'dropped an event from Redis that is not valid').length,
    ).toBeGreaterThanOrEqual(3);

    await b.app.registry.load('glyphs', '1');
    const next = (await nextData(events)).modelEvents;
    expect(next).toEqual({ model: 'glyphs', version: '1', state: 'LOADING', reason: null, replica: 'B' });
    await events.return();
    expect(await metric(a, 'infergraph_event_bus_dropped_events_total', '{reason="invalid"}')).toBe(3);
  });

  it('should start and serve with Redis unreachable, log that once, and connect once Redis starts', async () => {
    await using absent = await startRedisChild();
    await absent.stop();
    const own = createCapturingLogger('info');
    await using server = await serveModels((repository) => repository.copyExample('glyphs'), {
      redis: { url: absent.url, keyPrefix: uniquePrefix() },
      workers: 1,
      logger: own,
    });
    expect(await untilEventBus(server, 'DEGRADED')).toMatchObject({ live: true, ready: true });
    expect((await server.graphql(EventBusHealthDocument)).data!.health).toEqual({ live: true, ready: true, eventBus: 'DEGRADED' });
    const events = await wsEvents(server);
    await server.app.registry.unload('glyphs', '1');
    expect((await nextData(events)).modelEvents).toMatchObject({ model: 'glyphs', state: 'UNLOADING' });
    await events.return();

    await absent.start();
    await untilEventBus(server, 'CONNECTED');
    const said = own.records().map((record) => record.msg);
    expect(said.filter((msg) => msg.startsWith('cannot reach Redis'))).toHaveLength(1);
    expect(said.filter((msg) => msg.startsWith('lost Redis'))).toHaveLength(0);
    expect(said.filter((msg) => msg === 'connected to Redis')).toHaveLength(1);
  });

  it('should notice a Redis that stops answering with its socket open, decide rate limits locally meanwhile, and recover', async () => {
    await using frozen = await startRedisChild();
    const clock = { ms: 0 };
    await using server = await serveModels((repository) => repository.copyExample('glyphs'), {
      redis: { url: frozen.url, keyPrefix: uniquePrefix() },
      workers: 1,
      rateLimits: { requestsPerSecond: 1, requestBurst: 2 },
      now: () => clock.ms,
    });
    await untilEventBus(server, 'CONNECTED');

    frozen.pause();
    // No socket closed: the link's PING going unanswered is what tells.
    await untilEventBus(server, 'DEGRADED');
    const started = performance.now();
    for (let n = 0; n < 2; n++) expect((await server.graphql(EventBusHealthDocument)).status).toBe(200);
    expectFailure(await server.graphql(EventBusHealthDocument), 'RATE_LIMITED', { status: 429 });
    // Decided here, not after a wait for Redis per request.
    expect(performance.now() - started).toBeLessThan(1500);

    frozen.resume();
    await untilEventBus(server, 'CONNECTED');
  });
});
