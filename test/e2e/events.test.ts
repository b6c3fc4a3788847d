import { describe, expect, it } from 'vitest';
import { serveModels } from '../fixtures/server.ts';
import { nextData, requestSse, take } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { STREAMING_TRANSPORTS } from '../fixtures/transports.ts';
import {
  GenerateDocument,
  type HealthFiguresFragment,
  HealthNowDocument,
  HealthUpdatesDocument,
  ModelEventsDocument,
} from '../generated/graphql.ts';

type ModelHealth = HealthFiguresFragment['models'][number];

function modelNamed(health: HealthFiguresFragment, name: string): ModelHealth {
  const model = health.models.find((candidate) => candidate.name === name);
  if (!model) throw new Error(`the health has no model "${name}": ${JSON.stringify(health)}`);
  return model;
}

describe('modelEvents', () => {
  it('should deliver each version going UNLOADING then UNAVAILABLE, of one model when filtered', async () => {
    await using server = await serveModels(async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('silero-vad');
    });

    const all = server.ws.subscribe(ModelEventsDocument);
    const glyphsOnly = server.ws.subscribe(ModelEventsDocument, { model: 'glyphs' });
    const health = server.ws.subscribe(HealthUpdatesDocument, { intervalMs: 100 });
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
    await health.return();
  });
});

describe('health', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('tiny-lm');
      await repository.copyExample('glyphs');
    }),
  );

  const idle = (name: string): ModelHealth => ({ name, ready: true, reason: null, queued: 0, inFlight: 0, streams: 0 });

  describe.each(STREAMING_TRANSPORTS)('over $name', (transport) => {
    it('should send the health at once, then again at each interval, as Query.health answers it', async () => {
      const health = transport.subscribe(server, HealthUpdatesDocument, { intervalMs: 100 });
      const [first, second] = (await take(health, 2)).map((data) => data.health);
      expect(first).toEqual({ live: true, ready: true, models: [idle('glyphs'), idle('tiny-lm')] });
      expect(second).toEqual(first);
      const { data } = await server.graphql(HealthNowDocument);
      expect(data!.health).toEqual(first);
    });
  });

  it('should answer a subscription over SSE with 200 and an event stream', async () => {
    const { status, contentType, results } = await requestSse(server.url, HealthUpdatesDocument, { intervalMs: 100 });
    expect(status).toBe(200);
    expect(contentType).toContain('text/event-stream');
    await results.return(undefined);
  });

  it('should count the generation streams open while one runs', async () => {
    const generation = server.ws.subscribe(GenerateDocument, {
      input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 },
    });
    expect((await nextData(generation)).generate.index).toBe(0);
    const health = server.ws.subscribe(HealthUpdatesDocument, { intervalMs: 100 });
    const during = (await nextData(health)).health;
    expect(modelNamed(during, 'tiny-lm').streams).toBeGreaterThanOrEqual(1);
    expect(modelNamed(during, 'glyphs')).toEqual(idle('glyphs'));

    await generation.return();
    let after = during;
    for (let read = 0; read < 100 && modelNamed(after, 'tiny-lm').streams > 0; read++) after = (await nextData(health)).health;
    expect(modelNamed(after, 'tiny-lm')).toEqual(idle('tiny-lm'));
    await health.return();
  });
});
