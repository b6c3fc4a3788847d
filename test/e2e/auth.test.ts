/**
 * Authentication and authorization as callers meet them, on every transport: who is refused and
 * with what, what a key limited to some models can see of the others (nothing), and a socket whose
 * credential expires.
 */
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { GLYPH_PIXELS } from '../../scripts/models/glyphs.ts';
import { authSettings, createKeysFile, JWT_SECRET, signToken } from '../fixtures/credentials.ts';
import { queryOf } from '../fixtures/documents.ts';
import { expectFailure, expectStreamFailure } from '../fixtures/failures.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { VAD_FRAME, VAD_SAMPLE_RATE } from '../fixtures/silero-vad.ts';
import { collect, nextData, subscribeSse } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS, type Transport } from '../fixtures/transports.ts';
import {
  GenerateDocument,
  HealthModelNamesDocument,
  LoadModelDocument,
  ModelByNameDocument,
  ModelEventsDocument,
  ModelNamesDocument,
  PredictStreamDocument,
  PredictVersionDocument,
  ReadinessDocument,
  ReloadModelDocument,
  UnloadModelDocument,
} from '../generated/graphql.ts';

const keys = forSuite(() =>
  createKeysFile([
    { name: 'admin', scopes: ['models:read', 'predict', 'generate', 'admin'] },
    { name: 'predict-only', scopes: ['predict'] },
    { name: 'glyphs-only', scopes: ['models:read', 'predict', 'generate', 'admin'], models: ['glyphs'] },
    { name: 'expired', scopes: ['predict'], expiresAt: '2020-01-01T00:00:00Z' },
  ]),
);

const server = forSuite(() =>
  serveModels(
    async (repository) => {
      await repository.copyExample('glyphs');
      await repository.copyExample('ocr-direction');
    },
    { auth: authSettings({ keysFile: keys.path, jwtSecret: JWT_SECRET }) },
  ),
);

const glyphsInput = (model: string) => ({
  model,
  inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }],
});

/**
 * Asserts that a caller was refused as unauthenticated, the way each transport refuses one: HTTP 401
 * and UNAUTHENTICATED, the same code in the event stream over SSE, the socket closed with 4401 over graphql-ws.
 */
async function expectUnauthenticated(transport: Transport, client: TestServer, reason: string): Promise<void> {
  if (transport.name === 'graphql-ws') {
    await expect(transport.execute(client, ReadinessDocument)).rejects.toThrow(
      `graphql-ws closed the socket: 4401 Unauthorized: ${reason}`,
    );
    return;
  }
  const message = expectFailure(
    await transport.execute(client, ReadinessDocument),
    'UNAUTHENTICATED',
    transport.name === 'HTTP' ? { status: 401 } : {},
  );
  expect(message).toBe(reason);
}

