/**
 * A minimal typed client over the generated SDK: one function for HTTP, one for graphql-ws.
 * Frontends would use their GraphQL client of choice with the same typed documents.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

export class GraphQLRequestError extends Error {
  constructor(readonly errors: NonNullable<ExecutionResult['errors']>) {
    super(errors.map((error) => error.message).join('; '));
  }
}

export async function requestHttp<Result, Variables>(
  url: string,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as ExecutionResult<Result>;
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  return body.data as Result;
}

export function connectWs(url: string): Client {
  return createClient({ url, webSocketImpl: WebSocket, lazy: true });
}

export function requestWs<Result, Variables extends Record<string, unknown>>(
  client: Client,
  document: TypedDocumentNode<Result, Variables>,
  variables: Variables,
): Promise<Result> {
  return new Promise((resolve, reject) => {
    let result: ExecutionResult<Result> | undefined;
    client.subscribe<Result>(
      { query: print(document), variables },
      {
        next: (value) => (result = value as ExecutionResult<Result>),
        error: reject,
        complete: () => {
          if (result?.errors?.length) reject(new GraphQLRequestError(result.errors));
          else resolve(result?.data as Result);
        },
      },
    );
  });
}
