import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import type { GraphQLResponse, VariablesArgs } from '../fixtures/documents.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { addGlyphs, addVersion } from '../fixtures/model-versions.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { nextData, take } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import {
  HealthUpdatesDocument,
  LoadModelDocument,
  ModelDocument,
  ModelEventsDocument,
  type ModelLifecycleFragment,
  ModelsDocument,
  PredictVersionDocument,
  type PredictVersionMutation,
  ReloadModelDocument,
  RescanRepositoryDocument,
  RollbackAliasDocument,
  SetAliasDocument,
  UnloadModelDocument,
} from '../generated/graphql.ts';

type Response = GraphQLResponse<PredictVersionMutation>;

const PIXELS = [{ name: 'pixels', shape: [1, GLYPH_PIXELS], base64: float32ToBase64(new Float32Array(GLYPH_PIXELS).fill(0.5)) }];

function predict(server: TestServer, model: string, version?: string): Promise<Response> {
  return server.graphql(PredictVersionDocument, { input: { model, inputs: PIXELS, ...(version === undefined ? {} : { version }) } });
}

/** The version that served a predict of `model` (naming `version`, a number or an alias, when given); the predict must succeed. */
async function servedBy(server: TestServer, model: string, version?: string): Promise<string> {
  const response = await predict(server, model, version);
  expect(response.errors, JSON.stringify(response.errors)).toBeUndefined();
  const { predict: result } = response.data!;
  expect(result.model).toBe(model);
  return result.version;
}

/** Runs a lifecycle mutation or query that must succeed; resolves with the model it answers with. */
async function modelFrom<Result extends Record<string, ModelLifecycleFragment | null>, Variables>(
  server: TestServer,
  document: TypedDocumentNode<Result, Variables>,
  ...variables: VariablesArgs<Variables>
): Promise<ModelLifecycleFragment> {
  const { status, data, errors } = await server.graphql(document, ...variables);
  expect(errors, JSON.stringify(errors)).toBeUndefined();
  expect(status).toBe(200);
  const model = Object.values(data ?? {})[0];
  if (!model) throw new Error(`no model in ${JSON.stringify(data)}`);
  return model;
}

function versionOf(model: ModelLifecycleFragment, version: string): ModelLifecycleFragment['versions'][number] {
  const found = model.versions.find((candidate) => candidate.version === version);
  if (!found) throw new Error(`model "${model.name}" lists no version ${version}: ${JSON.stringify(model.versions)}`);
  return found;
}

interface PredictLoops {
  /** Predicts answered so far, successes and failures. */
  readonly answered: number;
  /** Resolves once `count` predicts have been answered in all. */
  answeredAtLeast(count: number): Promise<void>;
  /** Lets each loop finish its predict in flight, then resolves with every failure seen. */
  stop(): Promise<Response[]>;
}

/** `concurrency` clients each sending predicts without a version back to back, until stopped. */
function startPredictLoops(server: TestServer, model: string, concurrency: number): PredictLoops {
  const failures: Response[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let answered = 0;
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      const response = await predict(server, model);
      if (response.errors || response.status !== 200) failures.push(response);
      answered++;
      for (const waiter of waiters.filter(({ count }) => answered >= count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const loops = Array.from({ length: concurrency }, loop);
  return {
    get answered() {
      return answered;
    },
    answeredAtLeast: (count) => (answered >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    async stop() {
      stopped = true;
      await Promise.all(loops);
      return failures;
    },
  };
}

describe('version policy', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await addGlyphs(repository, 'latest', [1, 2]);
      await addGlyphs(repository, 'every', [1, 2], { versionPolicy: { all: true } });
      await addGlyphs(repository, 'first', [1, 2], { versionPolicy: { specific: [1] } });
    }),
  );

  it('should load only the highest version by default and list the others UNAVAILABLE, naming the policy', async () => {
    const model = await modelFrom(server, ModelDocument, { name: 'latest' });
    expect(model.versionPolicy).toBe('latest 1');
    expect(versionOf(model, '2')).toEqual({ version: '2', state: 'READY', stateReason: null });
    expect(versionOf(model, '1')).toMatchObject({ state: 'UNAVAILABLE', stateReason: expect.stringContaining('latest 1') });
    expect(versionOf(model, '1').stateReason).toContain('version policy');
    expect(await servedBy(server, 'latest')).toBe('2');
    expect(expectFailure(await predict(server, 'latest', '1'), 'MODEL_NOT_READY', { status: 503 })).toContain('latest 1');
  });

  it('should load every version with {"all": true}', async () => {
    const model = await modelFrom(server, ModelDocument, { name: 'every' });
    expect(model.versionPolicy).toBe('all');
    expect(model.versions).toEqual([
      { version: '1', state: 'READY', stateReason: null },
      { version: '2', state: 'READY', stateReason: null },
    ]);
    expect(await servedBy(server, 'every', '1')).toBe('1');
    expect(await servedBy(server, 'every', '2')).toBe('2');
    expect(await servedBy(server, 'every')).toBe('2');
  });

  it('should load only the versions named by {"specific": [1]}', async () => {
    const model = await modelFrom(server, ModelDocument, { name: 'first' });
    expect(model.versionPolicy).toBe('specific 1');
    expect(versionOf(model, '1')).toEqual({ version: '1', state: 'READY', stateReason: null });
    expect(versionOf(model, '2')).toMatchObject({ state: 'UNAVAILABLE', stateReason: expect.stringContaining('specific 1') });
    // Without a version, the highest READY one serves, not the highest on disk.
    expect(await servedBy(server, 'first')).toBe('1');
  });
});

