/**
 * The Open Inference Protocol (KServe v2 REST) beside GraphQL on one port: metadata and health as the protocol
 * shapes them, every datatype in JSON and binary form equal byte for byte to the same request over GraphQL, v2 and
 * GraphQL requests sharing one run, and each error with its status and `{ error }` body; the server keeps serving.
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { GLYPH_PIXELS, generateGlyphs } from '../../scripts/models/glyphs.ts';
import type { DataType } from '../../src/runtime/tensor.ts';
import { keepWorkerBusy, ONE_WORKER, WIDE_GLYPH_BATCH } from '../fixtures/busy-worker.ts';
import { authSettings, createKeysFile } from '../fixtures/credentials.ts';
import { identityModel, specExampleModel } from '../fixtures/onnx.ts';
import { readV2Answer, type V2Tensor, v2Infer, v2Json } from '../fixtures/open-inference.ts';
import { serveModels } from '../fixtures/server.ts';
import { createVadReference, syntheticAudio, VAD_FRAME, VAD_SAMPLE_RATE, vadFrames } from '../fixtures/silero-vad.ts';
import { forSuite } from '../fixtures/suite.ts';
import { expectClose, float32Bytes, glyphRow } from '../fixtures/tensors.ts';
import { textLinePng } from '../fixtures/text-line.ts';
import { PredictBase64Document, PredictDocument, UnloadModelVersionsDocument } from '../generated/graphql.ts';

/** Four elements of each type as little-endian bytes, reaching for its extremes (BF16 is refused by onnxruntime's Identity). */
const SAMPLES: Record<string, Uint8Array> = {
  BOOL: Uint8Array.of(1, 0, 1, 0),
  UINT8: Uint8Array.of(0, 1, 254, 255),
  INT8: new Uint8Array(Int8Array.of(-128, -1, 0, 127).buffer),
  UINT16: new Uint8Array(Uint16Array.of(0, 1, 65534, 65535).buffer),
  INT16: new Uint8Array(Int16Array.of(-32768, -1, 0, 32767).buffer),
  UINT32: new Uint8Array(Uint32Array.of(0, 1, 4294967294, 4294967295).buffer),
  INT32: new Uint8Array(Int32Array.of(-2147483648, -1, 0, 2147483647).buffer),
  UINT64: new Uint8Array(BigUint64Array.of(0n, 9007199254740993n, 18446744073709551615n, 1n).buffer),
  INT64: new Uint8Array(BigInt64Array.of(-9223372036854775808n, -1n, 9007199254740993n, 9223372036854775807n).buffer),
  FP16: Uint8Array.of(0x00, 0x38, 0x00, 0xc0, 0xff, 0x7b, 0x00, 0x3c), // 0.5, -2, 65504, 1
  FP32: new Uint8Array(Float32Array.of(1.5, -0, 1e-38, 3.4028234663852886e38).buffer),
  FP64: new Uint8Array(Float64Array.of(Math.PI, -2.5, 1e-300, 1.7976931348623157e308).buffer),
  STRING: stringBytes(['', 'héllo', '日本語', 'tab\there']),
};
const TYPES = Object.keys(SAMPLES);
const v2NameOf = (dataType: string) => (dataType === 'STRING' ? 'BYTES' : dataType);

function stringBytes(strings: string[]): Uint8Array {
  return Buffer.concat(
    strings.map((text) => {
      const utf8 = Buffer.from(text);
      const length = Buffer.alloc(4);
      length.writeUInt32LE(utf8.byteLength);
      return Buffer.concat([length, utf8]);
    }),
  );
}

const server = forSuite(() =>
  serveModels(async (repository) => {
    await repository.copyExample('glyphs');
    await repository.copyExample('glyphs', 'glyphs-wide', { ...ONE_WORKER, maxBatchSize: 4096 });
    await repository.copyExample('tiny-lm');
    await repository.write('mymodel/1/model.onnx', specExampleModel());
    for (const dataType of TYPES) {
      await repository.write(`identity-${dataType.toLowerCase()}/1/model.onnx`, identityModel(dataType as DataType));
    }
  }),
);
const v2 = (path: string) => `${server.origin}/v2${path}`;

