/**
 * Limits on what one operation may ask of the server: its depth, aliases, tokens, directives and cost, the size of
 * its tensors, introspection and trusted documents. Each is proven on HTTP, graphql-ws and SSE alike.
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { createClient } from 'graphql-ws';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ModelsDocument as SdkModelsDocument } from '../../clients/sdk/src/generated/graphql.ts';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import type { ExecutionResult } from '../fixtures/documents.ts';
import { expectFailure, expectStreamFailure } from '../fixtures/failures.ts';
import { statsOf } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE } from '../fixtures/silero-vad.ts';
import { collect } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { float32ToBase64 } from '../fixtures/tensors.ts';
import { STREAMING_TRANSPORTS, TRANSPORTS } from '../fixtures/transports.ts';
import { GenerateDocument, PredictDocument, type PredictInput, PredictStreamDocument } from '../generated/graphql.ts';

/** The sha256 codegen gave an SDK document. */
function hashOf(document: object): string {
  return (document as { __meta__: { hash: string } }).__meta__.hash;
}

const { pixels } = generateGlyphs({ count: 1, seed: 7 });
const GLYPH = { name: 'pixels', shape: [1, GLYPH_PIXELS], data: Array.from(pixels) };

/** A hand-written operation, typed as loosely as it is written. */
function operation<Variables = Record<string, never>>(text: string): TypedDocumentNode<Record<string, unknown>, Variables> {
  return parse(text) as TypedDocumentNode<Record<string, unknown>, Variables>;
}

/** The request of issue 8: one HTTP request that asks for `count` predictions at once under aliases. */
function aliasedPredicts(count: number) {
  const fields = Array.from({ length: count }, (_, index) => `p${index}: predict(input: $input) { version }`).join('\n');
  return operation<{ input: PredictInput }>(`mutation Many($input: PredictInput!) {\n${fields}\n}`);
}

describe.each(TRANSPORTS)('operation limits over $name', (transport) => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('glyphs');
    }),
  );

  it('should refuse 2,000 aliases of predict before running any, and serve the next request', async () => {
    const refused = await transport.execute(server, aliasedPredicts(2000), { input: { model: 'glyphs', inputs: [GLYPH] } });
    expectFailure(refused, 'QUERY_TOO_COMPLEX', transport.name === 'HTTP' ? { status: 400 } : {});
    const served = await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [GLYPH] } });
    expect(served.errors).toBeUndefined();
    expect((await statsOf(server, 'glyphs'))?.requests).toBe(1);
  });

  it('should refuse an operation nested deeper than maxDepth, naming the limit', async () => {
    // Each inline fragment is a level, so that the limit can be reached in a schema that is not that deep.
    const nested = (levels: number) => `{ ${'... on Query { '.repeat(levels)}__typename${' }'.repeat(levels)} }`;
    expect(expectFailure(await transport.execute(server, operation(nested(11))), 'QUERY_TOO_COMPLEX')).toMatch(/depth limit of 10/i);
    expect((await transport.execute(server, operation(nested(8)))).data).toEqual({ __typename: 'Query' });
  });

  it('should refuse more aliases than maxAliases', async () => {
    const aliases = (count: number) => Array.from({ length: count }, (_, index) => `a${index}: health { live }`).join(' ');
    expect(expectFailure(await transport.execute(server, operation(`{ ${aliases(31)} }`)), 'QUERY_TOO_COMPLEX')).toMatch(
      /aliases limit of 30/i,
    );
    expect((await transport.execute(server, operation(`{ ${aliases(30)} }`))).errors).toBeUndefined();
  });

  it('should refuse more directives than maxDirectives', async () => {
    const fields = (count: number) => Array.from({ length: count }, () => '__typename @include(if: true)').join(' ');
    expect(expectFailure(await transport.execute(server, operation(`{ ${fields(51)} }`)), 'QUERY_TOO_COMPLEX')).toMatch(
      /directives limit of 50/i,
    );
    expect((await transport.execute(server, operation(`{ ${fields(50)} }`))).errors).toBeUndefined();
  });

  it('should refuse a document of more tokens than maxQueryTokens, and not count a tensor in variables', async () => {
    const tokens = Array.from({ length: 10_000 }, () => '__typename').join(' ');
    expect(expectFailure(await transport.execute(server, operation(`{ ${tokens} }`)), 'QUERY_TOO_COMPLEX')).toMatch(
      /token limit of 10000/i,
    );
    const big = { name: 'pixels', shape: [32, GLYPH_PIXELS], data: new Array(32 * GLYPH_PIXELS).fill(0) };
    expect((await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [big] } })).errors).toBeUndefined();
  });
});

