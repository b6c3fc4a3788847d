import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { authSettings, createKeysFile, JWT_SECRET } from '../fixtures/credentials.ts';
import { figuresOf, statsOf } from '../fixtures/figures.ts';
import { generationOf } from '../fixtures/generation.ts';
import { startPrometheus } from '../fixtures/prometheus.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { collect } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { graphqlWs, TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument, PredictDocument } from '../generated/graphql.ts';

/** Every metric of the API with its type: renaming or dropping one is a breaking change, and fails here. */
const METRICS: Record<string, 'counter' | 'gauge' | 'histogram' | 'summary'> = {
  infergraph_requests_total: 'counter',
  infergraph_subscriptions_active: 'gauge',
  infergraph_websocket_connections: 'gauge',
  infergraph_inference_request_success_total: 'counter',
  infergraph_inference_request_failure_total: 'counter',
  infergraph_inference_count_total: 'counter',
  infergraph_inference_exec_count_total: 'counter',
  infergraph_inference_queue_seconds_total: 'counter',
  infergraph_inference_compute_seconds_total: 'counter',
  infergraph_inference_pending_requests: 'gauge',
  infergraph_inference_in_flight_requests: 'gauge',
  infergraph_generation_streams_running: 'gauge',
  infergraph_generation_streams_waiting: 'gauge',
  infergraph_generation_tokens_total: 'counter',
  infergraph_model_memory_bytes: 'gauge',
  infergraph_model_load_seconds: 'gauge',
  infergraph_model_versions: 'gauge',
  infergraph_request_duration_seconds: 'histogram',
  infergraph_inference_batch_size: 'histogram',
  infergraph_inference_queue_duration_seconds: 'histogram',
  infergraph_inference_compute_duration_seconds: 'histogram',
  infergraph_generation_time_to_first_token_seconds: 'histogram',
  infergraph_generation_inter_token_latency_seconds: 'histogram',
  infergraph_generation_requests_total: 'counter',
  infergraph_generation_prompt_tokens_total: 'counter',
  infergraph_worker_restarts_total: 'counter',
  // Some of prom-client's default collectors, under the same prefix.
  infergraph_process_cpu_seconds_total: 'counter',
  infergraph_process_resident_memory_bytes: 'gauge',
  infergraph_nodejs_eventloop_lag_seconds: 'gauge',
  infergraph_nodejs_eventloop_lag_p99_seconds: 'gauge',
};

/** How `infergraph_requests_total` names each transport of the test table. */
const TRANSPORT_LABEL: Record<string, string> = { HTTP: 'http', 'graphql-ws': 'ws', SSE: 'sse' };

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  types: Map<string, string>;
  samples: Sample[];
}

/**
 * The Prometheus text format (version 0.0.4), as far as these tests read it: `# TYPE` lines and
 * samples. Written here because it is twenty lines; `promtool check metrics` lints the full format below.
 */
function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!;
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

