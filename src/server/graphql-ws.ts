/** graphql-ws on the HTTP server's /graphql, through yoga's envelop pipeline. */
import type { Server as HttpServer } from 'node:http';
import type { ExecutionArgs } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { InferError } from '../errors.ts';
import { closeAtExpiry, closeUnauthorized, principalOfConnection } from './credentials.ts';

type OperationResult = ReturnType<NonNullable<ServerOptions['execute']>>;

interface EnvelopedRoot {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

/**
 * graphql-ws on the same port and path as HTTP. The credential of `connection_init` becomes the
 * socket's principal once (a bad one closes the socket with 4401, as does its expiry); every
 * operation then goes through yoga's envelop pipeline (`getEnveloped`) with that principal, so the
 * plugins and scope checks that apply to HTTP apply here too.
 */
export function attachGraphQLWs(server: HttpServer, yoga: YogaServerInstance<object, object>, path: string, authenticator: Authenticator) {
  const sockets = new WebSocketServer({ server, path });
  const disposable = useServer<Record<string, unknown> | undefined, { principal: Principal }>(
    {
      onConnect: async (context) => {
        try {
          const principal = await principalOfConnection(context.extra.request.url, context.connectionParams, authenticator);
          context.extra.principal = principal;
          closeAtExpiry(context.extra.socket, principal.expiresAt);
          return true;
        } catch (error) {
          if (!(error instanceof InferError)) throw error;
          closeUnauthorized(context.extra.socket, error.message);
          return false;
        }
      },
      execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
      onSubscribe: async (context, _id, params) => {
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          principal: context.extra.principal,
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
