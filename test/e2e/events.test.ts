import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATE, type GenerateData } from '../fixtures/generation.ts';
import { createTempRepository, type TempRepository } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';
import { subscribeSse } from '../fixtures/subscriptions.ts';
import { createWsClient, type TestWsClient } from '../fixtures/ws-client.ts';

const MODEL_EVENTS = /* GraphQL */ `
  subscription ModelEvents($model: String) {
    modelEvents(model: $model) {
      model
      version
      state
      reason
      at
    }
  }
`;

const HEALTH = /* GraphQL */ `
  subscription Health($intervalMs: Int!) {
    health(intervalMs: $intervalMs) {
      live
      ready
      models {
        name
        ready
        reason
        queued
        inFlight
        streams
      }
    }
  }
`;

interface ModelEvent {
  model: string;
  version: string;
  state: string;
  reason: string | null;
  at: string;
}

interface ModelHealth {
  name: string;
  ready: boolean;
  reason: string | null;
  queued: number;
  inFlight: number;
  streams: number;
}

interface Health {
  live: boolean;
  ready: boolean;
  models: ModelHealth[];
}

type Results<T> = AsyncIterableIterator<{ data?: T | null | undefined; errors?: readonly unknown[] | undefined }>;

/** The next event's data; the stream must not end or fail. */
async function nextData<T>(results: Results<T>): Promise<T> {
  const { value, done } = await results.next();
  if (done || !value.data) throw new Error(`the subscription ended or failed instead of sending an event: ${JSON.stringify(value)}`);
  expect(value.errors).toBeUndefined();
  return value.data;
}

/** The next `count` events' data, then completes the subscription. */
async function take<T>(results: Results<T>, count: number): Promise<T[]> {
  const taken: T[] = [];
  while (taken.length < count) taken.push(await nextData(results));
  await results.return!();
  return taken;
}

function modelNamed(health: Health, name: string): ModelHealth {
  const model = health.models.find((candidate) => candidate.name === name);
  if (!model) throw new Error(`the health has no model "${name}": ${JSON.stringify(health)}`);
  return model;
}

describe('modelEvents', () => {
  it('should deliver each version going UNLOADING then UNAVAILABLE, of one model when filtered', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs');
    await repository.copyExample('silero-vad');
    await using server = await startServer({ modelRepository: repository.root });
    await using ws = createWsClient(server.wsUrl);

    const all = ws.client.iterate<{ modelEvents: ModelEvent }>({ query: MODEL_EVENTS });
    const glyphsOnly = ws.client.iterate<{ modelEvents: ModelEvent }>({ query: MODEL_EVENTS, variables: { model: 'glyphs' } });
    const health = ws.client.iterate<{ health: Health }>({ query: HEALTH, variables: { intervalMs: 100 } });
    // The server takes a socket's operations in order: once the health answers, the event subscriptions before it listen.
    expect((await nextData(health)).health.ready).toBe(true);

    const closing = Date.now();
    await server.app.registry.close();

    const events = (await take(all, 4)).map((data) => data.modelEvents);
    for (const model of ['glyphs', 'silero-vad']) {
      const own = events.filter((event) => event.model === model);
      expect(own.map(({ version, state }) => [version, state])).toEqual([
        ['1', 'UNLOADING'],
        ['1', 'UNAVAILABLE'],
      ]);
      expect(own[1]!.reason).toBe('the server is shutting down');
    }
    expect(events.every((event) => Date.parse(event.at) >= closing - 1000 && new Date(event.at).toISOString() === event.at)).toBe(true);

    const glyphEvents = (await take(glyphsOnly, 2)).map((data) => data.modelEvents);
    expect(glyphEvents.map(({ model, state }) => [model, state])).toEqual([
      ['glyphs', 'UNLOADING'],
      ['glyphs', 'UNAVAILABLE'],
    ]);
    expect(glyphEvents).toEqual(events.filter((event) => event.model === 'glyphs'));

    // The health follows the state changes: nothing is served any more.
    let after = (await nextData(health)).health;
    for (let read = 0; read < 20 && after.models.some((model) => model.ready); read++) after = (await nextData(health)).health;
    expect(after).toMatchObject({ live: true, ready: false });
    expect(after.models.map((model) => [model.name, model.ready])).toEqual([
      ['glyphs', false],
      ['silero-vad', false],
    ]);
    await health.return!();
  });
});

describe('health', () => {
  let repository: TempRepository;
  let server: TestServer;
  let ws: TestWsClient;

  beforeAll(async () => {
    repository = await createTempRepository();
    await repository.copyExample('tiny-lm');
    await repository.copyExample('glyphs');
    server = await startServer({ modelRepository: repository.root });
    ws = createWsClient(server.wsUrl);
  });

  afterAll(async () => {
    await ws?.[Symbol.asyncDispose]();
    await server?.[Symbol.asyncDispose]();
    await repository?.[Symbol.asyncDispose]();
  });

  const idle = (name: string): ModelHealth => ({ name, ready: true, reason: null, queued: 0, inFlight: 0, streams: 0 });

  it('should send the health at once, then again at each interval', async () => {
    const health = ws.client.iterate<{ health: Health }>({ query: HEALTH, variables: { intervalMs: 100 } });
    const [first, second] = (await take(health, 2)).map((data) => data.health);
    expect(first).toEqual({ live: true, ready: true, models: [idle('glyphs'), idle('tiny-lm')] });
    expect(second).toEqual(first);
    const { data } = await server.graphql<{ health: Health }>(
      '{ health { live ready models { name ready reason queued inFlight streams } } }',
    );
    expect(data!.health).toEqual(first);
  });

  it('should count the generation streams open while one runs', async () => {
    const generation = ws.client.iterate<GenerateData>({
      query: GENERATE,
      variables: { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 } },
    });
    expect((await nextData(generation)).generate.index).toBe(0);
    const health = ws.client.iterate<{ health: Health }>({ query: HEALTH, variables: { intervalMs: 100 } });
    const during = (await nextData(health)).health;
    expect(modelNamed(during, 'tiny-lm').streams).toBeGreaterThanOrEqual(1);
    expect(modelNamed(during, 'glyphs')).toEqual(idle('glyphs'));

    await generation.return!();
    let after = during;
    for (let read = 0; read < 100 && modelNamed(after, 'tiny-lm').streams > 0; read++) after = (await nextData(health)).health;
    expect(modelNamed(after, 'tiny-lm')).toEqual(idle('tiny-lm'));
    await health.return!();
  });

  it('should send the health over SSE too', async () => {
    const { status, contentType, results } = await subscribeSse<{ health: Health }>(server.url, HEALTH, { intervalMs: 100 });
    expect(status).toBe(200);
    expect(contentType).toContain('text/event-stream');
    const [first, second] = (await take(results, 2)).map((data) => data.health);
    expect(first).toEqual({ live: true, ready: true, models: [idle('glyphs'), idle('tiny-lm')] });
    expect(second).toEqual(first);
  });
});