async function scrape(server: TestServer, headers: Record<string, string> = {}): Promise<Exposition> {
  const response = await fetch(`${server.origin}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await response.text());
}

/** The value of the one sample with these labels, 0 when there is none yet. */
function sampleOf({ samples }: Exposition, name: string, labels: Record<string, string>): number {
  const found = samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.value ?? 0;
}

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('tiny-lm');
  }),
);

const glyphs = (rows: number, pixels = GLYPH_PIXELS) => ({
  model: 'glyphs',
  inputs: [{ name: 'pixels', shape: [rows, pixels], data: new Array(rows * pixels).fill(0) }],
});

describe.each(TRANSPORTS)('/metrics after predicts over $name', (transport) => {
  const label = TRANSPORT_LABEL[transport.name]!;

  it('should count each operation once by transport and outcome, and count rows and runs as ModelStats does', async () => {
    const before = await scrape(server);
    const count = (exposition: Exposition, outcome: string) =>
      sampleOf(exposition, 'infergraph_requests_total', { transport: label, outcome });

    for (const rows of [1, 3]) expect((await transport.execute(server, PredictDocument, { input: glyphs(rows) })).errors).toBeUndefined();
    const wrongShape = await transport.execute(server, PredictDocument, { input: glyphs(1, GLYPH_PIXELS - 1) });
    expect(wrongShape.errors?.[0]?.extensions?.code).toBe('INVALID_TENSOR');
    const unknown = await transport.execute(server, PredictDocument, { input: { ...glyphs(1), model: 'no-such-model' } });
    expect(unknown.errors?.[0]?.extensions?.code).toBe('MODEL_NOT_FOUND');

    // Refused by validation, before it executes: counted once all the same.
    const unknownField = await transport.execute(server, '{ models { noSuchField } }');
    expect(unknownField.errors?.[0]?.message).toMatch(/noSuchField/);

    const after = await scrape(server);
    expect(count(after, 'success') - count(before, 'success')).toBe(2);
    expect(count(after, 'invalid') - count(before, 'invalid')).toBe(3);

    // One source: the per-version series are the figures Query.model answers.
    const stats = await statsOf(server, 'glyphs');
    const version = { model: 'glyphs', version: '1' };
    expect(sampleOf(after, 'infergraph_inference_count_total', version)).toBe(stats.items);
    expect(sampleOf(after, 'infergraph_inference_exec_count_total', version)).toBe(stats.batches);
    expect(sampleOf(after, 'infergraph_inference_request_failure_total', version)).toBe(stats.failures);
    expect(sampleOf(after, 'infergraph_inference_request_success_total', version)).toBe(stats.requests - stats.failures);
    expect(
      sampleOf(after, 'infergraph_inference_count_total', version) - sampleOf(before, 'infergraph_inference_count_total', version),
    ).toBe(4);
    const grew = (name: string) => sampleOf(after, name, version) - sampleOf(before, name, version);
    expect(grew('infergraph_inference_batch_size_sum')).toBe(4);
    expect(grew('infergraph_inference_batch_size_count')).toBe(grew('infergraph_inference_exec_count_total'));
    expect(grew('infergraph_inference_compute_duration_seconds_count')).toBe(grew('infergraph_inference_exec_count_total'));
    // The request with the wrong shape was refused before the queue, so two waited in it.
    expect(grew('infergraph_inference_queue_duration_seconds_count')).toBe(2);
    const timed = (exposition: Exposition) => sampleOf(exposition, 'infergraph_request_duration_seconds_count', { transport: label });
    expect(timed(after) - timed(before)).toBe(4);
    expect(sampleOf(after, 'infergraph_inference_pending_requests', version)).toBe(0);
    expect(sampleOf(after, 'infergraph_model_versions', { ...version, state: 'READY' })).toBe(1);
    expect(sampleOf(after, 'infergraph_model_versions', { ...version, state: 'FAILED' })).toBe(0);

    // A name the client chose is no label value.
    expect(after.samples.filter((sample) => Object.values(sample.labels).includes('no-such-model'))).toEqual([]);
  });
});

describe('/metrics', () => {
  it('should count generated tokens as Query.model does, and the stream by its root field', async () => {
    const generation = generationOf(
      await collect(graphqlWs.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 5, seed: 1 } })),
    );
    expect(generation.final.usage?.completionTokens).toBe(5);
    const exposition = await scrape(server);
    const figures = await figuresOf(server, 'tiny-lm');
    const version = { model: 'tiny-lm', version: '1' };
    expect(sampleOf(exposition, 'infergraph_generation_tokens_total', version)).toBe(figures.generation!.tokens);
    expect(sampleOf(exposition, 'infergraph_generation_streams_running', version)).toBe(0);
    expect(sampleOf(exposition, 'infergraph_generation_time_to_first_token_seconds_count', version)).toBe(1);
    expect(sampleOf(exposition, 'infergraph_generation_inter_token_latency_seconds_count', version)).toBe(4);
    expect(sampleOf(exposition, 'infergraph_generation_requests_total', { ...version, finish_reason: 'length' })).toBe(1);
    expect(sampleOf(exposition, 'infergraph_generation_prompt_tokens_total', version)).toBe(generation.final.usage!.promptTokens);
    expect(sampleOf(exposition, 'infergraph_subscriptions_active', { transport: 'ws', kind: 'generate' })).toBe(0);
    expect(sampleOf(exposition, 'infergraph_requests_total', { transport: 'ws', outcome: 'success' })).toBeGreaterThan(0);
    expect(sampleOf(exposition, 'infergraph_websocket_connections', {})).toBeGreaterThanOrEqual(1);
  });

  it('should serve every documented metric with its type', async () => {
    await server.graphql(PredictDocument, { input: glyphs(1) });
    const { types } = await scrape(server);
    const served = Object.fromEntries(Object.keys(METRICS).map((name) => [name, types.get(name)]));
    expect(served).toEqual(METRICS);
  });

  it("should pass promtool's lint of the exposition format", async () => {
    await server.graphql(PredictDocument, { input: glyphs(2) });
    // prom-client's own default collectors name three gauges `_total` (upstream names, kept so that
    // Node dashboards find them); promtool lints that, so they are left out of what it checks.
    const body = (await (await fetch(`${server.origin}/metrics`)).text())
      .split('\n')
      .filter((line) => !/infergraph_nodejs_active_(handles|requests|resources)_total\b/.test(line))
      .join('\n');
    const lint = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: body, encoding: 'utf8' });
    expect({ status: lint.status, output: `${lint.stdout}${lint.stderr}` }).toEqual({ status: 0, output: '' });
  });

  it('should refuse a method other than GET with 405, and keep serving', async () => {
    const response = await fetch(`${server.origin}/metrics`, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
    await scrape(server);
  });
});

describe('/metrics after an inference thread died', () => {
  it('should count the replacement by worker index, as pool.stats() does, and zero for the others', async () => {
    await using own = await serveModels((repository) => repository.copyExample('glyphs'));
    const { pool } = own.app;
    const restarts = (exposition: Exposition, worker: string) => sampleOf(exposition, 'infergraph_worker_restarts_total', { worker });
    const before = await scrape(own);
    expect([restarts(before, '0'), restarts(before, '1')]).toEqual([0, 0]);

    const recovered = new Promise((resolve) => pool.onWorkerExit(resolve));
    await pool.terminateWorker(1);
    await recovered;

    const after = await scrape(own);
    expect([restarts(after, '0'), restarts(after, '1')]).toEqual(pool.stats().map((worker) => worker.restarts));
    expect(restarts(after, '1')).toBe(1);
    expect((await own.graphql(PredictDocument, { input: glyphs(1) })).errors).toBeUndefined();
  });
});

describe('/metrics with authentication on', () => {
  const keys = forSuite(() =>
    createKeysFile([
      { name: 'admin', scopes: ['models:read', 'predict', 'generate', 'admin'] },
      { name: 'predict-only', scopes: ['predict'] },
    ]),
  );
  const secured = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), { auth: authSettings({ keysFile: keys.path, jwtSecret: JWT_SECRET }) }),
  );

  it('should answer 401 without a credential and 403 without the admin scope', async () => {
    const anonymous = await fetch(`${secured.origin}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="infergraph"');
    expect(await anonymous.text()).toMatch(/^UNAUTHENTICATED: /);
    const predictOnly = await fetch(`${secured.origin}/metrics`, { headers: { authorization: keys.bearer['predict-only']! } });
    expect(predictOnly.status).toBe(403);
    expect(await predictOnly.text()).toBe('FORBIDDEN: /metrics needs a credential with the admin scope; this one has predict\n');
  });

  it('should serve an admin credential', async () => {
    const { types } = await scrape(secured, { authorization: keys.bearer.admin! });
    expect(types.get('infergraph_requests_total')).toBe('counter');
  });
});

