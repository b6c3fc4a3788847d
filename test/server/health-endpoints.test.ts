import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHealth } from '../../src/health/read-health.ts';
import { answerHealthProbe } from '../../src/server/health-endpoints.ts';
import { createTempRepository, type TempRepository } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';

let repository: TempRepository;
let server: TestServer;

beforeAll(async () => {
  repository = await createTempRepository();
  await repository.copyExample('glyphs');
  server = await startServer({ modelRepository: repository.root });
});

afterAll(async () => {
  await server?.[Symbol.asyncDispose]();
  await repository?.[Symbol.asyncDispose]();
});

describe('the HTTP health probes', () => {
  it('should answer the probes as JSON, with or without a query string', async () => {
    for (const path of ['/health/live', '/health/live?probe=1']) {
      const response = await fetch(`${server.origin}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await response.json()).toEqual({ live: true });
    }
    const ready = await fetch(`${server.origin}/health/ready?probe=1`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ live: true, ready: true, models: [{ name: 'glyphs', ready: true }] });
  });

  it('should answer 503 on /health/ready while the server is not ready, with the reason in the body', async () => {
    // A server that has not finished its first load, or is shutting down: readHealth says so.
    const sources = { predictor: { stats: () => null }, generator: { stats: () => null } };
    let started = false;
    let draining = false;
    const registry = { started: false, list: () => [] };
    const http = createServer((request, response) => {
      if (
        !answerHealthProbe(request, response, () =>
          readHealth({ ...sources, registry: { ...registry, started }, draining: () => draining }),
        )
      ) {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/health/ready`;
    try {
      const statuses = [];
      for (const state of [
        { started: false, draining: false },
        { started: true, draining: false },
        { started: true, draining: true },
      ]) {
        ({ started, draining } = state);
        const response = await fetch(url);
        statuses.push([response.status, ((await response.json()) as { ready: boolean }).ready]);
      }
      expect(statuses).toEqual([
        [503, false],
        [200, true],
        [503, false],
      ]);
    } finally {
      await new Promise((resolve) => http.close(resolve));
    }
  });

  it("should not answer yoga's default /health, which no probe of ours serves", async () => {
    const response = await fetch(`${server.origin}/health`);
    expect(response.status).toBe(404);
  });
});
