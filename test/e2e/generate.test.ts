import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTinyLm, tinyLmTokenizerFiles } from '../../scripts/models/tiny-lm/tiny-lm.ts';
import { GENERATE, type GenerateData, type GenerateEvent, type Generation, generationOf, refusalOf } from '../fixtures/generation.ts';
import { createTempRepository, type TempRepository } from '../fixtures/repository.ts';
import { startServer, type TestServer } from '../fixtures/server.ts';
import { collectSse, collectWs, subscribeSse } from '../fixtures/subscriptions.ts';
import {
  createGreedyReference,
  type GreedyReference,
  loadTinyLmTokenizer,
  TINY_LM_DIR,
  type TinyLmTokenizer,
} from '../fixtures/tiny-lm-reference.ts';
import { figuresOf, waitForFigures } from '../fixtures/version-figures.ts';
import { createWsClient, type TestWsClient } from '../fixtures/ws-client.ts';

let repository: TempRepository;
let server: TestServer;
let ws: TestWsClient;
let tokenizer: TinyLmTokenizer;
let reference: GreedyReference;

beforeAll(async () => {
  repository = await createTempRepository();
  await repository.copyExample('tiny-lm');
  await repository.copyExample('glyphs');
  // Copies with figures and limits of their own.
  const config = JSON.parse(await readFile(join(TINY_LM_DIR, 'model.json'), 'utf8')) as Record<string, unknown>;
  await repository.copyExample('tiny-lm', 'tiny-lm-burst');
  await repository.copyExample('tiny-lm', 'tiny-lm-single');
  await repository.write('tiny-lm-single/model.json', JSON.stringify({ ...config, generation: { maxStreams: 1 } }));
  // The same decoder exported without a KV cache: the server re-runs the whole text each step.
  await repository.write('tiny-lm-nocache/1/model.onnx', (await createTinyLm({ kvCache: false })).model);
  for (const [file, content] of Object.entries(tinyLmTokenizerFiles())) await repository.write(`tiny-lm-nocache/${file}`, content);
  await repository.write('tiny-lm-nocache/model.json', JSON.stringify({ task: 'text-generation' }));
  tokenizer = await loadTinyLmTokenizer();
  [server, reference] = await Promise.all([startServer({ modelRepository: repository.root }), createGreedyReference(tokenizer.eosId)]);
  ws = createWsClient(server.wsUrl);
});

afterAll(async () => {
  await ws?.[Symbol.asyncDispose]();
  await server?.[Symbol.asyncDispose]();
  await reference?.[Symbol.asyncDispose]();
  await repository?.[Symbol.asyncDispose]();
});

async function generateOverWs(input: Record<string, unknown>) {
  return generationOf(await collectWs<GenerateData>(ws.client, GENERATE, { input }));
}

/** A stream read event by event; `return()` completes the subscription. */
function openStream(input: Record<string, unknown>) {
  return ws.client.iterate<GenerateData>({ query: GENERATE, variables: { input } });
}

async function nextEvent(stream: ReturnType<typeof openStream>): Promise<GenerateEvent> {
  const { value, done } = await stream.next();
  if (done || !value.data) throw new Error(`the stream ended or failed instead of sending an event: ${JSON.stringify(value)}`);
  return value.data.generate;
}

