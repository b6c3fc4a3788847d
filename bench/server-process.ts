/**
 * The server under test in its own process (`node --import tsx src/main.ts`), so that the
 * load generator's JSON and socket work does not run on the server's event loop. It listens
 * on a free port, which it names in its "infergraph listening" log line on stderr. The naive
 * server of bench/naive-server.ts starts the same way (`startChildServer`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readThreadCpu } from './cpu-meter.ts';
import { sleep } from './load.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Settings the bench fixes, so a variable in the caller's shell cannot skew a run. */
const CONFIG_VARIABLES = [
  'PORT',
  'HOST',
  'MODEL_REPOSITORY',
  'WORKERS',
  'WORKER_NICE',
  'MAX_BATCH_SIZE',
  'MAX_QUEUE_DELAY_MS',
  'MAX_QUEUE_SIZE',
  'INSTANCES',
  'INTRA_OP_NUM_THREADS',
  'MAX_TENSOR_BYTES',
  'GRAPHIQL',
  'HEALTH_PORT',
];

const KEPT_LOG_LINES = 500;

export interface ServerProcessOptions {
  modelRepository: string;
  workers: number;
  /** More configuration variables, e.g. `{ MAX_BATCH_SIZE: '1' }`. */
  env?: Record<string, string>;
  /** Extra node flags for the server, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
  /** @default 60_000 */
  readyTimeoutMs?: number;
  /** Serve the probes on a health port too (HEALTH_PORT, a free one), named by `healthOrigin`. @default false */
  healthPort?: boolean;
}

export interface ThreadCpu {
  /** CPU time of the main thread (the event loop), in ms. */
  mainMs: number;
  /** CPU time of every other thread: inference workers, GC, libuv. */
  otherMs: number;
}

export interface ServerProcess extends ChildServer {
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  wsUrl: string;
  /** POSTs a GraphQL operation; throws on any error in the answer. */
  graphql<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export async function startServerProcess({
  modelRepository,
  workers,
  env = {},
  nodeFlags = [],
  readyTimeoutMs = 60_000,
  healthPort = false,
}: ServerProcessOptions): Promise<ServerProcess> {
  const child = await startChildServer({
    args: [...nodeFlags, '--import', 'tsx', 'src/main.ts'],
    env: {
      MODEL_REPOSITORY: modelRepository,
      WORKERS: String(workers),
      GRAPHIQL: 'false',
      ...(healthPort ? { HEALTH_PORT: '0' } : {}),
      ...env,
    },
    listeningMessage: 'infergraph listening',
    readyTimeoutMs,
  });
  const { url } = child;
  return {
    ...child,
    wsUrl: url.replace(/^http/, 'ws'),
    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
      if (body.errors?.length || body.data === undefined) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
  };
}

export interface ChildServerOptions {
  /** Node's arguments: flags, then the entry script and its own arguments. */
  args: string[];
  /** Set on top of this process's environment, without the variables the bench fixes; PORT is 0, HOST 127.0.0.1. */
  env?: Record<string, string>;
  /** The `msg` of the JSON line on stderr whose `url` says where the server listens. */
  listeningMessage: string;
  /** @default 60_000 */
  readyTimeoutMs?: number;
}

/** A server under test, infergraph or another, in a child process; ready once `GET /health/ready` answers 200. */
export interface ChildServer extends AsyncDisposable {
  pid: number;
  /** The `url` of its listening line. */
  url: string;
  origin: string;
  /** Where the server's health port answers the probes (the `healthPort` of its listening line); null without one. */
  healthOrigin: string | null;
  /** CPU used so far by the server's threads, read from /proc (zeros where there is none). */
  threadCpu(): Promise<ThreadCpu>;
  /** The server's last stderr lines, for a failure message. */
  logs(): string[];
}

export async function startChildServer({
  args,
  env = {},
  listeningMessage,
  readyTimeoutMs = 60_000,
}: ChildServerOptions): Promise<ChildServer> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete childEnv[name];
  Object.assign(childEnv, { PORT: '0', HOST: '127.0.0.1' }, env);

  const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const listening = await new Promise<Listening>((resolve, reject) => {
    let buffered = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      buffered += chunk;
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        // A server that logs every request writes thousands of lines a second: keep the last ones, for a failure message.
        if (lines.length > KEPT_LOG_LINES) lines.shift();
        const found = listeningLine(line, listeningMessage);
        if (found) resolve(found);
      }
    });
    void exited.then((code) => reject(new Error(`the server exited (code ${code}) before listening:\n${lines.join('\n')}`)));
  });

  const { url } = listening;
  const origin = new URL(url).origin;
  const server: ChildServer = {
    pid: child.pid!,
    url,
    origin,
    healthOrigin: listening.healthPort === null ? null : `http://${new URL(url).hostname}:${listening.healthPort}`,
    threadCpu: () => readThreadCpu(child.pid!),
    logs: () => [...lines],
    async [Symbol.asyncDispose]() {
      await stop(child, exited);
    },
  };

  try {
    await waitUntilReady(origin, readyTimeoutMs, exited);
  } catch (error) {
    await stop(child, exited);
    throw new Error(`${(error as Error).message}\nserver log:\n${lines.join('\n')}`);
  }
  return server;
}

/** What a listening line says: the GraphQL URL, and the health port when there is one. */
interface Listening {
  url: string;
  healthPort: number | null;
}

function listeningLine(line: string, message: string): Listening | null {
  try {
    const entry = JSON.parse(line) as { msg?: unknown; url?: unknown; healthPort?: unknown };
    if (entry.msg !== message || typeof entry.url !== 'string') return null;
    return { url: entry.url, healthPort: typeof entry.healthPort === 'number' ? entry.healthPort : null };
  } catch {
    return null;
  }
}

async function waitUntilReady(origin: string, timeoutMs: number, exited: Promise<number | null>): Promise<void> {
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = performance.now() + timeoutMs;
  let last = '';
  while (performance.now() < deadline && !dead) {
    const response = await fetch(`${origin}/health/ready`).catch(() => null);
    if (response?.status === 200) return;
    last = response ? await response.text() : 'no answer';
    await sleep(100);
  }
  throw new Error(dead ? 'the server exited while loading its models' : `the server was not ready after ${timeoutMs} ms: ${last}`);
}

async function stop(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
