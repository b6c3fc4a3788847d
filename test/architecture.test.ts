import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../src');

/** The boxes of DESIGN.md, lowest first: each may import only those listed for it (and errors, config, observability). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  runtime: [],
  auth: [],
  repository: [],
  processing: ['runtime'],
  batching: ['runtime', 'repository'],
  registry: ['processing', 'runtime', 'repository'],
  pipelines: ['registry', 'batching', 'processing', 'runtime', 'repository'],
  streaming: ['runtime', 'repository'],
  explain: ['batching', 'runtime', 'repository'],
  health: ['registry', 'batching', 'streaming', 'runtime', 'repository'],
};

/**
 * Packages of the transport and presentation layers, which the core must not know. yoga's pub/sub and its
 * Redis event target are not: they carry events between replicas, whatever transport a client uses.
 */
const PRESENTATION = /^(graphql|graphql-yoga|graphql-ws|ws|@pothos\/.*|@graphql-yoga\/(?!subscription$|redis-event-target$).*)(\/.*)?$/;

async function sourcesOf(folder: string): Promise<string[]> {
  const entries = await readdir(join(SRC, folder), { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith('.ts')).map((entry) => join(entry.parentPath, entry.name));
}

async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]!);
}

/** The src folder an import lands in, or the package name. */
function targetOf(file: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  const path = relative(SRC, join(file, '..', specifier));
  return path.includes('/') ? path.split('/')[0]! : path.replace(/\.ts$/, '');
}

describe('the layers of src/', () => {
  it.each(Object.entries(MAY_IMPORT))(
    'should keep %s to the boxes below it, knowing no GraphQL, yoga, Pothos or ws',
    async (folder, allowed) => {
      const wrong: string[] = [];
      for (const file of await sourcesOf(folder)) {
        for (const specifier of await importsOf(file)) {
          const target = targetOf(file, specifier);
          const isBox = target in MAY_IMPORT || target === 'graphql' || target === 'server';
          const local = specifier.startsWith('.');
          if ((local && isBox && target !== folder && !allowed.includes(target)) || (!local && PRESENTATION.test(target))) {
            wrong.push(`${relative(SRC, file)} imports ${specifier}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    },
  );

  it('should catch a core file that imports the GraphQL layer', () => {
    // The check itself: a made-up import of each kind is caught.
    expect(PRESENTATION.test('graphql')).toBe(true);
    expect(PRESENTATION.test('@pothos/core')).toBe(true);
    expect(PRESENTATION.test('graphql-yoga')).toBe(true);
    expect(PRESENTATION.test('@graphql-yoga/subscription')).toBe(false);
    expect(PRESENTATION.test('@graphql-yoga/redis-event-target')).toBe(false);
    expect(PRESENTATION.test('@graphql-yoga/plugin-csrf-prevention')).toBe(true);
    expect(targetOf(join(SRC, 'registry/x.ts'), '../graphql/context.ts')).toBe('graphql');
    expect(targetOf(join(SRC, 'registry/x.ts'), '../batching/predictor.ts')).toBe('batching');
    expect(targetOf(join(SRC, 'registry/x.ts'), '../errors.ts')).toBe('errors');
  });
});