describe('generate over graphql-ws', () => {
  it('should send one event per token, then a final event with the usage', async () => {
    const prompt = 'The keeper ';
    const { tokens, tokenIds, text, final } = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 40, seed: 7 });

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
  });

  it('should give the same text for the same seed, and another for another seed', async () => {
    const input = { model: 'tiny-lm', prompt: 'In spring ', maxTokens: 40, seed: 21 };
    const first = await generateOverWs(input);
    const second = await generateOverWs(input);
    const other = await generateOverWs({ ...input, seed: 22 });
    expect(second.tokenIds).toEqual(first.tokenIds);
    expect(second.text).toBe(first.text);
    expect(other.text).not.toBe(first.text);
  });

  it('should continue promptTokenIds as it continues the prompt they encode', async () => {
    const prompt = 'The keeper ';
    const byText = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 20, seed: 3 });
    const byIds = await generateOverWs({ model: 'tiny-lm', promptTokenIds: tokenizer.encode(prompt), maxTokens: 20, seed: 3 });
    expect(byIds.tokenIds).toEqual(byText.tokenIds);
    expect(byIds.final).toEqual(byText.final);
  });

  it('should end with EOS, and no token event, when the model ends the text', async () => {
    // The corpus ends a paragraph here: end-of-text is the likeliest next token.
    const prompt = 'they feel that they have come home.';
    const { tokens, final } = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 10, temperature: 0 });
    expect(tokens).toEqual([]);
    expect(final).toMatchObject({ index: 0, text: '', finishReason: 'EOS', usage: { promptTokens: prompt.length, completionTokens: 0 } });
  });

  it('should pick the likeliest token at temperature 0, as a greedy loop over onnxruntime-node does', async () => {
    const prompt = 'When she opened the door';
    const { tokenIds, final } = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 50, temperature: 0 });
    expect(tokenIds).toEqual(await reference.complete(tokenizer.encode(prompt), 50));
    expect(final.finishReason).toBe('LENGTH');
  });
});

