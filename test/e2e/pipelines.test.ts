/**
 * The `ocr` pipeline, image in and text out, on every transport: pages of sentences rendered with a real font read
 * back; the answer equals the three models run by hand in the test with a reference post-processing; concurrent
 * requests share batches at each step; a corrupt image, an image bomb, a missing or unloaded step and a deadline
 * give clear errors naming the input or the step, and the server keeps serving.
 */
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { authSettings, createKeysFile } from '../fixtures/credentials.ts';
import { expectFailure, expectRateLimited } from '../fixtures/failures.ts';
import { referenceOcr } from '../fixtures/reference-ocr.ts';
import { serveModels } from '../fixtures/server.ts';
import { nextData, until } from '../fixtures/subscriptions.ts';
import { forSuite } from '../fixtures/suite.ts';
import { type TextLine, textPage } from '../fixtures/text-image.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import {
  HealthUpdatesDocument,
  LoadModelVersionsDocument,
  ModelEventsDocument,
  ModelInfoDocument,
  PredictDecodedDocument,
  PredictDocument,
  RunPipelineDocument,
  UnloadModelVersionsDocument,
} from '../generated/graphql.ts';

const LINES: TextLine[] = [
  { text: 'The quick brown fox jumps over the lazy dog' },
  { text: 'Pack my box with five dozen liquor jugs', upsideDown: true },
  { text: 'Invoice 2026-12-03: total 1,234.50 EUR' },
];

const ocrInput = (image: Buffer, model = 'ocr') => ({ input: { model, image: { base64: image.toString('base64') } } });
const withoutSpaces = (text: string) => text.replaceAll(' ', '');

const serveOcr = (except: readonly string[] = []) => serveModels((repository) => repository.copyOcrPipeline(except));

describe.each(TRANSPORTS)('the ocr pipeline over $name', (transport) => {
  const server = forSuite(() => serveOcr());

  it('should read back the sentences of a 300 dpi PNG, the upside-down one turned 180° first', async () => {
    const page = await textPage(LINES, { format: 'png', dpi: 300 });
    const { data, errors } = await transport.execute(server, RunPipelineDocument, ocrInput(page));
    expect(errors).toBeUndefined();
    const result = data!.runPipeline;
    expect(result.text.split('\n')).toEqual(LINES.map((line) => line.text));
    expect(result.regions.map((region) => region.rotation)).toEqual([0, 180, 0]);
    expect(result.regions.map((region) => region.labels.map(({ step, label }) => `${step}:${label}`))).toEqual([
      ['direction:0'],
      ['direction:180'],
      ['direction:0'],
    ]);
    for (const region of result.regions) expect(region.confidence).toBeGreaterThan(0.9);
    expect(result.steps.map(({ step, model, requests }) => [step, model, requests])).toEqual([
      ['detect', 'ocr-detector', 1],
      ['direction', 'ocr-direction', 3],
      ['recognize', 'ocr-recogniser', 3],
    ]);
  });

  it('should refuse bytes that are no image, naming the pipeline and its input, and serve the next request', async () => {
    const refused = await transport.execute(server, RunPipelineDocument, ocrInput(Buffer.from('not a picture at all')));
    expect(expectFailure(refused, 'INVALID_TENSOR')).toMatch(/input "image" of model "ocr" v1: the bytes are no image/);
    const page = await textPage([{ text: 'Still serving' }], { format: 'png', dpi: 300 });
    expect((await transport.execute(server, RunPipelineDocument, ocrInput(page))).data?.runPipeline.text).toBe('Still serving');
  });
});