describe("the protocol's own examples", () => {
  it('should answer the binary data example request (triton docs/protocol/extension_binary_data.md) in its form', async () => {
    // The example: input0 UINT32 [2,2] as 16 bytes, input1 BOOL [3] as 3 bytes, output0 asked as binary data.
    const input0 = new Uint8Array(Uint32Array.of(7, 4294967295, 0, 2147483648).buffer);
    const answer = await v2Infer(
      v2('/models/mymodel/infer'),
      {
        inputs: [
          { name: 'input0', shape: [2, 2], datatype: 'UINT32', parameters: { binary_data_size: 16 } },
          { name: 'input1', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } },
        ],
        outputs: [{ name: 'output0', parameters: { binary_data: true } }],
      },
      { binary: [input0, Uint8Array.of(1, 0, 1)] },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('application/octet-stream');
    expect(answer.json).toEqual({
      model_name: 'mymodel',
      model_version: '1',
      outputs: [{ name: 'output0', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
    });
    expect(answer.binary.output0).toEqual(new Uint8Array(Float32Array.of(7, 4294967295, 0, 2147483648).buffer));
  });

  it('should answer the JSON example request (kserve open-inference-protocol) in its form, id echoed', async () => {
    // The example's input1 holds one element for its shape [3]; here it holds three.
    const answer = await v2Infer(v2('/models/mymodel/infer'), {
      id: '42',
      inputs: [
        { name: 'input0', shape: [2, 2], datatype: 'UINT32', data: [1, 2, 3, 4] },
        { name: 'input1', shape: [3], datatype: 'BOOL', data: [true, false, true] },
      ],
      outputs: [{ name: 'output0' }],
    });
    expect(answer.json).toEqual({
      model_name: 'mymodel',
      model_version: '1',
      id: '42',
      outputs: [{ name: 'output0', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] }],
    });
  });
});

describe('health and metadata', () => {
  it('should answer the probes and the server metadata, with the extensions served', async () => {
    expect(await v2Json(v2('/health/live'))).toEqual({ status: 200, json: { live: true } });
    expect(await v2Json(v2('/health/ready'))).toEqual({ status: 200, json: { ready: true } });
    const { json } = await v2Json(v2(''));
    // The version is package.json's: metadata.ts writes it out, and this holds the two together.
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(json).toEqual({ name: 'infergraph', version, extensions: expect.arrayContaining(['binary_tensor_data']) });
  });

  it("should give a model's metadata as the protocol shapes it, -1 for a dynamic dim, by version or alias", async () => {
    const expected = {
      name: 'glyphs',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [-1, GLYPH_PIXELS] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] }],
    };
    expect(await v2Json(v2('/models/glyphs'))).toEqual({ status: 200, json: expected });
    expect(await v2Json(v2('/models/glyphs/versions/1'))).toEqual({ status: 200, json: expected });
    const strings = await v2Json(v2('/models/identity-string'));
    expect(strings.json.inputs).toEqual([{ name: 'x', datatype: 'BYTES', shape: [-1, 4] }]);
    expect(await v2Json(v2('/models/glyphs/ready'))).toEqual({ status: 200, json: { name: 'glyphs', version: '1', ready: true } });
  });

  it('should answer an unknown model 404 and a version not loaded as not ready (400), naming them', async () => {
    const unknown = await v2Json(v2('/models/nope'));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ error: expect.stringMatching(/model "nope" is not in the repository/), code: 'MODEL_NOT_FOUND' });
    expect((await v2Json(v2('/models/glyphs/versions/7'))).status).toBe(404);
    await server.graphql(UnloadModelVersionsDocument, { model: 'tiny-lm' });
    expect(await v2Json(v2('/models/tiny-lm/ready'))).toEqual({ status: 400, json: { name: 'tiny-lm', ready: false } });
    const metadata = await v2Json(v2('/models/tiny-lm'));
    expect(metadata.status).toBe(503);
    expect(metadata.json.error).toMatch(/model "tiny-lm" v1 is UNAVAILABLE: unloaded by request/);
  });
});

