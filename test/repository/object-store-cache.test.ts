import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createObjectStoreCache, type ObjectStoreCache } from '../../src/repository/object-store-cache.ts';
import { createObjectStoreClient } from '../../src/repository/object-store-client.ts';
import { startObjectStore, type TestObjectStore } from '../fixtures/object-store.ts';

const PREFIX = 'models/';

/** A cache of the store's `models/` in a temp folder; `await using` closes the client and removes the folder. */
async function cacheOf(store: TestObjectStore): Promise<ObjectStoreCache & AsyncDisposable> {
  const directory = await mkdtemp(join(tmpdir(), 'infergraph-cache-'));
  const client = createObjectStoreClient({ endpoint: store.endpoint });
  const cache = createObjectStoreCache({ client, location: { bucket: store.bucket, prefix: PREFIX }, directory });
  return Object.assign(cache, {
    async [Symbol.asyncDispose]() {
      client.destroy();
      await rm(directory, { recursive: true, force: true });
    },
  });
}

async function filesOf(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1))
    .sort();
}

describe('the cache of a repository in object storage', () => {
  it('should mirror the store, fetch only what changed, and remove what was deleted, empty folders with it', async () => {
    await using store = await startObjectStore();
    // Small stand-ins: the cache copies bytes, whatever model they make.
    const network = new TextEncoder().encode('the bytes of a network');
    for (const [path, content] of [
      ['glyphs/model.json', '{}'],
      ['glyphs/labels.txt', 'zero\n'],
      ['glyphs/1/model.onnx', network],
    ] as const) {
      await store.upload(PREFIX + path, content);
    }
    await using cache = await cacheOf(store);
    // What a killed process left half-written is never taken for a file.
    await writeFile(join(cache.directory, 'model.onnx.1234.tmp'), 'half');

    expect(await cache.sync()).toEqual({ changed: new Set(['glyphs']), failures: [] });
    expect(await filesOf(cache.directory)).toEqual([
      '.infergraph-cache.json',
      'glyphs/1/model.onnx',
      'glyphs/labels.txt',
      'glyphs/model.json',
    ]);
    expect(new Uint8Array(await readFile(join(cache.directory, 'glyphs/1/model.onnx')))).toEqual(network);
    expect(await cache.sync()).toEqual({ changed: new Set(), failures: [] });

    await store.upload(`${PREFIX}glyphs/2/model.onnx`, network);
    await store.remove(`${PREFIX}glyphs/1/model.onnx`);
    expect(await cache.sync()).toEqual({ changed: new Set(['glyphs']), failures: [] });
    expect(await filesOf(cache.directory)).toEqual([
      '.infergraph-cache.json',
      'glyphs/2/model.onnx',
      'glyphs/labels.txt',
      'glyphs/model.json',
    ]);
  });

  it('should take a multipart upload, whose ETag is no MD5, on its size and the ETag its download answers', async () => {
    await using store = await startObjectStore();
    const key = `${PREFIX}big/1/model.onnx`;
    await store.upload(key, 'bytes of a large model');
    await store.setEtag(key, '0123456789abcdef0123456789abcdef-3');
    await using cache = await cacheOf(store);
    expect(await cache.sync()).toEqual({ changed: new Set(['big']), failures: [] });
    expect(await readFile(join(cache.directory, 'big/1/model.onnx'), 'utf8')).toBe('bytes of a large model');
  });

  it('should keep serving the older file when a replacement fails its checksum twice, and report it once', async () => {
    await using store = await startObjectStore();
    const key = `${PREFIX}glyphs/labels.txt`;
    await store.upload(key, 'zero\none\n');
    await using cache = await cacheOf(store);
    await cache.sync();
    await store.upload(key, 'zero\nONE\n');
    await store.damage(key);
    const { changed, failures } = await cache.sync();
    expect(changed).toEqual(new Set());
    expect(failures).toEqual([{ key, reason: expect.stringMatching(/its bytes have MD5 [0-9a-f]{32}, the store's ETag is [0-9a-f]{32}/) }]);
    expect(await readFile(join(cache.directory, 'glyphs/labels.txt'), 'utf8')).toBe('zero\none\n');
    expect(await cache.sync()).toEqual({ changed: new Set(), failures: [] });
  });
});
