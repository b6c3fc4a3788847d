import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { printSchemaSdl } from '../src/graphql/schema.ts';

describe('schema/schema.graphql', () => {
  it('should be the SDL printed from the code (run `npm run schema` after changing the API)', async () => {
    const committed = await readFile(new URL('../schema/schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printSchemaSdl());
  });
});