describe('aliases', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await addGlyphs(repository, 'declared', [1, 2], { versionPolicy: { all: true }, aliases: { stable: 1, canary: 2, default: 1 } });
      await addGlyphs(repository, 'pointed', [1, 2], { versionPolicy: { all: true }, aliases: { stable: 1 } });
      await addGlyphs(repository, 'concurrent', [1, 2], { versionPolicy: { specific: [2] } });
    }),
  );

  it('should serve an alias declared in model.json by the version it points at', async () => {
    expect(await servedBy(server, 'declared', 'stable')).toBe('1');
    expect(await servedBy(server, 'declared', 'canary')).toBe('2');
    const model = await modelFrom(server, ModelDocument, { name: 'declared' });
    expect(model.aliases).toEqual([
      { name: 'stable', versions: [{ version: '1', weight: 1 }], history: [] },
      { name: 'canary', versions: [{ version: '2', weight: 1 }], history: [] },
      { name: 'default', versions: [{ version: '1', weight: 1 }], history: [] },
    ]);
  });

  it('should serve requests without a version by the alias default, not the highest version', async () => {
    expect(await servedBy(server, 'declared')).toBe('1');
    expect(await servedBy(server, 'declared', '2')).toBe('2');
  });

  it('should refuse an unknown alias with MODEL_NOT_FOUND, naming the versions and aliases there are', async () => {
    const message = expectFailure(await predict(server, 'declared', 'beta'), 'MODEL_NOT_FOUND', { status: 404 });
    expect(message).toContain('"beta"');
    expect(message).toContain('versions: 1, 2');
    expect(message).toContain('aliases: stable, canary, default');
  });

  it("should write setAlias into the model's model.json, keeping its other fields", async () => {
    const before = await server.repository.readModelJson('pointed');
    const model = await modelFrom(server, SetAliasDocument, { model: 'pointed', alias: 'stable', versions: [{ version: '2' }] });
    expect(model.aliases).toEqual([{ name: 'stable', versions: [{ version: '2', weight: 1 }], history: [[{ version: '1', weight: 1 }]] }]);
    expect(await servedBy(server, 'pointed', 'stable')).toBe('2');
    expect(await server.repository.readModelJson('pointed')).toEqual({ ...before, aliases: { stable: 2 } });

    await modelFrom(server, SetAliasDocument, {
      model: 'pointed',
      alias: 'split',
      versions: [
        { version: '1', weight: 3 },
        { version: '2', weight: 1 },
      ],
    });
    expect((await server.repository.readModelJson('pointed')).aliases).toEqual({ stable: 2, split: { '1': 3, '2': 1 } });
    const shown = await modelFrom(server, ModelDocument, { name: 'pointed' });
    expect(shown.aliases.find((alias) => alias.name === 'split')).toEqual({
      name: 'split',
      versions: [
        { version: '1', weight: 3 },
        { version: '2', weight: 1 },
      ],
      history: [],
    });

    // Back to where it was, on disk too, and the version serving it follows.
    const rolledBack = await modelFrom(server, RollbackAliasDocument, { model: 'pointed', alias: 'stable' });
    expect(rolledBack.aliases.find((alias) => alias.name === 'stable')).toEqual({
      name: 'stable',
      versions: [{ version: '1', weight: 1 }],
      history: [],
    });
    expect(await servedBy(server, 'pointed', 'stable')).toBe('1');
    expect((await server.repository.readModelJson('pointed')).aliases).toEqual({ stable: 1, split: { '1': 3, '2': 1 } });
  });

  it('should persist every alias of concurrent setAlias calls on one model, leaving model.json valid', async () => {
    const names = Array.from({ length: 8 }, (_, index) => `lane${index}`);
    const responses = await Promise.all(
      names.map((alias) => server.graphql(SetAliasDocument, { model: 'concurrent', alias, versions: [{ version: '2' }] })),
    );
    expect.soft(responses.map((response) => response.errors?.[0]?.message ?? null)).toEqual(names.map(() => null));
    const onDisk = await server.repository.readModelJson('concurrent');
    expect(onDisk.aliases).toEqual(Object.fromEntries(names.map((alias) => [alias, 2])));
  });

  it('should refuse a rollback with no earlier target with INVALID_ARGUMENT', async () => {
    const response = await server.graphql(RollbackAliasDocument, { model: 'declared', alias: 'canary' });
    expect(expectFailure(response, 'INVALID_ARGUMENT', { status: 400 })).toContain('"canary"');
    expect(await servedBy(server, 'declared', 'canary')).toBe('2');
  });
});

