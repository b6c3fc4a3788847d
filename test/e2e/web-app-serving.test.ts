import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { buildWebApp } from '../fixtures/web-app.ts';

beforeAll(buildWebApp, 120_000);

describe('the browser app at /', () => {
  const server = forSuite(() => serveModels(async () => {}, { graphiql: true }));

  it('should serve the page, revalidated on every load, under a policy that allows only its own origin', async () => {
    const response = await fetch(`${server.origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const host = new URL(server.origin).host;
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy.split('; ')).toEqual(
      expect.arrayContaining(["default-src 'self'", `connect-src 'self' ws://${host} wss://${host}`, "object-src 'none'"]),
    );
    expect(policy).not.toContain('unsafe-inline');
    expect(await response.text()).toContain('<div id="root"></div>');
  });

  it('should serve its hashed scripts and styles for a year', async () => {
    const page = await (await fetch(`${server.origin}/`)).text();
    const assets = [...page.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map(([, path]) => path!);
    expect(assets.some((path) => path.endsWith('.js'))).toBe(true);
    expect(assets.some((path) => path.endsWith('.css'))).toBe(true);
    for (const path of assets) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('should leave GraphQL, GraphiQL, the probes and /metrics as they were', async () => {
    const graphiql = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await graphiql.text()).toContain('GraphiQL');
    const answer = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ health { live } }' }),
    });
    expect(await answer.json()).toEqual({ data: { health: { live: true } } });
    expect((await fetch(`${server.origin}/health/live`)).status).toBe(200);
    expect(await (await fetch(`${server.origin}/metrics`)).text()).toContain('infergraph_requests_total');
  });

  it('should answer a path that is no file of the app with 404', async () => {
    expect((await fetch(`${server.origin}/no-such-page`)).status).toBe(404);
    expect((await fetch(`${server.origin}/.sources-hash`)).status).toBe(404);
  });
});

describe('without the built app', () => {
  it('should say at / how to build it', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'infergraph-web-'));
    try {
      await using server = await serveModels(async () => {}, { webAppRoot: empty });
      const response = await fetch(`${server.origin}/`);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('npm run build:web');
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('should serve nothing at / with --web-app false', async () => {
    await using server = await serveModels(async () => {}, { webApp: false, graphiql: true });
    expect((await fetch(`${server.origin}/`)).status).toBe(404);
    expect((await fetch(server.url, { headers: { accept: 'text/html' } })).status).toBe(200);
  });
});
