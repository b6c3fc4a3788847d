/**
 * The liveness probe's own thread: a GET every `intervalMs` (or at once when the last took
 * longer), as a load balancer would send, timed on an event loop the load generator can't block.
 */
import { Agent, get } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

if (!parentPort) throw new Error('health-probe-worker.ts runs only as a worker thread');
const port = parentPort;
const { url, intervalMs } = workerData as { url: string; intervalMs: number };
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const latenciesMs: number[] = [];
let failures = 0;
let stopping = false;

port.on('message', (command: 'reset' | 'stop') => {
  if (command === 'stop') {
    stopping = true;
  } else {
    latenciesMs.length = 0;
    failures = 0;
  }
});

function probe(): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) latenciesMs.push(performance.now() - started);
        else failures++;
        resolve();
      });
    }).on('error', () => {
      failures++;
      resolve();
    });
  });
}

port.postMessage('ready');
while (!stopping) {
  const next = performance.now() + intervalMs;
  await probe();
  const wait = next - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
agent.destroy();
port.postMessage({ latenciesMs, failures });
