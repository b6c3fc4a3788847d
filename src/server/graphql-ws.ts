/** graphql-ws on the HTTP server's /graphql, through yoga's envelop pipeline. */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { ExecutionArgs } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';

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
export function attachGraphQLWs(server: HttpServer | HttpsServer, yoga: YogaServerInstance<object, object>, path: string) {
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
        const args = {
          schema,
          operationName: params.operationName,
          document: parse(params.query),
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