describe('every datatype', () => {
  /** The bytes GraphQL's predict answers for the sample, base64 in and out. */
  const overGraphQL = async (dataType: string) => {
    const { data, errors } = await server.graphql(PredictBase64Document, {
      input: {
        model: `identity-${dataType.toLowerCase()}`,
        inputs: [{ name: 'x', shape: [1, 4], base64: Buffer.from(SAMPLES[dataType]!).toString('base64') }],
      },
    });
    expect(errors).toBeUndefined();
    return new Uint8Array(Buffer.from(data!.predict.outputs[0]!.base64!, 'base64'));
  };

  it.each(TYPES)('should answer %s in binary form byte for byte as GraphQL does', async (dataType) => {
    const bytes = SAMPLES[dataType]!;
    const answer = await v2Infer(
      v2(`/models/identity-${dataType.toLowerCase()}/infer`),
      {
        id: `binary-${dataType}`,
        inputs: [{ name: 'x', datatype: v2NameOf(dataType), shape: [1, 4], parameters: { binary_data_size: bytes.byteLength } }],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      },
      { binary: [bytes] },
    );
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ model_name: `identity-${dataType.toLowerCase()}`, model_version: '1', id: `binary-${dataType}` });
    expect((answer.json.outputs as V2Tensor[])[0]).toMatchObject({ name: 'y', datatype: v2NameOf(dataType), shape: [1, 4] });
    expect(answer.binary.y).toEqual(await overGraphQL(dataType));
  });

  it.each(TYPES)('should answer %s in JSON form, and take its JSON back, byte for byte as GraphQL does', async (dataType) => {
    const url = v2(`/models/identity-${dataType.toLowerCase()}/infer`);
    const bytes = SAMPLES[dataType]!;
    // Binary in, JSON out: the answer's JSON, as its text, the 64-bit integers' digits and all.
    const header = Buffer.from(
      JSON.stringify({
        inputs: [{ name: 'x', datatype: v2NameOf(dataType), shape: [1, 4], parameters: { binary_data_size: bytes.byteLength } }],
      }),
    );
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'inference-header-content-length': String(header.byteLength) },
      body: Buffer.concat([header, bytes]),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('inference-header-content-length')).toBeNull();
    const text = await response.text();
    const data = /"data":(\[.*?\])\}/.exec(text)?.[1];
    expect(data, text).toBeDefined();
    // JSON in (the answer's own data, as a client passing it on would), binary out.
    const request = `{"inputs":[{"name":"x","datatype":"${v2NameOf(dataType)}","shape":[1,4],"data":${data}}],"outputs":[{"name":"y","parameters":{"binary_data":true}}]}`;
    const back = await readV2Answer(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: request }));
    expect(back.status, JSON.stringify(back.json)).toBe(200);
    expect(back.binary.y).toEqual(await overGraphQL(dataType));
  });
});

describe('infer beside GraphQL', () => {
  it('should put v2 and GraphQL requests of one version in the same run', async () => {
    const { pixels } = generateGlyphs({ count: 8, seed: 71 });
    const busy = await keepWorkerBusy(server, 'glyphs-wide', WIDE_GLYPH_BATCH);
    const row = (n: number) => pixels.subarray(n * GLYPH_PIXELS, (n + 1) * GLYPH_PIXELS);
    const [graphql, overV2] = await Promise.all([
      Promise.all([0, 1, 2, 3].map((n) => server.graphql(PredictDocument, { input: glyphRow('glyphs-wide', pixels, n) }))),
      Promise.all(
        [4, 5, 6, 7].map((n) =>
          v2Infer(
            v2('/models/glyphs-wide/infer'),
            {
              inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], parameters: { binary_data_size: GLYPH_PIXELS * 4 } }],
              outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
            },
            { binary: [float32Bytes(row(n))] },
          ),
        ),
      ),
    ]);
    expect((await busy.answer).errors).toBeUndefined();
    for (const answer of overV2) expect(answer.status).toBe(200);
    // Four GraphQL requests of one row each: a run of more rows held v2's too.
    expect(Math.max(...graphql.map((result) => result.data!.predict.timing.batchSize))).toBe(8);
  });

  it('should echo the id and answer every output when the request names none', async () => {
    const answer = await v2Infer(v2('/models/glyphs/infer'), {
      id: 'req-1',
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }],
    });
    expect(answer.json).toMatchObject({ id: 'req-1', model_name: 'glyphs', model_version: '1' });
    expect((answer.json.outputs as V2Tensor[]).map((output) => [output.name, output.data!.length])).toEqual([['probabilities', 10]]);
  });
});

