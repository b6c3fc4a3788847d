/** The SDK sends an image file as it is, for the input a model's preprocessing fills: base64, or a file part when large. */
import { describe, expect, it } from 'vitest';
import { createClient } from '../../clients/sdk/src/index.ts';
import { recordingFetch } from '../fixtures/recording-fetch.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';
import { textLinePng } from '../fixtures/text-line.ts';

const UPSIDE_DOWN = new Uint8Array(textLinePng('2718', { cell: 3, upsideDown: true }));
const UPRIGHT = new Uint8Array(textLinePng('2718', { cell: 3, upsideDown: false }));

const server = forSuite(() => serveModels((repository) => repository.copyExample('ocr-direction')));

describe.each([
  { name: 'HTTP, base64', transport: 'http', fileMinBytes: Number.POSITIVE_INFINITY },
  { name: 'HTTP, a multipart file part', transport: 'http', fileMinBytes: 0 },
  { name: 'graphql-ws', transport: 'ws', fileMinBytes: 0 },
] as const)("the SDK's predict with an image over $name", ({ transport, fileMinBytes }) => {
  it('should get the direction of a text line the server read from the PNG', async () => {
    const fetch = recordingFetch();
    await using client = createClient({ url: server.url, transport, fileMinBytes, fetch: fetch.fetch });
    for (const [image, expected] of [
      [UPRIGHT, 0],
      [UPSIDE_DOWN, 1],
    ] as const) {
      const { outputs } = await client.predict({ model: 'ocr-direction', inputs: { x: { image } } });
      const scores = Array.from(outputs['softmax_0.tmp_0']!.data as Float32Array);
      expect(scores.indexOf(Math.max(...scores))).toBe(expected);
    }
    expect(fetch.bodies.includes('multipart')).toBe(transport === 'http' && fileMinBytes === 0);
  });
});
