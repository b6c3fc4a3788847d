/**
 * The browser app (clients/web, built by `npm run build:web`) at `/`, served by sirv from its dist folder.
 * Hashed assets are cached for a year; index.html is revalidated on every load, so a rebuilt app is picked up at
 * once. Every answer carries a Content-Security-Policy that lets the page load only its own files and talk only
 * to its own origin, over HTTP and WebSocket. GraphQL, the probes and /metrics are answered elsewhere.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

/** Where `npm run build:web` writes the app. */
const WEB_APP_DIST = fileURLToPath(new URL('../../clients/web/dist', import.meta.url));

/** Vite's output folder of content-hashed files: a new build gives new names, so they never go stale. */
const ASSETS_PREFIX = '/assets/';

/** Answers a request for the app and returns true, or returns false for one it leaves to yoga. */
export type WebAppHandler = (request: IncomingMessage, response: ServerResponse) => boolean;

export interface WebAppOptions {
  /** The built app. @default clients/web/dist */
  root?: string;
  /** Paths that are never the app's (GraphQL's endpoint), answered by yoga. */
  reserved: readonly string[];
}

export function createWebApp({ root = WEB_APP_DIST, reserved }: WebAppOptions): WebAppHandler {
  const built = existsSync(join(root, 'index.html'));
  const serve = built
    ? sirv(root, {
        etag: true,
        setHeaders: (response, pathname) => {
          response.setHeader('cache-control', pathname.startsWith(ASSETS_PREFIX) ? 'public, max-age=31536000, immutable' : 'no-cache');
        },
      })
    : null;
  return (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = request.url?.split('?', 1)[0] ?? '/';
    if (reserved.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) return false;
    if (!serve) {
      if (path !== '/' && path !== '/index.html') return false;
      response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      response.end(
        `The browser app is not built: ${root} has no index.html.\n` +
          'Run `npm run build:web` (npm start does it first), then restart the server.\n' +
          'GraphiQL is at /graphql meanwhile; --web-app false turns this page off.\n',
      );
      return true;
    }
    let matched = true;
    // sirv serves from its list of files read at start, so the lookup is synchronous: `next` runs before it returns.
    serve(request, securityHeaders(request, response), () => {
      matched = false;
    });
    return matched;
  };
}

/** A host as the Host header may name one (name or address, optional port); anything else is left out of the policy. */
const HOST = /^[A-Za-z0-9.-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$/;

function securityHeaders(request: IncomingMessage, response: ServerResponse): ServerResponse {
  // 'self' covers ws: and wss: of the same host in CSP Level 3; browsers from before it need them named.
  const host = request.headers.host;
  const sockets = host && HOST.test(host) ? ` ws://${host} wss://${host}` : '';
  response.setHeader(
    'content-security-policy',
    [
      "default-src 'self'",
      `connect-src 'self'${sockets}`,
      // blob: for the preview of an uploaded image, data: for nothing the app makes today but harmless for images.
      "img-src 'self' blob: data:",
      "object-src 'none'",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  );
  response.setHeader('x-content-type-options', 'nosniff');
  response.setHeader('referrer-policy', 'no-referrer');
  return response;
}