describe('errors', () => {
  const url = () => v2('/models/glyphs/infer');
  const pixels = (shape: number[]) => ({
    name: 'pixels',
    datatype: 'FP32',
    shape,
    data: new Array(shape.reduce((a, b) => a * b, 1)).fill(0),
  });

  it.each([
    [
      'an unknown model',
      () => v2Infer(v2('/models/nope/infer'), { inputs: [pixels([1, GLYPH_PIXELS])] }),
      404,
      'MODEL_NOT_FOUND',
      /model "nope"/,
    ],
    [
      'a bad shape',
      () => v2Infer(url(), { inputs: [pixels([1, 255])] }),
      400,
      'INVALID_TENSOR',
      /input "pixels" of model "glyphs" v1: expected shape \[N,256\], got \[1,255\]/,
    ],
    [
      'a bad datatype',
      () => v2Infer(url(), { inputs: [{ ...pixels([1, GLYPH_PIXELS]), datatype: 'FP128' }] }),
      400,
      'INVALID_TENSOR',
      /"pixels".*FP128/,
    ],
    [
      'a binary section without binary_data_size',
      () =>
        v2Infer(
          url(),
          { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS] }] },
          { binary: [new Uint8Array(GLYPH_PIXELS * 4)] },
        ),
      400,
      'INVALID_TENSOR',
      /binary_data_size/,
    ],
    [
      'a truncated binary section',
      () =>
        v2Infer(
          url(),
          { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], parameters: { binary_data_size: GLYPH_PIXELS * 4 } }] },
          { binary: [new Uint8Array(100)] },
        ),
      400,
      'INVALID_TENSOR',
      /"pixels"/,
    ],
  ] as const)('should refuse %s with its status and { error }, and serve the next request', async (_name, send, status, code, message) => {
    const answer = await send();
    expect(answer.status).toBe(status);
    expect(answer.json).toEqual({ error: expect.stringMatching(message), code });
    const next = await v2Infer(url(), { inputs: [pixels([1, GLYPH_PIXELS])] });
    expect(next.status).toBe(200);
  });

  it('should refuse a model name that is not valid percent-encoding as the client’s error', async () => {
    const answer = await v2Json(v2('/models/%E0%A4%A/infer'), { method: 'POST', body: {} });
    expect(answer).toEqual({
      status: 400,
      json: { code: 'INVALID_ARGUMENT', error: 'the path segment "%E0%A4%A" is not valid percent-encoding' },
    });
  });

  it('should refuse bad JSON, and a method a path does not take (405 with Allow)', async () => {
    const bad = await fetch(url(), { method: 'POST', body: '{"inputs": [' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'INVALID_ARGUMENT' });
    const wrong = await fetch(url(), { method: 'GET' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});

describe('auth on every route', () => {
  const keys = forSuite(() =>
    createKeysFile([
      { name: 'reader', scopes: ['models:read'] },
      { name: 'predictor', scopes: ['predict'] },
      { name: 'glyphs-only', scopes: ['models:read', 'predict'], models: ['glyphs'] },
    ]),
  );
  const guarded = forSuite(() =>
    serveModels(
      async (repository) => {
        await repository.copyExample('glyphs');
        await repository.copyExample('glyphs', 'glyphs-2');
      },
      { auth: authSettings({ keysFile: keys.path }) },
    ),
  );
  const at = (path: string) => `${guarded.origin}/v2${path}`;
  const infer = (model: string, authorization?: string) =>
    v2Infer(
      at(`/models/${model}/infer`),
      { inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }] },
      { headers: authorization ? { authorization } : {} },
    );
  const get = (path: string, authorization?: string) => v2Json(at(path), { headers: authorization ? { authorization } : {} });

  it('should answer the probes and the server metadata without a credential, as GraphQL’s port does', async () => {
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('')).status).toBe(200);
  });

  it('should refuse every model route without a credential: 401, a Bearer challenge and UNAUTHENTICATED', async () => {
    for (const path of ['/models/glyphs', '/models/glyphs/ready', '/models/glyphs/versions/1']) {
      const response = await fetch(at(path));
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="infergraph"');
      expect(await response.json()).toMatchObject({ code: 'UNAUTHENTICATED' });
    }
    expect(await infer('glyphs')).toMatchObject({ status: 401, json: { code: 'UNAUTHENTICATED' } });
    expect(await infer('glyphs', 'Bearer ig_not-a-key')).toMatchObject({ status: 401, json: { code: 'UNAUTHENTICATED' } });
  });

  it('should hold each route to its scope: metadata to models:read, infer to predict', async () => {
    expect(await get('/models/glyphs', keys.bearer.predictor)).toMatchObject({
      status: 403,
      json: { code: 'FORBIDDEN', error: 'model metadata needs the "models:read" scope, which key:predictor lacks' },
    });
    expect(await infer('glyphs', keys.bearer.reader)).toMatchObject({
      status: 403,
      json: { code: 'FORBIDDEN', error: 'infer needs the "predict" scope, which key:reader lacks' },
    });
    expect((await get('/models/glyphs', keys.bearer.reader)).status).toBe(200);
    expect((await infer('glyphs', keys.bearer.predictor)).status).toBe(200);
  });

  it('should answer a model outside a key’s models as one that does not exist', async () => {
    const limited = keys.bearer['glyphs-only'];
    expect((await infer('glyphs', limited)).status).toBe(200);
    const hidden = await infer('glyphs-2', limited);
    expect(hidden).toMatchObject({ status: 404, json: { code: 'MODEL_NOT_FOUND' } });
    expect(hidden.json.error).toBe('model "glyphs-2" is not in the repository (models: glyphs)');
    expect((await get('/models/glyphs-2', limited)).json.error).toBe(hidden.json.error);
  });
});

