import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTempRepository } from '../fixtures/repository.ts';
import { startServer } from '../fixtures/server.ts';
import { createWsClient } from '../fixtures/ws-client.ts';

const MODEL_EVENTS = 'subscription($model: String) { modelEvents(model: $model) { model version state reason } }';
const HEALTH = 'subscription { health(intervalMs: 100) { ready } }';

interface ModelEvent {
  model: string;
  version: string;
  state: string;
  reason: string | null;
}

/** Reads events until one matches, returning all read: a wait on the server's own word, not the clock. */
async function until(
  events: AsyncIterator<{ data?: { modelEvents: ModelEvent } | null | undefined }>,
  done: (event: ModelEvent) => boolean,
): Promise<ModelEvent[]> {
  const seen: ModelEvent[] = [];
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error(`the events ended before the awaited one: ${JSON.stringify(seen)}`);
    const event = next.value.data!.modelEvents;
    seen.push(event);
    if (done(event)) return seen;
  }
}

describe('watching the repository', () => {
  it('should load a new version folder, and pick up an edited model.json, by themselves', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs');
    await using server = await startServer({ modelRepository: repository.root, watch: true, watchDebounceMs: 50 });
    await using ws = createWsClient(server.wsUrl);
    const events = ws.client.iterate<{ modelEvents: ModelEvent }>({ query: MODEL_EVENTS, variables: { model: 'glyphs' } });
    const health = ws.client.iterate<{ health: { ready: boolean } }>({ query: HEALTH });
    // The socket's operations are taken in order: once health answers, modelEvents listens.
    expect((await health.next()).value?.data?.health.ready).toBe(true);
    await health.return?.();

    // A half-written file first: it must not be taken for a model while its writer goes on.
    await repository.write('glyphs/2/model.onnx', 'partial');
    await copyFile(join(repository.root, 'glyphs/1/model.onnx'), join(repository.root, 'glyphs/2/model.onnx'));
    const loaded = await until(events, (event) => event.version === '2' && (event.state === 'READY' || event.state === 'FAILED'));
    expect(loaded.at(-1)).toMatchObject({ version: '2', state: 'READY' });
    // The default policy (latest 1) then lets v1 go.
    const released = await until(events, (event) => event.version === '1' && event.state === 'UNAVAILABLE');
    expect(released.at(-1)!.reason).toContain('latest 1');

    const config = JSON.parse(await readFile(join(repository.root, 'glyphs/model.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(repository.root, 'glyphs/model.json'), JSON.stringify({ ...config, description: 'digits, edited' }));
    await until(events, (event) => event.version === '2' && event.state === 'READY' && event.reason === 'reloaded');
    const { data } = await server.graphql<{ model: { description: string; versions: { version: string; state: string }[] } }>(
      '{ model(name: "glyphs") { description versions { version state } } }',
    );
    expect(data?.model.description).toBe('digits, edited');
    expect(data?.model.versions).toEqual([
      { version: '1', state: 'UNAVAILABLE' },
      { version: '2', state: 'READY' },
    ]);
    await events.return?.();
  });

  it('should pick up nothing by itself when watching is off', async () => {
    await using repository = await createTempRepository();
    await repository.copyExample('glyphs');
    await using server = await startServer({ modelRepository: repository.root });
    await repository.write('glyphs/2/model.onnx', await readFile(join(repository.root, 'glyphs/1/model.onnx')));
    const before = await server.graphql<{ model: { versions: { version: string }[] } }>(
      '{ model(name: "glyphs") { versions { version } } }',
    );
    expect(before.data?.model.versions.map((version) => version.version)).toEqual(['1']);
    const rescanned = await server.graphql<{ rescanRepository: { name: string; versions: { version: string; state: string }[] }[] }>(
      'mutation { rescanRepository { name versions { version state } } }',
    );
    expect(rescanned.data?.rescanRepository.find((model) => model.name === 'glyphs')?.versions).toEqual([
      { version: '1', state: 'UNAVAILABLE' },
      { version: '2', state: 'READY' },
    ]);
  });
});
