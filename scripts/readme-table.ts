/** The tables README.md prints from the code: where each sits (the first table under its heading), read and rewritten. */
import { readFile, writeFile } from 'node:fs/promises';

const README = new URL('../README.md', import.meta.url);

/** The first table under `heading` (before the next heading of any level): the section's bounds and the table's lines in it. */
function locate(readme: string, heading: string) {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README.md has no "${heading}"`);
  const body = start + heading.length + 2;
  const next = readme.slice(body).search(/^#{1,6} /m);
  const end = next < 0 ? readme.length : body + next;
  const lines = readme.slice(start, end).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  if (first < 0) throw new Error(`README.md has no table under "${heading}"`);
  const length = lines.slice(first).findIndex((line) => !line.startsWith('|'));
  return { start, end, lines, first, stop: length < 0 ? lines.length : first + length };
}

/** The first table under `heading` in README.md, as it stands. */
export async function readmeTableUnder(heading: string): Promise<string> {
  const { lines, first, stop } = locate(await readFile(README, 'utf8'), heading);
  return lines.slice(first, stop).join('\n');
}

/** Writes `table` over the first table under `heading` in README.md. */
export async function writeReadmeTable(heading: string, table: string): Promise<void> {
  const readme = await readFile(README, 'utf8');
  const { start, end, lines, first, stop } = locate(readme, heading);
  const updated = [...lines.slice(0, first), table, ...lines.slice(stop)].join('\n');
  await writeFile(README, readme.slice(0, start) + updated + readme.slice(end));
}