describe('limits and metrics, as over GraphQL', () => {
  let clock = 0;
  const limited = forSuite(() =>
    serveModels((repository) => repository.copyExample('glyphs'), {
      limits: { maxCost: 200 },
      rateLimits: { requestsPerSecond: 1, requestBurst: 3, workPerSecond: 0, workBurst: 0 },
      now: () => clock,
    }),
  );
  const infer = (rows: number) =>
    v2Infer(`${limited.origin}/v2/models/glyphs/infer`, {
      inputs: [{ name: 'pixels', datatype: 'FP32', shape: [rows, GLYPH_PIXELS], data: new Array(rows * GLYPH_PIXELS).fill(0) }],
    });
  const requestsTotal = async (outcome: string) => {
    const text = await (await fetch(`${limited.origin}/metrics`)).text();
    const line = text
      .split('\n')
      .find(
        (each) => each.startsWith('infergraph_requests_total{') && each.includes('transport="v2"') && each.includes(`outcome="${outcome}"`),
      );
    return line ? Number(line.split(' ').at(-1)) : 0;
  };

  it('should price an infer as GraphQL prices a predict of the same tensors, and refuse one over --max-cost', async () => {
    clock += 3_600_000;
    // 100 for the run, 1 for the field, one per thousand elements: 1 row is 101, 400 rows are 203.
    expect((await infer(1)).status).toBe(200);
    const dear = await infer(400);
    expect(dear.status).toBe(400);
    expect(dear.json).toEqual({
      code: 'QUERY_TOO_COMPLEX',
      error: 'the operation costs 204, over the limit of 200: ask for fewer predictions, rows, tokens or evaluations at once',
    });
  });

  it('should spend from the caller’s one budget whichever API it uses, and refuse past it with 429 and Retry-After', async () => {
    clock += 3_600_000;
    expect(
      (await limited.graphql(PredictDocument, { input: glyphRow('glyphs', new Float32Array(GLYPH_PIXELS), 0) })).errors,
    ).toBeUndefined();
    expect((await infer(1)).status).toBe(200);
    expect((await infer(1)).status).toBe(200);
    const refused = await fetch(`${limited.origin}/v2/models/glyphs/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [{ name: 'pixels', datatype: 'FP32', shape: [1, GLYPH_PIXELS], data: new Array(GLYPH_PIXELS).fill(0) }],
      }),
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('should count v2 requests in infergraph_requests_total{transport="v2"} by outcome', async () => {
    clock += 3_600_000;
    const [succeeded, invalid] = [await requestsTotal('success'), await requestsTotal('invalid')];
    expect((await infer(1)).status).toBe(200);
    expect((await v2Infer(`${limited.origin}/v2/models/glyphs/infer`, { inputs: [] })).status).toBe(400);
    expect(await requestsTotal('success')).toBe(succeeded + 1);
    expect(await requestsTotal('invalid')).toBe(invalid + 1);
  });
});

describe("a stateful model through Triton's sequence parameters", () => {
  const vad = forSuite(() => serveModels((repository) => repository.copyExample('silero-vad')));
  const reference = forSuite(() => createVadReference());

  it('should carry the state from call to call of a sequence_id as onnxruntime-node does by hand', async () => {
    const frames = vadFrames(syntheticAudio(6 * VAD_FRAME, 5));
    const expected = await reference.probabilities(frames);
    const served: number[] = [];
    for (const [index, frame] of frames.entries()) {
      const answer = await v2Infer(`${vad.origin}/v2/models/silero-vad/infer`, {
        parameters: { sequence_id: 1042, sequence_start: index === 0, sequence_end: index === frames.length - 1 },
        inputs: [
          { name: 'input', datatype: 'FP32', shape: [1, VAD_FRAME], data: Array.from(frame) },
          { name: 'sr', datatype: 'INT64', shape: [], data: [VAD_SAMPLE_RATE] },
        ],
        outputs: [{ name: 'output' }],
      });
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      served.push((answer.json.outputs as V2Tensor[])[0]!.data![0] as number);
    }
    expectClose(served, expected, 1e-5);
    const unsequenced = await v2Infer(`${vad.origin}/v2/models/silero-vad/infer`, {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1, VAD_FRAME], data: Array.from(frames[0]!) }],
    });
    expect(unsequenced).toMatchObject({ status: 400, json: { code: 'INVALID_ARGUMENT' } });
  });
});

describe('an image for a model input, as Triton image clients send it', () => {
  const images = forSuite(() => serveModels((repository) => repository.copyExample('ocr-direction')));
  const png = textLinePng('31415', { cell: 3, upsideDown: true });
  const url = () => `${images.origin}/v2/models/ocr-direction/infer`;

  it('should take a PNG as one BYTES element, in binary form and as base64 in JSON, and answer as GraphQL’s image does', async () => {
    const { data } = await images.graphql(PredictBase64Document, {
      input: { model: 'ocr-direction', inputs: [{ name: 'x', image: { base64: png.toString('base64') } }] },
    });
    const expected = new Uint8Array(Buffer.from(data!.predict.outputs[0]!.base64!, 'base64'));
    const element = Buffer.concat([Buffer.alloc(4), png]);
    element.writeUInt32LE(png.byteLength);
    const binary = await v2Infer(
      url(),
      {
        inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: element.byteLength } }],
        outputs: [{ name: 'softmax_0.tmp_0', parameters: { binary_data: true } }],
      },
      { binary: [element] },
    );
    expect(binary.status, JSON.stringify(binary.json)).toBe(200);
    expect(binary.binary['softmax_0.tmp_0']).toEqual(expected);
    const json = await v2Infer(url(), {
      inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], data: [png.toString('base64')] }],
      outputs: [{ name: 'softmax_0.tmp_0', parameters: { binary_data: true } }],
    });
    expect(json.binary['softmax_0.tmp_0']).toEqual(expected);
  });

  it('should refuse bytes that are no image, and more than one element, naming the input', async () => {
    const junk = await v2Infer(url(), {
      inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], data: [Buffer.from('no image').toString('base64')] }],
    });
    expect(junk).toMatchObject({ status: 400, json: { code: 'INVALID_TENSOR' } });
    expect(junk.json.error).toMatch(/input "x" of model "ocr-direction" v1: the bytes are no image/);
    const two = await v2Infer(url(), { inputs: [{ name: 'x', datatype: 'BYTES', shape: [2], data: ['a', 'b'] }] });
    expect(two.json.error).toBe('input "x" of model "ocr-direction" v1: an image goes as one BYTES element (shape [1]), got shape [2]');
  });
});
