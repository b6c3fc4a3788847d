/**
 * One generation stream's client, as an application would hold it: a graphql-ws client on its
 * own socket, or GraphQL over SSE (yoga's distinct-connections mode) with one HTTP request per
 * generation. Each token event is timed on arrival, on this process's clock.
 */
import { Buffer } from 'node:buffer';
import { Agent, request } from 'node:http';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { GenerateDocument } from '../test/generated/graphql.ts';

const GENERATE = print(GenerateDocument);

export type StreamTransport = 'graphql-ws' | 'sse';

export interface GenerateVariables {
  input: { model: string; prompt: string; maxTokens: number; temperature: number; seed: number };
}

export interface Finish {
  /** null when the bench cancelled the stream. */
  reason: string | null;
  completionTokens: number | null;
  /** The engine's own time to first token (usage.timeToFirstTokenMs): from the stream's start to its first sampled token. */
  engineTimeToFirstTokenMs: number | null;
}

export interface StreamClient extends AsyncDisposable {
  /**
   * Runs one generation, calling `onToken` with each token event's arrival time; resolves at the
   * final event, or at once when `signal` aborts (which cancels the subscription).
   */
  generate(variables: GenerateVariables, onToken: (at: number) => void, signal: AbortSignal): Promise<Finish>;
}

const CANCELLED: Finish = { reason: null, completionTokens: null, engineTimeToFirstTokenMs: null };

interface GenerateEvent {
  finishReason: string | null;
  usage: { completionTokens: number; timeToFirstTokenMs: number | null } | null;
  error: { code: string; message: string } | null;
}

export async function openStreamClient(transport: StreamTransport, url: string): Promise<StreamClient> {
  return transport === 'graphql-ws' ? graphqlWsClient(url.replace(/^http/, 'ws')) : sseClient(url);
}

async function graphqlWsClient(wsUrl: string): Promise<StreamClient> {
  const client: Client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  await new Promise<void>((resolve, reject) => {
    const offConnected = client.on('connected', () => {
      offConnected();
      resolve();
    });
    client.on('error', reject);
  });
  return {
    generate(variables, onToken, signal) {
      return new Promise<Finish>((resolve, reject) => {
        let finish: Finish | null = null;
        const cancel = () => {
          unsubscribe();
          resolve(CANCELLED);
        };
        signal.addEventListener('abort', cancel, { once: true });
        const settle =
          <T>(callback: (value: T) => void) =>
          (value: T) => {
            signal.removeEventListener('abort', cancel);
            callback(value);
          };
        const unsubscribe = client.subscribe<{ generate: GenerateEvent }>(
          { query: GENERATE, variables: variables as unknown as Record<string, unknown> },
          {
            next: (result) => {
              const at = performance.now();
              try {
                finish = readEvent(result.data?.generate, result.errors, onToken, at) ?? finish;
              } catch (error) {
                settle(reject)(error as Error);
              }
            },
            error: (error) => settle(reject)(error instanceof Error ? error : new Error(JSON.stringify(error))),
            complete: () => settle(resolve)(finish ?? CANCELLED),
          },
        );
      });
    },
    async [Symbol.asyncDispose]() {
      await client.dispose();
    },
  };
}

/** GraphQL over SSE through node:http with keep-alive, which costs the client less than fetch. */
function sseClient(url: string): StreamClient {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const target = new URL(url);
  return {
    generate(variables, onToken, signal) {
      const body = Buffer.from(JSON.stringify({ query: GENERATE, variables }));
      return new Promise<Finish>((resolveOnce, rejectOnce) => {
        let finish: Finish | null = null;
        const cancel = () => {
          outgoing.destroy();
          resolveOnce(CANCELLED);
        };
        signal.addEventListener('abort', cancel, { once: true });
        const resolve = (value: Finish) => {
          signal.removeEventListener('abort', cancel);
          resolveOnce(value);
        };
        const reject = (error: Error) => {
          signal.removeEventListener('abort', cancel);
          rejectOnce(error);
        };
        const outgoing = request(
          {
            agent,
            method: 'POST',
            host: target.hostname,
            port: target.port,
            path: target.pathname,
            headers: { 'content-type': 'application/json', 'content-length': body.byteLength, accept: 'text/event-stream' },
          },
          (response) => {
            if (response.statusCode !== 200) {
              reject(new Error(`SSE answered HTTP ${response.statusCode}`));
              response.resume();
              return;
            }
            let buffered = '';
            response.setEncoding('utf8');
            response.on('data', (chunk: string) => {
              const at = performance.now();
              buffered += chunk;
              for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
                const message = buffered.slice(0, end);
                buffered = buffered.slice(end + 2);
                const data = message
                  .split('\n')
                  .filter((line) => line.startsWith('data:'))
                  .map((line) => line.slice(5))
                  .join('\n')
                  .trim();
                if (!message.includes('event: next') || data === '') continue;
                try {
                  const result = JSON.parse(data) as { data?: { generate?: GenerateEvent }; errors?: { message: string }[] };
                  finish = readEvent(result.data?.generate, result.errors, onToken, at) ?? finish;
                } catch (error) {
                  reject(error as Error);
                  outgoing.destroy();
                }
              }
            });
            response.on('end', () => resolve(finish ?? CANCELLED));
            response.on('error', reject);
          },
        );
        outgoing.on('error', (error) => (signal.aborted ? resolve(CANCELLED) : reject(error)));
        outgoing.end(body);
      });
    },
    async [Symbol.asyncDispose]() {
      agent.destroy();
    },
  };
}

/** Checks one event once, at the edge: a token (timed) or the final event, which it returns. */
function readEvent(
  event: GenerateEvent | undefined,
  errors: readonly { message: string }[] | undefined,
  onToken: (at: number) => void,
  at: number,
): Finish | null {
  if (errors?.length || !event) throw new Error(`generate failed: ${errors?.map((error) => error.message).join('; ') ?? 'no event'}`);
  if (event.error) throw new Error(`generate ended with ${event.error.code}: ${event.error.message}`);
  if (event.finishReason === null) {
    onToken(at);
    return null;
  }
  return {
    reason: event.finishReason,
    completionTokens: event.usage?.completionTokens ?? null,
    engineTimeToFirstTokenMs: event.usage?.timeToFirstTokenMs ?? null,
  };
}
