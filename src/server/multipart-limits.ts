/** Limits on the parts of a GraphQL multipart request: how many files, how large each. */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { InferError } from '../errors.ts';

export interface MultipartLimits {
  /** File parts in one request. */
  maxFiles: number;
  /** Bytes of one file part. */
  maxFileBytes: number;
}

/** What busboy, under @whatwg-node's `formData()`, says when a limit is passed: plain Errors, their message the only sign. */
const OVER_LIMIT = /^(File size|Files|Parts|Fields|Field value size|Field name size) limit exceeded|size exceeded/;

/**
 * Holds multipart requests to `limits`. yoga has no option for them, but the fetch implementation under it reads
 * multipart bodies with busboy and takes busboy's limits in `formData({ formDataLimits })`. This wraps yoga's request
 * parser (inside its body size limit) to read the form with them first, so that a part over a limit is
 * PAYLOAD_TOO_LARGE (yoga would call it invalid multipart data, or INTERNAL) and a body that is no multipart
 * INVALID_ARGUMENT; yoga's own parser then reads the form already read.
 */
export function useMultipartLimits({ maxFiles, maxFileBytes }: MultipartLimits): Plugin {
  const formDataLimits = { files: maxFiles, fileSize: maxFileBytes };
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (!requestParser || !request.headers.get('content-type')?.toLowerCase().startsWith('multipart/form-data')) return;
      const parse = requestParser;
      setRequestParser(async (limited) => {
        await readForm(limited, formDataLimits);
        return parse(limited);
      });
    },
  };
}

async function readForm(request: Request, formDataLimits: object): Promise<void> {
  try {
    await (request.formData as (options: object) => Promise<FormData>).call(request, { formDataLimits });
  } catch (error) {
    // yoga's own refusals (the body over maxRequestBodySize) and a client that went away keep their meaning.
    if (error instanceof GraphQLError || (error instanceof Error && error.name === 'AbortError')) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw OVER_LIMIT.test(message)
      ? new InferError('PAYLOAD_TOO_LARGE', `the multipart request is over a limit: ${message}`)
      : new InferError('INVALID_ARGUMENT', `the multipart request cannot be read: ${message}`);
  }
}