describe.each(TRANSPORTS)('the cost limit over $name', (transport) => {
  const server = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), {
      // Only the cost stands in the way: 130 units is one one-row predict (a run of 100, its fields), not two.
      limits: { maxCost: 130, maxAliases: 10_000, maxQueryTokens: 100_000 },
    }),
  );

  it('should refuse the 2,000 aliases by their cost alone, naming the cost and the limit, before any run', async () => {
    const message = expectFailure(
      await transport.execute(server, aliasedPredicts(2000), { input: { model: 'glyphs', inputs: [GLYPH] } }),
      'QUERY_TOO_COMPLEX',
      transport.name === 'HTTP' ? { status: 400 } : {},
    );
    expect(message).toMatch(/costs \d+, over the limit of 130/);
    expect(
      (await transport.execute(server, aliasedPredicts(2), { input: { model: 'glyphs', inputs: [GLYPH] } })).errors?.[0]?.extensions?.code,
    ).toBe('QUERY_TOO_COMPLEX');
    expect((await statsOf(server, 'glyphs'))?.requests ?? 0).toBe(0);
  });

  it('should price a predict by the rows and elements of its tensors, read from the variables', async () => {
    const one = await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [GLYPH] } });
    expect(one.errors).toBeUndefined();
    const rows = 200;
    const many = { name: 'pixels', shape: [rows, GLYPH_PIXELS], data: new Array(rows * GLYPH_PIXELS).fill(0) };
    const refused = await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [many] } });
    expect(expectFailure(refused, 'QUERY_TOO_COMPLEX')).toMatch(/over the limit of 130/);
  });

  // The cost of a document is worked out once and then priced from each request's variables: these are the ways a
  // variable can change what a document costs, each asked cheap first and dear second, so that a price kept from the
  // first request would let the second through.
  const rows = (count: number) => ({ name: 'pixels', shape: [count, GLYPH_PIXELS], data: new Array(count * GLYPH_PIXELS).fill(0) });

  it('should price tensors sent as a lone object, as GraphQL reads it: a list of one', async () => {
    const lone = operation<{ input: unknown }>('mutation Lone($input: PredictInput!) { predict(input: $input) { version } }');
    expect((await transport.execute(server, lone, { input: { model: 'glyphs', inputs: GLYPH } })).errors).toBeUndefined();
    const refused = await transport.execute(server, lone, { input: { model: 'glyphs', inputs: rows(200) } });
    expect(expectFailure(refused, 'QUERY_TOO_COMPLEX')).toMatch(/over the limit of 130/);
  });

  it('should price a variable inside an input written in the document', async () => {
    const inline = operation<{ inputs: unknown }>(
      'mutation Inline($inputs: [TensorInput!]!) { predict(input: { model: "glyphs", inputs: $inputs }) { version } }',
    );
    expect((await transport.execute(server, inline, { inputs: [GLYPH] })).errors).toBeUndefined();
    expect(expectFailure(await transport.execute(server, inline, { inputs: [rows(200)] }), 'QUERY_TOO_COMPLEX')).toMatch(
      /over the limit of 130/,
    );
  });

  it('should price only the predicts that @include keeps', async () => {
    const maybeTwo = operation<{ input: PredictInput; both: boolean }>(
      'mutation MaybeTwo($input: PredictInput!, $both: Boolean!) { a: predict(input: $input) { version } b: predict(input: $input) @include(if: $both) { version } }',
    );
    const input = { model: 'glyphs', inputs: [GLYPH] };
    expect((await transport.execute(server, maybeTwo, { input, both: false })).errors).toBeUndefined();
    expect(expectFailure(await transport.execute(server, maybeTwo, { input, both: true }), 'QUERY_TOO_COMPLEX')).toMatch(
      /over the limit of 130/,
    );
  });
});

describe.each(STREAMING_TRANSPORTS)('the cost of streams over $name', (transport) => {
  const server = forSuite(() =>
    serveModels(
      async (repository) => {
        await repository.copyExample('tiny-lm');
        await repository.copyExample('silero-vad');
      },
      { limits: { maxCost: 1000 } },
    ),
  );

  it('should price generate by its maxTokens, refusing a long one before its first token', async () => {
    const results = await collect(
      transport.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 100 } }),
    );
    expect(expectStreamFailure(results, 'QUERY_TOO_COMPLEX')).toMatch(/costs \d+, over the limit of 1000/);
    const short = await collect(
      transport.subscribe(server, GenerateDocument, { input: { model: 'tiny-lm', prompt: 'The ', maxTokens: 4 } }),
    );
    expect(short.at(-1)?.data?.generate.finishReason).toBeTruthy();
  });

  it('should price predictStream by the frames its buffer is cut into, refusing a long one before its first frame', async () => {
    const stream = (frames: number) => ({
      model: 'silero-vad',
      inputs: [
        { name: 'input', shape: [1, frames * VAD_FRAME], base64: float32ToBase64(syntheticAudio(frames * VAD_FRAME, 3)) },
        { name: 'sr', shape: [], data: [VAD_SAMPLE_RATE] },
      ],
      frame: { input: 'input', size: VAD_FRAME },
    });
    const refused = await collect(transport.subscribe(server, PredictStreamDocument, { input: stream(40) }));
    expect(expectStreamFailure(refused, 'QUERY_TOO_COMPLEX')).toMatch(/costs \d+, over the limit of 1000/);
    const served = await collect(transport.subscribe(server, PredictStreamDocument, { input: stream(4) }));
    expect(served.map((result) => result.data?.predictStream.index)).toEqual([0, 1, 2, 3]);
  });
});