describe('/metrics on a port of its own', () => {
  const separate = forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { metrics: { enabled: true, port: 0 } }));

  it('should serve /metrics there only, and not on the GraphQL port', async () => {
    const { port } = separate.app.metricsServer!.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE infergraph_requests_total counter');
    expect((await fetch(`${separate.origin}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${port}/graphql`)).status).toBe(404);
  });
});

describe('/metrics turned off', () => {
  const off = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), { metrics: { enabled: false, port: undefined } }),
  );

  it('should not be served', async () => {
    expect(off.app.metrics).toBeNull();
    expect((await fetch(`${off.origin}/metrics`)).status).toBe(404);
  });
});

describe('/metrics scraped by a real Prometheus server', () => {
  it('should be scraped, and answer a query of the per-version series', async () => {
    await server.graphql(PredictDocument, { input: glyphs(2) });
    await using prometheus = await startPrometheus({ target: new URL(server.origin).host });
    const items = (await statsOf(server, 'glyphs')).items;
    const [sample] = await prometheus.queryUntilAnswered('infergraph_inference_count_total{model="glyphs"}');
    expect(sample!.metric).toMatchObject({ model: 'glyphs', version: '1', job: 'infergraph' });
    expect(Number(sample!.value[1])).toBe(items);
    const [up] = await prometheus.queryUntilAnswered('up{job="infergraph"}');
    expect(up!.value[1]).toBe('1');
  });
});

describe('/metrics when the rate limit refuses', () => {
  // A clock that never moves: the bucket never refills, so the second operation is refused.
  const limited = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), {
      rateLimits: { requestsPerSecond: 1, requestBurst: 1 },
      now: () => 0,
    }),
  );

  it('should count the refused operation as rejected', async () => {
    expect((await limited.graphql(PredictDocument, { input: glyphs(1) })).errors).toBeUndefined();
    const refused = await limited.graphql(PredictDocument, { input: glyphs(1) });
    expect(refused.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    const exposition = await scrape(limited);
    expect(sampleOf(exposition, 'infergraph_requests_total', { transport: 'http', outcome: 'success' })).toBe(1);
    expect(sampleOf(exposition, 'infergraph_requests_total', { transport: 'http', outcome: 'rejected' })).toBe(1);
  });
});