describe.each(TRANSPORTS)('authentication over $name', (transport) => {
  it('should refuse a caller without a credential with UNAUTHENTICATED', async () => {
    await expectUnauthenticated(transport, server, 'a credential is required: send `Authorization: Bearer <API key or JWT>`');
  });

  it('should refuse an expired, a forged and an alg-none token, and an unknown or expired API key, with UNAUTHENTICATED', async () => {
    const exp = Math.floor(Date.now() / 1000) + 600;
    const noneToken = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ scope: 'admin', exp })).toString('base64url')}.`;
    const refused: [string, string][] = [
      [await signToken({ scope: 'predict' }, { expiresAt: exp - 1200 }), 'the bearer token is not valid: it has expired'],
      [
        await signToken({ scope: 'admin' }, { secret: 'not-the-servers-secret-but-long-enough' }),
        'the bearer token is not valid: its signature does not verify',
      ],
      [noneToken, 'the bearer token is not valid: its algorithm is not accepted'],
      ['igk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'the API key is not valid'],
      [keys.bearer.expired!.slice('Bearer '.length), 'the API key has expired'],
    ];
    for (const [credential, reason] of refused) {
      await using client = server.as(`Bearer ${credential}`);
      await expectUnauthenticated(transport, client, reason);
    }
  });

  it('should serve a valid API key and a valid token', async () => {
    await using byKey = server.as(keys.bearer['predict-only']!);
    const predicted = await transport.execute(byKey, PredictVersionDocument, { input: glyphsInput('glyphs') });
    expect(predicted.errors).toBeUndefined();
    expect(predicted.data).toEqual({ predict: { model: 'glyphs', version: '1' } });
    if (transport.name === 'HTTP') expect(predicted).toMatchObject({ status: 200 });
    await using byToken = server.as(`Bearer ${await signToken({ scope: 'models:read' })}`);
    expect((await transport.execute(byToken, ModelNamesDocument)).data?.models.map((model) => model.name)).toEqual([
      'glyphs',
      'ocr-direction',
    ]);
  });
});

describe.each(TRANSPORTS)('scopes over $name', (transport) => {
  const status = (code: number) => (transport.name === 'HTTP' ? { status: code } : {});

  it('should refuse a valid credential without the scope a field needs with FORBIDDEN, naming the scope', async () => {
    await using predictOnly = server.as(keys.bearer['predict-only']!);
    expect(expectFailure(await transport.execute(predictOnly, ModelNamesDocument), 'FORBIDDEN', { ...status(403), path: ['models'] })).toBe(
      'Query.models needs the "models:read" scope, which key:predict-only lacks',
    );
    expect(expectFailure(await transport.execute(predictOnly, UnloadModelDocument, { model: 'glyphs' }), 'FORBIDDEN', status(403))).toBe(
      'Mutation.unloadModel needs the "admin" scope, which key:predict-only lacks',
    );
    await using reader = server.as(`Bearer ${await signToken({ scope: 'models:read' }, { subject: 'ana' })}`);
    expect(
      expectFailure(await transport.execute(reader, PredictVersionDocument, { input: glyphsInput('glyphs') }), 'FORBIDDEN', status(403)),
    ).toBe('Mutation.predict needs the "predict" scope, which jwt:ana lacks');
  });

  it('should answer the readiness to any valid credential, and the per-model health only with models:read', async () => {
    await using predictOnly = server.as(keys.bearer['predict-only']!);
    expect((await transport.execute(predictOnly, ReadinessDocument)).data).toEqual({ health: { live: true, ready: true } });
    const detail = await transport.execute(predictOnly, HealthModelNamesDocument);
    expect(detail.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
  });
});

describe.each(TRANSPORTS)('per-model access over $name', (transport) => {
  /**
   * A result with one name put for another, to compare the answer about a hidden model with the one about a
   * missing model; and without its request id, which every answer has its own.
   */
  const named = (result: unknown, name: string) =>
    withoutRequestIds(JSON.stringify(result).replaceAll(`"${name}"`, '"(name)"').replaceAll(`\\"${name}\\"`, '\\"(name)\\"'));

  it('should show a key limited to one model only that model, in the catalog and the health', async () => {
    await using limited = server.as(keys.bearer['glyphs-only']!);
    expect((await transport.execute(limited, ModelNamesDocument)).data).toEqual({ models: [{ name: 'glyphs' }] });
    expect((await transport.execute(limited, HealthModelNamesDocument)).data).toEqual({
      health: { ready: true, models: [{ name: 'glyphs' }] },
    });
  });

  it('should answer a hidden model exactly as a model that does not exist, in lookups, predict and admin mutations', async () => {
    await using limited = server.as(keys.bearer['glyphs-only']!);
    const hidden = await transport.execute(limited, ModelByNameDocument, { name: 'ocr-direction' });
    expect(hidden.data).toEqual({ model: null });
    expect(named(hidden, 'ocr-direction')).toBe(
      named(await transport.execute(limited, ModelByNameDocument, { name: 'no-such-model' }), 'no-such-model'),
    );

    const predicted = await transport.execute(limited, PredictVersionDocument, { input: glyphsInput('ocr-direction') });
    expect(expectFailure(predicted, 'MODEL_NOT_FOUND')).toBe('model "ocr-direction" is not in the repository (models: glyphs)');
    const missing = await transport.execute(limited, PredictVersionDocument, { input: glyphsInput('no-such-model') });
    expect(named(predicted, 'ocr-direction')).toBe(named(missing, 'no-such-model'));

    const unloaded = await transport.execute(limited, UnloadModelDocument, { model: 'ocr-direction' });
    expectFailure(unloaded, 'MODEL_NOT_FOUND');
    expect(named(unloaded, 'ocr-direction')).toBe(
      named(await transport.execute(limited, UnloadModelDocument, { model: 'no-such-model' }), 'no-such-model'),
    );
    // The hidden model was not touched: it still serves the key that may use it.
    await using admin = server.as(keys.bearer.admin!);
    expect((await transport.execute(admin, PredictVersionDocument, { input: glyphsInput('glyphs') })).data?.predict.model).toBe('glyphs');
  });

  it('should apply the models claim of a token as a key’s allow list', async () => {
    await using limited = server.as(`Bearer ${await signToken({ scope: 'models:read predict', models: ['ocr-direction'] })}`);
    expect((await transport.execute(limited, ModelNamesDocument)).data).toEqual({ models: [{ name: 'ocr-direction' }] });
    const predicted = await transport.execute(limited, PredictVersionDocument, { input: glyphsInput('glyphs') });
    expect(expectFailure(predicted, 'MODEL_NOT_FOUND')).toBe('model "glyphs" is not in the repository (models: ocr-direction)');
  });
});

describe.each(STREAMING_TRANSPORTS)('subscriptions over $name', (transport) => {
  it('should refuse a subscription without its scope with FORBIDDEN when it starts', async () => {
    await using predictOnly = server.as(keys.bearer['predict-only']!);
    const message = expectStreamFailure(await collect(transport.subscribe(predictOnly, ModelEventsDocument)), 'FORBIDDEN');
    expect(message).toBe('Subscription.modelEvents needs the "models:read" scope, which key:predict-only lacks');
  });

  it('should refuse generate without the generate scope and predictStream without the predict scope', async () => {
    await using predictOnly = server.as(keys.bearer['predict-only']!);
    const generated = await collect(transport.subscribe(predictOnly, GenerateDocument, { input: { model: 'glyphs', prompt: 'hi' } }));
    expect(expectStreamFailure(generated, 'FORBIDDEN')).toBe(
      'Subscription.generate needs the "generate" scope, which key:predict-only lacks',
    );
    await using reader = server.as(`Bearer ${await signToken({ scope: 'models:read generate' }, { subject: 'ana' })}`);
    const input = { ...glyphsInput('glyphs'), frame: { input: 'pixels', size: 1 } };
    const streamed = await collect(transport.subscribe(reader, PredictStreamDocument, { input }));
    expect(expectStreamFailure(streamed, 'FORBIDDEN')).toBe('Subscription.predictStream needs the "predict" scope, which jwt:ana lacks');
  });

  it('should refuse generate and predictStream of a hidden model exactly as of a model that does not exist', async () => {
    await using limited = server.as(keys.bearer['glyphs-only']!);
    const named = (results: unknown, name: string) => withoutRequestIds(JSON.stringify(results).replaceAll(name, '(name)'));
    const generate = (model: string) => collect(transport.subscribe(limited, GenerateDocument, { input: { model, prompt: 'hi' } }));
    const hidden = await generate('ocr-direction');
    expect(expectStreamFailure(hidden, 'MODEL_NOT_FOUND')).toBe('model "ocr-direction" is not in the repository (models: glyphs)');
    expect(named(hidden, 'ocr-direction')).toBe(named(await generate('no-such-model'), 'no-such-model'));
    const stream = (model: string) =>
      collect(
        transport.subscribe(limited, PredictStreamDocument, { input: { ...glyphsInput(model), frame: { input: 'pixels', size: 1 } } }),
      );
    const hiddenStream = await stream('ocr-direction');
    expectStreamFailure(hiddenStream, 'MODEL_NOT_FOUND');
    expect(named(hiddenStream, 'ocr-direction')).toBe(named(await stream('no-such-model'), 'no-such-model'));
  });

  it('should send a key limited to one model the events of that model only', async () => {
    await using limited = server.as(keys.bearer['glyphs-only']!);
    await using admin = server.as(keys.bearer.admin!);
    const events = transport.subscribe(limited, ModelEventsDocument);
    // Until the subscription is seen to listen, the hidden model changes state, then the visible one:
    // a filter that let the hidden one through would show its events first.
    let listening = true;
    const changes = (async () => {
      while (listening) {
        await transport.execute(admin, UnloadModelDocument, { model: 'ocr-direction' });
        await transport.execute(admin, LoadModelDocument, { model: 'ocr-direction' });
        await transport.execute(admin, ReloadModelDocument, { model: 'glyphs' });
      }
    })();
    const seen = [await nextData(events), await nextData(events), await nextData(events)];
    listening = false;
    await changes;
    await events.return();
    expect(seen.map((data) => data.modelEvents.model)).toEqual(['glyphs', 'glyphs', 'glyphs']);
  });
});

describe('sequences of two credentials', () => {
  const vad = forSuite(() =>
    serveModels((repository) => repository.copyExample('silero-vad'), {
      auth: authSettings({ keysFile: keys.path, jwtSecret: JWT_SECRET }),
    }),
  );
  const frameCall = (sequence: { id: string; start?: boolean }) => ({
    model: 'silero-vad',
    inputs: [
      { name: 'input', shape: [1, VAD_FRAME], base64: float32ToBase64(new Float32Array(VAD_FRAME)) },
      { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] },
    ],
    sequence,
  });

  describe.each(TRANSPORTS)('over $name', (transport) => {
    it('should keep one credential from continuing, or reading the state of, a sequence another started under the same id', async () => {
      await using owner = vad.as(keys.bearer['predict-only']!);
      await using other = vad.as(`Bearer ${await signToken({ scope: 'predict' })}`);
      const id = `shared-${transport.name}`;
      expect((await transport.execute(owner, PredictVersionDocument, { input: frameCall({ id, start: true }) })).errors).toBeUndefined();
      const intruded = await transport.execute(other, PredictVersionDocument, { input: frameCall({ id }) });
      expect(expectFailure(intruded, 'INVALID_ARGUMENT')).toMatch(new RegExp(`^sequence "${id}" of model "silero-vad" v1 is not running`));
      expect((await transport.execute(owner, PredictVersionDocument, { input: frameCall({ id }) })).errors).toBeUndefined();
    });
  });
});

describe('credentials outside the Authorization header', () => {
  it('should refuse a credential in the query string over HTTP and SSE, even beside a valid header', async () => {
    for (const name of ['access_token', 'token', 'api_key']) {
      const url = `${server.url}?${name}=${encodeURIComponent(keys.bearer.admin!.slice('Bearer '.length))}`;
      const overHttp = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: keys.bearer.admin! },
        body: JSON.stringify({ query: '{ health { ready } }' }),
      });
      expect(overHttp.status).toBe(401);
      expect(overHttp.headers.get('www-authenticate')).toBe('Bearer realm="infergraph"');
      expectFailure({ status: overHttp.status, ...((await overHttp.json()) as object) }, 'UNAUTHENTICATED');
      const overSse = await collect(subscribeSse({ url, headers: { authorization: keys.bearer.admin! } }, ReadinessDocument));
      expect(expectStreamFailure(overSse, 'UNAUTHENTICATED')).toContain(`credentials are not accepted in the query string ("${name}")`);
    }
  });

  it('should close a socket whose URL carries a credential with 4401', async () => {
    const closed = await closeOf(`${server.wsUrl}?token=abc`, keys.bearer.admin!);
    expect(closed.code).toBe(4401);
    expect(closed.reason).toContain('credentials are not accepted in the query string ("token")');
  });

  it('should answer the plain health probes without naming a model', async () => {
    const ready = await fetch(`${server.origin}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ live: true, ready: true });
    expect(await (await fetch(`${server.origin}/health/live`)).json()).toEqual({ live: true });
  });
});

