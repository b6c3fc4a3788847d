import { describe, expect, it } from 'vitest';
import { createTinyLm, tinyLmTokenizerFiles } from '../../scripts/models/tiny-lm/tiny-lm.ts';
import { expectStreamFailure } from '../fixtures/failures.ts';
import { figuresOf, waitForFigures } from '../fixtures/figures.ts';
import { type GenerateEvent, type Generation, generationOf } from '../fixtures/generation.ts';
import { serveModels } from '../fixtures/server.ts';
import { collect, nextData, type Stream } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { createGreedyReference, loadTinyLmTokenizer } from '../fixtures/tiny-lm-reference.ts';
import { graphqlWs, STREAMING_TRANSPORTS, type StreamingTransport } from '../fixtures/transports.ts';
import { GenerateDocument, type GenerateInput, type GenerateSubscription } from '../generated/graphql.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('tiny-lm');
    await repository.copyExample('glyphs');
    // Copies with figures and limits of their own.
    await repository.copyExample('tiny-lm', 'tiny-lm-burst');
    await repository.copyExample('tiny-lm', 'tiny-lm-single', { generation: { maxStreams: 1 } });
    // The same decoder exported without a KV cache: the server re-runs the whole text each step.
    await repository.write('tiny-lm-nocache/1/model.onnx', (await createTinyLm({ kvCache: false })).model);
    for (const [file, content] of Object.entries(tinyLmTokenizerFiles())) await repository.write(`tiny-lm-nocache/${file}`, content);
    await repository.write('tiny-lm-nocache/model.json', JSON.stringify({ task: 'text-generation' }));
  }),
);
const tokenizer = await loadTinyLmTokenizer();
const reference = forSuite(() => createGreedyReference(tokenizer.eosId));

/** A stream read event by event; `return()` completes the subscription. */
function openStream(input: GenerateInput, transport: StreamingTransport = graphqlWs): Stream<GenerateSubscription> {
  return transport.subscribe(server, GenerateDocument, { input });
}

/** A whole generation. */
async function generate(input: GenerateInput, transport: StreamingTransport = graphqlWs): Promise<Generation> {
  return generationOf(await collect(openStream(input, transport)));
}

async function nextEvent(stream: Stream<GenerateSubscription>): Promise<GenerateEvent> {
  return (await nextData(stream)).generate;
}

describe.each(STREAMING_TRANSPORTS)('generate over $name', (transport) => {
  it('should send one event per token, then a final event with the usage, the same as over graphql-ws', async () => {
    const prompt = 'The keeper ';
    const input = { model: 'tiny-lm', prompt, maxTokens: 40, seed: 7 };
    const [results, overWs] = await Promise.all([collect(openStream(input, transport)), generate(input)]);
    expect(results).toHaveLength(41);
    const generation = generationOf(results);
    const { tokens, tokenIds, text, final } = generation;

    expect(tokens.map((event) => event.index)).toEqual(Array.from({ length: 40 }, (_, index) => index));
    expect(tokens.every((event) => Number.isInteger(event.tokenId) && event.model === 'tiny-lm' && event.version === '1')).toBe(true);
    expect(final).toMatchObject({
      model: 'tiny-lm',
      version: '1',
      index: 40,
      tokenId: null,
      finishReason: 'LENGTH',
      usage: { promptTokens: tokenizer.encode(prompt).length, completionTokens: 40 },
      error: null,
    });
    expect(text).toBe(tokenizer.decode(tokenIds));
    expect(generation).toEqual(overWs);
  });

  const cases: [string, GenerateInput, string, RegExp][] = [
    ['an unknown model', { model: 'nope', prompt: 'The ' }, 'MODEL_NOT_FOUND', /model "nope" is not in the repository/],
    ['maxTokens 0', { model: 'tiny-lm', prompt: 'The ', maxTokens: 0 }, 'INVALID_ARGUMENT', /maxTokens must be from 1 to 1024, got 0/],
    [
      'maxTokens above the cap',
      { model: 'tiny-lm', prompt: 'The ', maxTokens: 1025 },
      'INVALID_ARGUMENT',
      /maxTokens must be from 1 to 1024, got 1025/,
    ],
    ['an empty prompt', { model: 'tiny-lm', prompt: '' }, 'INVALID_ARGUMENT', /the prompt is empty/],
    [
      'both prompt and promptTokenIds',
      { model: 'tiny-lm', prompt: 'The ', promptTokenIds: [3, 4] },
      'INVALID_ARGUMENT',
      /exactly one of prompt and promptTokenIds/,
    ],
    [
      'a model that is no decoder',
      { model: 'glyphs', prompt: 'The ' },
      'INVALID_ARGUMENT',
      /model "glyphs" v1 cannot generate text: it has no INT64 input "input_ids"/,
    ],
  ];

  it.each(cases)('should refuse %s', async (_what, input, code, message) => {
    expect(expectStreamFailure(await collect(openStream(input, transport)), code, { path: ['generate'] })).toMatch(message);
  });

  it('should stop the stream of a client that goes away, leave its neighbour whole, and free its slot', async () => {
    const neighbourInput = { model: 'tiny-lm', prompt: 'In spring', maxTokens: 200, temperature: 0 };
    const alone = await generate(neighbourInput, transport);
    const before = (await figuresOf(server, 'tiny-lm')).generation!;

    const long = openStream({ model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 }, transport);
    const firstEvents = [await nextEvent(long), await nextEvent(long), await nextEvent(long)];
    const neighbour = generate(neighbourInput, transport);
    await nextEvent(long);
    // Completes the subscription: over SSE, cancels the response body, as a browser closing its EventSource does.
    await long.return();

    const { tokenIds, final } = await neighbour;
    expect(tokenIds).toEqual(alone.tokenIds);
    expect(final).toEqual(alone.final);
    expect(firstEvents.map((event) => event.index)).toEqual([0, 1, 2]);

    const after = await waitForFigures(
      server,
      'tiny-lm',
      ({ generation }) => generation!.activeStreams === 0 && generation!.waitingStreams === 0,
    );
    // The cancelled stream stopped far short of its 1000 tokens.
    const cancelledTokens = after.generation!.tokens - before.tokens - 200;
    expect(cancelledTokens).toBeGreaterThanOrEqual(4);
    expect(cancelledTokens).toBeLessThan(1000);
  });
});

