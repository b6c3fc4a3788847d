/**
 * What a subscriber sees when the server shuts down, on each streaming transport: every stream ends
 * by itself after its last event (SSE `event: complete`, graphql-ws `complete`), none is cut off.
 * The child-process test (drain.test.ts) covers the signal, the exit and the other transports.
 */
import { describe, expect, it } from 'vitest';
import { serveModels } from '../fixtures/server.ts';
import { syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE } from '../fixtures/silero-vad.ts';
import { collect, nextData } from '../fixtures/subscriptions.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS } from '../fixtures/transports.ts';
import { HealthUpdatesDocument, ModelEventsDocument, PredictStreamDocument } from '../generated/graphql.ts';

/** Far more frames than run while the test reads the first one and starts the shutdown. */
const FRAMES = 1500;

describe.each(STREAMING_TRANSPORTS)('open streams at shutdown over $name', (transport) => {
  it('should end health with a last not-ready event, modelEvents at once, and predictStream after the frame in flight', async () => {
    await using server = await serveModels((repository) => repository.copyExample('silero-vad'));
    const health = transport.subscribe(server, HealthUpdatesDocument, {});
    // Read from the start: graphql-ws's client iterator never ends if its operation completed, with no event, before the first read.
    const modelEvents = collect(transport.subscribe(server, ModelEventsDocument, {}));
    const frames = transport.subscribe(server, PredictStreamDocument, {
      input: {
        model: 'silero-vad',
        inputs: [
          { name: 'input', shape: [1, FRAMES * VAD_FRAME], base64: float32ToBase64(syntheticAudio(FRAMES * VAD_FRAME, 5)) },
          { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] },
        ],
        frame: { input: 'input', size: VAD_FRAME },
      },
    });
    expect((await nextData(health)).health.ready).toBe(true);
    const first = await nextData(frames);

    const disposed = server.app.dispose();
    // `collect` fails on a stream that ends without its transport's complete (a cut connection, an SSE body without `event: complete`).
    const healthAfter = await collect(health);
    for (const result of healthAfter) expect(result.errors).toBeUndefined();
    expect(healthAfter.at(-1)?.data?.health).toMatchObject({ live: true, ready: false });
    for (const result of await modelEvents) expect(result.errors).toBeUndefined();
    const rest = await collect(frames);
    for (const result of rest) expect(result.errors).toBeUndefined();
    const indexes = [first, ...rest.map((result) => result.data!)].map((data) => data.predictStream.index);
    expect(indexes).toEqual(indexes.map((_, index) => index));
    expect(indexes.length).toBeLessThan(FRAMES);
    await disposed;
  });
});
