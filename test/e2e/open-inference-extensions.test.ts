/**
 * The Open Inference Protocol's extensions as a Triton or KServe client meets them, on a real server with auth on:
 * the model repository (index, load, unload), statistics and generate, each checked against what GraphQL says of the
 * same server, since both APIs read and act on the same registry, batchers and generator.
 */
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import { keepWorkerBusy, WIDE_GLYPH_BATCH } from '../fixtures/busy-worker.ts';
import { authSettings, createKeysFile } from '../fixtures/credentials.ts';
import { figuresOf, waitForFigures } from '../fixtures/figures.ts';
import { generationOf } from '../fixtures/generation.ts';
import { addGlyphs } from '../fixtures/model-versions.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { collect } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { glyphRow } from '../fixtures/tensors.ts';
import { graphqlWs } from '../fixtures/transports.ts';
import { GenerateDocument, type GenerateInput, ModelDocument, ModelsDocument, PredictDocument } from '../generated/graphql.ts';

const keys = forSuite(() =>
  createKeysFile([
    { name: 'admin', scopes: ['models:read', 'predict', 'generate', 'admin'] },
    // Each lacks one scope and holds the others.
    { name: 'no-read', scopes: ['predict', 'generate', 'admin'] },
    { name: 'no-admin', scopes: ['models:read', 'predict', 'generate'] },
    { name: 'no-generate', scopes: ['models:read', 'predict', 'admin'] },
    { name: 'glyphs-only', scopes: ['models:read', 'predict', 'generate', 'admin'], models: ['glyphs'] },
  ]),
);

const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('tiny-lm');
      await repository.copyExample('glyphs', 'glyphs-lifecycle');
      // On one worker, and taking a wide batch: a slow request holds it while others gather behind it.
      await repository.copyExample('glyphs', 'glyphs-busy', { instances: 1, maxBatchSize: 4096 });
      await addGlyphs(repository, 'glyphs-versions', [1, 2], { versionPolicy: { all: true }, aliases: { stable: 2 } });
      await repository.write('broken/1/model.onnx', 'these bytes are no ONNX model');
    },
    { auth: authSettings({ keysFile: keys.path }) },
  ),
);

/** A client of the server with key `name`. */
const as = (name: string): TestServer => server.as(keys.bearer[name]!);

interface V2Response {
  status: number;
  json: unknown;
}