describe('the ocr pipeline', () => {
  const server = forSuite(() => serveOcr());

  it('should read a 200 dpi JPEG with every character right, spaces aside (the recogniser drops narrow word gaps)', async () => {
    const page = await textPage(LINES, { format: 'jpeg', dpi: 200 });
    const { data, errors } = await server.graphql(RunPipelineDocument, ocrInput(page));
    expect(errors).toBeUndefined();
    expect(data!.runPipeline.text.split('\n').map(withoutSpaces)).toEqual(LINES.map((line) => withoutSpaces(line.text)));
  });

  it('should answer as the three models run by hand with a reference post-processing (spaces aside, boxes within 3 px)', async () => {
    const page = await textPage(LINES, { format: 'png', dpi: 200 });
    const { data } = await server.graphql(RunPipelineDocument, ocrInput(page));
    const served = data!.runPipeline.regions;
    const expected = await referenceOcr(page);
    // The reference resizes with sharp's kernel, the server with its own: word gaps the recogniser barely sees may differ.
    expect(served.map((region) => withoutSpaces(region.text!))).toEqual(expected.map((line) => withoutSpaces(line.text)));
    expect(served.map((region) => region.rotation)).toEqual(expected.map((line) => line.rotation));
    for (const [index, region] of served.entries()) {
      const xs = region.polygon.map((point) => point.x);
      const ys = region.polygon.map((point) => point.y);
      const [left, top, right, bottom] = expected[index]!.box;
      // The reference boxes are axis-aligned; the served ones are minimum-area rectangles of the same text.
      for (const [got, want] of [
        [Math.min(...xs), left],
        [Math.min(...ys), top],
        [Math.max(...xs), right],
        [Math.max(...ys), bottom],
      ] as const) {
        expect(Math.abs(got - want)).toBeLessThanOrEqual(3);
      }
    }
  });

  it('should batch the regions of concurrent requests together at each step', async () => {
    // One line a page: a run of more than one row at the later steps holds regions of several requests.
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    const results = await Promise.all(Array.from({ length: 8 }, () => server.graphql(RunPipelineDocument, ocrInput(page))));
    const steps = results.flatMap(({ data }) => data!.runPipeline.steps);
    const largest = (step: string) => Math.max(...steps.filter((run) => run.step === step).flatMap((run) => run.batchSizes));
    expect(largest('direction')).toBeGreaterThan(1);
    expect(largest('recognize')).toBeGreaterThan(1);
    for (const { data } of results) expect(data!.runPipeline.text).toBe(LINES[0]!.text);
  });

  it('should name the step a deadline ran out in', async () => {
    const page = await textPage(LINES, { format: 'png', dpi: 300 });
    const late = await server.graphql(RunPipelineDocument, { input: { ...ocrInput(page).input, timeoutMs: 1 } });
    expect(expectFailure(late, 'DEADLINE_EXCEEDED')).toMatch(/model "ocr" v1, step "detect" \(ocr-detector\)/);
  });

  it('should count each step in /metrics: its time, and the requests that failed there', async () => {
    const sampleOf = async (name: string, step: string) => {
      const text = await (await fetch(`${server.origin}/metrics`)).text();
      const line = text
        .split('\n')
        .find(
          (candidate) => candidate.startsWith(`${name}{`) && candidate.includes('pipeline="ocr"') && candidate.includes(`step="${step}"`),
        );
      return line ? Number(line.split(' ').at(-1)) : 0;
    };
    const [detected, recognized, failed] = await Promise.all([
      sampleOf('infergraph_pipeline_step_duration_seconds_count', 'detect'),
      sampleOf('infergraph_pipeline_step_duration_seconds_count', 'recognize'),
      sampleOf('infergraph_pipeline_step_failures_total', 'detect'),
    ]);
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    expect((await server.graphql(RunPipelineDocument, ocrInput(page))).errors).toBeUndefined();
    expect((await server.graphql(RunPipelineDocument, { input: { ...ocrInput(page).input, timeoutMs: 1 } })).errors).toBeDefined();
    expect(await sampleOf('infergraph_pipeline_step_duration_seconds_count', 'detect')).toBe(detected + 2);
    expect(await sampleOf('infergraph_pipeline_step_duration_seconds_count', 'recognize')).toBe(recognized + 1);
    expect(await sampleOf('infergraph_pipeline_step_failures_total', 'detect')).toBe(failed + 1);
  });

  it('should refuse an image bomb from its header, before decoding it', async () => {
    const refused = await server.graphql(RunPipelineDocument, ocrInput(pngBomb(30_000, 30_000)));
    expect(expectFailure(refused, 'INVALID_TENSOR')).toMatch(/input "image" of model "ocr" v1: the image has more pixels than the limit/);
  });

  it('should refuse predict on a pipeline, and decode each step model’s own output when asked through predict', async () => {
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    const image = { base64: page.toString('base64') };
    const pipeline = await server.graphql(PredictDocument, { input: { model: 'ocr', inputs: [{ name: 'image', image }] } });
    expect(expectFailure(pipeline, 'INVALID_ARGUMENT')).toMatch(/model "ocr" v1 is a pipeline: send its image to runPipeline/);
    const predicted = async (model: string, name: string, png: Buffer) => {
      const { data, errors } = await server.graphql(PredictDecodedDocument, {
        input: { model, inputs: [{ name, image: { base64: png.toString('base64') } }] },
      });
      expect(errors).toBeUndefined();
      return data!.predict.outputs[0]!;
    };
    const fullPage = await textPage(LINES, { format: 'png', dpi: 300 });
    const detector = await predicted('ocr-detector', 'x', fullPage);
    expect(detector.texts).toBeNull();
    // In the image's pixels, as the pipeline's regions are (within 3 px: predict resizes the page with the SDK's
    // arithmetic, the pipeline in libvips).
    const regions = (await server.graphql(RunPipelineDocument, ocrInput(fullPage))).data!.runPipeline.regions;
    const boxes = detector.boxes![0]!;
    expect(boxes).toHaveLength(regions.length);
    for (const [index, box] of boxes.entries()) {
      for (const [corner, point] of box.polygon.entries()) {
        const expected = regions[index]!.polygon[corner]!;
        expect(Math.hypot(point.x - expected.x, point.y - expected.y)).toBeLessThanOrEqual(3);
      }
    }
    const line = await textPage([LINES[1]!], { format: 'png', dpi: 300, margin: 6 });
    const direction = await predicted('ocr-direction', 'x', line);
    expect(direction.classes![0]).toMatchObject({ index: 1, label: '180' });
    const upright = await textPage([{ text: LINES[1]!.text }], { format: 'png', dpi: 300, margin: 6 });
    const recogniser = await predicted('ocr-recogniser', 'x', upright);
    expect(recogniser.texts![0]!.text).toBe(LINES[1]!.text);
    expect(recogniser.boxes).toBeNull();
  });

  it('should list the pipeline in the catalog with its steps', async () => {
    const { data } = await server.graphql(ModelInfoDocument, { name: 'ocr' });
    expect(data!.model!.pipeline!.steps.map(({ name, model, forEachRegion }) => [name, model, forEachRegion])).toEqual([
      ['detect', 'ocr-detector', false],
      ['direction', 'ocr-direction', true],
      ['recognize', 'ocr-recogniser', true],
    ]);
    expect(data!.model!.versions[0]!.state).toBe('READY');
  });
});

