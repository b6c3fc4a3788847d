/** What an HTTP client reads from a draining server: refused when it comes during the drain, cut off past the drain window. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HTTP_STATUS } from './http-status.ts';
import { REQUEST_ID_HEADER } from './request-id.ts';
import { CUT_OFF_MESSAGE } from './shutdown-cutoff.ts';

/** The answer to an HTTP request that arrives while the server drains: 503, with the GraphQL error a client reads. */
export function refuseWhileDraining(request: IncomingMessage, response: ServerResponse): void {
  // The body is read (and dropped) so that the client can finish sending it: answering a request
  // whose body is still coming and closing its socket resets the connection instead.
  request.resume();
  request.once('end', () => answerNotReady(response, 'the server is shutting down; retry on another replica'));
}

/**
 * Past the drain window, the answer to a request whose body is still arriving: 503 at once, since
 * the body may never come. What arrived is read on, so that the client is not reset before it
 * reads the answer.
 */
export function answerCutOff(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  answerNotReady(response, CUT_OFF_MESSAGE);
}

function answerNotReady(response: ServerResponse, message: string): void {
  // The request id the handler chose is on the response already; the error carries it too, as every error does.
  const requestId = response.getHeader(REQUEST_ID_HEADER);
  const extensions = { code: 'MODEL_NOT_READY', ...(typeof requestId === 'string' ? { requestId } : {}) };
  const body = JSON.stringify({ errors: [{ message, extensions }] });
  // A keep-alive client must not send its next request down a connection to a server going away.
  response.writeHead(HTTP_STATUS.MODEL_NOT_READY, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  response.end(body);
}
