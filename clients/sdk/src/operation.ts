import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';

/** A generated document: its text, typed by its result and variables, and the sha256 persisted-documents.json lists it by. */
export type Operation<Result, Variables> = DocumentTypeDecoration<Result, Variables> & {
  toString(): string;
  __meta__?: Record<string, unknown> | undefined;
};

/** A document's request body: its text, and its hash for a server that runs only trusted documents. */
export function payloadOf<Variables>(operation: Operation<unknown, Variables>, variables: Variables) {
  const hash = operation.__meta__?.hash;
  if (hash !== undefined && typeof hash !== 'string') throw new TypeError("a document's hash must be a string");
  return {
    query: operation.toString(),
    variables: variables as Record<string, unknown>,
    ...(hash ? { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } } : {}),
  };
}
