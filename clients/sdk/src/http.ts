/** Queries and mutations over HTTP: a JSON POST, or a GraphQL multipart request when tensors go as file parts. */
import { fromGraphQLErrors, type GraphQLErrorJson, InferGraphError, toInferGraphError } from './errors.js';
import { type Operation, payloadOf } from './operation.js';

export interface FilePart {
  /** Where the file goes in the variables, e.g. `input.inputs.0.file`. */
  path: string;
  bytes: Uint8Array;
}

export interface CallContext {
  /** The model the call names, for the error it may fail with. */
  model?: string | undefined;
  signal?: AbortSignal | undefined;
  files?: readonly FilePart[];
  /** Headers of this call alone, beside those of every request (a load balancer's routing key, say). */
  headers?: Record<string, string>;
}

export interface HttpTransportOptions {
  url: string;
  fetch: typeof fetch;
  /** The headers of each request; called per request, so that a fresh token goes with each. */
  headers: () => Promise<Record<string, string>>;
}

export interface HttpTransport {
  execute<Result, Variables>(operation: Operation<Result, Variables>, variables: NoInfer<Variables>, context: CallContext): Promise<Result>;
}

const ACCEPT = 'application/graphql-response+json, application/json';

export function createHttpTransport({ url, fetch, headers }: HttpTransportOptions): HttpTransport {
  function bodyOf(payload: ReturnType<typeof payloadOf>, files: readonly FilePart[]): { body: BodyInit; type?: string } {
    if (files.length === 0) return { body: JSON.stringify(payload), type: 'application/json' };
    // graphql-multipart-request-spec: the operation with the files' places null, a map of parts to places, the parts.
    const form = new FormData();
    form.append('operations', JSON.stringify(payload));
    form.append('map', JSON.stringify(Object.fromEntries(files.map((file, index) => [String(index), [`variables.${file.path}`]]))));
    files.forEach((file, index) => {
      form.append(
        String(index),
        new Blob([file.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
        `tensor-${index}.bin`,
      );
    });
    return { body: form };
  }

  return {
    async execute(operation, variables, { model, signal, files = [], headers: own = {} }) {
      const { body, type } = bodyOf(payloadOf(operation, variables), files);
      let response: Response;
      try {
        // Node's fetch (undici) given a FormData body and a fired signal rejects, then fails again writing the parts
        // where nothing catches it: an unhandled rejection that ends the process. An aborted call sends nothing.
        signal?.throwIfAborted();
        response = await fetch(url, {
          method: 'POST',
          body,
          // The CSRF header lets a multipart POST through a server that refuses what a foreign page can send.
          headers: { accept: ACCEPT, ...(type ? { 'content-type': type } : { 'x-graphql-yoga-csrf': '1' }), ...own, ...(await headers()) },
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        throw toInferGraphError(error, { model }, signal);
      }
      const context = {
        model,
        status: response.status,
        requestId: response.headers.get('x-request-id'),
        retryAfter: response.headers.get('retry-after'),
      };
      let answer: { data?: unknown; errors?: GraphQLErrorJson[] };
      try {
        answer = (await response.json()) as typeof answer;
      } catch (error) {
        if (signal?.aborted) throw toInferGraphError(error, context, signal);
        throw new InferGraphError(`the server answered ${response.status} without a GraphQL response`, {
          code: 'BAD_RESPONSE',
          model,
          status: response.status,
          requestId: context.requestId ?? undefined,
          cause: error,
        });
      }
      if (answer.errors?.length) throw fromGraphQLErrors(answer.errors, context);
      if (answer.data == null) {
        throw new InferGraphError('the server answered without data or errors', { code: 'BAD_RESPONSE', model, status: response.status });
      }
      return answer.data as never;
    },
  };
}