describe('a pipeline whose step cannot serve', () => {
  const server = forSuite(() => serveOcr());

  it('should turn UNAVAILABLE naming the step while it is unloaded, refuse requests, and serve again once it is back', async () => {
    const events = server.ws.subscribe(ModelEventsDocument, { model: 'ocr' });
    const health = server.ws.subscribe(HealthUpdatesDocument);
    // The server takes a socket's operations in order: once the health answers, modelEvents listens.
    expect((await nextData(health)).health.ready).toBe(true);
    await health.return();
    await server.graphql(UnloadModelVersionsDocument, { model: 'ocr-recogniser' });
    const unready = await nextData(events);
    expect(unready.modelEvents).toMatchObject({ model: 'ocr', state: 'UNAVAILABLE' });
    expect(unready.modelEvents.reason).toMatch(/^step "recognize": model "ocr-recogniser" v1 is (UNLOADING|UNAVAILABLE)/);
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    const refused = await server.graphql(RunPipelineDocument, ocrInput(page));
    expect(expectFailure(refused, 'MODEL_NOT_READY')).toMatch(/model "ocr" v1 is UNAVAILABLE: step "recognize"/);
    await server.graphql(LoadModelVersionsDocument, { model: 'ocr-recogniser' });
    const seen = await until(events, (event) => event.modelEvents.state === 'READY');
    expect(seen.at(-1)!.modelEvents).toMatchObject({ model: 'ocr', state: 'READY' });
    expect((await server.graphql(RunPipelineDocument, ocrInput(page))).data?.runPipeline.text).toBe(LINES[0]!.text);
    await events.return();
  });
});

