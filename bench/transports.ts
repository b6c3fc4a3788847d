/**
 * The ways a client can run a model, each sending one row per request: three GraphQL `predict`s and two Open
 * Inference Protocol (KServe v2) infers.
 *
 * - `http-base64`: a JSON POST, the tensor as a base64 string;
 * - `http-multipart`: a graphql-multipart-request-spec POST, the tensor as a binary part;
 * - `ws-base64`: graphql-ws over one `ws` socket, every request a subscribe message;
 * - `v2-json`: `POST /v2/models/{m}/infer`, the tensor as a JSON list of numbers, the outputs answered as JSON;
 * - `v2-binary`: the same with the binary tensor data extension, as tritonclient's HTTP client sends by default:
 *   the tensor's bytes after the JSON header (`binary_data_size`), every output asked for as bytes
 *   (`binary_data_output`, as tritonclient asks when it names no outputs).
 *
 * Request bodies are built once per sample, so the load generator spends its CPU on sockets
 * and on parsing answers, not on encoding: on a 2-core machine it shares the cores with the
 * server. HTTP goes through node:http with keep-alive (one socket per loop), which costs
 * the client less than fetch.
 */
import { Buffer } from 'node:buffer';
import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PredictBase64Document } from '../test/generated/graphql.ts';
import type { ModelSamples } from './samples.ts';

export const TRANSPORTS = ['http-base64', 'http-multipart', 'ws-base64', 'v2-json', 'v2-binary'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** The SDK's predict with base64 outputs, so that answers cost the server no JSON lists of numbers. */
const PREDICT = print(PredictBase64Document);

/** The server's own account of one request (PredictTiming). */
export interface PredictTiming {
  batchSize: number;
  queueMs: number;
  computeMs: number;
  totalMs: number;
}

/** One output of an answer: FP32 elements as little-endian bytes, whichever way they came. */
export interface AnswerOutput {
  name: string;
  dataType: string;
  shape: number[];
  bytes: Uint8Array;
}

/** What the bench keeps of a server's answer, once checked that it succeeded. */
export interface ServerReply {
  /** The server's timing; null over v2, whose answer has no field for it. */
  timing: PredictTiming | null;
  /** The outputs, decoded only when asked (the check before measuring), so that the load generator pays nothing for them. */
  outputs(): AnswerOutput[];
}

export interface Transport<Reply = ServerReply> extends AsyncDisposable {
  /** Sends sample `index` (modulo the number of samples) and resolves with what the answer says. */
  send(index: number): Promise<Reply>;
}

export interface TransportOptions {
  url: string;
  wsUrl: string;
  /** The server's origin, under which /v2 is served. */
  origin: string;
  model: string;
  input: string;
  samples: ModelSamples;
  concurrency: number;
}

export async function openTransport(name: TransportName, options: TransportOptions): Promise<Transport> {
  switch (name) {
    case 'http-base64':
      return httpTransport(
        options,
        options.samples.rows.map((row) => jsonBody(options, row)),
        readReply,
      );
    case 'http-multipart':
      return httpTransport(options, await Promise.all(options.samples.rows.map((row) => multipartBody(options, row))), readReply);
    case 'ws-base64':
      return wsTransport(options);
    case 'v2-json':
    case 'v2-binary': {
      const binary = name === 'v2-binary';
      const url = `${options.origin}/v2/models/${encodeURIComponent(options.model)}/infer`;
      const bodies = options.samples.rows.map((row) => (binary ? v2BinaryBody(options, row) : v2JsonBody(options, row)));
      return httpTransport({ url, concurrency: options.concurrency, accept: 'application/json' }, bodies, (answer) =>
        readV2Reply(answer, binary),
      );
    }
  }
}

export interface Body {
  contentType: string;
  bytes: Buffer;
  /** More request headers: the binary extension's Inference-Header-Content-Length. */
  headers?: Record<string, string>;
}

/** An HTTP answer as it came: its status, headers and whole body. */
export interface HttpAnswer {
  status: number | undefined;
  headers: IncomingHttpHeaders;
  bytes: Buffer;
}

/** One row as `predict`'s variables; a multipart request leaves `file` null for the map to fill. */
function variables({ model, input, samples }: TransportOptions, payload: { base64: string } | { file: null }) {
  return { input: { model, inputs: [{ name: input, shape: [1, ...samples.rowShape], ...payload }] } };
}

function jsonBody(options: TransportOptions, row: Float32Array): Body {
  return encodeJson({ query: PREDICT, variables: variables(options, { base64: toBase64(row) }) });
}

export function encodeJson(value: unknown): Body {
  return { contentType: 'application/json', bytes: Buffer.from(JSON.stringify(value)) };
}

/** The protocol's input tensor head: one row of FP32. */
function v2Input({ input, samples }: TransportOptions) {
  return { name: input, shape: [1, ...samples.rowShape], datatype: 'FP32' };
}

function v2JsonBody(options: TransportOptions, row: Float32Array): Body {
  return encodeJson({ inputs: [{ ...v2Input(options), data: Array.from(row) }] });
}

/** The JSON header, then the tensor's bytes; the header's length in Inference-Header-Content-Length, as tritonclient sends it. */
function v2BinaryBody(options: TransportOptions, row: Float32Array): Body {
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ ...v2Input(options), parameters: { binary_data_size: row.byteLength } }],
      parameters: { binary_data_output: true },
    }),
  );
  return {
    contentType: 'application/octet-stream',
    bytes: Buffer.concat([header, bytesOf(row)]),
    headers: { 'inference-header-content-length': String(header.byteLength) },
  };
}

