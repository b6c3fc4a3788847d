import { describe, expect, it } from 'vitest';
import { type GenerateEvent, generationOf } from '../fixtures/generation.ts';
import { serveModels } from '../fixtures/server.ts';
import { collect, nextData } from '../fixtures/subscriptions.ts';
import { STREAMING_TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument } from '../generated/graphql.ts';

describe.each(STREAMING_TRANSPORTS)('a generation whose inference thread crashes, over $name', (transport) => {
  it('should end with ERROR naming the crash rather than hang, and the replacement thread should generate the same text as before', async () => {
    await using server = await serveModels((repository) => repository.copyExample('tiny-lm'));
    const { pool } = server.app;
    const input = { model: 'tiny-lm', prompt: 'The town ', maxTokens: 1024, seed: 11 };
    const before = generationOf(await collect(transport.subscribe(server, GenerateDocument, { input: { ...input, maxTokens: 30 } })));

    const stream = transport.subscribe(server, GenerateDocument, { input });
    const first = (await nextData(stream)).generate;
    expect(first.finishReason).toBeNull();
    // tiny-lm has one instance: its streams' caches live on the one worker holding its session.
    const holder = pool.stats().findIndex((worker) => worker.sessions > 0);
    const recovered = new Promise((resolve) => pool.onWorkerExit(resolve));
    await pool.terminateWorker(holder);

    const rest = (await collect(stream)).map((result) => {
      expect(result.errors).toBeUndefined();
      return result.data!.generate;
    });
    const final = rest.at(-1) as GenerateEvent;
    expect(final.finishReason).toBe('ERROR');
    expect(final.error?.code).toBe('MODEL_NOT_READY');
    expect(final.error?.message).toMatch(/inference thread .*crashed/);
    expect(final.usage?.completionTokens).toBe(rest.length);
    expect(final.usage?.completionTokens).toBeLessThan(1024);

    await recovered;
    const after = generationOf(await collect(transport.subscribe(server, GenerateDocument, { input: { ...input, maxTokens: 30 } })));
    expect(after.tokenIds).toEqual(before.tokenIds);
    expect(after.final).toEqual(before.final);
  });
});