describe('a pipeline with --lazy-load', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyOcrPipeline(), { lazyLoad: true }));

  it('should load its step models on its first request, and then read the page', async () => {
    const states = async () => {
      const { data } = await server.graphql(ModelInfoDocument, { name: 'ocr-recogniser' });
      return data!.model!.versions[0]!.state;
    };
    expect(await states()).toBe('UNAVAILABLE');
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    expect((await server.graphql(RunPipelineDocument, ocrInput(page))).data?.runPipeline.text).toBe(LINES[0]!.text);
    expect(await states()).toBe('READY');
  });
});

describe('a pipeline under the rate limits', () => {
  let clock = 0;
  const server = forSuite(() =>
    serveModels((repository) => repository.copyOcrPipeline(), {
      rateLimits: { requestsPerSecond: 100, requestBurst: 100, workPerSecond: 1, workBurst: 2 },
      now: () => clock,
    }),
  );

  it('should spend one row of work per image, and refuse the image past the work burst with RATE_LIMITED', async () => {
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    for (let image = 0; image < 2; image++) expect((await server.graphql(RunPipelineDocument, ocrInput(page))).errors).toBeUndefined();
    expect(expectRateLimited(await server.graphql(RunPipelineDocument, ocrInput(page)))).toBe(1);
    clock += 1000;
    expect((await server.graphql(RunPipelineDocument, ocrInput(page))).errors).toBeUndefined();
  });
});

describe('access to a pipeline', () => {
  const keys = forSuite(() => createKeysFile([{ name: 'ocr-only', scopes: ['models:read', 'predict'], models: ['ocr'] }]));
  const server = forSuite(() => serveModels((repository) => repository.copyOcrPipeline(), { auth: authSettings({ keysFile: keys.path }) }));

  it('should let a key limited to the pipeline run it, while its step models stay hidden from that key', async () => {
    await using client = server.as(keys.bearer['ocr-only']!);
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    expect((await client.graphql(RunPipelineDocument, ocrInput(page))).data?.runPipeline.text).toBe(LINES[0]!.text);
    const step = await client.graphql(PredictDocument, {
      input: { model: 'ocr-recogniser', inputs: [{ name: 'x', image: { base64: page.toString('base64') } }] },
    });
    expect(expectFailure(step, 'MODEL_NOT_FOUND')).toMatch(/model "ocr-recogniser" is not in the repository/);
  });
});

describe('a pipeline missing a step model', () => {
  const server = forSuite(() => serveOcr(['ocr-recogniser']));

  it('should be FAILED naming the step and the model, while the other models serve', async () => {
    const { data } = await server.graphql(ModelInfoDocument, { name: 'ocr' });
    const [version] = data!.model!.versions;
    expect(version!.state).toBe('FAILED');
    expect(version!.stateReason).toBe('step "recognize" (ocr-recogniser): model "ocr-recogniser" is not in the repository');
    const page = await textPage([LINES[0]!], { format: 'png', dpi: 300 });
    expect(expectFailure(await server.graphql(RunPipelineDocument, ocrInput(page)), 'MODEL_NOT_READY')).toMatch(/not in the repository/);
    const direction = await server.graphql(PredictDocument, {
      input: { model: 'ocr-direction', inputs: [{ name: 'x', image: { base64: page.toString('base64') } }] },
    });
    expect(direction.errors).toBeUndefined();
  });
});

/** A PNG whose header says width × height pixels of RGB, with almost no data after it: what a decompression bomb looks like to a reader. */
function pngBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(1024))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
