/**
 * graphql-ws's `ws` adapter, in our terms. graphql-ws's own (`graphql-ws/use/ws`) closes a socket
 * with 4500 "internal error" and prints to the console whenever its core throws, and its core
 * throws for a client's protocol mistake too (a client sending `connection_ack` or `next`). Here a
 * protocol mistake closes with 4400 as the protocol says, a real fault goes to the server's log,
 * and no close reason carries an error's message.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { WebSocket, WebSocketServer } from 'ws';
import type { Logger } from '../observability/logger.ts';

/** What each graphql-ws context carries as `extra`, as graphql-ws's own adapter gives it. */
export interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}

export interface WsAdapterOptions {
  logger: Logger;
  /** A ping this often, and a socket that does not answer within as long is dropped; in ms. 0 turns it off. @default 12_000 */
  keepAliveMs?: number;
}

/**
 * One socket carries many operations, and a batch answers many of them at once: a `next` and a `complete` each,
 * every one a write of its own (a syscall each, a tenth of the main thread under load). Corking the connection at
 * the first message of a tick and uncorking it once the tick's promise jobs have run (a nextTick queued from them
 * runs after them) sends them all in one writev. The upgrade request's socket is the connection ws writes to.
 */
function coalesceWrites({ socket: connection }: IncomingMessage): () => void {
  let corked = false;
  const uncork = () => {
    corked = false;
    connection.uncork();
  };
  return () => {
    if (corked) return;
    corked = true;
    connection.cork();
    process.nextTick(uncork);
  };
}

/** graphql-ws's core throws this for a message the server never takes (`connection_ack`, `next`, `error`). */
const CLIENT_BOUND_MESSAGE = /^Unexpected message of type \S+ received$/;

export function useServer<Extra extends SocketExtra = SocketExtra>(
  options: ServerOptions<Record<string, unknown> | undefined, Extra>,
  sockets: WebSocketServer,
  { logger, keepAliveMs = 12_000 }: WsAdapterOptions,
) {
  const server = makeServer(options);
  sockets.options.handleProtocols = handleProtocols;
  sockets.on('error', (error) => logger.error({ err: error }, 'WebSocket server error'));

  sockets.on('connection', (socket, request) => {
    socket.once('error', (error) => {
      logger.warn({ err: error }, 'WebSocket error');
      socket.close(CloseCode.InternalServerError, 'Internal server error');
    });
    let pongWait: NodeJS.Timeout | null = null;
    const ping =
      keepAliveMs > 0
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;

    const coalesce = coalesceWrites(request);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== socket.OPEN) return resolve();
            coalesce();
            socket.send(data, (error) => (error ? reject(error) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data) => {
            try {
              await handle(String(data));
            } catch (error) {
              if (error instanceof Error && CLIENT_BOUND_MESSAGE.test(error.message)) {
                socket.close(CloseCode.BadRequest, 'Invalid message received');
                return;
              }
              logger.error({ err: error }, 'internal error on a WebSocket');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      // Fields beyond the socket and its request are the caller's, set in its onConnect.
      { socket, request } as Extra,
    );
    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (ping) clearInterval(ping);
      void closed(code, String(reason));
    });
  });

  return {
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    async dispose() {
      for (const client of sockets.clients) client.close(1001, 'Going away');
      sockets.removeAllListeners();
      await new Promise<void>((resolve, reject) => sockets.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
