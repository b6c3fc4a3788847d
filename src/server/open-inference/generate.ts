/**
 * The protocol's generate extension (Triton's `extension_generate.md`, KServe's): `generate` answers the whole text
 * at once, `generate_stream` one Server-Sent Event per token and a last one with the finish reason. Both run through
 * the generator as GraphQL's `Subscription.generate` does, so their tokens ride in the same continuous batches, and
 * are priced and rate-limited as it is: by the tokens asked. A client that goes away stops the generation.
 *
 * The finish reason is infergraph's (LENGTH, STOP, EOS, CANCELLED, ERROR), as GraphQL names it: the protocol names none.
 */
import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { type ErrorCode, InferError, toInferError, versionLabel } from '../../errors.ts';
import type { GenerationEvent } from '../../streaming/generation/generation-engine.ts';
import { DEFAULT_MAX_TOKENS, type GenerateRequest } from '../../streaming/generation/generator.ts';
import { costRefusal, generateWorkCost } from '../operation-cost.ts';
import { tokensOf } from '../operation-work.ts';
import type { V2Call, V2Route, V2Server } from './open-inference.ts';

const MODEL = '/v2/models/([^/]+)(?:/versions/([^/]+))?';

/** The protocol's parameters, by infergraph's GenerateInput names; any other parameter is the model's, and not read. */
const PARAMETERS = {
  max_tokens: 'maxTokens',
  temperature: 'temperature',
  top_p: 'topP',
  top_k: 'topK',
  seed: 'seed',
} as const;

/** The request body as the generator's request: `text_input` is the prompt, `parameters` its settings. */
function generateRequestOf(body: Buffer): GenerateRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new InferError('INVALID_ARGUMENT', 'the generate request body is not JSON');
  }
  const { text_input: prompt, parameters = {} } = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  if (typeof prompt !== 'string') throw new InferError('INVALID_ARGUMENT', `"text_input" must be a string, got ${JSON.stringify(prompt)}`);
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new InferError('INVALID_ARGUMENT', `"parameters" must be an object, got ${JSON.stringify(parameters)}`);
  }
  const given = parameters as Record<string, unknown>;
  const request: GenerateRequest = { prompt };
  for (const [name, field] of Object.entries(PARAMETERS)) {
    const value = given[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number')
      throw new InferError('INVALID_ARGUMENT', `parameters.${name} must be a number, got ${JSON.stringify(value)}`);
    request[field] = value;
  }
  const { stop } = given;
  if (typeof stop === 'string') request.stop = [stop];
  else if (Array.isArray(stop) && stop.every((text) => typeof text === 'string')) request.stop = stop;
  else if (stop !== undefined && stop !== null) {
    throw new InferError('INVALID_ARGUMENT', `parameters.stop must be a string or a list of strings, got ${JSON.stringify(stop)}`);
  }
  return request;
}

/** Parses, prices, admits and starts a generation: anything wrong is answered before the first token, as a JSON error. */
async function startGeneration(call: V2Call, { generator, maxCost, maxTokens }: V2Server) {
  const [name, requested] = call.params;
  const request = generateRequestOf(await call.body());
  const version = await call.registry.acquire(name!, requested);
  call.notes.model = version.model;
  call.notes.version = version.version;
  // A field (generate's 1) and its tokens' steps: what GraphQL's cost limit prices the same generate at.
  const cost = 1 + generateWorkCost(request.maxTokens ?? undefined);
  const refused = costRefusal(cost, maxCost);
  if (refused) throw refused;
  await call.admit(tokensOf(request.maxTokens, { defaultMaxTokens: DEFAULT_MAX_TOKENS, maxTokens }));
  const events = generator.generate(version, request);
  // The iterator's return() ends the stream and frees its slot, as a GraphQL client's complete does.
  const stop = () => void events.return?.();
  call.signal.addEventListener('abort', stop, { once: true });
  const label = { model_name: version.model, model_version: String(version.version) };
  return { events, label, done: () => call.signal.removeEventListener('abort', stop), versionName: versionLabel(version) };
}

/** The error of a generation that ended with ERROR, as GraphQL's `GenerateEvent.error` gives it: INTERNAL masked. */
function errorOf(event: Extract<GenerationEvent, { kind: 'finish' }>, versionName: string): InferError {
  const error = event.error ?? new InferError('INTERNAL', `${versionName}: the generation failed`);
  return error.code === 'INTERNAL' ? new InferError('INTERNAL', 'internal server error', { cause: error }) : error;
}

export const generateRoutes: readonly V2Route[] = [
  {
    method: 'POST',
    path: new RegExp(`^${MODEL}/generate$`),
    name: 'generate',
    scope: 'generate',
    async handle(call, server) {
      const { events, label, done, versionName } = await startGeneration(call, server);
      let text = '';
      try {
        for await (const event of events) {
          text += event.text;
          if (event.kind === 'token') continue;
          if (event.reason === 'ERROR') throw errorOf(event, versionName);
          return { json: { ...label, text_output: text, finish_reason: event.reason } };
        }
      } finally {
        done();
        await events.return?.();
      }
      // Only a client that went away ends the events before their final one; its answer goes nowhere.
      throw new InferError('DEADLINE_EXCEEDED', `${versionName}: the request was cancelled by the client`);
    },
  },
  {
    method: 'POST',
    path: new RegExp(`^${MODEL}/generate_stream$`),
    name: 'generate stream',
    scope: 'generate',
    async handle(call, server) {
      const { events, label, done, versionName } = await startGeneration(call, server);
      return {
        stream: async (response: ServerResponse) => {
          response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
          const send = async (data: unknown) => {
            // A reader that falls behind is waited for: the engine then pauses its stream rather than buffering.
            if (!response.write(`data: ${JSON.stringify(data)}\n\n`)) await once(response, 'drain', { signal: call.signal });
          };
          let failed: ErrorCode | null = null;
          try {
            for await (const event of events) {
              if (event.kind === 'token') await send({ ...label, text_output: event.text });
              else if (event.reason === 'ERROR') {
                // The status is sent already: the protocol's error object, in the stream (Triton's words).
                const error = errorOf(event, versionName);
                failed = error.code;
                await send({ error: error.message, code: error.code });
              } else await send({ ...label, text_output: event.text, finish_reason: event.reason });
            }
          } catch (error) {
            // Waiting for a reader that went away: there is no one to answer.
            if (!call.signal.aborted) throw toInferError(error);
          } finally {
            done();
            await events.return?.();
          }
          response.end();
          return failed;
        },
      };
    },
  },
];
