/**
 * Where a credential travels: `Authorization: Bearer …` on HTTP and SSE, the `authorization` field of
 * the graphql-ws `connection_init` payload on WebSocket (browsers cannot set a socket's headers).
 * Never in a query string, where proxies and access logs would keep it.
 */
import type { WebSocket } from 'ws';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Principal } from '../auth/principal.ts';
import { InferError } from '../errors.ts';

/**
 * The close code of a socket whose credential is missing, not valid, or has expired while it was
 * open: graphql-ws's own `Unauthorized`. The client may reconnect with a fresh credential.
 */
const CLOSE_UNAUTHORIZED = 4401;

/** Query parameters that carry credentials in other servers; a request with one is refused, not served. */
const QUERY_CREDENTIALS = new Set([
  'token',
  'access_token',
  'accesstoken',
  'id_token',
  'authorization',
  'auth',
  'api_key',
  'apikey',
  'key',
  'jwt',
  'bearer',
]);

/** setTimeout fires at once past this many ms (2^31 - 1), so a far expiry is reached in steps. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** Throws UNAUTHENTICATED when the URL's query string holds something named like a credential. */
function refuseQueryCredential(url: string | undefined): void {
  if (url === undefined) return;
  const { searchParams } = new URL(url, 'http://localhost');
  for (const name of searchParams.keys()) {
    if (QUERY_CREDENTIALS.has(name.toLowerCase())) {
      throw new InferError(
        'UNAUTHENTICATED',
        `credentials are not accepted in the query string ("${name}"); send \`Authorization: Bearer …\` (on WebSocket, in connection_init)`,
      );
    }
  }
}

/** The principal of an HTTP or SSE request, from its Authorization header. */
export function principalOfRequest(request: Request, authenticator: Authenticator): Promise<Principal> {
  return principalOfHttp(request.url, request.headers.get('authorization'), authenticator);
}

/** The principal of an HTTP request as Node gives it: its URL and its Authorization header. */
export function principalOfHttp(
  url: string | undefined,
  authorization: string | null | undefined,
  authenticator: Authenticator,
): Promise<Principal> {
  if (!authenticator.enabled) return authenticator.authenticate(null);
  refuseQueryCredential(url);
  return authenticator.authenticate(authorization);
}

/** The principal of a graphql-ws connection, from its upgrade URL and its connection_init payload. */
export function principalOfConnection(url: string | undefined, payload: unknown, authenticator: Authenticator): Promise<Principal> {
  if (!authenticator.enabled) return authenticator.authenticate(null);
  refuseQueryCredential(url);
  const params = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const authorization = params.authorization ?? params.Authorization;
  if (authorization !== undefined && typeof authorization !== 'string') {
    throw new InferError('UNAUTHENTICATED', `connection_init's "authorization" must be a string ("Bearer …"), got ${typeof authorization}`);
  }
  return authenticator.authenticate(authorization);
}

/** Closes the socket with CLOSE_UNAUTHORIZED when its credential expires; nothing for one that never does. */
export function closeAtExpiry(socket: WebSocket, expiresAt: number | null): void {
  if (expiresAt === null) return;
  let timer: NodeJS.Timeout;
  const wait = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) return closeUnauthorized(socket, 'the credential expired');
    timer = setTimeout(wait, Math.min(left, MAX_TIMEOUT_MS));
  };
  wait();
  socket.once('close', () => clearTimeout(timer));
}

/** Closes the socket as unauthorized, the reason cut to the 123 bytes a close frame can carry. */
export function closeUnauthorized(socket: WebSocket, reason: string): void {
  let text = `Unauthorized: ${reason}`;
  while (Buffer.byteLength(text) > 123) text = `${text.slice(0, -2)}…`;
  socket.close(CLOSE_UNAUTHORIZED, text);
}
