import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { createCapturingLogger, type LogRecord } from '../fixtures/logger.ts';
import { startObjectStore, type TestObjectStore } from '../fixtures/object-store.ts';
import { createReferenceSession } from '../fixtures/reference-session.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { startServer, type TestServer, type TestServerOptions } from '../fixtures/server.ts';
import { until } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose } from '../fixtures/tensors.ts';
import { ModelDocument, ModelEventsDocument, PredictDocument, RescanRepositoryDocument } from '../generated/graphql.ts';

const PREFIX = 'team/models/';
const REPOSITORY = (bucket: string) => `s3://${bucket}/${PREFIX}`;
const glyphsReference = forSuite(() => createReferenceSession('glyphs'));

/** A folder for the server's model cache, removed on dispose. */
async function createCacheDir(): Promise<AsyncDisposable & { path: string }> {
  const path = await mkdtemp(join(tmpdir(), 'infergraph-cache-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
}

/** A server over the store's repository, polling every 100 ms. */
function serveFromStore(store: TestObjectStore, cacheDir: string, options: TestServerOptions = {}): Promise<TestServer> {
  return startServer({
    modelRepository: REPOSITORY(store.bucket),
    objectStore: { endpoint: store.endpoint, cacheDir, pollIntervalMs: 100 },
    watch: true,
    ...options,
  });
}

/** Predicts four glyphs and checks the probabilities against onnxruntime run directly. */
async function expectGlyphsPredictRight(server: TestServer, version?: string): Promise<void> {
  const { pixels } = generateGlyphs({ count: 4, seed: 7 });
  const { data, errors } = await server.graphql(PredictDocument, {
    input: {
      model: 'glyphs',
      ...(version ? { version } : {}),
      inputs: [{ name: 'pixels', shape: [4, GLYPH_PIXELS], data: Array.from(pixels) }],
    },
  });
  expect(errors).toBeUndefined();
  if (version) expect(data?.predict.version).toBe(version);
  const expected = await glyphsReference.run({ pixels: { shape: [4, GLYPH_PIXELS], data: pixels } });
  expectClose(data!.predict.outputs[0]!.data, expected.probabilities!);
}

async function versionsOf(server: TestServer, name: string) {
  const { data } = await server.graphql(ModelDocument, { name });
  return data?.model?.versions.map(({ version, state, stateReason }) => ({ version, state, stateReason }));
}

const isUnreachableLine = (record: LogRecord) => record.msg.includes('model store is unreachable');

describe('models from object storage', () => {
  it('should serve a model uploaded to the store, and pick up a new version and an edited model.json uploaded later', async () => {
    await using store = await startObjectStore();
    await using cache = await createCacheDir();
    await store.uploadExample(PREFIX, 'glyphs');
    await using server = await serveFromStore(store, cache.path);
    expect(await versionsOf(server, 'glyphs')).toEqual([{ version: '1', state: 'READY', stateReason: null }]);
    await expectGlyphsPredictRight(server, '1');

    const events = server.ws.subscribe(ModelEventsDocument, { model: 'glyphs' });
    await store.upload(`${PREFIX}glyphs/2/model.onnx`, await readFile(join(EXAMPLE_MODELS, 'glyphs/1/model.onnx')));
    const loaded = await until(
      events,
      ({ modelEvents: event }) => event.version === '2' && (event.state === 'READY' || event.state === 'FAILED'),
    );
    expect(loaded.at(-1)?.modelEvents).toMatchObject({ version: '2', state: 'READY' });
    await expectGlyphsPredictRight(server, '2');

    await store.uploadExample(PREFIX, 'glyphs', 'glyphs', { description: 'digits, edited in the bucket' });
    await until(events, ({ modelEvents: event }) => event.state === 'READY' && event.reason === 'reloaded');
    const { data } = await server.graphql(ModelDocument, { name: 'glyphs' });
    expect(data?.model?.description).toBe('digits, edited in the bucket');
    await events.return();
  });

  it('should fetch what was uploaded when rescanRepository is called, without watching', async () => {
    await using store = await startObjectStore();
    await using cache = await createCacheDir();
    await store.uploadExample(PREFIX, 'glyphs');
    await using server = await serveFromStore(store, cache.path, { watch: false });
    await store.uploadExample(PREFIX, 'glyphs', 'digits');
    const { data } = await server.graphql(RescanRepositoryDocument);
    expect(data?.rescanRepository.map(({ name, versions }) => ({ name, states: versions.map(({ state }) => state) }))).toEqual([
      { name: 'glyphs', states: ['READY'] },
      { name: 'digits', states: ['READY'] },
    ]);
  });

  it('should keep serving the cached versions while the store is down, say so once, and say when it is back', async () => {
    await using store = await startObjectStore();
    await using cache = await createCacheDir();
    await store.uploadExample(PREFIX, 'glyphs');
    const logger = createCapturingLogger('info');
    await using server = await serveFromStore(store, cache.path, { logger });
    await expectGlyphsPredictRight(server, '1');

    const outage = await store.stop();
    const warning = await logger.waitFor(isUnreachableLine);
    expect(warning).toMatchObject({ level: 40, store: REPOSITORY(store.bucket), endpoint: store.endpoint });
    await expectGlyphsPredictRight(server, '1');
    // Several polls fail (each connection is reset at once, and the SDK retries each call): one line for the outage.
    await outage.refused(6);
    expect(logger.records().filter(isUnreachableLine)).toHaveLength(1);
    expect(await versionsOf(server, 'glyphs')).toEqual([{ version: '1', state: 'READY', stateReason: null }]);

    const from = logger.lines.length;
    await store.restart();
    await logger.waitFor((record) => record.msg.includes('model store is reachable again'), from);
    await expectGlyphsPredictRight(server, '1');
  });

  it('should start from a warm cache when the store is down at start', async () => {
    await using store = await startObjectStore();
    await using cache = await createCacheDir();
    await store.uploadExample(PREFIX, 'glyphs');
    {
      await using first = await serveFromStore(store, cache.path, { watch: false });
      await expectGlyphsPredictRight(first, '1');
    }
    await store.stop();
    const logger = createCapturingLogger('info');
    await using server = await serveFromStore(store, cache.path, { logger });
    expect(logger.records().filter(isUnreachableLine)).toHaveLength(1);
    expect(await versionsOf(server, 'glyphs')).toEqual([{ version: '1', state: 'READY', stateReason: null }]);
    await expectGlyphsPredictRight(server, '1');
  });

  it('should fail only the version whose upload is corrupt, with its reason, while the others serve', async () => {
    await using store = await startObjectStore();
    await using cache = await createCacheDir();
    await store.uploadExample(PREFIX, 'glyphs', 'glyphs', { versionPolicy: { all: true } });
    const network = await readFile(join(EXAMPLE_MODELS, 'glyphs/1/model.onnx'));
    // v2: bytes onnxruntime cannot parse, uploaded whole; v3: a good network whose stored bytes then rot.
    await store.upload(`${PREFIX}glyphs/2/model.onnx`, 'this is not an ONNX file');
    await store.upload(`${PREFIX}glyphs/3/model.onnx`, network);
    await store.damage(`${PREFIX}glyphs/3/model.onnx`);
    const logger = createCapturingLogger('info');
    await using server = await serveFromStore(store, cache.path, { logger, watch: false });

    const versions = await versionsOf(server, 'glyphs');
    expect(versions?.map(({ version, state }) => ({ version, state }))).toEqual([
      { version: '1', state: 'READY' },
      { version: '2', state: 'FAILED' },
      { version: '3', state: 'FAILED' },
    ]);
    expect(versions?.[1]?.stateReason).toContain('glyphs/2/model.onnx');
    expect(versions?.[2]?.stateReason).toMatch(
      /s3 object team\/models\/glyphs\/3\/model\.onnx: its bytes have MD5 [0-9a-f]{32}, the store's ETag is [0-9a-f]{32}/,
    );
    expect(logger.records().filter((record) => record.msg.includes('failed its checksum'))).toMatchObject([
      { level: 40, key: `${PREFIX}glyphs/3/model.onnx` },
    ]);
    await expectGlyphsPredictRight(server, '1');
    // What failed its checksum never reaches the cache, not even as a temp file.
    await expect(readFile(join(cache.path, 'glyphs/3/model.onnx'))).rejects.toThrow(/ENOENT/);
  });
});
