/**
 * The SDK's runPipeline and ocr on the example OCR pipeline: a page the test renders (one line of it upside down)
 * sent as it is, base64 or a multipart file part over HTTP, base64 over graphql-ws; the text read back exactly.
 */
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import {
  createClient,
  InferGraphError,
  type PipelineRegion,
  type PipelineResult,
  type RunPipelineOptions,
} from '../../clients/sdk/src/index.ts';
import { recordingFetch } from '../fixtures/recording-fetch.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { textPage } from '../fixtures/text-image.ts';

const UPRIGHT = 'The quick brown fox jumps over the lazy dog';
const TURNED = 'Pack my box with five dozen liquor jugs';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyOcrPipeline();
    // The same pipeline under another name, as an operator may serve one beside it.
    await repository.copyExample('ocr', 'page-reader');
  }),
);

let page = new Uint8Array();
beforeAll(async () => {
  // At 300 dpi the recogniser reads every character, spaces included (at 150 it may drop a space).
  page = new Uint8Array(await textPage([{ text: UPRIGHT }, { text: TURNED, upsideDown: true }], { format: 'png', dpi: 300 }));
});

/** The page's width and height, from its PNG header: where every polygon's corners must lie. */
function sizeOf(png: Uint8Array) {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

describe.each([
  { name: 'HTTP, base64', transport: 'http', fileMinBytes: Number.POSITIVE_INFINITY },
  { name: 'HTTP, a multipart file part', transport: 'http', fileMinBytes: 0 },
  { name: 'graphql-ws', transport: 'ws', fileMinBytes: 0 },
] as const)("the SDK's ocr over $name", ({ transport, fileMinBytes }) => {
  const clientOf = () => {
    const recording = recordingFetch();
    return { recording, client: createClient({ url: server.url, transport, fileMinBytes, fetch: recording.fetch }) };
  };

  it('should read both lines of a page exactly, turning the upside-down one 180°', async () => {
    const { recording, client } = clientOf();
    await using _client = client;
    const result = await client.ocr(page, { timeoutMs: 30_000 });
    expect(result.model).toBe('ocr');
    expect(result.text).toBe(`${UPRIGHT}\n${TURNED}`);
    expect(result.regions.map(({ text, rotation }) => ({ text, rotation }))).toEqual([
      { text: UPRIGHT, rotation: 0 },
      { text: TURNED, rotation: 180 },
    ]);
    const { width, height } = sizeOf(page);
    for (const region of result.regions) {
      expect(region.polygon).toHaveLength(4);
      for (const { x, y } of region.polygon) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(width);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(height);
      }
      expect(region.confidence).toBeGreaterThan(0.5);
    }
    // The upright line is above the turned one, as the page has them.
    const top = (region: PipelineRegion) => Math.min(...region.polygon.map((point) => point.y));
    expect(top(result.regions[0]!)).toBeLessThan(top(result.regions[1]!));
    expect(result.steps.map((step) => ({ model: step.model, requests: step.requests }))).toEqual([
      { model: 'ocr-detector', requests: 1 },
      { model: 'ocr-direction', requests: 2 },
      { model: 'ocr-recogniser', requests: 2 },
    ]);
    // HTTP sends the image as a file part only at fileMinBytes; graphql-ws has no file parts and never fetches.
    const expected = transport === 'ws' ? [] : [fileMinBytes === 0 ? 'multipart' : 'json'];
    expect(recording.bodies).toEqual(expected);
  });

  it('should run the pipeline runPipeline or the ocr option names', async () => {
    const { client } = clientOf();
    await using _client = client;
    const [named, chosen] = await Promise.all([client.runPipeline('page-reader', page), client.ocr(page, { model: 'page-reader' })]);
    for (const result of [named, chosen]) {
      expect(result.model).toBe('page-reader');
      expect(result.text).toBe(`${UPRIGHT}\n${TURNED}`);
    }
  });

  it('should throw INVALID_TENSOR naming the input "image" for bytes that are no image', async () => {
    const { client } = clientOf();
    await using _client = client;
    const corrupt = page.slice(0, 200);
    const error = await client.ocr(corrupt).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(InferGraphError);
    expect(error).toMatchObject({ code: 'INVALID_TENSOR', model: 'ocr' });
    expect((error as InferGraphError).message).toMatch(/^input "image" of model "ocr" v1: the bytes are no image this server reads/);
    expect((error as InferGraphError).errors[0]?.extensions).toMatchObject({ code: 'INVALID_TENSOR', tensor: 'image' });
  });

  it('should throw ABORTED when the signal has fired', async () => {
    const { client } = clientOf();
    await using _client = client;
    const error = await client.ocr(page, { signal: AbortSignal.abort() }).catch((thrown: unknown) => thrown);
    expect(error).toMatchObject({ name: 'InferGraphError', code: 'ABORTED', model: 'ocr' });
  });
});

describe("the SDK's pipeline types", () => {
  it('should type the result as the schema selects it', () => {
    expectTypeOf<PipelineResult['regions'][number]>().toEqualTypeOf<PipelineRegion>();
    expectTypeOf<PipelineRegion['text']>().toEqualTypeOf<string | null>();
    expectTypeOf<PipelineRegion['polygon']>().toEqualTypeOf<{ x: number; y: number }[]>();
    expectTypeOf<RunPipelineOptions['timeoutMs']>().toEqualTypeOf<number | undefined>();
  });
});
