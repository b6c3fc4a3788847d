/**
 * `--health-port`: /health/live and /health/ready served by a thread of their own, so that the
 * main thread's long tasks (a batch of answers, GC, a large JSON body) cannot delay a probe and
 * make a Kubernetes probe or a load balancer take a healthy replica out.
 *
 * Liveness still means "the main event loop runs": the main thread stores the time in a shared
 * slot every `heartbeatMs`, and the thread answers 503 once the last beat is older than
 * `maxEventLoopStallMs`. Readiness is a snapshot the main thread sends on the same beat when it
 * changed, so it is at most one heartbeat old; `publish()` sends one at once (the drain's start).
 */
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { siblingModule, startSourceThread } from '../runtime/source-thread.ts';
import type { FromHealthThread, HealthThreadData, ReadyAnswer, ToHealthThread } from './health-port-protocol.ts';

export interface HealthPortOptions {
  /** The port; 0 picks a free one. */
  port: number;
  host: string;
  /** Past this age of the main thread's last beat, /health/live answers 503, in ms. */
  maxEventLoopStallMs: number;
  /** What /health/ready answers now; called on the main thread at each beat and on `publish()`. */
  readReady: () => ReadyAnswer;
  /** Called when the thread fails after it started listening (it then answers no more). */
  onThreadError?: (error: Error) => void;
  /** How often the main thread beats and sends a changed snapshot, in ms. @default 100 */
  heartbeatMs?: number;
}

export interface HealthPort {
  /** Starts the thread; resolves once it listens, rejects when it cannot (the port is taken). */
  listen(): Promise<void>;
  /** Where the thread listens, once `listen()` resolved; null before and after. */
  address(): AddressInfo | null;
  /** Sends /health/ready's answer now if it changed since the last one sent. */
  publish(): void;
  /** Stops the beats, closes the thread's server (and its keep-alive sockets) and waits for the thread to end. */
  close(): Promise<void>;
}

export function createHealthPort({
  port,
  host,
  maxEventLoopStallMs,
  readReady,
  onThreadError,
  heartbeatMs = 100,
}: HealthPortOptions): HealthPort {
  const heartbeat = new SharedArrayBuffer(BigInt64Array.BYTES_PER_ELEMENT);
  const lastBeat = new BigInt64Array(heartbeat);
  let thread: { worker: Worker; exited: Promise<void> } | null = null;
  let address: AddressInfo | null = null;
  let sent: ReadyAnswer | null = null;
  let beats: NodeJS.Timeout | null = null;

  const send = (message: ToHealthThread) => thread?.worker.postMessage(message);

  const publish = () => {
    if (!thread) return;
    const answer = readReady();
    if (sent && answer.status === sent.status && answer.body === sent.body) return;
    sent = answer;
    send({ type: 'ready', answer });
  };

  const beat = () => {
    Atomics.store(lastBeat, 0, process.hrtime.bigint());
    publish();
  };

  return {
    listen() {
      Atomics.store(lastBeat, 0, process.hrtime.bigint());
      sent = readReady();
      const workerData: HealthThreadData = { port, host, heartbeat, maxEventLoopStallMs, ready: sent };
      const worker = startSourceThread(siblingModule('health-port-thread', import.meta.url), { workerData });
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      thread = { worker, exited };
      // Unref'd: the beats must not keep a process alive that has nothing else to do.
      beats = setInterval(beat, heartbeatMs).unref();
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (message: FromHealthThread) => {
          if (message.type === 'listening') {
            address = message.address;
            resolve();
          } else if (message.type === 'error') {
            reject(new Error(`cannot serve the health probes on ${host}:${port}: ${message.message}`));
          }
        });
        worker.on('error', (error) => {
          reject(error);
          onThreadError?.(error);
        });
        void exited.then(() => reject(new Error('the health probes thread ended before it listened')));
      });
    },

    address: () => address,

    publish,

    async close() {
      if (beats) clearInterval(beats);
      beats = null;
      if (!thread) return;
      send({ type: 'close' });
      await thread.exited;
      thread = null;
      address = null;
    },
  };
}
