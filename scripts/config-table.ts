/** Writes the settings table of src/config/settings.ts into README.md's "## Configuration" section (test/config.test.ts checks it). */
import { readFile, writeFile } from 'node:fs/promises';
import { settings } from '../src/config/settings.ts';
import { readmeTableOf } from '../src/config/usage.ts';

const path = new URL('../README.md', import.meta.url);
const readme = await readFile(path, 'utf8');
const start = readme.indexOf('\n## Configuration\n');
const end = readme.indexOf('\n## ', start + 1);
const section = readme.slice(start, end);
const lines = section.split('\n');
const first = lines.findIndex((line) => line.startsWith('|'));
const last = lines.findLastIndex((line) => line.startsWith('|'));
if (first < 0) throw new Error('README.md has no table under "## Configuration"');
const updated = [...lines.slice(0, first), readmeTableOf(settings), ...lines.slice(last + 1)].join('\n');
await writeFile(path, readme.slice(0, start) + updated + readme.slice(end));
