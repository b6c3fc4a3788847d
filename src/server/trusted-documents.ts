/** Trusted-documents mode: only the operations listed in the SDK's persisted documents run, named by their hash. */
import { readFileSync } from 'node:fs';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { HTTP_STATUS } from './http-status.ts';

/** Written by `npm run codegen` beside the SDK: `{ "sha256:<hex>": "<document>" }` for every SDK operation. */
const SDK_PERSISTED_DOCUMENTS = new URL('../../clients/sdk/src/generated/persisted-documents.json', import.meta.url);

/** The documents a trusted server runs, by hash: both `sha256:<hex>`, as the SDK writes it, and the bare hex. */
export type TrustedDocuments = ReadonlyMap<string, string>;

export function loadTrustedDocuments(file: URL | string = SDK_PERSISTED_DOCUMENTS): TrustedDocuments {
  const listed = z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(file, 'utf8')));
  const documents = new Map<string, string>();
  for (const [hash, document] of Object.entries(listed)) {
    documents.set(hash, document);
    documents.set(hash.replace(/^sha256:/, ''), document);
  }
  return documents;
}

/** The hash an operation names, as Apollo's persisted queries send it: `extensions.persistedQuery.sha256Hash`. */
function persistedHashOf(extensions: unknown): string | null {
  const persisted = z.object({ persistedQuery: z.object({ sha256Hash: z.string() }) }).safeParse(extensions);
  return persisted.success ? persisted.data.persistedQuery.sha256Hash : null;
}

function refusal(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN', http: { status: HTTP_STATUS.FORBIDDEN } } });
}

const NOT_LISTED = (hash: string) =>
  refusal(`no trusted document has the hash "${hash.slice(0, 80)}": this server runs only the SDK's persisted documents`);
const NO_HASH = refusal(
  "this server runs only trusted documents: send the hash of one of the SDK's persisted documents as extensions.persistedQuery.sha256Hash",
);

/**
 * The listed document for an operation's parameters, or the refusal (FORBIDDEN). Query text sent beside the hash
 * is ignored: the listed document runs, so text cannot ride in on a trusted hash. For graphql-ws, whose operations
 * do not pass yoga's `onParams`.
 */
export function trustedQueryOf(documents: TrustedDocuments, params: { extensions?: unknown }): string | GraphQLError {
  const hash = persistedHashOf(params.extensions);
  if (hash === null) return NO_HASH;
  return documents.get(hash) ?? NOT_LISTED(hash);
}

/** The same rule for GraphQL over HTTP and SSE, through yoga's persisted-operations plugin. */
export function trustedDocumentsPlugins(documents: TrustedDocuments): Plugin[] {
  return [
    {
      // The plugin refuses any request with query text; the SDK's clients send the text with the hash, which runs
      // the listed document anyway, so the text is dropped here when a hash comes with it.
      onParams({ params, setParams }) {
        if (params.query !== undefined && persistedHashOf(params.extensions) !== null) {
          const { query: _ignored, ...rest } = params;
          setParams(rest);
        }
      },
    },
    usePersistedOperations({
      allowArbitraryOperations: false,
      extractPersistedOperationId: (params) => persistedHashOf(params.extensions),
      getPersistedOperation: (hash) => documents.get(hash) ?? null,
      customErrors: {
        notFound: ({ params }) => NOT_LISTED(persistedHashOf(params.extensions) ?? ''),
        keyNotFound: () => NO_HASH,
        persistedQueryOnly: () => NO_HASH,
      },
    }) as Plugin,
  ];
}
