/**
 * Example: classify a drawn digit with the glyphs model through the SDK.
 *   npx tsx clients/examples/classify-glyph.ts [http://localhost:4000/graphql]
 */
import { createClient } from '../sdk/src/index.ts';

const url = process.argv[2] ?? 'http://localhost:4000/graphql';

/** A 16×16 "1": a vertical stroke, as the glyphs model was trained on. */
export function drawOne(): Float32Array {
  const pixels = new Float32Array(256);
  for (let row = 3; row < 13; row++) pixels[row * 16 + 8] = 1;
  return pixels;
}

await using client = createClient({ url });
const models = await client.models();
process.stdout.write(`models: ${models.map((model) => model.name).join(', ')}\n`);
const { outputs, version } = await client.predict({ model: 'glyphs', inputs: { pixels: { data: drawOne(), shape: [1, 256] } } });
for (const [name, tensor] of Object.entries(outputs)) {
  if (tensor.dataType !== 'FP32') continue;
  const scores = Array.from(tensor.data);
  const best = scores.indexOf(Math.max(...scores));
  process.stdout.write(`glyphs v${version} ${name}: ${models.find((model) => model.name === 'glyphs')?.labels?.[best] ?? best}\n`);
}
