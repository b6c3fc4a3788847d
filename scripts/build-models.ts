/**
 * `npm run models` (run before `npm start` and `npm test`): builds the example model repository
 * into the directory given as the only argument, or the project's models/ folder. Models built
 * from unchanged sources are skipped, so a second run takes milliseconds.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildModelRepository } from './models/build-repository.ts';
import { glyphs } from './models/glyphs-model.ts';
import { ocrDirection } from './models/ocr-direction.ts';
import { ocrDetector, ocrRecogniser } from './models/ocr-text.ts';
import { sileroVad } from './models/silero-vad.ts';
import { tinyLm } from './models/tiny-lm/tiny-lm-recipe.ts';

const [target, ...extra] = process.argv.slice(2);
if (extra.length > 0 || target?.startsWith('-')) {
  console.error('usage: tsx scripts/build-models.ts [repository-dir]');
  process.exit(2);
}
// Relative to this file, not the cwd, so `npm run models` from any folder builds the same tree.
const dir = target ? resolve(target) : fileURLToPath(new URL('../models/', import.meta.url));

const started = performance.now();
const models = await buildModelRepository({ dir, recipes: [ocrDirection, ocrDetector, ocrRecogniser, glyphs, tinyLm, sileroVad] });
const built = models.filter((model) => model.built).length;
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`models: ${built} built, ${models.length - built} up to date in ${dir} (${seconds} s)`);
