/** graphql-ws on the HTTP server's /graphql, through yoga's envelop pipeline. */
import type { Server as HttpServer } from 'node:http';
import { type DocumentNode, type ExecutionArgs, GraphQLError } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { type TrustedDocuments, trustedQueryOf } from './trusted-documents.ts';

type OperationResult = ReturnType<NonNullable<ServerOptions['execute']>>;

interface EnvelopedRoot {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

export interface GraphQLWsOptions {
  /**
   * In trusted-documents mode, the documents that may run: an operation names one by
   * `extensions.persistedQuery.sha256Hash`, as over HTTP, since yoga's `onParams` (where HTTP checks it) does
   * not see socket messages. @default null (any operation)
   */
  trusted?: TrustedDocuments | null;
}

/**
 * graphql-ws on the same port and path as HTTP. Every operation goes through yoga's envelop
 * pipeline (`getEnveloped`), so the plugins that apply to HTTP (error masking, operation limits,
 * and later auth) apply here too.
 */
export function attachGraphQLWs(
  server: HttpServer,
  yoga: YogaServerInstance<object, object>,
  path: string,
  { trusted = null }: GraphQLWsOptions = {},
) {
  const sockets = new WebSocketServer({ server, path });
  const disposable = useServer(
    {
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (context, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          params,
        });
        const query = trusted ? trustedQueryOf(trusted, params) : params.query;
        if (query instanceof GraphQLError) return [query];
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (error) {
          // A syntax error, or a document over the token limit: the client's to fix, not a reason to drop the socket.
          if (error instanceof GraphQLError) return [error];
          throw error;
        }
        const args = {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
        const errors = validate(args.schema, args.document);
        return errors.length > 0 ? errors : args;
      },
    },
    sockets,
  );
  return {
    sockets,
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    close: () => disposable.dispose(),
  };
}