describe('a socket whose credential expires', () => {
  it('should be closed with 4401 at the expiry, and served again when it reconnects with a fresh token', async () => {
    // A token with a second or two to live: the socket must outlive it only by the close.
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const closing = (async () => {
      const closed = await closeOf(server.wsUrl, `Bearer ${await signToken({ scope: 'models:read' }, { expiresAt })}`, ModelEventsDocument);
      return { ...closed, at: Date.now() };
    })();
    const { code, reason, at } = await closing;
    expect(code).toBe(4401);
    expect(reason).toBe('Unauthorized: the credential expired');
    expect(at).toBeGreaterThanOrEqual(expiresAt * 1000);

    await using fresh = server.as(`Bearer ${await signToken({ scope: 'models:read' })}`);
    expect((await fresh.ws.graphql(ModelNamesDocument)).data?.models).toHaveLength(2);
  });
});

describe('an SSE subscription whose credential expires', () => {
  it('should end with UNAUTHENTICATED at the expiry, and be served again with a fresh token', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 2;
    const authorization = `Bearer ${await signToken({ scope: 'models:read' }, { expiresAt })}`;
    const results = await collect(subscribeSse({ url: server.url, headers: { authorization } }, ModelEventsDocument));
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt * 1000);
    expect(expectStreamFailure(results, 'UNAUTHENTICATED')).toBe('the credential expired; subscribe again with a fresh one');

    await using fresh = server.as(`Bearer ${await signToken({ scope: 'models:read' })}`);
    expect((await collect(subscribeSse(fresh, ModelNamesDocument)))[0]?.data?.models).toHaveLength(2);
  });
});

/**
 * Connects a graphql-ws client to `url` with `authorization` in connection_init, keeps it open (with a
 * subscription to `document`, or none), and resolves with how the server closed it.
 */
function closeOf(url: string, authorization: string, document = ModelEventsDocument): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization },
      on: {
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          resolve({ code, reason });
        },
      },
    });
    client.subscribe({ query: queryOf(document) }, { next: () => {}, error: () => {}, complete: () => {} });
  });
}

/** JSON with each `requestId` alike: two answers compared for sameness differ in it by design. */
function withoutRequestIds(json: string): string {
  return json.replace(/"requestId":"[^"]*"/g, '"requestId":"(id)"');
}
