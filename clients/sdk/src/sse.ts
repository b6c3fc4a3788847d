/**
 * Subscriptions over HTTP, as GraphQL over SSE in yoga's distinct-connections mode: the operation POSTed with
 * `Accept: text/event-stream`, answered with `event: next` and `event: complete` messages. Read here with fetch's
 * stream rather than graphql-sse, whose client would be the SDK's second dependency for some thirty lines.
 */
import { fromGraphQLErrors, type GraphQLErrorJson, InferGraphError, toInferGraphError } from './errors.js';
import type { HttpTransportOptions } from './http.js';
import { type Operation, payloadOf } from './operation.js';
import type { SubscribeContext } from './ws.js';

interface Message {
  event: string;
  data: string;
}

function parseMessage(text: string): Message {
  const message: Message = { event: '', data: '' };
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // A comment (yoga's keep-alive ping), or a blank line.
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') message.event = value;
    else if (field === 'data') message.data += message.data ? `\n${value}` : value;
  }
  return message;
}

async function* messagesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Message> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += decoder.decode(value, { stream: true }).replaceAll('\r\n', '\n');
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        yield parseMessage(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  } finally {
    // Cancelling the body closes the connection: the server completes the subscription.
    await reader.cancel().catch(() => {});
  }
}

export function createSseTransport({ url, fetch, headers }: HttpTransportOptions) {
  return async function* subscribe<Result, Variables>(
    operation: Operation<Result, Variables>,
    variables: NoInfer<Variables>,
    { model, signal }: SubscribeContext,
  ): AsyncGenerator<Result> {
    const abort = new AbortController();
    const stop = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(await headers()) },
        body: JSON.stringify(payloadOf(operation, variables)),
        signal: abort.signal,
      });
      const context = {
        model,
        status: response.status,
        requestId: response.headers.get('x-request-id'),
        retryAfter: response.headers.get('retry-after'),
      };
      if (!response.body || !response.headers.get('content-type')?.includes('text/event-stream')) {
        const answer = (await response.json().catch(() => ({}))) as { errors?: GraphQLErrorJson[] };
        if (answer.errors?.length) throw fromGraphQLErrors(answer.errors, context);
        throw new InferGraphError(`the server answered ${response.status} without an event stream`, {
          code: 'BAD_RESPONSE',
          model,
          status: response.status,
        });
      }
      for await (const message of messagesOf(response.body)) {
        if (message.event === 'complete') return;
        if (message.event !== 'next') continue;
        const result = JSON.parse(message.data) as { data?: Result; errors?: GraphQLErrorJson[] };
        if (result.errors?.length) throw fromGraphQLErrors(result.errors, context);
        yield result.data as Result;
      }
      if (!signal?.aborted) throw new InferGraphError('the event stream ended without completing', { code: 'NETWORK_ERROR', model });
    } catch (error) {
      throw toInferGraphError(error, { model }, signal);
    } finally {
      signal?.removeEventListener('abort', stop);
      abort.abort();
    }
    if (signal?.aborted) throw toInferGraphError(signal.reason, { model }, signal);
  };
}
