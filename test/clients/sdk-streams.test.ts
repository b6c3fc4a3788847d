/**
 * The SDK's streams as async iterators, over graphql-ws and over SSE: generate (and its cancellation on the server
 * when the loop is left), predictStream, modelEvents and healthEvents.
 */
import { describe, expect, it } from 'vitest';
import { createClient, type GenerateEvent, InferGraphError } from '../../clients/sdk/src/index.ts';
import { figuresOf, waitForFigures } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE } from '../fixtures/silero-vad.ts';
import { forSuite } from '../fixtures/suite.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('tiny-lm');
    await repository.copyExample('silero-vad');
    await repository.copyExample('glyphs');
  }),
);

/** Waits until tiny-lm generates nothing: the server's own count of its streams. */
async function expectNoStreamLeft(): Promise<number> {
  const { generation } = await waitForFigures(
    server,
    'tiny-lm',
    (figures) => figures.generation?.activeStreams === 0 && figures.generation.waitingStreams === 0,
  );
  return generation!.tokens;
}

describe.each([
  { name: 'graphql-ws', transport: 'ws' },
  { name: 'SSE', transport: 'http' },
] as const)('streams over $name', ({ transport }) => {
  const client = () => createClient({ url: server.url, transport });

  it('should stream generated tokens, and text() should give their whole text', async () => {
    await using sdk = client();
    const input = { model: 'tiny-lm', prompt: 'The sea ', maxTokens: 12, temperature: 0 };
    const events: GenerateEvent[] = [];
    for await (const event of sdk.generate(input)) events.push(event);
    expect(events.map((event) => event.index)).toEqual([...events.keys()]);
    expect(events.at(-1)).toMatchObject({
      finishReason: expect.stringMatching(/LENGTH|EOS|STOP/),
      usage: { promptTokens: expect.any(Number) },
    });
    expect(await sdk.generate(input).text()).toBe(events.map((event) => event.text).join(''));
  });

  it('should cancel the generation on the server when the loop is left with break', async () => {
    await using sdk = client();
    const before = (await figuresOf(server, 'tiny-lm')).generation?.tokens ?? 0;
    let seen = 0;
    for await (const event of sdk.generate({ model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 })) {
      expect(event.index).toBe(seen);
      if (++seen === 3) break;
    }
    const generated = (await expectNoStreamLeft()) - before;
    expect(generated).toBeGreaterThanOrEqual(3);
    expect(generated).toBeLessThan(1000);
  });

  it('should cancel the generation on the server when its signal aborts, and throw ABORTED', async () => {
    await using sdk = client();
    const abort = new AbortController();
    const seen: number[] = [];
    const loop = (async () => {
      for await (const event of sdk.generate({ model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0, signal: abort.signal })) {
        seen.push(event.index);
        if (seen.length === 2) abort.abort();
      }
    })();
    await expect(loop).rejects.toSatisfy((error) => error instanceof InferGraphError && error.code === 'ABORTED');
    expect(seen.length).toBeLessThan(1000);
    await expectNoStreamLeft();
  });

  it('should throw a refused generation as InferGraphError', async () => {
    await using sdk = client();
    await expect(sdk.generate({ model: 'tiny-lm', prompt: 'x', maxTokens: -1 }).text()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      model: 'tiny-lm',
    });
  });

  it('should stream the frames of a stateful model with their outputs as typed arrays', async () => {
    await using sdk = client();
    const audio = syntheticAudio(3 * VAD_FRAME + 100, 3);
    const events = [];
    for await (const event of sdk.predictStream({
      model: 'silero-vad',
      inputs: { input: { data: audio, shape: [1, audio.length] }, sr: { data: [VAD_SAMPLE_RATE], shape: [] } },
      frame: { input: 'input', size: VAD_FRAME },
    })) {
      events.push(event);
    }
    expect(events.map((event) => [event.index, event.count])).toEqual([
      [0, 4],
      [1, 4],
      [2, 4],
      [3, 4],
    ]);
    for (const event of events)
      expect(event.outputs.output).toMatchObject({ dataType: 'FP32', shape: [1, 1], data: expect.any(Float32Array) });
  });

  it('should send model events as a version unloads and loads', async () => {
    await using sdk = client();
    await using admin = createClient({ url: server.url });
    const events = sdk.modelEvents({ model: 'glyphs' })[Symbol.asyncIterator]();
    const first = events.next();
    let heard = false;
    void first.then(() => (heard = true));
    // Unload and load until the subscription hears one: it listens from some moment after it is sent.
    while (!heard) {
      await admin.unloadModel({ model: 'glyphs' });
      await admin.loadModel({ model: 'glyphs' });
    }
    const states: string[] = [];
    for (let next = await first; !next.done; next = await events.next()) {
      expect(next.value).toMatchObject({ model: 'glyphs', version: '1', at: expect.any(String) });
      states.push(next.value.state);
      if (next.value.state === 'READY') break;
    }
    await events.return?.();
    expect(states).toContain('READY');
  });

  it('should send the health now and then on every interval', async () => {
    await using sdk = client();
    const seen = [];
    for await (const health of sdk.healthEvents({ intervalMs: 100 })) {
      seen.push(health);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([expect.objectContaining({ live: true }), expect.objectContaining({ live: true })]);
  });
});

describe('the shared WebSocket', () => {
  it('should carry concurrent streams on one lazily opened WebSocket, and open another once the first has closed', async () => {
    let sockets = 0;
    // A real WebSocket that counts its openings.
    class CountedWebSocket extends WebSocket {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets++;
      }
    }
    await using sdk = createClient({ url: server.url, transport: 'ws', webSocketImpl: CountedWebSocket });
    expect(sockets).toBe(0);
    const texts = await Promise.all([1, 2, 3].map((seed) => sdk.generate({ model: 'tiny-lm', prompt: 'The ', maxTokens: 4, seed }).text()));
    expect(texts).toHaveLength(3);
    expect(sockets).toBe(1);
    await sdk.close();
    await sdk.health();
    expect(sockets).toBe(2);
  });
});
