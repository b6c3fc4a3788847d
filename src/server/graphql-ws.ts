/** graphql-ws on the HTTP server's /graphql, through yoga's envelop pipeline. */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { type DocumentNode, type ExecutionArgs, GraphQLError, getOperationAST } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger.ts';
import { asInvalidArgument } from './mask-error.ts';
import { useServer } from './ws-adapter.ts';

type OperationResult = ReturnType<NonNullable<ServerOptions['execute']>>;

interface EnvelopedRoot {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

/**
 * graphql-ws on the same port and path as HTTP. Every operation goes through yoga's envelop
 * pipeline (`getEnveloped`), so the plugins that apply to HTTP (error masking, and later auth)
 * apply here too.
 */
export function attachGraphQLWs(server: HttpServer | HttpsServer, yoga: YogaServerInstance<object, object>, path: string, logger: Logger) {
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
        // What graphql-ws would answer with its own unmasked errors, or (a syntax error, thrown)
        // by closing the socket with 4500, is the client's mistake: answered here, with a code.
        let document: DocumentNode;
        try {
          document = parse(params.query);
        } catch (error) {
          if (error instanceof GraphQLError) return [asInvalidArgument(error)];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(asInvalidArgument);
        if (!getOperationAST(document, params.operationName)) {
          const name = params.operationName;
          return [
            asInvalidArgument(
              new GraphQLError(
                name ? `Unknown operation named "${name}".` : 'Must provide operation name if query contains multiple operations.',
              ),
            ),
          ];
        }
        return {
          schema,
          operationName: params.operationName,
          document,
          variableValues: params.variables,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    sockets,
    { logger },
  );
  return {
    sockets,
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    close: () => disposable.dispose(),
  };
}