describe('a decoder without a KV cache', () => {
  it('should generate the same tokens as the same decoder with one', async () => {
    const greedy = { prompt: 'A ferry crosses', maxTokens: 30, temperature: 0 };
    const [cached, uncached] = await Promise.all([
      generateOverWs({ model: 'tiny-lm', ...greedy }),
      generateOverWs({ model: 'tiny-lm-nocache', ...greedy }),
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
    for (const input of inputs) alone.push(await generateOverWs(input));
    const together = await Promise.all(inputs.map((input) => generateOverWs(input)));
    together.forEach((generation, stream) => {
      expect(generation.tokenIds).toEqual(alone[stream]!.tokenIds);
      expect(generation.text).toBe(alone[stream]!.text);
      expect(generation.final).toEqual(alone[stream]!.final);
    });
  });

  it('should run a burst of concurrent streams in shared steps', async () => {
    const prompts = ['The ', 'When ', 'In the ', 'A ', 'She ', 'They ', 'On the ', 'At '];
    const generations = await Promise.all(
      prompts.map((prompt) => generateOverWs({ model: 'tiny-lm-burst', prompt, maxTokens: 40, temperature: 0 })),
    );
    expect(generations.map((generation) => generation.final.finishReason)).toEqual(prompts.map(() => 'LENGTH'));
    const { generation } = await figuresOf(server, 'tiny-lm-burst');
    expect(generation).toMatchObject({ activeStreams: 0, waitingStreams: 0, tokens: 8 * 40 });
    expect(generation!.meanStepBatch).toBeGreaterThan(1);
  });
});

describe('cancelling a stream', () => {
  it('should stop the stream a client completes, leave its neighbour whole, and free its slot', async () => {
    const neighbourInput = { model: 'tiny-lm', prompt: 'In spring', maxTokens: 200, temperature: 0 };
    const alone = await generateOverWs(neighbourInput);
    const before = (await figuresOf(server, 'tiny-lm')).generation!;

    const long = openStream({ model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 });
    const firstEvents = [await nextEvent(long), await nextEvent(long), await nextEvent(long)];
    const neighbour = generateOverWs(neighbourInput);
    await nextEvent(long);
    await long.return!();

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

describe('the stream limit', () => {
  it('should refuse a stream past maxStreams with OVERLOADED, and take one again once a stream ends', async () => {
    const first = openStream({ model: 'tiny-lm-single', prompt: 'The ', maxTokens: 800, temperature: 0 });
    expect(await nextEvent(first)).toMatchObject({ index: 0, finishReason: null });

    const refused = refusalOf(await collectWs(ws.client, GENERATE, { input: { model: 'tiny-lm-single', prompt: 'A', maxTokens: 5 } }));
    expect(refused.code).toBe('OVERLOADED');
    expect(refused.message).toContain('maxStreams 1');
    expect(refused.path).toEqual(['generate']);

    let last: GenerateEvent | undefined;
    for await (const result of first) last = result.data!.generate;
    expect(last).toMatchObject({ index: 800, finishReason: 'LENGTH' });

    const next = await generateOverWs({ model: 'tiny-lm-single', prompt: 'A', maxTokens: 5, temperature: 0 });
    expect(next.final).toMatchObject({ finishReason: 'LENGTH', usage: { completionTokens: 5 } });
  });
});

describe('stop sequences', () => {
  it('should end with STOP before a stop sequence, never showing it', async () => {
    const prompt = 'The keeper';
    const greedy = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 40, temperature: 0 });
    const stop = greedy.text.slice(6, 9);
    const at = greedy.text.indexOf(stop);
    expect(at, `the stop ${JSON.stringify(stop)} should come after some text of ${JSON.stringify(greedy.text)}`).toBeGreaterThan(0);

    const stopped = await generateOverWs({ model: 'tiny-lm', prompt, maxTokens: 40, temperature: 0, stop: ['never said', stop] });
    expect(stopped.final.finishReason).toBe('STOP');
    expect(stopped.text).toBe(greedy.text.slice(0, at));
    expect(stopped.text).not.toContain(stop);
    expect(stopped.tokenIds).toEqual(greedy.tokenIds.slice(0, stopped.tokenIds.length));
    expect(stopped.final.usage).toMatchObject({ completionTokens: stopped.tokenIds.length });
  });
});

describe('generate errors', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
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
    const refused = refusalOf(await collectWs(ws.client, GENERATE, { input }));
    expect(refused.code).toBe(code);
    expect(refused.message).toMatch(message);
    expect(refused.path).toEqual(['generate']);
  });
});

describe('generate over SSE', () => {
  it('should send the same events as over graphql-ws', async () => {
    const input = { model: 'tiny-lm', prompt: 'The keeper ', maxTokens: 20, seed: 7 };
    const [overSse, overWs] = await Promise.all([
      collectSse<GenerateData>(server.url, GENERATE, { input }),
      collectWs<GenerateData>(ws.client, GENERATE, { input }),
    ]);
    expect(overSse).toHaveLength(21);
    expect(generationOf(overSse).final).toMatchObject({ finishReason: 'LENGTH', usage: { completionTokens: 20 } });
    expect(overSse).toEqual(overWs);
  });

  it('should refuse an unknown model with MODEL_NOT_FOUND', async () => {
    const refused = refusalOf(await collectSse(server.url, GENERATE, { input: { model: 'nope', prompt: 'The ' } }));
    expect(refused.code).toBe('MODEL_NOT_FOUND');
  });

  it('should stop the stream of a client that goes away', async () => {
    const before = (await figuresOf(server, 'tiny-lm')).generation!;
    const { status, results } = await subscribeSse<GenerateData>(server.url, GENERATE, {
      input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 },
    });
    expect(status).toBe(200);
    for (let index = 0; index < 3; index++) expect((await results.next()).value?.data?.generate.index).toBe(index);
    // Cancels the response body, as a browser closing its EventSource does.
    await results.return(undefined);

    const after = await waitForFigures(
      server,
      'tiny-lm',
      ({ generation }) => generation!.activeStreams === 0 && generation!.waitingStreams === 0,
    );
    expect(after.generation!.tokens - before.tokens).toBeLessThan(1000);
  });
});

describe('a server that shuts down', () => {
  it('should end an open stream with CANCELLED before it closes the socket', async () => {
    await using own = await createTempRepository();
    await own.copyExample('tiny-lm');
    // Disposed by the test itself; `await using` only makes sure of it when the test fails first.
    await using ownServer = await startServer({ modelRepository: own.root });
    await using client = createWsClient(ownServer.wsUrl);
    const stream = client.client.iterate<GenerateData>({
      query: GENERATE,
      variables: { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 1000, temperature: 0 } },
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