describe('generation', () => {
  it('should give the same text for the same seed, and another for another seed', async () => {
    const input = { model: 'tiny-lm', prompt: 'In spring ', maxTokens: 40, seed: 21 };
    const first = await generate(input);
    const second = await generate(input);
    const other = await generate({ ...input, seed: 22 });
    expect(second.tokenIds).toEqual(first.tokenIds);
    expect(second.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it('should continue promptTokenIds as it continues the prompt they encode', async () => {
    const prompt = 'The keeper ';
    const byText = await generate({ model: 'tiny-lm', prompt, maxTokens: 20, seed: 3 });
    const byIds = await generate({ model: 'tiny-lm', promptTokenIds: tokenizer.encode(prompt), maxTokens: 20, seed: 3 });
    expect(byIds.tokenIds).toEqual(byText.tokenIds);
    expect(byIds.final).toEqual(byText.final);
  });

  it('should end with EOS, and no token event, when the model ends the text', async () => {
    // The corpus ends a paragraph here: end-of-text is the likeliest next token.
    const prompt = 'they feel that they have come home.';
    const { tokens, final } = await generate({ model: 'tiny-lm', prompt, maxTokens: 10, temperature: 0 });
    expect(tokens).toEqual([]);
    expect(final).toMatchObject({ index: 0, text: '', finishReason: 'EOS', usage: { promptTokens: prompt.length, completionTokens: 0 } });
  });

  it('should pick the likeliest token at temperature 0, as a greedy loop over onnxruntime-node does', async () => {
    const prompt = 'When she opened the door';
    const { tokenIds, final } = await generate({ model: 'tiny-lm', prompt, maxTokens: 50, temperature: 0 });
    expect(tokenIds).toEqual(await reference.complete(tokenizer.encode(prompt), 50));
    expect(final.finishReason).toBe('LENGTH');
  });
});

describe('a decoder without a KV cache', () => {
  it('should generate the same tokens as the same decoder with one', async () => {
    const greedy = { prompt: 'A ferry crosses', maxTokens: 30, temperature: 0 };
    const [cached, uncached] = await Promise.all([
      generate({ model: 'tiny-lm', ...greedy }),
      generate({ model: 'tiny-lm-nocache', ...greedy }),
    ]);
    expect(uncached.final).toMatchObject({ finishReason: 'LENGTH', usage: { completionTokens: 30 } });
    expect(uncached.tokenIds).toEqual(cached.tokenIds);
  });
});

describe('continuous batching', () => {
  it('should give two concurrent streams the tokens each gets alone', async () => {
    const inputs = [
      { model: 'tiny-lm', prompt: 'The lamp at the end of the pier', maxTokens: 40, seed: 11 },
      { model: 'tiny-lm', prompt: 'So', maxTokens: 30, seed: 12 },
    ];
    const alone: Generation[] = [];
    for (const input of inputs) alone.push(await generate(input));
    const together = await Promise.all(inputs.map((input) => generate(input)));
    together.forEach((generation, stream) => {
      expect(generation.tokenIds).toEqual(alone[stream]!.tokenIds);
      expect(generation.text).toBe(alone[stream]!.text);
      expect(generation.final).toEqual(alone[stream]!.final);
    });
  });

  it('should run a burst of concurrent streams in shared steps', async () => {
    const prompts = ['The ', 'When ', 'In the ', 'A ', 'She ', 'They ', 'On the ', 'At '];
    const generations = await Promise.all(
      prompts.map((prompt) => generate({ model: 'tiny-lm-burst', prompt, maxTokens: 40, temperature: 0 })),
    );
    expect(generations.map((generation) => generation.final.finishReason)).toEqual(prompts.map(() => 'LENGTH'));
    const { generation } = await figuresOf(server, 'tiny-lm-burst');
    expect(generation).toMatchObject({ activeStreams: 0, waitingStreams: 0, tokens: 8 * 40 });
    expect(generation!.meanStepBatch).toBeGreaterThan(1);
  });
});

describe('the stream limit', () => {
  it('should refuse a stream past maxStreams with OVERLOADED, and take one again once a stream ends', async () => {
    const first = openStream({ model: 'tiny-lm-single', prompt: 'The ', maxTokens: 800, temperature: 0 });
    expect(await nextEvent(first)).toMatchObject({ index: 0, finishReason: null });

    const refused = await collect(openStream({ model: 'tiny-lm-single', prompt: 'A', maxTokens: 5 }));
    expect(expectStreamFailure(refused, 'OVERLOADED', { path: ['generate'] })).toContain('maxStreams 1');

    let last: GenerateEvent | undefined;
    for await (const result of first) last = result.data!.generate;
    expect(last).toMatchObject({ index: 800, finishReason: 'LENGTH' });

    const next = await generate({ model: 'tiny-lm-single', prompt: 'A', maxTokens: 5, temperature: 0 });
    expect(next.final).toMatchObject({ finishReason: 'LENGTH', usage: { completionTokens: 5 } });
  });
});

describe('stop sequences', () => {
  it('should end with STOP before a stop sequence, never showing it', async () => {
    const prompt = 'The keeper';
    const greedy = await generate({ model: 'tiny-lm', prompt, maxTokens: 40, temperature: 0 });
    const stop = greedy.text.slice(6, 9);
    const at = greedy.text.indexOf(stop);
    expect(at, `the stop ${JSON.stringify(stop)} should come after some text of ${JSON.stringify(greedy.text)}`).toBeGreaterThan(0);

    const stopped = await generate({ model: 'tiny-lm', prompt, maxTokens: 40, temperature: 0, stop: ['never said', stop] });
    expect(stopped.final.finishReason).toBe('STOP');
    expect(stopped.text).toBe(greedy.text.slice(0, at));
    expect(stopped.text).not.toContain(stop);
    expect(stopped.tokenIds).toEqual(greedy.tokenIds.slice(0, stopped.tokenIds.length));
    expect(stopped.final.usage).toMatchObject({ completionTokens: stopped.tokenIds.length });
  });
});

describe('a server that shuts down', () => {
  it('should end an open stream with CANCELLED before it closes the socket', async () => {
    // Disposed by the test itself; `await using` only makes sure of it when the test fails first.
    await using ownServer = await serveModels((repository) => repository.copyExample('tiny-lm'));
    const stream = ownServer.ws.subscribe(GenerateDocument, {
      input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 },
    });
    expect(await nextEvent(stream)).toMatchObject({ index: 0 });
    const rest = (async () => {
      const events: GenerateEvent[] = [];
      for await (const result of stream) events.push(result.data!.generate);
      return events;
    })();

    await ownServer.app.dispose();
    const final = (await rest).at(-1);
    expect(final).toMatchObject({ finishReason: 'CANCELLED', tokenId: null, error: null });
    expect(final!.usage!.completionTokens).toBe(final!.index);
    expect(final!.index).toBeLessThan(1000);
  });
});