/** Encoded once by the platform's FormData, as a browser or fetch client would send it. */
async function multipartBody(options: TransportOptions, row: Float32Array): Promise<Body> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: PREDICT, variables: variables(options, { file: null }) }));
  form.append('map', JSON.stringify({ 0: ['variables.input.inputs.0.file'] }));
  form.append('0', new Blob([bytesOf(row)], { type: 'application/octet-stream' }), 'tensor.bin');
  const encoded = new Response(form);
  return { contentType: encoded.headers.get('content-type')!, bytes: Buffer.from(await encoded.arrayBuffer()) };
}

/** POSTs `bodies` in turn to `url` and reads each answer with `read`, which throws on a failed one. */
export function httpTransport<Reply>(
  { url, concurrency, accept = 'application/graphql-response+json' }: { url: string; concurrency: number; accept?: string },
  bodies: Body[],
  read: (answer: HttpAnswer) => Reply,
): Transport<Reply> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  return {
    send(index) {
      const body = bodies[index % bodies.length]!;
      return new Promise<Reply>((resolve, reject) => {
        const outgoing = request(
          {
            agent,
            method: 'POST',
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            headers: {
              'content-type': body.contentType,
              'content-length': body.bytes.byteLength,
              accept,
              ...body.headers,
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              try {
                resolve(read({ status: response.statusCode, headers: response.headers, bytes: Buffer.concat(chunks) }));
              } catch (error) {
                reject(error as Error);
              }
            });
            response.on('error', reject);
          },
        );
        outgoing.on('error', reject);
        outgoing.end(body.bytes);
      });
    },
    async [Symbol.asyncDispose]() {
      agent.destroy();
    },
  };
}

async function wsTransport(options: TransportOptions): Promise<Transport> {
  const payloads = options.samples.rows.map((row) => ({ query: PREDICT, variables: variables(options, { base64: toBase64(row) }) }));
  const client: Client = createClient({ url: options.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      resolve();
    });
    client.on('error', reject);
  });
  return {
    send(index) {
      return new Promise<ServerReply>((resolve, reject) => {
        let result: unknown = null;
        client.subscribe(payloads[index % payloads.length]!, {
          next: (value) => (result = value),
          error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => {
            try {
              resolve(readPredict(result, undefined));
            } catch (error) {
              reject(error as Error);
            }
          },
        });
      });
    },
    async [Symbol.asyncDispose]() {
      await client.dispose();
    },
  };
}

export function jsonOf({ bytes }: HttpAnswer): unknown {
  return JSON.parse(bytes.toString('utf8'));
}

/** Checks a GraphQL answer once, at the edge, into what the bench keeps. */
function readReply(answer: HttpAnswer): ServerReply {
  return readPredict(jsonOf(answer), answer.status);
}

interface PredictOutput {
  name: string;
  dataType: string;
  shape: number[];
  base64: string;
}

function readPredict(body: unknown, status: number | undefined): ServerReply {
  const { data, errors } = (body ?? {}) as {
    data?: { predict?: { timing?: PredictTiming; outputs?: PredictOutput[] } } | null;
    errors?: { message: string }[];
  };
  const timing = data?.predict?.timing;
  const outputs = data?.predict?.outputs;
  if (errors?.length || !timing || !outputs?.length) {
    throw new Error(
      `predict failed${status ? ` (HTTP ${status})` : ''}: ${errors?.map((error) => error.message).join('; ') ?? JSON.stringify(body)}`,
    );
  }
  return {
    timing,
    outputs: () => outputs.map(({ name, dataType, shape, base64 }) => ({ name, dataType, shape, bytes: Buffer.from(base64, 'base64') })),
  };
}

interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  data?: unknown[];
  parameters?: { binary_data_size?: number };
}

/**
 * Checks a v2 infer answer: HTTP 200 and outputs, each in the form asked for (bytes with `binary`, else a JSON list),
 * the binary section cut by `binary_data_size` in output order and used up exactly.
 */
function readV2Reply({ status, headers, bytes }: HttpAnswer, binary: boolean): ServerReply {
  const length = headers['inference-header-content-length'];
  const headerEnd = length === undefined ? bytes.byteLength : Number(length);
  const body = JSON.parse(bytes.toString('utf8', 0, headerEnd)) as { outputs?: V2Output[]; error?: string };
  const { outputs } = body;
  if (status !== 200 || !outputs?.length) throw new Error(`v2 infer failed (HTTP ${status}): ${body.error ?? JSON.stringify(body)}`);
  let offset = headerEnd;
  const sections = outputs.map((output) => {
    const size = output.parameters?.binary_data_size;
    const came = size !== undefined ? 'bytes' : Array.isArray(output.data) ? 'JSON' : 'neither bytes nor a JSON list';
    if (came !== (binary ? 'bytes' : 'JSON'))
      throw new Error(`v2 infer: output "${output.name}" came as ${came}, asked for as ${binary ? 'bytes' : 'JSON'}`);
    if (size === undefined) return { output, section: null };
    offset += size;
    return { output, section: bytes.subarray(offset - size, offset) };
  });
  if (offset !== bytes.byteLength) throw new Error(`v2 infer: the answer has ${bytes.byteLength} bytes, its outputs account for ${offset}`);
  return {
    timing: null,
    outputs: () =>
      sections.map(({ output: { name, datatype, shape, data }, section }) => {
        if (datatype !== 'FP32') throw new Error(`v2 infer: output "${name}" is ${datatype}; the bench reads FP32 outputs only`);
        return { name, dataType: datatype, shape, bytes: section ?? bytesOf(Float32Array.from(data as number[])) };
      }),
  };
}

function bytesOf(row: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(row.buffer as ArrayBuffer, row.byteOffset, row.byteLength);
}

export function toBase64(row: Float32Array): string {
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64');
}
