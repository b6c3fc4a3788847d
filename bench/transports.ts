/**
 * The three ways a client can call `predict`, each sending one row per request:
 *
 * - `http-base64`: a JSON POST, the tensor as a base64 string;
 * - `http-multipart`: a graphql-multipart-request-spec POST, the tensor as a binary part;
 * - `ws-base64`: graphql-ws over one `ws` socket, every request a subscribe message.
 *
 * Request bodies are built once per sample, so the load generator spends its CPU on sockets
 * and on parsing answers, not on encoding: on a 2-core machine it shares the cores with the
 * server. HTTP goes through node:http with keep-alive (one socket per loop), which costs
 * the client less than fetch.
 */
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PredictBase64Document } from '../test/generated/graphql.ts';
import type { ModelSamples } from './samples.ts';

export const TRANSPORTS = ['http-base64', 'http-multipart', 'ws-base64'] as const;
export type TransportName = (typeof TRANSPORTS)[number];

/** The SDK's predict with base64 outputs, so that answers cost the server no JSON lists of numbers. */
const PREDICT = print(PredictBase64Document);

/** The server's own account of one request (PredictTiming). */
export interface PredictReply {
  batchSize: number;
  queueMs: number;
  computeMs: number;
  totalMs: number;
}

export interface Transport<Reply = PredictReply> extends AsyncDisposable {
  /** Sends sample `index` (modulo the number of samples) and resolves with what the answer says (the server's timing). */
  send(index: number): Promise<Reply>;
}

export interface TransportOptions {
  url: string;
  wsUrl: string;
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
  }
}

export interface Body {
  contentType: string;
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

/** Encoded once by the platform's FormData, as a browser or fetch client would send it. */
async function multipartBody(options: TransportOptions, row: Float32Array): Promise<Body> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: PREDICT, variables: variables(options, { file: null }) }));
  form.append('map', JSON.stringify({ 0: ['variables.input.inputs.0.file'] }));
  form.append('0', new Blob([bytesOf(row)], { type: 'application/octet-stream' }), 'tensor.bin');
  const encoded = new Response(form);
  return { contentType: encoded.headers.get('content-type')!, bytes: Buffer.from(await encoded.arrayBuffer()) };
}

/** POSTs `bodies` in turn to `url` and reads each JSON answer with `read`, which throws on a failed one. */
export function httpTransport<Reply>(
  { url, concurrency, accept = 'application/graphql-response+json' }: { url: string; concurrency: number; accept?: string },
  bodies: Body[],
  read: (body: unknown, status: number | undefined) => Reply,
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
            },
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => {
              try {
                resolve(read(JSON.parse(Buffer.concat(chunks).toString('utf8')), response.statusCode));
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
      return new Promise<PredictReply>((resolve, reject) => {
        let result: unknown = null;
        client.subscribe(payloads[index % payloads.length]!, {
          next: (value) => (result = value),
          error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error))),
          complete: () => {
            try {
              resolve(readReply(result, undefined));
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

/** Checks an answer once, at the edge, into the timing the bench keeps. */
function readReply(body: unknown, status: number | undefined): PredictReply {
  const { data, errors } = (body ?? {}) as { data?: { predict?: { timing?: PredictReply } } | null; errors?: { message: string }[] };
  const timing = data?.predict?.timing;
  if (errors?.length || !timing) {
    throw new Error(
      `predict failed${status ? ` (HTTP ${status})` : ''}: ${errors?.map((error) => error.message).join('; ') ?? JSON.stringify(body)}`,
    );
  }
  return timing;
}

function bytesOf(row: Float32Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(row.buffer as ArrayBuffer, row.byteOffset, row.byteLength);
}

export function toBase64(row: Float32Array): string {
  return Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64');
}
