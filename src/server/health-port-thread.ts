/**
 * The health port's thread (health-port.ts starts it): its own event loop and node:http server,
 * so that a probe is answered at once however long the main thread's tasks run. It answers from
 * what the main thread left for it: the time of its last heartbeat, and a snapshot of /health/ready.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice } from '../runtime/thread-priority.ts';
import { LIVE_BODY, LIVE_PATH, READY_PATH, sendJson } from './health-endpoints.ts';
import type { FromHealthThread, HealthThreadData, ReadyAnswer, ToHealthThread } from './health-port-protocol.ts';

if (!parentPort) throw new Error('health-port-thread.ts runs only as a worker thread');
const parent = parentPort;
const { port, host, heartbeat, maxEventLoopStallMs, ready: firstReady } = workerData as HealthThreadData;
const lastBeat = new BigInt64Array(heartbeat);
let ready: ReadyAnswer = firstReady;

const tell = (message: FromHealthThread) => parent.postMessage(message);

/**
 * The nice value this thread asks for. On a saturated machine a probe's latency is mostly the wait for
 * a core behind the busy threads; ahead of them in the queue it is answered as soon as it arrives. The
 * thread does almost nothing, so it takes no CPU from them.
 */
const HEALTH_THREAD_NICE = -10;

/** How long ago the main thread's event loop last ran a beat, in ms. */
function stallMs(): number {
  return Number(process.hrtime.bigint() - Atomics.load(lastBeat, 0)) / 1e6;
}

function answerProbe(path: string, response: ServerResponse): void {
  const stalled = stallMs();
  if (stalled > maxEventLoopStallMs) {
    // A loop that does not run serves no traffic either: not ready, whatever the last snapshot said.
    const reason = `the event loop has not run for ${Math.round(stalled)} ms`;
    sendJson(response, 503, JSON.stringify(path === LIVE_PATH ? { live: false, reason } : { live: false, ready: false, reason }));
  } else if (path === LIVE_PATH) {
    sendJson(response, 200, LIVE_BODY);
  } else {
    sendJson(response, ready.status, ready.body);
  }
}

const server = createServer((request, response) => {
  const path = request.url?.split('?', 1)[0] ?? '';
  if (path !== LIVE_PATH && path !== READY_PATH) {
    response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    response.end(`this port serves only ${LIVE_PATH} and ${READY_PATH}\n`);
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    response.end('health probes are GET or HEAD\n');
  } else {
    answerProbe(path, response);
  }
});

parent.on('message', (message: ToHealthThread) => {
  if (message.type === 'ready') {
    ready = message.answer;
    return;
  }
  server.close(() => {
    tell({ type: 'closed' });
    // The last handle: the thread ends once its port is closed.
    parent.close();
  });
  // A prober's keep-alive socket must not hold the thread open.
  server.closeAllConnections();
});

// Best effort: without CAP_SYS_NICE (root, or granted to the container) the thread keeps the process's nice value,
// and is scheduled like the other threads, which is what the thread alone already buys.
setThreadNice(HEALTH_THREAD_NICE);
server.once('error', (error) => {
  tell({ type: 'error', message: error.message });
  parent.close();
});
server.listen(port, host, () => {
  const { address, family, port: bound } = server.address() as AddressInfo;
  tell({ type: 'listening', address: { address, family, port: bound } });
});
