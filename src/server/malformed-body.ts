/** A yoga plugin: a request body yoga's own parsers trip over is the client's mistake, not the server's. */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InferError } from '../errors.ts';
import { HTTP_STATUS } from './http-status.ts';

/**
 * yoga's multipart parser walks `map` assuming a JSON object of path lists; any other shape
 * (`{"0": {}}`) throws a TypeError from inside it, which would reach the client as INTERNAL. The
 * request is only being read at this point, so whatever goes wrong but an aborted read is the
 * body's fault: answered INVALID_ARGUMENT (400) with what a multipart request must look like.
 */
export function useMalformedBodyAsClientError(): Plugin {
  return {
    onRequestParse({ requestParser, setRequestParser }) {
      if (!requestParser) return;
      setRequestParser(async (request) => {
        try {
          return await requestParser(request);
        } catch (error) {
          // Refusals already in our words (a multipart limit) and a client that went away keep their meaning.
          if (error instanceof GraphQLError || error instanceof InferError || (error instanceof Error && error.name === 'AbortError'))
            throw error;
          const multipart = request.headers.get('content-type')?.startsWith('multipart/') ?? false;
          throw new GraphQLError(
            multipart
              ? 'malformed multipart request: "operations" must be a JSON object and "map" a JSON object of part names to lists of paths'
              : 'malformed request body: it cannot be read as a GraphQL request',
            { extensions: { code: 'INVALID_ARGUMENT', http: { status: HTTP_STATUS.INVALID_ARGUMENT } } },
          );
        }
      });
    },
  };
}
