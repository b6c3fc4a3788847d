import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serveModels } from '../fixtures/server.ts';
import { nextData, until } from '../fixtures/subscriptions.ts';
import { HealthUpdatesDocument, ModelDocument, ModelEventsDocument, RescanRepositoryDocument } from '../generated/graphql.ts';

describe('watching the repository', () => {
  it('should load a new version folder, and pick up an edited model.json, by themselves', async () => {
    await using server = await serveModels((repository) => repository.copyExample('glyphs'), { watch: true, watchDebounceMs: 50 });
    const { repository } = server;
    const events = server.ws.subscribe(ModelEventsDocument, { model: 'glyphs' });
    const health = server.ws.subscribe(HealthUpdatesDocument, { intervalMs: 100 });
    // The socket's operations are taken in order: once health answers, modelEvents listens.
    expect((await nextData(health)).health.ready).toBe(true);
    await health.return();

    // A half-written file first: it must not be taken for a model while its writer goes on.
    await repository.write('glyphs/2/model.onnx', 'partial');
    await copyFile(join(repository.root, 'glyphs/1/model.onnx'), join(repository.root, 'glyphs/2/model.onnx'));
    const loaded = await until(
      events,
      ({ modelEvents: event }) => event.version === '2' && (event.state === 'READY' || event.state === 'FAILED'),
    );
    expect(loaded.at(-1)?.modelEvents).toMatchObject({ version: '2', state: 'READY' });
    // The default policy (latest 1) then lets v1 go.
    const released = await until(events, ({ modelEvents: event }) => event.version === '1' && event.state === 'UNAVAILABLE');
    expect(released.at(-1)!.modelEvents.reason).toContain('latest 1');

    const config = await repository.readModelJson('glyphs');
    await repository.write('glyphs/model.json', JSON.stringify({ ...config, description: 'digits, edited' }));
    await until(events, ({ modelEvents: event }) => event.version === '2' && event.state === 'READY' && event.reason === 'reloaded');
    const { data } = await server.graphql(ModelDocument, { name: 'glyphs' });
    expect(data?.model?.description).toBe('digits, edited');
    expect(data?.model?.versions.map(({ version, state }) => ({ version, state }))).toEqual([
      { version: '1', state: 'UNAVAILABLE' },
      { version: '2', state: 'READY' },
    ]);
    await events.return();
  });

  it('should pick up nothing by itself when watching is off', async () => {
    await using server = await serveModels((repository) => repository.copyExample('glyphs'));
    const { repository } = server;
    await repository.write('glyphs/2/model.onnx', await readFile(join(repository.root, 'glyphs/1/model.onnx')));
    const before = await server.graphql(ModelDocument, { name: 'glyphs' });
    expect(before.data?.model?.versions.map((version) => version.version)).toEqual(['1']);
    const rescanned = await server.graphql(RescanRepositoryDocument);
    const glyphs = rescanned.data?.rescanRepository.find((model) => model.name === 'glyphs');
    expect(glyphs?.versions.map(({ version, state }) => ({ version, state }))).toEqual([
      { version: '1', state: 'UNAVAILABLE' },
      { version: '2', state: 'READY' },
    ]);
  });
});
