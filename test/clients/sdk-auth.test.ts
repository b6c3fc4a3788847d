/** The SDK's credentials: an API key or a token on every transport, and a fresh token from getToken after one is refused. */
import { describe, expect, it } from 'vitest';
import { createClient } from '../../clients/sdk/src/index.ts';
import { authSettings, createKeysFile, JWT_SECRET, signToken } from '../fixtures/credentials.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

const keys = forSuite(() => createKeysFile([{ name: 'reader', scopes: ['models:read', 'generate'] }]));
const server = forSuite(() =>
  serveModels((repository) => repository.copyExample('glyphs'), { auth: authSettings({ keysFile: keys.path, jwtSecret: JWT_SECRET }) }),
);

const apiKey = () => keys.bearer.reader!.replace(/^Bearer /, '');
/** A token that expired an hour ago, then valid ones: what a cache hands out once its token has lapsed. */
function tokenSource() {
  const given: string[] = [];
  return {
    given,
    async getToken() {
      const expired = given.length === 0;
      const token = await signToken({ scope: 'models:read' }, expired ? { expiresAt: Math.floor(Date.now() / 1000) - 3600 } : {});
      given.push(expired ? 'expired' : 'fresh');
      return token;
    },
  };
}

describe.each(['http', 'ws'] as const)('credentials over %s', (transport) => {
  it('should send the API key, in connection_init on the WebSocket', async () => {
    await using client = createClient({ url: server.url, transport, apiKey: apiKey() });
    expect((await client.models()).map((model) => model.name)).toEqual(['glyphs']);
    let healthSeen = 0;
    for await (const health of client.healthEvents({ intervalMs: 100 })) if (health.live && ++healthSeen === 1) break;
    expect(healthSeen).toBe(1);
  });

  it('should throw UNAUTHENTICATED without a credential', async () => {
    await using client = createClient({ url: server.url, transport, retry: false });
    await expect(client.models()).rejects.toMatchObject({ code: 'UNAUTHENTICATED', ...(transport === 'http' ? { status: 401 } : {}) });
  });

  it('should ask getToken again after a refused token and succeed with the fresh one', async () => {
    const source = tokenSource();
    await using client = createClient({ url: server.url, transport, getToken: source.getToken });
    expect((await client.models()).map((model) => model.name)).toEqual(['glyphs']);
    expect(source.given).toEqual(['expired', 'fresh']);
  });
});