/** A request to a /v2 path with key `key`, its body sent as JSON when given. */
async function v2(key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<V2Response> {
  const response = await fetch(`${server.origin}${path}`, {
    method,
    headers: { authorization: keys.bearer[key]!, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** An answer that must be 200; its body. */
async function ok<Body>(key: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<Body> {
  const { status, json } = await v2(key, method, path, body);
  expect(status, JSON.stringify(json)).toBe(200);
  return json as Body;
}

interface IndexEntry {
  name: string;
  version?: string;
  state: string;
  reason: string;
}

const byNameAndVersion = (a: IndexEntry, b: IndexEntry) => `${a.name}@${a.version}`.localeCompare(`${b.name}@${b.version}`);

/** The index a Triton client would read from what GraphQL's catalog says: FAILED is the protocol's UNAVAILABLE. */
async function indexFromCatalog(client: TestServer): Promise<IndexEntry[]> {
  const { data, errors } = await client.graphql(ModelsDocument);
  expect(errors).toBeUndefined();
  return data!.models
    .flatMap((model): IndexEntry[] =>
      model.versions.length === 0
        ? [{ name: model.name, state: 'UNAVAILABLE', reason: model.stateReason ?? '' }]
        : model.versions.map((version) => ({
            name: model.name,
            version: version.version,
            state: version.state === 'FAILED' ? 'UNAVAILABLE' : version.state,
            reason: version.stateReason ?? '',
          })),
    )
    .sort(byNameAndVersion);
}

async function indexOf(key: string, body: unknown = {}): Promise<IndexEntry[]> {
  return (await ok<IndexEntry[]>(key, 'POST', '/v2/repository/index', body)).sort(byNameAndVersion);
}

/** One glyph as the protocol's JSON infer request. */
function inferBody(n: number) {
  const { pixels } = generateGlyphs({ count: 1, seed: 300 + n });
  return { inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], datatype: 'FP32', data: Array.from(pixels) }] };
}

interface ModelStat {
  name: string;
  version: string;
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: Record<
    'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output',
    { count: number; ns: number }
  >;
  batch_stats: { batch_size: number; compute_infer: { count: number; ns: number } }[];
}

async function statsOf(path: string, key = 'admin'): Promise<ModelStat[]> {
  return (await ok<{ model_stats: ModelStat[] }>(key, 'GET', path)).model_stats;
}

async function versionStats(model: string, version = '1'): Promise<ModelStat> {
  const [stat, ...others] = await statsOf(`/v2/models/${model}/versions/${version}/stats`);
  expect(others).toEqual([]);
  return stat!;
}

describe('model repository extension', () => {
  it('should index every version of every model as the GraphQL catalog lists them, a FAILED one as UNAVAILABLE with its reason', async () => {
    const index = await indexOf('admin');
    expect(index).toEqual(await indexFromCatalog(as('admin')));
    expect(index.find((entry) => entry.name === 'broken')).toEqual({
      name: 'broken',
      version: '1',
      state: 'UNAVAILABLE',
      reason: expect.stringMatching(/model\.onnx/),
    });
  });

  it('should index only the READY versions when asked { "ready": true }', async () => {
    const ready = await indexOf('admin', { ready: true });
    expect(ready).toEqual((await indexFromCatalog(as('admin'))).filter((entry) => entry.state === 'READY'));
    expect(ready.map((entry) => entry.name)).not.toContain('broken');
  });

  it('should unload and load a model as Query.model then sees it', async () => {
    const stateOf = async () => {
      const { data } = await as('admin').graphql(ModelDocument, { name: 'glyphs-lifecycle' });
      return data!.model!.versions.map((version) => version.state);
    };
    expect(await stateOf()).toEqual(['READY']);

    // Triton's answer to a load or unload is 200 and an empty object, once done.
    expect(await ok('admin', 'POST', '/v2/repository/models/glyphs-lifecycle/unload', {})).toEqual({});
    expect(await stateOf()).toEqual(['UNAVAILABLE']);
    expect((await indexOf('admin')).filter((entry) => entry.name === 'glyphs-lifecycle')).toEqual([
      { name: 'glyphs-lifecycle', version: '1', state: 'UNAVAILABLE', reason: expect.any(String) },
    ]);
    expect((await v2('admin', 'GET', '/v2/models/glyphs-lifecycle/ready')).status).toBe(400);

    // The body "may be empty", as the protocol says.
    const loaded = await fetch(`${server.origin}/v2/repository/models/glyphs-lifecycle/load`, {
      method: 'POST',
      headers: { authorization: keys.bearer.admin! },
    });
    expect(loaded.status).toBe(200);
    expect(await loaded.json()).toEqual({});
    expect(await stateOf()).toEqual(['READY']);
    expect((await v2('admin', 'GET', '/v2/models/glyphs-lifecycle/ready')).status).toBe(200);
  });

  it('should answer a load that fails with an error naming the reason', async () => {
    const { status, json } = await v2('admin', 'POST', '/v2/repository/models/broken/load', {});
    expect(status).toBe(503);
    expect(json).toEqual({ error: expect.stringMatching(/^model "broken" failed to load: v1: .*model\.onnx/), code: 'MODEL_NOT_READY' });
  });

  it('should refuse a load that brings its own configuration, which infergraph reads from model.json', async () => {
    const { status, json } = await v2('admin', 'POST', '/v2/repository/models/glyphs-lifecycle/load', {
      parameters: { config: '{"max_batch_size": 8}' },
    });
    expect(status).toBe(400);
    expect(json).toMatchObject({ error: expect.stringMatching(/"config" parameter is not taken/), code: 'INVALID_ARGUMENT' });
  });

  it('should answer 404 for a model that is not there', async () => {
    const { status, json } = await v2('admin', 'POST', '/v2/repository/models/nope/load', {});
    expect(status).toBe(404);
    expect(json).toMatchObject({ error: expect.stringMatching(/model "nope" is not in the repository/), code: 'MODEL_NOT_FOUND' });
  });
});

describe('statistics extension', () => {
  it('should count requests over v2 infer and GraphQL predict alike, as GraphQL’s stats do', async () => {
    const before = await versionStats('glyphs');
    const sentAfter = Date.now();
    for (let n = 0; n < 3; n++) await ok('admin', 'POST', '/v2/models/glyphs/infer', inferBody(n));
    const { pixels } = generateGlyphs({ count: 2, seed: 310 });
    for (let n = 0; n < 2; n++) {
      const { errors } = await as('admin').graphql(PredictDocument, { input: glyphRow('glyphs', pixels, n) });
      expect(errors).toBeUndefined();
    }
    const after = await versionStats('glyphs');

    expect(after).toMatchObject({ name: 'glyphs', version: '1' });
    expect(after.inference_count - before.inference_count).toBe(5);
    expect(after.inference_stats.success.count - before.inference_stats.success.count).toBe(5);
    expect(after.inference_stats.success.ns).toBeGreaterThan(before.inference_stats.success.ns);
    expect(after.inference_stats.fail.count).toBe(before.inference_stats.fail.count);
    // One after another: each request ran alone.
    expect(after.execution_count - before.execution_count).toBe(5);
    expect(after.inference_stats.compute_infer.ns).toBeGreaterThan(before.inference_stats.compute_infer.ns);
    expect(after.last_inference).toBeGreaterThanOrEqual(sentAfter);
    expect(after.last_inference).toBeLessThanOrEqual(Date.now());

    // The same figures GraphQL's ModelVersion.stats reads.
    const { stats } = await figuresOf(as('admin'), 'glyphs');
    expect(after.inference_count).toBe(stats.items);
    expect(after.execution_count).toBe(stats.batches);
    expect(after.inference_stats.success.count + after.inference_stats.fail.count).toBe(stats.requests);
  });

  it('should count fewer executions than inferences when concurrent requests share runs', async () => {
    const admin = as('admin');
    const before = await versionStats('glyphs-busy');
    // The wide request holds the model's one worker, so what comes next gathers behind it.
    const busy = await keepWorkerBusy(admin, 'glyphs-busy', WIDE_GLYPH_BATCH);
    const { pixels } = generateGlyphs({ count: 8, seed: 320 });
    await Promise.all([
      ...Array.from({ length: 8 }, (_, n) => ok('admin', 'POST', '/v2/models/glyphs-busy/infer', inferBody(n))),
      ...Array.from({ length: 8 }, async (_, n) => {
        const { errors } = await admin.graphql(PredictDocument, { input: glyphRow('glyphs-busy', pixels, n) });
        expect(errors).toBeUndefined();
      }),
    ]);
    expect((await busy.answer).errors).toBeUndefined();
    const after = await versionStats('glyphs-busy');

    const inferences = after.inference_count - before.inference_count;
    const executions = after.execution_count - before.execution_count;
    expect(inferences).toBe(4096 + 16);
    expect(after.inference_stats.success.count - before.inference_stats.success.count).toBe(17);
    expect(executions).toBeGreaterThanOrEqual(2);
    expect(executions).toBeLessThan(17);
    // batch_stats: every run under its size, the 4096 rows of the wide one among them, and a run shared by several requests.
    expect(after.batch_stats.reduce((runs, stat) => runs + stat.compute_infer.count, 0)).toBe(after.execution_count);
    expect(after.batch_stats.map((stat) => stat.batch_size)).toContain(4096);
    expect(after.batch_stats.some((stat) => stat.batch_size > 1 && stat.batch_size < 4096)).toBe(true);
  });

  it('should list every version of every model, and a model’s versions, or those an alias names', async () => {
    const all = await statsOf('/v2/models/stats');
    expect(all.map(({ name, version }) => `${name}@${version}`).sort()).toEqual(
      (await indexFromCatalog(as('admin'))).map(({ name, version }) => `${name}@${version}`),
    );
    expect((await statsOf('/v2/models/glyphs-versions/stats')).map((stat) => stat.version)).toEqual(['1', '2']);
    expect((await statsOf('/v2/models/glyphs-versions/versions/stable/stats')).map((stat) => stat.version)).toEqual(['2']);
    const [fresh] = await statsOf('/v2/models/glyphs-versions/versions/1/stats');
    expect(fresh).toMatchObject({ last_inference: 0, inference_count: 0, execution_count: 0, batch_stats: [] });
  });

  it('should answer 404 for a model or version that is not there', async () => {
    expect(await v2('admin', 'GET', '/v2/models/nope/stats')).toMatchObject({ status: 404, json: { code: 'MODEL_NOT_FOUND' } });
    expect(await v2('admin', 'GET', '/v2/models/glyphs/versions/7/stats')).toMatchObject({
      status: 404,
      json: { code: 'MODEL_NOT_FOUND' },
    });
  });
});

/** One event of generate_stream, as the protocol sends it. */
interface StreamEvent {
  model_name: string;
  model_version: string;
  text_output: string;
  finish_reason?: string;
}

/** The `data:` events of a Server-Sent Events body. */
function eventsOf(body: string): StreamEvent[] {
  return body
    .split('\n\n')
    .filter((chunk) => chunk.startsWith('data: '))
    .map((chunk) => JSON.parse(chunk.slice('data: '.length)) as StreamEvent);
}

/** GraphQL's generation of the same input, over graphql-ws. */
async function graphqlGeneration(input: GenerateInput) {
  return generationOf(await collect(graphqlWs.subscribe(as('admin'), GenerateDocument, { input })));
}

describe('generate extension', () => {
  const prompt = 'The keeper ';
  const parameters = { max_tokens: 24, temperature: 0 };
  const input: GenerateInput = { model: 'tiny-lm', prompt, maxTokens: 24, temperature: 0 };

  it('should answer the text GraphQL’s generate makes at temperature 0', async () => {
    const generation = await graphqlGeneration(input);
    const answer = await ok('admin', 'POST', '/v2/models/tiny-lm/generate', { text_input: prompt, parameters });
    expect(answer).toEqual({ model_name: 'tiny-lm', model_version: '1', text_output: generation.text, finish_reason: 'LENGTH' });
    expect(generation.tokens).toHaveLength(24);
  });

  it('should stop where a stop sequence starts, as GraphQL’s generate does', async () => {
    const full = await graphqlGeneration(input);
    const stop = full.text.slice(6, 9);
    const generation = await graphqlGeneration({ ...input, stop: [stop] });
    const answer = await ok('admin', 'POST', '/v2/models/tiny-lm/versions/1/generate', {
      text_input: prompt,
      parameters: { ...parameters, stop },
    });
    expect(answer).toEqual({ model_name: 'tiny-lm', model_version: '1', text_output: generation.text, finish_reason: 'STOP' });
  });

  it('should stream one event per token, the same tokens as GraphQL’s, then one with the finish reason', async () => {
    const generation = await graphqlGeneration(input);
    const response = await fetch(`${server.origin}/v2/models/tiny-lm/generate_stream`, {
      method: 'POST',
      headers: { authorization: keys.bearer.admin!, 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: prompt, parameters }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = eventsOf(await response.text());
    const final = events.at(-1)!;
    expect(events.slice(0, -1)).toEqual(
      generation.tokens.map((token) => ({ model_name: 'tiny-lm', model_version: '1', text_output: token.text })),
    );
    expect(final).toEqual({ model_name: 'tiny-lm', model_version: '1', text_output: generation.final.text, finish_reason: 'LENGTH' });
  });

  it('should stop generating when the client goes away', async () => {
    const before = (await figuresOf(as('admin'), 'tiny-lm')).generation?.tokens ?? 0;
    const reader = new AbortController();
    const response = await fetch(`${server.origin}/v2/models/tiny-lm/generate_stream`, {
      method: 'POST',
      headers: { authorization: keys.bearer.admin!, 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: prompt, parameters: { max_tokens: 1000, temperature: 0 } }),
      signal: reader.signal,
    });
    const body = response.body!.getReader();
    expect((await body.read()).done).toBe(false);
    reader.abort();
    const figures = await waitForFigures(as('admin'), 'tiny-lm', (each) => each.generation?.activeStreams === 0);
    // Its slot was freed long before its 1000 tokens.
    expect(figures.generation!.tokens - before).toBeLessThan(1000);
  });

  it('should refuse a bad parameter before the stream starts, as a JSON error', async () => {
    const { status, json } = await v2('admin', 'POST', '/v2/models/tiny-lm/generate_stream', {
      text_input: prompt,
      parameters: { max_tokens: 0 },
    });
    expect(status).toBe(400);
    expect(json).toEqual({ error: expect.stringMatching(/maxTokens must be from 1 to \d+, got 0/), code: 'INVALID_ARGUMENT' });
    expect(await v2('admin', 'POST', '/v2/models/tiny-lm/generate', { text_input: 7 })).toMatchObject({
      status: 400,
      json: { error: '"text_input" must be a string, got 7', code: 'INVALID_ARGUMENT' },
    });
  });
});

describe('scopes and models of a key', () => {
  const routes: [string, 'GET' | 'POST', string, string, unknown][] = [
    ['repository index', 'POST', '/v2/repository/index', 'no-read', {}],
    ['statistics of every model', 'GET', '/v2/models/stats', 'no-read', undefined],
    ['statistics of a model', 'GET', '/v2/models/glyphs/stats', 'no-read', undefined],
    ['statistics of a version', 'GET', '/v2/models/glyphs/versions/1/stats', 'no-read', undefined],
    ['repository load', 'POST', '/v2/repository/models/glyphs/load', 'no-admin', {}],
    ['repository unload', 'POST', '/v2/repository/models/glyphs/unload', 'no-admin', {}],
    ['generate', 'POST', '/v2/models/tiny-lm/generate', 'no-generate', { text_input: 'The ' }],
    ['generate_stream', 'POST', '/v2/models/tiny-lm/generate_stream', 'no-generate', { text_input: 'The ' }],
  ];

  it.each(routes)('should refuse %s to a key without its scope with 403', async (_name, method, path, key, body) => {
    const { status, json } = await v2(key, method, path, body);
    expect(status).toBe(403);
    expect(json).toMatchObject({ error: expect.stringMatching(/needs the "(models:read|admin|generate)" scope/), code: 'FORBIDDEN' });
    // Nothing was unloaded.
    expect((await v2('admin', 'GET', '/v2/models/glyphs/ready')).status).toBe(200);
  });

  it('should show a key limited to one model only that model, in the index and the statistics', async () => {
    expect((await indexOf('glyphs-only')).map((entry) => entry.name)).toEqual(['glyphs']);
    expect((await statsOf('/v2/models/stats', 'glyphs-only')).map((stat) => stat.name)).toEqual(['glyphs']);
    // Another model answers exactly as one that does not exist.
    const hidden = await v2('glyphs-only', 'GET', '/v2/models/tiny-lm/stats');
    const missing = await v2('glyphs-only', 'GET', '/v2/models/nope/stats');
    expect(hidden.status).toBe(404);
    expect(hidden.json).toEqual({
      ...(missing.json as object),
      error: (missing.json as { error: string }).error.replace('nope', 'tiny-lm'),
    });
    expect(await v2('glyphs-only', 'POST', '/v2/repository/models/tiny-lm/unload', {})).toMatchObject({ status: 404 });
  });
});

describe('generate’s work under the rate limits', () => {
  const WORK_BURST = 20;
  // The limiter's clock stands still: no bucket refills during the test.
  const limited = forSuite(() =>
    serveModels((repository) => repository.copyExample('tiny-lm'), {
      rateLimits: { workPerSecond: 10, workBurst: WORK_BURST },
      now: () => 0,
    }),
  );
  const generate = (maxTokens: number) =>
    fetch(`${limited.origin}/v2/models/tiny-lm/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: 'The ', parameters: { max_tokens: maxTokens, temperature: 0 } }),
    });

  it('should spend the tokens asked from the bucket GraphQL’s generate spends from', async () => {
    const tooMany = await generate(WORK_BURST + 1);
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toMatchObject({
      code: 'QUERY_TOO_COMPLEX',
      error: expect.stringMatching(/asks 21 rows, tokens and frames/),
    });

    expect((await generate(WORK_BURST - 5)).status).toBe(200);
    const overGraphQL = generationOf(
      await collect(graphqlWs.subscribe(limited, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 5 } })),
    );
    expect(overGraphQL.tokens).toHaveLength(5);
    const refused = await generate(1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });
});
