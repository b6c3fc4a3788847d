/**
 * Images sent as they are: predict takes a PNG (or JPEG, WebP) for the input a model's preprocessing fills, and the
 * server makes the tensor, on HTTP (base64 or a multipart file), graphql-ws and SSE alike. The answer equals the
 * SDK's: the same PNG decoded in the test and made into a tensor by `imageTensor`.
 */
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { imageTensor } from '../../clients/sdk/src/index.ts';
import { expectFailure } from '../fixtures/failures.ts';
import { postMultipart } from '../fixtures/multipart.ts';
import { serveModels, type TestServer } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { numbersOf } from '../fixtures/tensors.ts';
import { textLinePng } from '../fixtures/text-line.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { ModelInfoDocument, PredictDocument, type PredictInput } from '../generated/graphql.ts';

const UPRIGHT = textLinePng('31415', { cell: 3, upsideDown: false });
const UPSIDE_DOWN = textLinePng('31415', { cell: 3, upsideDown: true });
function imageInput(png: Buffer, model = 'ocr-direction', name = 'x'): PredictInput {
  return { model, inputs: [{ name, image: { base64: png.toString('base64') } }] };
}

/** The same PNG made into the tensor by the SDK, with the preprocessing the catalog gives, as a client would before sending it. */
async function sdkTensorInput(server: TestServer, png: Buffer): Promise<PredictInput> {
  const { data: catalog } = await server.graphql(ModelInfoDocument, { name: 'ocr-direction' });
  const decoded = PNG.sync.read(png);
  const preprocessing = catalog!.model!.versions[0]!.preprocessing!;
  const { data, shape } = imageTensor({ width: decoded.width, height: decoded.height, data: decoded.data }, preprocessing);
  return { model: 'ocr-direction', inputs: [{ name: 'x', shape: [...shape], data: Array.from(data as Float32Array) }] };
}

describe.each(TRANSPORTS)('images for a model input over $name', (transport) => {
  const server = forSuite(() =>
    serveModels(async (repository) => {
      await repository.copyExample('ocr-direction');
      await repository.copyExample('ocr-direction', 'bare-direction', { preprocessing: undefined });
    }),
  );

  const scoresOf = async (input: PredictInput) => {
    const { data, errors } = await transport.execute(server, PredictDocument, { input });
    expect(errors).toBeUndefined();
    return numbersOf(data!.predict.outputs[0]!.data);
  };

  it('should read a PNG text line as upright (0) and the same line turned as 180, as the SDK-made tensor does', async () => {
    for (const [png, expected] of [
      [UPRIGHT, 0],
      [UPSIDE_DOWN, 1],
    ] as const) {
      const scores = await scoresOf(imageInput(png));
      expect(scores.indexOf(Math.max(...scores))).toBe(expected);
      const reference = await scoresOf(await sdkTensorInput(server, png));
      for (const [index, score] of scores.entries()) expect(score).toBeCloseTo(reference[index]!, 5);
    }
  });

  it('should refuse bytes that are no image, naming the model and the input, and serve the next request', async () => {
    const refused = await transport.execute(server, PredictDocument, { input: imageInput(Buffer.from('not a picture at all')) });
    expect(expectFailure(refused, 'INVALID_TENSOR')).toMatch(/input "x" of model "ocr-direction" v1: the bytes are no image/);
    expect((await transport.execute(server, PredictDocument, { input: imageInput(UPRIGHT) })).errors).toBeUndefined();
  });

  it('should refuse an image for a model whose model.json says nothing of images, and for another input', async () => {
    const bare = await transport.execute(server, PredictDocument, { input: imageInput(UPRIGHT, 'bare-direction') });
    expect(expectFailure(bare, 'INVALID_TENSOR')).toMatch(/model "bare-direction" v1: an image needs the model.json "preprocessing"/);
    const wrong = await transport.execute(server, PredictDocument, { input: imageInput(UPRIGHT, 'ocr-direction', 'y') });
    expect(expectFailure(wrong, 'INVALID_TENSOR')).toMatch(/model "ocr-direction" v1 has no input "y"|goes to input "x"/);
  });
});

describe('images as multipart file parts', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('ocr-direction')));

  it('should take the image as a binary part', async () => {
    const input = { model: 'ocr-direction', inputs: [{ name: 'x', image: { file: null } }] };
    const response = await postMultipart(server.url, PredictDocument, { input } as never, [
      { path: 'input.inputs.0.image.file', bytes: UPSIDE_DOWN },
    ]);
    expect(response.errors).toBeUndefined();
    const scores = numbersOf(response.data!.predict.outputs[0]!.data);
    expect(scores.indexOf(Math.max(...scores))).toBe(1);
  });
});

describe('the image pixel limit', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('ocr-direction'), { limits: { maxImagePixels: 1000 } }));

  it('should refuse an image with more pixels than --max-image-pixels before decoding it', async () => {
    const refused = await server.graphql(PredictDocument, { input: imageInput(UPRIGHT) });
    expect(expectFailure(refused, 'INVALID_TENSOR')).toMatch(/more pixels than the limit of 1000/);
  });
});
