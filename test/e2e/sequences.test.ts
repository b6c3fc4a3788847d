import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { expectFailure, expectStreamFailure } from '../fixtures/failures.ts';
import { figuresOf, waitForFigures } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { createVadReference, syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE, vadFrames } from '../fixtures/silero-vad.ts';
import { collect, nextData } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32ToBase64, numbersOf } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS } from '../fixtures/transports.ts';
import {
  PredictDocument,
  type PredictInput,
  type PredictMutation,
  PredictStreamDocument,
  type PredictStreamInput,
  type PredictStreamSubscription,
} from '../generated/graphql.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('silero-vad');
    await repository.copyExample('glyphs');
  }),
);
const reference = forSuite(() => createVadReference());

const sampleRate = { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] };

/** The predict input of one frame of a sequence. */
function frameCall(frame: Float32Array, sequence: { id: string; start?: boolean; end?: boolean }): PredictInput {
  return { model: 'silero-vad', inputs: [{ name: 'input', shape: [1, VAD_FRAME], base64: float32ToBase64(frame) }, sampleRate], sequence };
}

/** The speech probability of a predict answer, which shows the output and not the state. */
function probabilityOf({ data, errors }: ExecutionResult<PredictMutation>): number {
  expect(errors).toBeUndefined();
  const { outputs } = data!.predict;
  expect(outputs.map((output) => output.name)).toEqual(['output']);
  expect(outputs[0]!.shape).toEqual([1, 1]);
  return numbersOf(outputs[0]!.data)[0]!;
}

function streamInput(audio: Float32Array): PredictStreamInput {
  return {
    model: 'silero-vad',
    inputs: [{ name: 'input', shape: [1, audio.length], base64: float32ToBase64(audio) }, sampleRate],
    frame: { input: 'input', size: VAD_FRAME },
  };
}

describe('a sequence through predict', () => {
  it('should carry the state from frame to frame as onnxruntime-node does by hand', async () => {
    const frames = vadFrames(syntheticAudio(12 * VAD_FRAME, 1));
    const expected = await reference.probabilities(frames);
    const served: number[] = [];
    for (const [index, frame] of frames.entries()) {
      const answer = await server.graphql(PredictDocument, {
        input: frameCall(frame, { id: 'chirp', start: index === 0, end: index === frames.length - 1 }),
      });
      served.push(probabilityOf(answer));
    }
    expectClose(served, expected, 1e-5);
    // Each frame alone, from a zeroed state, says something else: the state is what was carried.
    const alone = await Promise.all(frames.map(async (frame) => (await reference.probabilities([frame]))[0]!));
    expect(Math.max(...alone.map((probability, index) => Math.abs(probability - expected[index]!)))).toBeGreaterThan(1e-3);
    expect((await figuresOf(server, 'silero-vad')).stats.sequences).toBe(0);
  });

  it('should start a sequence again from a zeroed state', async () => {
    const frames = vadFrames(syntheticAudio(4 * VAD_FRAME, 2));
    const expected = await reference.probabilities(frames.slice(2));
    await server.graphql(PredictDocument, { input: frameCall(frames[0]!, { id: 'again', start: true }) });
    await server.graphql(PredictDocument, { input: frameCall(frames[1]!, { id: 'again' }) });
    const restarted = [
      probabilityOf(await server.graphql(PredictDocument, { input: frameCall(frames[2]!, { id: 'again', start: true }) })),
      probabilityOf(await server.graphql(PredictDocument, { input: frameCall(frames[3]!, { id: 'again', end: true }) })),
    ];
    expectClose(restarted, expected, 1e-5);
  });

  it('should run the calls of one sequence sent all at once in the order they came', async () => {
    const frames = vadFrames(syntheticAudio(8 * VAD_FRAME, 9));
    const expected = await reference.probabilities(frames);
    const answers = await Promise.all(
      frames.map((frame, index) =>
        server.ws.graphql(PredictDocument, {
          input: frameCall(frame, { id: 'burst', start: index === 0, end: index === frames.length - 1 }),
        }),
      ),
    );
    expectClose(answers.map(probabilityOf), expected, 1e-5);
  });

  it('should run two interleaved sequences each as alone, their steps sharing runs, and count them while open', async () => {
    const count = 16;
    const sequences = [
      { id: 'left', frames: vadFrames(syntheticAudio(count * VAD_FRAME, 3)) },
      { id: 'right', frames: vadFrames(syntheticAudio(count * VAD_FRAME, 4)) },
    ];
    const expected = await Promise.all(sequences.map(({ frames }) => reference.probabilities(frames)));
    const before = (await figuresOf(server, 'silero-vad')).stats;
    const served: number[][] = [[], []];
    const open: number[] = [];
    for (let index = 0; index < count; index++) {
      // Frame i of both at once, over one socket.
      const answers = await Promise.all(
        sequences.map(({ id, frames }) =>
          server.ws.graphql(PredictDocument, { input: frameCall(frames[index]!, { id, start: index === 0, end: index === count - 1 }) }),
        ),
      );
      for (const [sequence, answer] of answers.entries()) served[sequence]!.push(probabilityOf(answer));
      open.push((await figuresOf(server, 'silero-vad')).stats.sequences);
    }
    expectClose(served[0]!, expected[0]!, 1e-5);
    expectClose(served[1]!, expected[1]!, 1e-5);
    expect(open).toEqual([...new Array<number>(count - 1).fill(2), 0]);

    const after = (await figuresOf(server, 'silero-vad')).stats;
    expect(after.requests - before.requests).toBe(2 * count);
    expect(after.items - before.items).toBe(2 * count);
    expect(after.batches - before.batches).toBeLessThan(2 * count);
  });
});

