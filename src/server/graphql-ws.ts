/** graphql-ws on the HTTP server's /graphql, through yoga's envelop pipeline, with its limits per caller and per socket. */
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { type DocumentNode, type ExecutionArgs, type FormattedExecutionResult, GraphQLError, getOperationAST } from 'graphql';
import type { ServerOptions } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { ERROR_CODES, InferError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import { clientKeyOf } from './client-key.ts';
import { closeAtExpiry, closeUnauthorized, principalOfConnection } from './credentials.ts';
import { HTTP_STATUS } from './http-status.ts';
import { createInFlight } from './in-flight.ts';
import { asInvalidArgument } from './mask-error.ts';
import { operationRequestIdOf, REQUEST_ID_HEADER, type RequestScope, requestIdOf, withRequestId } from './request-id.ts';
import { type TrustedDocuments, trustedQueryOf } from './trusted-documents.ts';
import { type SocketExtra, useServer } from './ws-adapter.ts';

type OperationResult = ReturnType<NonNullable<ServerOptions['execute']>>;

interface EnvelopedRoot {
  execute(args: ExecutionArgs): OperationResult;
  subscribe(args: ExecutionArgs): OperationResult;
}

/** The close code of a socket over its caller's connection limit: graphql-ws's "too many", as HTTP's 429. */
export const TOO_MANY_CONNECTIONS = 4429;

export interface WebSocketLimits {
  /** Open sockets per caller (principal, or address while anonymous); past it a socket closes with 4429 at connection_init. 0 for no limit. */
  maxConnections: number;
  /** Operations in flight per socket, subscriptions or not; past it a subscribe is refused with RATE_LIMITED. 0 for no limit. */
  maxSubscriptions: number;
  /** Time a socket has to send connection_init, then closed with 4408, in ms. */
  connectionInitTimeoutMs: number;
  /** Largest message, in bytes; a larger one closes the socket with 1009 (ws's maxPayload). */
  maxMessageBytes: number;
}

export interface GraphQLWsOptions extends WebSocketLimits {
  /**
   * In trusted-documents mode, the documents that may run: an operation names one by
   * `extensions.persistedQuery.sha256Hash`, as over HTTP, since yoga's `onParams` (where HTTP checks it) does
   * not see socket messages. @default null (any operation)
   */
  trusted?: TrustedDocuments | null;
  /** Where faults of the socket layer are logged. */
  logger: Logger;
  /** Turns the credential of `connection_init` into the socket's principal. */
  authenticator: Authenticator;
  /** Where an operation's request id is kept while it runs, for the error mask's log line. */
  requestScope: RequestScope;
  /** Whether the server is shutting down: then a new operation is refused with MODEL_NOT_READY. @default never */
  draining?: () => boolean;
}

/** What a socket carries: its upgrade request and, once connection_init is taken, its principal. */
type Extra = SocketExtra & { principal?: Principal };

/**
 * graphql-ws on the same port and path as HTTP. The credential of `connection_init` becomes the
 * socket's principal once (a bad one closes the socket with 4401, as does its expiry); every
 * operation then goes through yoga's envelop pipeline (`getEnveloped`) with that principal, so the
 * plugins and scope checks that apply to HTTP (error masking, operation and rate limits) apply here too.
 */
export function attachGraphQLWs(
  server: HttpServer | HttpsServer,
  yoga: YogaServerInstance<object, object>,
  path: string,
  options: GraphQLWsOptions,
) {
  const { maxConnections, maxSubscriptions, connectionInitTimeoutMs, maxMessageBytes, trusted = null, logger, authenticator } = options;
  const { draining = () => false, requestScope } = options;
  /**
   * Operations accepted and not yet completed, per socket, and who waits for none to be left.
   * Subscriptions too: every stream ends when the server shuts down (generate's with its final event).
   */
  const counted = new WeakMap<object, Set<string>>();
  const operations = createInFlight();
  const settleOne = (context: object, id: string) => {
    if (!counted.get(context)?.delete(id)) return;
    // graphql-ws sends the complete message right after onComplete returns: a macrotask later it is
    // queued on the socket, before any close frame sent after it.
    setImmediate(operations.end);
  };
  const sockets = new WebSocketServer({ server, path, maxPayload: maxMessageBytes });
  /**
   * Each socket's request id, chosen from its upgrade request as for HTTP and sent back on the 101
   * response; an operation's id is it and the operation's id (request-id.ts).
   */
  const socketIds = new WeakMap<IncomingMessage, string>();
  sockets.on('headers', (headers, request) => {
    const id = requestIdOf((name) => request.headers[name]);
    socketIds.set(request, id);
    headers.push(`${REQUEST_ID_HEADER}: ${id}`);
  });
  const requestIdOfOperation = (extra: Extra, id: string, payload: { extensions?: unknown }) =>
    // Every socket of this server passed the 'headers' event; the fallback only keeps the type total.
    operationRequestIdOf(socketIds.get(extra.request) ?? 'ws', id, payload.extensions);
  /** Open sockets per caller key, and the key each counted socket was counted under. */
  const connections = new Map<string, number>();
  const countedUnder = new WeakMap<Extra, string>();

  const disposable = useServer<Extra>(
    {
      connectionInitWaitTimeout: connectionInitTimeoutMs,
      execute: (args) => requestScope.run(requestIdOfArgs(args), () => (args.rootValue as EnvelopedRoot).execute(args)),
      subscribe: (args) => requestScope.run(requestIdOfArgs(args), () => (args.rootValue as EnvelopedRoot).subscribe(args)),
      // Every error the client receives names its operation's request id, refusals before yoga's pipeline too.
      onNext: ({ extra }, id, payload, _args, result) => {
        if (!result.errors?.length) return;
        const requestId = requestIdOfOperation(extra, id, payload);
        return { ...result, errors: result.errors.map((error) => withRequestId(error, requestId).toJSON()) } as FormattedExecutionResult;
      },
      onError: ({ extra }, id, payload, errors) => {
        const requestId = requestIdOfOperation(extra, id, payload);
        return errors.map((error) => withRequestId(error, requestId).toJSON());
      },
      onConnect: async ({ extra, connectionParams }) => {
        let principal: Principal;
        try {
          principal = await principalOfConnection(extra.request.url, connectionParams, authenticator);
        } catch (error) {
          if (!(error instanceof InferError)) throw error;
          closeUnauthorized(extra.socket, error.message);
          return false;
        }
        if (maxConnections > 0) {
          const key = clientKeyOf(principal, addressOf(extra.request));
          const open = connections.get(key) ?? 0;
          if (open >= maxConnections) {
            // Closed here with our own code; graphql-ws's own close after `false` (4403) then finds it closing and does nothing.
            extra.socket.close(TOO_MANY_CONNECTIONS, `Too many connections: at most ${maxConnections} per caller`);
            return false;
          }
          connections.set(key, open + 1);
          countedUnder.set(extra, key);
        }
        extra.principal = principal;
        closeAtExpiry(extra.socket, principal.expiresAt);
        return true;
      },
      onClose: (context) => {
        // A socket that closed has no operation left to answer, whichever way each ended.
        for (const id of counted.get(context) ?? []) settleOne(context, id);
        const { extra } = context;
        const key = countedUnder.get(extra);
        if (key === undefined) return;
        const open = (connections.get(key) ?? 1) - 1;
        if (open > 0) connections.set(key, open);
        else connections.delete(key);
      },
      onComplete: (context, id) => settleOne(context, id),
      onSubscribe: async (context, id, params) => {
        if (draining()) {
          return [
            new GraphQLError('the server is shutting down; retry on another replica', {
              extensions: { code: 'MODEL_NOT_READY', http: { status: HTTP_STATUS.MODEL_NOT_READY } },
            }),
          ];
        }
        // graphql-ws has already added this operation to the socket's list when it asks.
        if (maxSubscriptions > 0 && Object.keys(context.subscriptions).length > maxSubscriptions) {
          return [
            new GraphQLError(`this socket already carries ${maxSubscriptions} operations, its most at once; complete one first`, {
              extensions: { code: 'RATE_LIMITED', maxSubscriptions, http: { status: HTTP_STATUS.RATE_LIMITED } },
            }),
          ];
        }
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...context,
          req: context.extra.request,
          socket: context.extra.socket,
          principal: context.extra.principal,
          params,
          requestId: requestIdOfOperation(context.extra, id, params),
        });
        const query = trusted ? trustedQueryOf(trusted, params) : params.query;
        if (query instanceof GraphQLError) return [query];
        // What graphql-ws would answer with its own unmasked errors, or (a syntax error, thrown)
        // by closing the socket with 4500, is the client's mistake: answered here, with a code.
        let document: DocumentNode;
        try {
          document = parse(query);
        } catch (error) {
          // A syntax error, or a document over the token limit: the client's to fix, not a reason to drop the socket.
          if (error instanceof GraphQLError) return [asClientError(error)];
          throw error;
        }
        const errors = validate(schema, document);
        if (errors.length > 0) return errors.map(asClientError);
        const operation = getOperationAST(document, params.operationName);
        if (!operation) {
          const name = params.operationName;
          const message = name
            ? `Unknown operation named "${name}".`
            : 'Must provide operation name if query contains multiple operations.';
          return [asInvalidArgument(new GraphQLError(message))];
        }
        operations.begin();
        counted.set(context, (counted.get(context) ?? new Set()).add(id));
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
  let closing: Promise<void> | undefined;
  return {
    sockets,
    /** Resolves once no socket carries an operation (each has sent its complete message). */
    settled: operations.settled,
    /** Closes every socket with 1001 (going away) and stops accepting new ones; a second call waits for the first. */
    close: () => (closing ??= disposable.dispose()),
  };
}

function requestIdOfArgs(args: ExecutionArgs): string {
  return (args.contextValue as { requestId: string }).requestId;
}

function addressOf(request: IncomingMessage): string | undefined {
  return request.socket.remoteAddress;
}

/** A parse or validation error as the client sees it: a limit's own code (QUERY_TOO_COMPLEX) kept, anything else INVALID_ARGUMENT. */
function asClientError(error: GraphQLError): GraphQLError {
  const { code } = error.extensions;
  return typeof code === 'string' && code in ERROR_CODES ? error : asInvalidArgument(error);
}
