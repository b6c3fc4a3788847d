import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { generationOf } from '../fixtures/generation.ts';
import { startPrometheus } from '../fixtures/prometheus.ts';
import { serveModels } from '../fixtures/server.ts';
import { collect } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { graphqlWs, TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument, PredictDocument } from '../generated/graphql.ts';

const DASHBOARD = fileURLToPath(new URL('../../deploy/grafana/infergraph.json', import.meta.url));
const ALERTS = fileURLToPath(new URL('../../deploy/prometheus/alerts.yml', import.meta.url));
const ALERT_TESTS = fileURLToPath(new URL('../../deploy/prometheus/alerts.test.yml', import.meta.url));

/** The alerts the issue asks for, by the name an operator's pager shows. */
const ALERT_NAMES = [
  'InfergraphHighErrorRate',
  'InfergraphRequestsRejected',
  'InfergraphModelFailures',
  'InfergraphQueueTimeHigh',
  'InfergraphNoReadyVersion',
  'InfergraphWorkerRestarts',
  'InfergraphEventLoopDelayHigh',
];

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

interface Dashboard {
  schemaVersion: number;
  templating: { list: { name: string; type: string; query: string | { query: string } }[] };
  panels: Panel[];
}

const dashboardText = readFileSync(DASHBOARD, 'utf8');
const dashboard = JSON.parse(dashboardText) as Dashboard;
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const expressions = panels.flatMap((panel) => (panel.targets ?? []).map(({ expr }) => ({ panel: panel.title, expr })));

/**
 * What Grafana puts in place of its variables before it sends a query: `$model` as the regex of the
 * models chosen, the intervals as durations. Windows of a minute cover the whole test, so a rate
 * sees every request it sent.
 */
function substitute(expr: string, models: readonly string[]): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__interval', '1m')
    .replaceAll('$__range', '1m')
    .replaceAll(/\$\{?model\}?/g, `(${models.join('|')})`);
}

/**
 * The metric names an expression text mentions. A regex rather than a PromQL parser (there is none
 * among our dependencies): every name the server serves starts with `infergraph_`, which no function,
 * label or keyword of PromQL does.
 */
function metricNamesIn(text: string): Set<string> {
  return new Set(text.match(/\binfergraph_[a-z0-9_]+/g));
}

