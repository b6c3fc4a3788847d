/** Writes the SDL printed from the Pothos builder to schema/schema.graphql (`npm run schema`). */
import { writeFile } from 'node:fs/promises';
import { printSchemaSdl } from '../src/graphql/schema.ts';

const target = new URL('../schema/schema.graphql', import.meta.url);
await writeFile(target, printSchemaSdl());
process.stdout.write(`wrote ${target.pathname}\n`);
