/**
 * The request body limit (`maxRequestBodyBytes`), in place of yoga's `maxRequestBodySize`, which it mirrors: a
 * Content-Length over the limit is refused before the body is read, and a body without one (chunked) is counted as
 * it streams, with yoga's error (413, REQUEST_ENTITY_TOO_LARGE, which mask-error.ts calls PAYLOAD_TOO_LARGE).
 *
 * Written here because yoga pipes every body through a byte-counting TransformStream, even one whose Content-Length
 * it has just checked: a stream pipeline, a new Request and an AbortController per request, a tenth of the main
 * thread's work for a small predict (`npm run bench -- --profile`). Node's HTTP parser never hands over more bytes
 * than a request's Content-Length (what follows is the next request on the connection), so the header's check is
 * the whole limit for such a body; only a body without one is counted.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Only a single non-negative integer is a Content-Length (yoga's rule; Node refuses most others first). */
const CONTENT_LENGTH = /^\d+$/;

function tooLarge(): GraphQLError {
  return new GraphQLError('Request body too large', { extensions: { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } } });
}

/** Holds every HTTP request body to `limit` bytes. Registered after the plugins that wrap the request parser, as yoga's was. */
export function useRequestBodyLimit(limit: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const contentLength = request.headers.get('content-length');
      if (contentLength !== null) {
        if (!CONTENT_LENGTH.test(contentLength)) {
          throw new GraphQLError('Content-Length header is invalid.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
        }
        if (Number(contentLength) > limit) throw tooLarge();
        return;
      }
      if (!requestParser || !request.body) return;
      const parse = requestParser;
      setRequestParser((unlimited) => {
        let bytes = 0;
        // As yoga does: a native body (yoga.fetch with a native Request) takes only a native TransformStream.
        const Transform = unlimited.body instanceof ReadableStream ? globalThis.TransformStream : fetchAPI.TransformStream;
        const counted = unlimited.body!.pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              bytes += chunk.byteLength;
              if (bytes > limit) controller.error(tooLarge());
              else controller.enqueue(chunk);
            },
          }),
        );
        const { url, method, headers, signal } = unlimited;
        return parse(new fetchAPI.Request(url, { method, headers, signal, body: counted, duplex: 'half' } as RequestInit));
      });
    },
  };
}