describe.each(TRANSPORTS)('tensor limits over $name', (transport) => {
  const server = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), { limits: { maxTensorElements: 300, maxInputs: 1 } }),
  );

  it('should refuse a tensor of more elements than maxTensorElements with INVALID_TENSOR, naming it', async () => {
    const two = { ...GLYPH, shape: [2, GLYPH_PIXELS], data: [...GLYPH.data, ...GLYPH.data] };
    const message = expectFailure(
      await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [two] } }),
      'INVALID_TENSOR',
      {
        path: ['predict'],
      },
    );
    expect(message).toBe('input "pixels" of model "glyphs" v1: shape [2,256] holds 512 elements, over the limit of 300');
  });

  it('should refuse more input tensors than maxInputs before looking at any', async () => {
    const message = expectFailure(
      await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [GLYPH, GLYPH] } }),
      'INVALID_TENSOR',
    );
    expect(message).toBe('model "glyphs" v1: the request gives 2 input tensors, over the limit of 1');
    expect((await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [GLYPH] } })).errors).toBeUndefined();
  });
});

describe.each(TRANSPORTS)('introspection turned off over $name', (transport) => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { limits: { introspection: false } }));

  it('should refuse __schema and __type with FORBIDDEN, and still answer __typename', async () => {
    expect(expectFailure(await transport.execute(server, operation('{ __schema { queryType { name } } }')), 'FORBIDDEN')).toContain(
      'introspection is turned off',
    );
    expectFailure(await transport.execute(server, operation('{ __type(name: "Model") { name } }')), 'FORBIDDEN');
    expect((await transport.execute(server, operation('{ __typename }'))).data).toEqual({ __typename: 'Query' });
  });
});

describe.each(TRANSPORTS)('trusted documents over $name', (transport) => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { limits: { trustedDocuments: true } }));

  it('should run an SDK document, named by its hash', async () => {
    const { data, errors } = await transport.execute(server, SdkModelsDocument);
    expect(errors).toBeUndefined();
    expect(data!.models.map((model) => model.name)).toEqual(['glyphs']);
  });

  it('should refuse an operation that is not one of them with FORBIDDEN, whatever it asks', async () => {
    expect(expectFailure(await transport.execute(server, operation('{ models { name } }')), 'FORBIDDEN')).toContain(
      'only trusted documents',
    );
    // A test document the SDK does not list: its text is a valid operation, but no hash comes with it.
    expectFailure(await transport.execute(server, PredictDocument, { input: { model: 'glyphs', inputs: [GLYPH] } }), 'FORBIDDEN');
  });
});

describe('trusted documents, named by their hash alone', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs'), { limits: { trustedDocuments: true } }));
  const persisted = (sha256Hash: string) => ({ persistedQuery: { version: 1, sha256Hash } });

  it('should run the listed document for a hash sent without its text over HTTP, and refuse an unlisted hash', async () => {
    const post = async (body: object) => {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, ...((await response.json()) as ExecutionResult<{ models: { name: string }[] }>) };
    };
    const listed = await post({ extensions: persisted(hashOf(SdkModelsDocument)) });
    expect(listed.data?.models.map((model) => model.name)).toEqual(['glyphs']);
    const bare = await post({ extensions: persisted(hashOf(SdkModelsDocument).replace('sha256:', '')) });
    expect(bare.errors).toBeUndefined();
    expect(expectFailure(await post({ extensions: persisted('sha256:0000') }), 'FORBIDDEN', { status: 403 })).toContain('sha256:0000');
  });

  it('should run it over graphql-ws with an empty query, the text graphql-ws requires', async () => {
    const client = createClient({ url: server.wsUrl, webSocketImpl: WebSocket, retryAttempts: 0 });
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        let last: unknown;
        client.subscribe(
          { query: '', extensions: persisted(hashOf(SdkModelsDocument)) },
          { next: (value) => (last = value), error: reject, complete: () => resolve(last) },
        );
      });
      expect(result).toEqual({ data: { models: [expect.objectContaining({ name: 'glyphs' })] } });
    } finally {
      await client.dispose();
    }
  });
});