describe('weighted aliases', () => {
  const SEED = 20_240_601;
  const REQUESTS = 400;

  /** The versions serving REQUESTS predicts without a version, one after another, once default is split 90/10 on a fresh server seeded with SEED. */
  async function servedSequence(): Promise<string[]> {
    await using server = await serveModels((repository) => addGlyphs(repository, 'glyphs', [1, 2], { versionPolicy: { all: true } }), {
      seed: SEED,
    });
    const model = await modelFrom(server, SetAliasDocument, {
      model: 'glyphs',
      alias: 'default',
      versions: [
        { version: '1', weight: 90 },
        { version: '2', weight: 10 },
      ],
    });
    expect(model.aliases).toEqual([
      {
        name: 'default',
        versions: [
          { version: '1', weight: 90 },
          { version: '2', weight: 10 },
        ],
        history: [],
      },
    ]);
    const served: string[] = [];
    for (let request = 0; request < REQUESTS; request++) served.push(await servedBy(server, 'glyphs'));
    return served;
  }

  it('should split the traffic of an alias by its weights, the same way for the same seed', async () => {
    const first = await servedSequence();
    const share = first.filter((version) => version === '2').length / REQUESTS;
    expect(first.every((version) => version === '1' || version === '2')).toBe(true);
    expect(share).toBeGreaterThanOrEqual(0.05);
    expect(share).toBeLessThanOrEqual(0.15);
    expect(await servedSequence()).toEqual(first);
  });
});

describe('unloadModel and loadModel', () => {
  const server = forSuite(() => serveModels((repository) => addGlyphs(repository, 'glyphs', [1, 2], { versionPolicy: { all: true } })));

  it('should make an unloaded version UNAVAILABLE and refuse it with MODEL_NOT_READY until it is loaded again', async () => {
    const unloaded = await modelFrom(server, UnloadModelDocument, { model: 'glyphs', version: '1' });
    expect(versionOf(unloaded, '1')).toEqual({ version: '1', state: 'UNAVAILABLE', stateReason: 'unloaded by request' });
    expect(versionOf(unloaded, '2').state).toBe('READY');
    const message = expectFailure(await predict(server, 'glyphs', '1'), 'MODEL_NOT_READY', { status: 503 });
    expect(message).toContain('unloaded by request');
    expect(await servedBy(server, 'glyphs', '2')).toBe('2');

    const loaded = await modelFrom(server, LoadModelDocument, { model: 'glyphs', version: '1' });
    expect(versionOf(loaded, '1')).toEqual({ version: '1', state: 'READY', stateReason: null });
    expect(await servedBy(server, 'glyphs', '1')).toBe('1');
  });

  it('should unload and load the versions an alias points at when the alias is named', async () => {
    await modelFrom(server, SetAliasDocument, { model: 'glyphs', alias: 'old', versions: [{ version: '1' }] });
    const unloaded = await modelFrom(server, UnloadModelDocument, { model: 'glyphs', version: 'old' });
    expect(versionOf(unloaded, '1').state).toBe('UNAVAILABLE');
    expect(versionOf(unloaded, '2').state).toBe('READY');
    const loaded = await modelFrom(server, LoadModelDocument, { model: 'glyphs', version: 'old' });
    expect(versionOf(loaded, '1').state).toBe('READY');
  });

  it('should publish UNLOADING, UNAVAILABLE, LOADING, READY on modelEvents as a version is unloaded and loaded', async () => {
    const events = server.ws.subscribe(ModelEventsDocument, { model: 'glyphs' });
    const health = server.ws.subscribe(HealthUpdatesDocument);
    // The server takes a socket's operations in order: once the health answers, modelEvents listens.
    expect((await nextData(health)).health.ready).toBe(true);
    await health.return();

    await modelFrom(server, UnloadModelDocument, { model: 'glyphs', version: '2' });
    await modelFrom(server, LoadModelDocument, { model: 'glyphs', version: '2' });

    const seen = (await take(events, 4)).map(({ modelEvents: { at: _at, ...event } }) => event);
    expect(seen).toEqual([
      { model: 'glyphs', version: '2', state: 'UNLOADING', reason: null },
      { model: 'glyphs', version: '2', state: 'UNAVAILABLE', reason: 'unloaded by request' },
      { model: 'glyphs', version: '2', state: 'LOADING', reason: null },
      { model: 'glyphs', version: '2', state: 'READY', reason: null },
    ]);
  });
});

