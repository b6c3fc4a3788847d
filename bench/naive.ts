/**
 * Goal 7's alternative: bench/naive-server.ts in a child process, as infergraph runs, and its
 * client, the same keep-alive node:http load as infergraph's HTTP transports with the tensor as
 * base64 in a JSON body.
 */

import type { ModelSamples } from './samples.ts';
import { type ChildServer, startChildServer } from './server-process.ts';
import { encodeJson, httpTransport, jsonOf, type Transport, toBase64 } from './transports.ts';

/** The path of its rows in the results. */
export const NAIVE_TRANSPORT = 'naive-json-base64';
export const NAIVE_SERVER = 'naive';

export interface NaiveServerOptions {
  /** Model name to ONNX file. */
  models: ReadonlyMap<string, string>;
  /** @default 1, as the raw baseline's sessions */
  intraOpNumThreads?: number;
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

export interface NaiveServer extends ChildServer {
  predictUrl(model: string): string;
}

export async function startNaiveServer({ models, intraOpNumThreads = 1, nodeFlags = [] }: NaiveServerOptions): Promise<NaiveServer> {
  const server = await startChildServer({
    args: [...nodeFlags, '--import', 'tsx', 'bench/naive-server.ts', ...[...models].map(([name, path]) => `${name}=${path}`)],
    env: { INTRA_OP_NUM_THREADS: String(intraOpNumThreads) },
    listeningMessage: 'naive server listening',
  });
  return { ...server, predictUrl: (model) => `${server.origin}/v1/models/${encodeURIComponent(model)}/predict` };
}

export interface NaiveTransportOptions {
  server: NaiveServer;
  model: string;
  input: string;
  samples: ModelSamples;
  concurrency: number;
}

/** Resolves with the number of output values, once it has checked the answer holds outputs. */
export function openNaiveTransport({ server, model, input, samples, concurrency }: NaiveTransportOptions): Transport<number> {
  const bodies = samples.rows.map((row) => encodeJson({ inputs: { [input]: { shape: [1, ...samples.rowShape], base64: toBase64(row) } } }));
  return httpTransport({ url: server.predictUrl(model), concurrency, accept: 'application/json' }, bodies, (answer) =>
    readOutputs(jsonOf(answer), answer.status),
  );
}

function readOutputs(body: unknown, status: number | undefined): number {
  const { outputs, error } = (body ?? {}) as { outputs?: Record<string, { data?: unknown }>; error?: unknown };
  const values = Object.values(outputs ?? {}).reduce((sum, output) => sum + (Array.isArray(output.data) ? output.data.length : 0), 0);
  if (status !== 200 || values === 0) throw new Error(`naive predict failed (HTTP ${status}): ${String(error ?? JSON.stringify(body))}`);
  return values;
}