describe('sequence errors', () => {
  const frame = vadFrames(syntheticAudio(VAD_FRAME, 5))[0]!;
  const { pixels } = generateGlyphs({ count: 1, seed: 6 });
  const cases: [string, PredictInput, string, RegExp][] = [
    [
      'a call to silero-vad without a sequence',
      { ...frameCall(frame, { id: 'x' }), sequence: null },
      'INVALID_ARGUMENT',
      /send each call with a sequence/,
    ],
    [
      'a sequence on a model that keeps no state',
      {
        model: 'glyphs',
        inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }],
        sequence: { id: 'x', start: true },
      },
      'INVALID_ARGUMENT',
      /model "glyphs" v1 keeps no state between calls/,
    ],
    [
      'an unknown sequence without start',
      frameCall(frame, { id: 'never-started' }),
      'INVALID_ARGUMENT',
      /sequence "never-started" of model "silero-vad" v1 is not running/,
    ],
    [
      'the state input h',
      {
        ...frameCall(frame, { id: 'x', start: true }),
        inputs: [...frameCall(frame, { id: 'x' }).inputs, { name: 'h', shape: [2, 1, 64], data: new Array<number>(128).fill(0) }],
      },
      'INVALID_TENSOR',
      /input "h" of model "silero-vad" v1 is sequence state/,
    ],
  ];

  it.each(cases)('should refuse %s', async (_what, input, code, message) => {
    expect(expectFailure(await server.graphql(PredictDocument, { input }), code)).toMatch(message);
    expect((await figuresOf(server, 'silero-vad')).stats.sequences).toBe(0);
  });
});

describe.each(STREAMING_TRANSPORTS)('predictStream over $name', (transport) => {
  // Ten frames' worth, the last one partial.
  const audio = syntheticAudio(9 * VAD_FRAME + 200, 7);

  function expectFrames(results: readonly ExecutionResult<PredictStreamSubscription>[], expected: readonly number[]): void {
    for (const result of results) expect(result.errors).toBeUndefined();
    const events = results.map((result) => result.data!.predictStream);
    expect(events.map((event) => [event.index, event.count])).toEqual(expected.map((_, index) => [index, expected.length]));
    expect(events.every((event) => event.model === 'silero-vad' && event.version === '1')).toBe(true);
    for (const event of events) expect(event.outputs.map((output) => [output.name, output.shape])).toEqual([['output', [1, 1]]]);
    expectClose(
      events.map((event) => event.outputs[0]!.data[0]!),
      expected,
      1e-5,
    );
  }

  it('should send each frame as it is computed, the last one zero-padded', async () => {
    const expected = await reference.probabilities(vadFrames(audio));
    expect(expected).toHaveLength(10);
    expectFrames(await collect(transport.subscribe(server, PredictStreamDocument, { input: streamInput(audio) })), expected);
    expect((await figuresOf(server, 'silero-vad')).stats.sequences).toBe(0);
  });

  it('should refuse a model that keeps no state', async () => {
    const { pixels } = generateGlyphs({ count: 1, seed: 10 });
    const input = {
      model: 'glyphs',
      inputs: [{ name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) }],
      frame: { input: 'pixels', size: 16 },
    };
    const results = await collect(transport.subscribe(server, PredictStreamDocument, { input }));
    expect(expectStreamFailure(results, 'INVALID_ARGUMENT')).toBe(
      'model "glyphs" v1 keeps no state between calls, so it cannot stream frames',
    );
  });

  it('should stop when the client completes the subscription, and free its sequence', async () => {
    const frames = 1000;
    const before = (await figuresOf(server, 'silero-vad')).stats;
    const stream = transport.subscribe(server, PredictStreamDocument, { input: streamInput(syntheticAudio(frames * VAD_FRAME, 8)) });
    const first = await nextData(stream);
    const second = await nextData(stream);
    expect([first.predictStream.index, second.predictStream.index]).toEqual([0, 1]);
    await stream.return();

    const after = await waitForFigures(
      server,
      'silero-vad',
      ({ stats }) => stats.sequences === 0 && stats.queued === 0 && stats.inFlight === 0,
    );
    const framesRun = after.stats.requests - before.requests;
    expect(framesRun).toBeGreaterThanOrEqual(2);
    expect(framesRun).toBeLessThan(frames);
  });
});
