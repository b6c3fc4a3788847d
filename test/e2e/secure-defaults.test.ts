/**
 * What a stranger and a browser may do follows authentication when the operator leaves it unset:
 * with `--auth on`, no GraphiQL, no introspection and CSRF's preflight header required; without it,
 * all three as a local server wants them. Each can still be set either way.
 */
import { describe, expect, it } from 'vitest';
import { authSettings, createKeysFile, type KeysFile } from '../fixtures/credentials.ts';
import { serveModels, type TestServerOptions } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

const keys = forSuite(() => createKeysFile([{ name: 'reader', scopes: ['models:read'] }]));

/** A server over the glyphs model; GraphiQL left unset (the fixture turns it off unless told). */
function serveGlyphs(options: (keys: KeysFile) => TestServerOptions) {
  return forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { graphiql: undefined, ...options(keys) }));
}

/** What a browser, a foreign page and a schema explorer each get. */
async function exposure(server: { url: string }, authorization: string | undefined) {
  const auth: Record<string, string> = authorization ? { authorization } : {};
  const page = await fetch(server.url, { headers: { accept: 'text/html', ...auth } });
  const html = page.headers.get('content-type')?.includes('text/html') ? await page.text() : '';
  const introspection = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...auth },
    body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
  });
  const body = (await introspection.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  // A GET is what a foreign page can send without a preflight.
  const simple = await fetch(`${server.url}?query=${encodeURIComponent('{ health { live } }')}`, {
    headers: { accept: 'application/json', ...auth },
  });
  return {
    graphiql: html.includes('GraphiQL'),
    introspection: body.errors?.[0]?.extensions?.code ?? 'answered',
    simpleRequest: simple.status,
  };
}

describe('with authentication off', () => {
  const server = serveGlyphs(() => ({}));

  it('should serve GraphiQL, answer introspection and take a GET without a preflight header', async () => {
    expect(await exposure(server, undefined)).toEqual({ graphiql: true, introspection: 'answered', simpleRequest: 200 });
  });
});

describe('with authentication on', () => {
  const server = serveGlyphs((file) => ({ auth: authSettings({ keysFile: file.path }) }));

  it('should serve no GraphiQL, refuse introspection and refuse a GET without a preflight header, even to a valid key', async () => {
    expect(await exposure(server, keys.bearer.reader)).toEqual({ graphiql: false, introspection: 'FORBIDDEN', simpleRequest: 403 });
  });
});

describe('with authentication on and each set explicitly', () => {
  const server = serveGlyphs((file) => ({
    auth: authSettings({ keysFile: file.path }),
    graphiql: true,
    limits: { introspection: true, csrf: false },
  }));

  it('should do as the operator said', async () => {
    expect(await exposure(server, keys.bearer.reader)).toEqual({ graphiql: true, introspection: 'answered', simpleRequest: 200 });
  });
});
