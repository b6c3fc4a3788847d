/**
 * The image preprocessing hints of model.json as the catalog serves them, on every transport, and the FAILED
 * version a wrong block gives, naming its field.
 */
import { describe, expect, it } from 'vitest';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { TRANSPORTS } from '../fixtures/transports.ts';
import { ModelInfoDocument } from '../generated/graphql.ts';

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('ocr-direction');
    // Only the required fields: the rest take their defaults.
    await repository.copyExample('ocr-direction', 'ocr-defaults', { preprocessing: { height: 48, width: 192 } });
    await repository.copyExample('glyphs', 'bad-layout', { preprocessing: { layout: 'CHW', height: 16, width: 16 } });
    await repository.copyExample('glyphs', 'bad-mean', {
      preprocessing: { channelOrder: 'GRAY', height: 16, width: 16, mean: [0.5, 0.5] },
    });
    // 16 × 17 is not the 256 pixels glyphs takes.
    await repository.copyExample('glyphs', 'bad-size', { preprocessing: { layout: 'FLAT', channelOrder: 'GRAY', height: 16, width: 17 } });
    await repository.copyExample('ocr-direction', 'bad-channels', { preprocessing: { channelOrder: 'GRAY', height: 48, width: 192 } });
    await repository.copyExample('ocr-direction', 'bad-input', { preprocessing: { input: 'image', height: 48, width: 192 } });
  }),
);

async function versionOf(name: string) {
  const { data, errors } = await server.graphql(ModelInfoDocument, { name });
  expect(errors).toBeUndefined();
  return data!.model!.versions[0]!;
}

describe.each(TRANSPORTS)('image preprocessing in the catalog over $name', (transport) => {
  it('should give each version how to make its input from an image, as its model.json says', async () => {
    const answers = await Promise.all(['glyphs', 'ocr-direction'].map((name) => transport.execute(server, ModelInfoDocument, { name })));
    for (const { errors } of answers) expect(errors).toBeUndefined();
    const [glyphs, ocr] = answers.map(({ data }) => data!.model!.versions[0]!.preprocessing);
    expect(glyphs).toEqual({
      input: 'pixels',
      layout: 'FLAT',
      channelOrder: 'GRAY',
      height: 16,
      width: 16,
      resize: 'STRETCH',
      maxWidth: null,
      mean: [0],
      std: [1],
      invert: true,
    });
    expect(ocr).toEqual({
      input: 'x',
      layout: 'NCHW',
      channelOrder: 'RGB',
      height: 48,
      width: 192,
      resize: 'KEEP_ASPECT_PAD_RIGHT',
      maxWidth: 1920,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
      invert: false,
    });
  });
});

describe('image preprocessing defaults', () => {
  it("should fill in the model's first input, NCHW RGB stretched, mean 0 and std 1, not inverted", async () => {
    expect((await versionOf('ocr-defaults')).preprocessing).toEqual({
      input: 'x',
      layout: 'NCHW',
      channelOrder: 'RGB',
      height: 48,
      width: 192,
      resize: 'STRETCH',
      maxWidth: null,
      mean: [0, 0, 0],
      std: [1, 1, 1],
      invert: false,
    });
  });

  it('should say null for a model without preprocessing', async () => {
    await using bare = await serveModels((repository) => repository.copyExample('glyphs', 'glyphs', { preprocessing: undefined }));
    const { data } = await bare.graphql(ModelInfoDocument, { name: 'glyphs' });
    expect(data!.model!.versions[0]).toMatchObject({ state: 'READY', preprocessing: null });
  });
});

describe('a wrong preprocessing block', () => {
  it.each([
    { model: 'bad-layout', reason: /model\.json is invalid: .*preprocessing\.layout/ },
    {
      model: 'bad-mean',
      reason: /model\.json is invalid: .*one value per channel of GRAY \(1\) or one for all, got 2.*preprocessing\.mean/,
    },
    {
      model: 'bad-size',
      reason: 'model.json "preprocessing.height" × "preprocessing.width": input "pixels" is [-1,256], but FLAT GRAY 16×17 makes [1,272]',
    },
    {
      model: 'bad-channels',
      reason: 'model.json "preprocessing.channelOrder": input "x" is [-1,3,-1,-1], but NCHW GRAY 48×192 makes [1,1,48,192]',
    },
    { model: 'bad-input', reason: 'model.json "preprocessing.input" names input "image", which the model does not have (inputs: "x")' },
  ])('should fail $model, naming the field', async ({ model, reason }) => {
    const version = await versionOf(model);
    expect(version.state).toBe('FAILED');
    if (typeof reason === 'string') expect(version.stateReason).toContain(`model.onnx cannot be loaded: ${reason}`);
    else expect(version.stateReason).toMatch(reason);
  });
});