function run(...args: string[]) {
  const result = spawnSync('/usr/bin/promtool', args, { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('the alert rules', () => {
  it("should pass promtool's check of the rule file", () => {
    const checked = run('check', 'rules', ALERTS);
    expect(checked).toMatchObject({ status: 0, output: expect.stringContaining(`SUCCESS: ${ALERT_NAMES.length} rules found`) });
  });

  it('should fire and stay quiet as their promtool unit tests say', () => {
    const tested = run('test', 'rules', ALERT_TESTS);
    expect(tested).toMatchObject({ status: 0, output: expect.stringContaining('SUCCESS') });
    // Every alert has a test in which it fires.
    const tests = readFileSync(ALERT_TESTS, 'utf8');
    for (const name of ALERT_NAMES) expect(tests).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
  });
});

describe('the Grafana dashboard', () => {
  it('should have a Prometheus datasource variable, a model variable and the rows an operator reads', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(39);
    const variables = Object.fromEntries(dashboard.templating.list.map((variable) => [variable.name, variable]));
    expect(variables.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.model).toMatchObject({ type: 'query', query: { query: 'label_values(infergraph_model_versions, model)' } });
    expect(panels.filter((panel) => panel.type === 'row').map((row) => row.title)).toEqual([
      'Traffic',
      'Latency',
      'Batching',
      'Capacity',
      'Generation',
      'Runtime',
    ]);
    for (const panel of panels.filter((panel) => panel.type !== 'row')) expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
  });
});

describe('the dashboard and alert rules on a real Prometheus scraping a server under load', () => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('tiny-lm');
    }),
  );
  const prometheus = forSuite(() => startPrometheus({ target: new URL(server.origin).host, ruleFiles: [ALERTS] }));
  let models: string[] = [];

  beforeAll(async () => {
    // Scraped once before the load, so that rate() and increase() see every request of it.
    await prometheus.queryUntilAnswered('up{job="infergraph"} == 1');
    const input = (pixels: number) => ({
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [2, pixels], data: new Array(2 * pixels).fill(0) }],
    });
    for (const transport of TRANSPORTS) {
      expect((await transport.execute(server, PredictDocument, { input: input(GLYPH_PIXELS) })).errors).toBeUndefined();
    }
    const failed = await server.graphql(PredictDocument, { input: input(GLYPH_PIXELS - 1) });
    expect(failed.errors?.[0]?.extensions?.code).toBe('INVALID_TENSOR');
    // Twice: a version's generation series start with its first stream (the generator keeps no figures
    // before it), and rate() needs a sample before an increment, so the second is what a rate shows.
    for (let stream = 1; stream <= 2; stream++) {
      const generation = generationOf(
        await collect(
          graphqlWs.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 4, seed: 1 } }),
        ),
      );
      expect(generation.final.usage?.completionTokens).toBe(4);
      await prometheus.queryUntilAnswered(`infergraph_generation_requests_total{model="tiny-lm"} == ${stream}`);
    }
    const { pool } = server.app;
    const replaced = new Promise((resolve) => pool.onWorkerExit(resolve));
    await pool.terminateWorker(1);
    await replaced;

    // Seen by Prometheus: the last figures of the load, in a scrape after it.
    await prometheus.queryUntilAnswered('infergraph_worker_restarts_total{worker="1"} == 1');
    const response = await fetch(`${prometheus.api}/label/model/values?match[]=infergraph_model_versions`);
    models = ((await response.json()) as { data: string[] }).data;
  });

  it('should offer every model the server holds as a value of $model', () => {
    expect(models).toEqual(['glyphs', 'tiny-lm']);
  });

  it('should evaluate every expression of the dashboard without error', async () => {
    expect(expressions.length).toBeGreaterThan(30);
    const failures: { panel: string; expr: string; error: string }[] = [];
    for (const { panel, expr } of expressions) {
      const query = substitute(expr, models);
      expect(query, panel).not.toContain('$');
      const answer = await prometheus.query(query);
      if (answer.status === 'error') failures.push({ panel, expr: query, error: answer.error });
    }
    expect(failures).toEqual([]);
  });

  it('should answer the key panels with what the server did', async () => {
    const valuesOf = async (panel: string, target = 0) => {
      const expr = panels.find((candidate) => candidate.title === panel)?.targets?.[target]?.expr;
      expect(expr, panel).toBeDefined();
      const answer = await prometheus.query(substitute(expr!, models));
      if (answer.status === 'error') throw new Error(`${panel}: ${answer.error}`);
      return answer.result.map(({ metric, value }): Record<string, string | number> => ({ ...metric, value: Number(value[1]) }));
    };
    const requests = await valuesOf('Requests/s by outcome and transport');
    for (const transport of ['http', 'ws', 'sse']) {
      expect(requests).toContainEqual({ transport, outcome: 'success', value: expect.any(Number) });
      expect(requests.find((series) => series.transport === transport && series.outcome === 'success')!.value).toBeGreaterThan(0);
    }
    expect(requests.find((series) => series.transport === 'http' && series.outcome === 'invalid')!.value).toBeGreaterThan(0);

    expect(await valuesOf('Mean batch size')).toContainEqual({ model: 'glyphs', version: '1', value: expect.closeTo(2, 5) });
    expect((await valuesOf('Tokens/s')).find((series) => series.model === 'tiny-lm')!.value).toBeGreaterThan(0);
    expect((await valuesOf('Finish reasons')).map((series) => series.finish_reason)).toEqual(['length']);
    expect(await valuesOf('Versions by state')).toContainEqual({ state: 'READY', value: 2 });
    expect((await valuesOf('Worker restarts')).find((series) => series.worker === '1')!.value).toBeGreaterThan(0);
    expect((await valuesOf('Queue time p99')).map((series) => series.model)).toEqual(['glyphs']);
  });

  it('should load and evaluate every alert rule without error', async () => {
    const rules = await prometheus.rulesOnceEvaluated();
    expect(rules.map((rule) => rule.name).sort()).toEqual([...ALERT_NAMES].sort());
    expect(rules.filter((rule) => rule.health !== 'ok')).toEqual([]);
    for (const rule of rules) expect(await prometheus.query(rule.query), rule.name).toMatchObject({ status: 'success' });
    // The replaced thread is what InfergraphWorkerRestarts watches.
    const restarts = rules.find((rule) => rule.name === 'InfergraphWorkerRestarts')!;
    const answer = await prometheus.query(restarts.query);
    expect(answer.status === 'success' && answer.result.map((sample) => sample.metric.worker)).toEqual(['1']);
  });

  it('should use only metric names the server serves, so that renaming one fails here', async () => {
    const response = await fetch(`${prometheus.api}/label/__name__/values?match[]={job="infergraph"}`);
    const served = new Set(((await response.json()) as { data: string[] }).data);
    const used = new Set([...metricNamesIn(dashboardText), ...metricNamesIn(readFileSync(ALERTS, 'utf8'))]);
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });
});
