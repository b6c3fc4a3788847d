/**
 * The limits of graphql-ws sockets, each on a real socket: connections per caller (closed with 4429),
 * operations per socket (refused with RATE_LIMITED, the socket open), the connection_init timeout
 * (4408) and the largest message (1009). After each, the server keeps serving.
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TOO_MANY_CONNECTIONS } from '../../src/server/graphql-ws.ts';
import { expectStreamFailure } from '../fixtures/failures.ts';
import { serveModels } from '../fixtures/server.ts';
import { nextData } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { createWsClient } from '../fixtures/ws-client.ts';
import { HealthNowDocument, HealthUpdatesDocument } from '../generated/graphql.ts';

const MAX_CONNECTIONS = 2;
const MAX_SUBSCRIPTIONS = 2;
const MAX_MESSAGE_BYTES = 64 * 1024;
/** Short, so that the test of the timeout waits little; the server's close is what the test waits on. */
const INIT_TIMEOUT_MS = 300;

const server = forSuite(() =>
  serveModels((repository) => repository.copyExample('glyphs'), {
    websocket: {
      maxConnections: MAX_CONNECTIONS,
      maxSubscriptions: MAX_SUBSCRIPTIONS,
      connectionInitTimeoutMs: INIT_TIMEOUT_MS,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    },
  }),
);

/** Raw sockets of a test, closed after it whatever happened. */
const opened: WebSocket[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map(close));
  // Whatever was refused, the server keeps serving.
  expect(await server.graphql(HealthNowDocument)).toMatchObject({ data: { health: { live: true } } });
});

interface Closed {
  code: number;
  reason: string;
}

/** A raw socket speaking graphql-ws, open; from `localAddress`, another caller as the server sees it. */
async function openSocket(localAddress = '127.0.0.1'): Promise<WebSocket> {
  const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { localAddress });
  opened.push(socket);
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  return socket;
}

/** Resolves with how the server closes the socket. */
function closeOf(socket: WebSocket): Promise<Closed> {
  return new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Closes the socket from the client's side, unless it is closed already. */
async function close(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return;
  const done = closeOf(socket);
  socket.close();
  await done;
}

/** Sends connection_init; resolves with the server's answer: acknowledged, or how it closed the socket. */
async function connectionInit(socket: WebSocket): Promise<'acknowledged' | Closed> {
  const answer = new Promise<'acknowledged' | Closed>((resolve) => {
    socket.once('message', (data) => {
      expect(JSON.parse(String(data))).toEqual({ type: 'connection_ack' });
      resolve('acknowledged');
    });
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  return answer;
}

describe('connections per caller', () => {
  // From an address of its own, so that the sockets other tests open are not counted with these.
  const caller = '127.0.0.3';

  it('should close a socket past the limit with 4429, and admit one again once another closes', async () => {
    const sockets = [];
    for (let n = 0; n < MAX_CONNECTIONS; n++) {
      const socket = await openSocket(caller);
      expect(await connectionInit(socket)).toBe('acknowledged');
      sockets.push(socket);
    }
    expect(TOO_MANY_CONNECTIONS).toBe(4429);
    expect(await connectionInit(await openSocket(caller))).toEqual({
      code: TOO_MANY_CONNECTIONS,
      reason: `Too many connections: at most ${MAX_CONNECTIONS} per caller`,
    });

    await close(sockets[0]!);
    // The server counts the socket out when its own side closes, which the client cannot see:
    // each attempt is a real answer of the server, refused until it has.
    for (;;) {
      const answer = await connectionInit(await openSocket(caller));
      if (answer === 'acknowledged') break;
      expect(answer).toMatchObject({ code: 4429 });
    }
  });
});

describe('operations per socket', () => {
  it('should refuse a subscribe past the limit with RATE_LIMITED, keep the socket open, and admit one once another completes', async () => {
    await using client = createWsClient(server.wsUrl);
    const streams = Array.from({ length: MAX_SUBSCRIPTIONS }, () => client.subscribe(HealthUpdatesDocument, { intervalMs: 100 }));
    for (const stream of streams) expect((await nextData(stream)).health.live).toBe(true);

    const refused = client.subscribe(HealthUpdatesDocument, { intervalMs: 100 });
    const [result] = [(await refused.next()).value];
    const message = expectStreamFailure([result!], 'RATE_LIMITED');
    expect(message).toBe(`this socket already carries ${MAX_SUBSCRIPTIONS} operations, its most at once; complete one first`);

    // The socket is still open: the streams it carries go on.
    for (const stream of streams) expect((await nextData(stream)).health.live).toBe(true);
    await streams[0]!.return();
    // The server reads a socket's messages in order: the complete above is counted before this subscribe.
    const again = client.subscribe(HealthUpdatesDocument, { intervalMs: 100 });
    expect((await nextData(again)).health.live).toBe(true);
    await Promise.all([again.return(), streams[1]!.return()]);
  });
});

describe('connection_init timeout', () => {
  it('should close a socket that sends no connection_init in time with 4408', async () => {
    const socket = await openSocket();
    expect(await closeOf(socket)).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });
});

describe('largest message', () => {
  it('should close a socket that sends a message over the limit with 1009', async () => {
    const socket = await openSocket();
    expect(await connectionInit(socket)).toBe('acknowledged');
    const query = `query { health { live } } # ${'x'.repeat(MAX_MESSAGE_BYTES)}`;
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    expect(await closeOf(socket)).toMatchObject({ code: 1009 });
  });

  it('should take a message just under the limit', async () => {
    const socket = await openSocket();
    expect(await connectionInit(socket)).toBe('acknowledged');
    const padding = MAX_MESSAGE_BYTES - 200;
    const answer = new Promise((resolve) => socket.once('message', (data) => resolve(JSON.parse(String(data)))));
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `query { health { live } } # ${'x'.repeat(padding)}` } }));
    expect(await answer).toEqual({ id: '1', type: 'next', payload: { data: { health: { live: true } } } });
  });
});
