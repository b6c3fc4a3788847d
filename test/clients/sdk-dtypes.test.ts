/** Every data type the server serves, sent by the SDK as a typed array and returned as one, element for element. */
import { describe, expect, it } from 'vitest';
import { createClient, type DataType, type TensorInput } from '../../clients/sdk/src/index.ts';
import { identityModel } from '../fixtures/onnx.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

/** Node 24 has Float16Array; TypeScript's ES2023 lib does not declare it. */
const Float16 = (globalThis as unknown as { Float16Array: Float32ArrayConstructor }).Float16Array;

/** Four elements of each type, reaching for its extremes. */
const SAMPLES: Record<Exclude<DataType, 'BF16'>, TensorInput['data']> = {
  BOOL: [true, false, true, false],
  UINT8: Uint8Array.of(0, 1, 254, 255),
  INT8: Int8Array.of(-128, -1, 0, 127),
  UINT16: Uint16Array.of(0, 1, 65534, 65535),
  INT16: Int16Array.of(-32768, -1, 0, 32767),
  UINT32: Uint32Array.of(0, 1, 4294967294, 4294967295),
  INT32: Int32Array.of(-2147483648, -1, 0, 2147483647),
  UINT64: BigUint64Array.of(0n, 9007199254740993n, 18446744073709551615n, 1n),
  INT64: BigInt64Array.of(-9223372036854775808n, -1n, 9007199254740993n, 9223372036854775807n),
  FP16: Float16.of(0.5, -2, 65504, Number.NaN),
  FP32: Float32Array.of(1.5, Number.NEGATIVE_INFINITY, Number.NaN, 3.4028234663852886e38),
  FP64: Float64Array.of(Math.PI, Number.POSITIVE_INFINITY, 1e-300, -2.5),
  STRING: ['', 'héllo', '日本語', 'tab\there'],
};
const TYPES = Object.keys(SAMPLES) as (keyof typeof SAMPLES)[];

const server = forSuite(() =>
  serveModels(async (repository) => {
    for (const dataType of TYPES) await repository.write(`identity-${dataType.toLowerCase()}/1/model.onnx`, identityModel(dataType));
  }),
);

const WAYS = [
  { name: 'base64 over HTTP', transport: 'http', fileMinBytes: Number.POSITIVE_INFINITY },
  { name: 'a multipart file part', transport: 'http', fileMinBytes: 0 },
  { name: 'base64 over graphql-ws', transport: 'ws', fileMinBytes: 0 },
] as const;

describe.each(WAYS)('data types as $name', ({ transport, fileMinBytes }) => {
  it.each(TYPES)('should return %s elements exactly as sent, in the same array type', async (dataType) => {
    await using client = createClient({ url: server.url, transport, fileMinBytes });
    const data = SAMPLES[dataType];
    const { outputs } = await client.predict({ model: `identity-${dataType.toLowerCase()}`, inputs: { x: { data, shape: [1, 4] } } });
    expect(outputs.y).toEqual({ dataType, shape: [1, 4], data });
    expect(outputs.y!.data.constructor).toBe(data.constructor);
  });
});

describe('plain lists', () => {
  it("should send numbers in the model's data type and bigints exactly", async () => {
    await using client = createClient({ url: server.url });
    const doubled = await client.predict({ model: 'identity-fp64', inputs: { x: { data: [1, 2, Number.NaN, 4], shape: [1, 4] } } });
    expect(doubled.outputs.y).toEqual({ dataType: 'FP64', shape: [1, 4], data: Float64Array.of(1, 2, Number.NaN, 4) });
    const int64 = await client.predict({
      model: 'identity-int64',
      inputs: { x: { data: [-9223372036854775808n, 7, '9223372036854775807', 0], shape: [1, 4], dataType: 'INT64' } },
    });
    expect(int64.outputs.y!.data).toEqual(BigInt64Array.of(-9223372036854775808n, 7n, 9223372036854775807n, 0n));
  });

  it('should send FP16 bits in a Uint16Array when told the data type', async () => {
    await using client = createClient({ url: server.url });
    const bits = new Uint16Array(Float16.of(0.5, -2, 65504, 1).buffer);
    const { outputs } = await client.predict({ model: 'identity-fp16', inputs: { x: { data: bits, shape: [1, 4], dataType: 'FP16' } } });
    expect(outputs.y!.data).toEqual(Float16.of(0.5, -2, 65504, 1));
  });
});
