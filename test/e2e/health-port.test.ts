/**
 * `--health-port`: the probes served by a thread of their own, answering like the GraphQL port's,
 * turning not ready at once when the drain begins, not live while the main event loop is stuck,
 * and nothing listening without the flag.
 */
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { listeningPorts } from '../fixtures/listening-ports.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { health: { port: 0 } }));

function healthOrigin(app: { healthServer: { address(): AddressInfo | null } | null }): string {
  const address = app.healthServer?.address();
  if (!address) throw new Error('the server has no health port');
  return `http://127.0.0.1:${address.port}`;
}

async function probe(url: string, init: RequestInit = {}) {
  const response = await fetch(url, init);
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
}

describe('the health port', () => {
  it('should answer /health/live and /health/ready as the GraphQL port does', async () => {
    const health = healthOrigin(server.app);
    for (const path of ['/health/live', '/health/ready', '/health/ready?probe=1']) {
      const [main, own] = await Promise.all([probe(`${server.origin}${path}`), probe(`${health}${path}`)]);
      expect(own.status).toBe(200);
      expect(own).toEqual(main);
    }
    expect(JSON.parse((await probe(`${health}/health/ready`)).text)).toMatchObject({
      live: true,
      ready: true,
      models: [{ name: 'glyphs', ready: true }],
    });
  });

  it('should answer HEAD with the headers of GET and no body', async () => {
    const response = await fetch(`${healthOrigin(server.app)}/health/ready`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(response.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await response.text()).toBe('');
  });

  it('should answer 404 on any other path and 405 to other methods', async () => {
    const health = healthOrigin(server.app);
    for (const path of ['/', '/health', '/graphql', '/metrics', '/health/live/x']) {
      expect((await probe(`${health}${path}`)).status).toBe(404);
    }
    const post = await fetch(`${health}/health/live`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('should listen on one more port than the GraphQL port, and on none without --health-port', async () => {
    const before = await listeningPorts(process.pid);
    await using plain = await serveModels((repository) => repository.copyExample('glyphs'));
    expect(plain.app.healthServer).toBeNull();
    const graphqlPort = Number(new URL(plain.origin).port);
    expect(difference(await listeningPorts(process.pid), before)).toEqual([graphqlPort]);

    await using probed = await serveModels((repository) => repository.copyExample('glyphs'), { health: { port: 0 } });
    const withHealth = await listeningPorts(process.pid);
    const healthPort = probed.app.healthServer!.address()!.port;
    expect(difference(withHealth, before).sort()).toEqual([graphqlPort, Number(new URL(probed.origin).port), healthPort].sort());
  });

  it('should answer 503 on /health/ready at once when the drain begins, keep /health/live 200, and close with the server', async () => {
    const drained = await serveModels((repository) => repository.copyExample('glyphs'), { health: { port: 0 } });
    const health = healthOrigin(drained.app);
    // A request still sending its body holds the drain open (the server answers what arrived before the signal).
    const body = JSON.stringify({ query: '{ health { ready } }' });
    const held = httpRequest(drained.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': body.length },
    });
    const answered = once(held, 'response');
    const arrived = once(drained.app.server, 'request');
    held.write(body.slice(0, 5));
    await arrived;

    const disposed = drained[Symbol.asyncDispose]();
    const ready = await probe(`${health}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.text)).toMatchObject({ live: true, ready: false });
    expect(ready).toEqual(await probe(`${drained.origin}/health/ready`));
    expect((await probe(`${health}/health/live`)).status).toBe(200);

    held.end(body.slice(5));
    await answered;
    await disposed;
    await expect(fetch(`${health}/health/live`)).rejects.toThrow();
    await drained.repository[Symbol.asyncDispose]();
  });

  it('should answer 503 on /health/live while the main event loop is stuck past the threshold, and 200 once it runs', async () => {
    await using stalling = await serveModels((repository) => repository.copyExample('glyphs'), {
      health: { port: 0, maxEventLoopStallMs: 200 },
    });
    const health = healthOrigin(stalling.app);
    await using prober = await startProber([`${health}/health/live`, `${health}/health/ready`]);
    await prober.answered;

    // This thread is the server's main thread: spin on it, as a stuck request handler would, until the probes,
    // sent from another thread, read 503 (or give up after 10 s).
    const started = performance.now();
    while (!prober.statuses().every((status) => status === 503) && performance.now() - started < 10_000);
    expect(prober.statuses()).toEqual([503, 503]);

    const [live, ready] = await prober.stop();
    const stalled = /^the event loop has not run for (\d+) ms$/;
    expect(JSON.parse(live!)).toEqual({ live: false, reason: expect.stringMatching(stalled) });
    expect(JSON.parse(ready!)).toEqual({ live: false, ready: false, reason: expect.stringMatching(stalled) });
    expect(Number(stalled.exec(JSON.parse(live!).reason)![1])).toBeGreaterThan(200);

    // Running again, the next beat makes it live.
    await vi.waitFor(async () => expect(await probe(`${health}/health/live`)).toMatchObject({ status: 200, text: '{"live":true}' }));
    expect((await probe(`${health}/health/ready`)).status).toBe(200);
  });
});

function difference(after: readonly number[], before: readonly number[]): number[] {
  return after.filter((port) => !before.includes(port));
}

interface Prober extends AsyncDisposable {
  /** Resolves once every URL has answered 200. */
  answered: Promise<void>;
  /** The status of the last answer of each URL, read while this thread is blocked. */
  statuses(): number[];
  /** Stops probing; resolves with the body of each URL's last answer other than 200 (undefined where none came). */
  stop(): Promise<(string | undefined)[]>;
}

/**
 * Probes each URL over and over from a thread of its own, writing the status of each answer into
 * shared memory: the test reads it while it keeps the server's (its own) event loop busy.
 */
async function startProber(urls: string[]): Promise<Prober> {
  const shared = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * urls.length);
  const statuses = new Int32Array(shared);
  const worker = new Worker(PROBER, { eval: true, workerData: { urls, shared } });
  const lastFailures: (string | undefined)[] = urls.map(() => undefined);
  let allAnswered: () => void;
  const answered = new Promise<void>((resolve) => (allAnswered = resolve));
  worker.on('message', (message: { index: number; status: number; body: string }) => {
    if (message.status !== 200) lastFailures[message.index] = message.body;
    if (Array.from(statuses).every((status) => status === 200)) allAnswered();
  });
  const exited = once(worker, 'exit');
  let stopped = false;
  const stop = async () => {
    stopped = true;
    worker.postMessage('stop');
    await exited;
    return lastFailures;
  };
  return {
    answered,
    statuses: () => Array.from(urls, (_, index) => Atomics.load(statuses, index)),
    stop,
    async [Symbol.asyncDispose]() {
      if (!stopped) await stop();
    },
  };
}

/** The prober thread's code: plain JavaScript, so it starts without a TypeScript loader. */
const PROBER = `
const { get, Agent } = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { urls, shared } = workerData;
const statuses = new Int32Array(shared);
let stopping = false;
parentPort.on('message', () => { stopping = true; parentPort.close(); });
function probe(url, agent) {
  return new Promise((resolve) => {
    get(url, { agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    }).on('error', (error) => resolve({ status: 0, body: error.message }));
  });
}
urls.forEach(async (url, index) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  while (!stopping) {
    const { status, body } = await probe(url, agent);
    Atomics.store(statuses, index, status);
    if (!stopping) parentPort.postMessage({ index, status, body });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  agent.destroy();
});
`;