describe('reloadModel', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await addGlyphs(repository, 'glyphs', [1]);
      await addGlyphs(repository, 'broken', [1]);
    }),
  );

  it('should reload twice under continuous load without failing a single request', async () => {
    const loops = startPredictLoops(server, 'glyphs', 8);
    // Every client has had answers before the first reload, so requests are in flight throughout.
    await loops.answeredAtLeast(16);
    const first = await modelFrom(server, ReloadModelDocument, { model: 'glyphs' });
    expect(first.versions).toEqual([{ version: '1', state: 'READY', stateReason: 'reloaded' }]);
    await loops.answeredAtLeast(loops.answered + 16);
    const second = await modelFrom(server, ReloadModelDocument, { model: 'glyphs', version: '1' });
    expect(second.versions).toEqual([{ version: '1', state: 'READY', stateReason: 'reloaded' }]);
    // And the reloaded session serves.
    await loops.answeredAtLeast(loops.answered + 16);
    const failures = await loops.stop();
    expect(failures.map((response) => response.errors ?? response.status)).toEqual([]);
    expect(loops.answered).toBeGreaterThanOrEqual(48);
    expect(versionOf(await modelFrom(server, ModelDocument, { name: 'glyphs' }), '1')).toEqual({
      version: '1',
      state: 'READY',
      stateReason: 'reloaded',
    });
  });

  it('should keep serving the previous load when the new one fails', async () => {
    await writeFile(
      join(server.repository.root, 'broken', '1', 'model.onnx'),
      Buffer.from('this is not an ONNX model, only garbage bytes'),
    );
    const model = await modelFrom(server, ReloadModelDocument, { model: 'broken' });
    const version = versionOf(model, '1');
    expect(version.state).toBe('READY');
    expect(version.stateReason).toMatch(/^reload failed, still serving the previous load/);
    expect(await servedBy(server, 'broken')).toBe('1');
    expect(await servedBy(server, 'broken', '1')).toBe('1');
  });
});

describe('rescanRepository', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await addGlyphs(repository, 'glyphs', [1, 2]);
      await addGlyphs(repository, 'retired', [1]);
      await addGlyphs(repository, 'swapped', [1]);
    }),
  );

  it('should load a new latest version, leave the one it replaces UNAVAILABLE, and drop a removed model', async () => {
    expect(await servedBy(server, 'glyphs')).toBe('2');
    await addVersion(server.repository, 'glyphs', 3);
    await rm(join(server.repository.root, 'retired'), { recursive: true });

    const { data, errors } = await server.graphql(RescanRepositoryDocument);
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    const models = data!.rescanRepository;
    expect(models.map((model) => model.name)).not.toContain('retired');
    const glyphs = models.find((model) => model.name === 'glyphs');
    expect(glyphs?.versions.map(({ version, state }) => [version, state])).toEqual([
      ['1', 'UNAVAILABLE'],
      ['2', 'UNAVAILABLE'],
      ['3', 'READY'],
    ]);
    expect(versionOf(glyphs!, '2').stateReason).toContain('not selected by the version policy (latest 1)');

    expect(await servedBy(server, 'glyphs')).toBe('3');
    const catalog = await server.graphql(ModelsDocument);
    expect(catalog.data!.models.map((model) => model.name)).not.toContain('retired');
    expect(expectFailure(await predict(server, 'retired'), 'MODEL_NOT_FOUND', { status: 404 })).toContain('"retired"');
  });

  it('should keep serving requests without a version while a rescan swaps in a new latest version', async () => {
    const loops = startPredictLoops(server, 'swapped', 8);
    await loops.answeredAtLeast(16);
    await addVersion(server.repository, 'swapped', 2);
    const { errors } = await server.graphql(RescanRepositoryDocument);
    expect(errors, JSON.stringify(errors)).toBeUndefined();
    await loops.answeredAtLeast(loops.answered + 16);
    const failures = await loops.stop();
    expect(failures.map((response) => response.errors?.[0]?.message ?? response.status)).toEqual([]);
    expect(await servedBy(server, 'swapped')).toBe('2');
  });
});
