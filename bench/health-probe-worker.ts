/**
 * The health probes' own thread: for each URL, a GET every `intervalMs` (or at once when the
 * last took longer), as a load balancer would send, timed on an event loop the load generator
 * can't block.
 */
import { Agent, get } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { setThreadNice } from '../src/runtime/thread-priority.ts';
import type { HealthProbeResult } from './health-probe.ts';

if (!parentPort) throw new Error('health-probe-worker.ts runs only as a worker thread');
const port = parentPort;
const { urls, intervalMs } = workerData as { urls: string[]; intervalMs: number };
const results: HealthProbeResult[] = urls.map(() => ({ latenciesMs: [], failures: 0 }));
let stopping = false;

port.on('message', (command: 'reset' | 'stop') => {
  if (command === 'stop') {
    stopping = true;
  } else {
    for (const result of results) {
      result.latenciesMs.length = 0;
      result.failures = 0;
    }
  }
});

function probe(url: string, agent: Agent, result: HealthProbeResult): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        if (response.statusCode === 200) result.latenciesMs.push(performance.now() - started);
        else result.failures++;
        resolve();
      });
    }).on('error', () => {
      result.failures++;
      resolve();
    });
  });
}

async function probeUntilStopped(url: string, result: HealthProbeResult): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  while (!stopping) {
    const next = performance.now() + intervalMs;
    await probe(url, agent, result);
    const wait = next - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  agent.destroy();
}

/**
 * Ahead of the load generator for a core, where permitted (Linux, where the nice value is the thread's,
 * with CAP_SYS_NICE): a kubelet or a load balancer does not share the server's cores, so the time this
 * thread waits to run is the bench's, not the server's. Without the permission the figures include it.
 */
setThreadNice(-10);

const probing = urls.map((url, index) => probeUntilStopped(url, results[index]!));
port.postMessage('ready');
await Promise.all(probing);
port.postMessage(results);
