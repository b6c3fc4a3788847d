/** The HTTP requests a drain waits for: every request being answered, event streams too (they end when the server shuts down). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createInFlight } from './in-flight.ts';

export interface HeldRequests {
  /** Holds the drain open until `response` closes. */
  hold(request: IncomingMessage, response: ServerResponse): void;
  /** Resolves once every held response has closed. */
  settled(): Promise<void>;
  /** Each held answer not yet begun closes its connection after it: a client's keep-alive pool must not reuse a server going away. */
  closeConnections(): void;
  /** Calls `answer` for each held request whose body has not all arrived: yoga cannot answer it until it has. */
  answerUnread(answer: (request: IncomingMessage, response: ServerResponse) => void): void;
}

export function createHeldRequests(): HeldRequests {
  const held = new Map<ServerResponse, IncomingMessage>();
  const answering = createInFlight();
  return {
    hold(request, response) {
      held.set(response, request);
      answering.begin();
      response.once('close', () => {
        held.delete(response);
        answering.end();
      });
    },
    settled: answering.settled,
    closeConnections() {
      for (const response of held.keys()) if (!response.headersSent) response.setHeader('connection', 'close');
    },
    answerUnread(answer) {
      for (const [response, request] of held) if (!request.complete && !response.headersSent) answer(request, response);
    },
  };
}
