/** What the main thread and the health port's thread (health-port-thread.ts) tell each other. */

/** What /health/ready answers: its status and its JSON body, serialized on the main thread. */
export interface ReadyAnswer {
  status: number;
  body: string;
}

/** The thread's start-up data. */
export interface HealthThreadData {
  port: number;
  host: string;
  /** One BigInt64 slot: `process.hrtime.bigint()` at the main thread's last beat (the monotonic clock every thread shares). */
  heartbeat: SharedArrayBuffer;
  /** Past this age of the last beat, /health/live answers 503. */
  maxEventLoopStallMs: number;
  /** /health/ready's answer until the first snapshot comes. */
  ready: ReadyAnswer;
}

export type ToHealthThread = { type: 'ready'; answer: ReadyAnswer } | { type: 'close' };

export type FromHealthThread =
  | { type: 'listening'; address: { address: string; family: string; port: number } }
  | { type: 'error'; message: string }
  | { type: 'closed' };
