/**
 * Example: classify a drawn digit with the glyphs model through the typed SDK.
 *   npx tsx clients/examples/classify-glyph.ts [http://localhost:4000/graphql]
 */
import { ClassifyDocument, ModelsDocument } from '../sdk/graphql.ts';
import { requestHttp } from './client.ts';

const url = process.argv[2] ?? 'http://localhost:4000/graphql';

/** A 16×16 "1": a vertical stroke, as the glyphs model was trained on. */
export function drawOne(): number[] {
  const pixels = new Array<number>(256).fill(0);
  for (let row = 3; row < 13; row++) pixels[row * 16 + 8] = 1;
  return pixels;
}

const { models } = await requestHttp(url, ModelsDocument, {});
process.stdout.write(`models: ${models.map((model) => model.name).join(', ')}\n`);
const { predict } = await requestHttp(url, ClassifyDocument, {
  input: { model: 'glyphs', inputs: [{ name: 'pixels', shape: [1, 256], data: drawOne() }] },
  k: 3,
});
for (const output of predict.outputs) {
  const best = output.topK?.[0]?.map((entry) => `${entry.label} (${entry.score.toFixed(3)})`).join(', ');
  process.stdout.write(`${predict.model} v${predict.version} ${output.name}: ${best}\n`);
}
