import { readFile } from 'node:fs/promises';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import { connectWs, GraphQLRequestError, requestHttp, requestWs } from '../../clients/examples/client.ts';
import { ClassifyDocument, HealthDocument, ModelsDocument, PredictDocument } from '../../clients/sdk/graphql.ts';
import config from '../../codegen.ts';
import { generateGlyphs } from '../../scripts/models/glyphs.ts';
import { EXAMPLE_MODELS } from '../fixtures/repository.ts';
import { startServer } from '../fixtures/server.ts';

describe('typed SDK', () => {
  it('should be what codegen makes of the committed schema (run `npm run codegen` after changing either)', async () => {
    const files = (await generate({ ...config, silent: true }, false)) as { filename: string; content: string }[];
    expect(files.length).toBeGreaterThan(0);
    for (const { filename, content } of files) {
      expect(await readFile(filename, 'utf8'), filename).toBe(content);
    }
  });

  it('should classify real samples over HTTP and WebSocket with typed results', async () => {
    await using server = await startServer({ modelRepository: EXAMPLE_MODELS });
    const { models } = await requestHttp(server.url, ModelsDocument, {});
    expect(models.map((model) => model.name)).toEqual(expect.arrayContaining(['glyphs', 'ocr-direction']));
    const { health } = await requestHttp(server.url, HealthDocument, {});
    expect(health).toMatchObject({ live: true, ready: true });

    const { pixels, labels } = generateGlyphs({ count: 4, seed: 77 });
    const input = { model: 'glyphs', inputs: [{ name: 'pixels', shape: [4, 256], data: [...pixels] }] };
    const { predict } = await requestHttp(server.url, ClassifyDocument, { input, k: 1 });
    expect(predict.outputs[0]!.topK!.map((row) => Number(row[0]!.label))).toEqual(labels);

    const client = connectWs(server.wsUrl);
    try {
      const overWs = await requestWs(client, PredictDocument, { input });
      expect(overWs.predict.outputs[0]!.shape).toEqual([4, 10]);
      await expect(requestWs(client, PredictDocument, { input: { ...input, model: 'nope' } })).rejects.toBeInstanceOf(GraphQLRequestError);
    } finally {
      await client.dispose();
    }
  });
});
