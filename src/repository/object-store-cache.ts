/**
 * A model repository kept in an S3-compatible store, mirrored into a local folder laid out as a
 * repository on disk: the scan, the loaders and the registry read that folder and never know where
 * it came from. A manifest beside the models remembers which object each file is, so a restart with
 * a warm cache serves at once and a sync downloads only what changed.
 */
import { mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { CorruptDownloadError, downloadObject, type StoredObject, unquoteEtag } from './download-object.ts';
import type { ObjectStoreLocation } from './object-store-location.ts';
import { DOWNLOAD_ERROR_SUFFIX } from './scan-repository.ts';

export interface ObjectStoreCacheOptions {
  client: S3Client;
  location: ObjectStoreLocation;
  /** The local folder the repository is mirrored into; created when missing. */
  directory: string;
  /** Downloads at once. @default 4 */
  concurrency?: number;
}

/** An object whose download arrived whole but failed its checksum: its file is not served. */
export interface DownloadFailure {
  key: string;
  reason: string;
}

export interface SyncResult {
  /** The models whose files were added, replaced or removed since the last sync that reached the store. */
  changed: ReadonlySet<string>;
  failures: DownloadFailure[];
}

export interface ObjectStoreCache {
  /** The local folder, laid out as a model repository. */
  readonly directory: string;
  /**
   * Makes the folder match the store: new and changed objects are downloaded, deleted ones removed.
   * Throws when the store cannot be listed or a download breaks off; the folder then holds only
   * whole, checked files (older ones where newer did not arrive), and the next sync goes on.
   */
  sync(): Promise<SyncResult>;
}

const MANIFEST_FILE = '.infergraph-cache.json';

const manifestSchema = z.object({
  objects: z.record(z.string(), z.object({ etag: z.string(), size: z.number() })),
});
type Manifest = z.infer<typeof manifestSchema>;

export function createObjectStoreCache({ client, location, directory, concurrency = 4 }: ObjectStoreCacheOptions): ObjectStoreCache {
  let manifest: Manifest | null = null;
  /** Changes made by a sync that then broke off: reported by the next one that completes. */
  const unreported = new Set<string>();
  /** Per file, the listing (ETag/size) whose download arrived wrong once, and the one that did twice. */
  const suspect = new Map<string, string>();
  const corrupt = new Map<string, string>();

  async function listStore(): Promise<Map<string, StoredObject>> {
    const objects = new Map<string, StoredObject>();
    for await (const page of paginateListObjectsV2({ client }, { Bucket: location.bucket, Prefix: location.prefix })) {
      for (const { Key, ETag, Size } of page.Contents ?? []) {
        if (Key === undefined || ETag === undefined || Size === undefined) continue;
        const relative = Key.slice(location.prefix.length);
        if (isMirrored(relative)) objects.set(relative, { key: Key, etag: unquoteEtag(ETag), size: Size });
      }
    }
    return objects;
  }

  async function isCurrent(relative: string, object: StoredObject): Promise<boolean> {
    const known = manifest?.objects[relative];
    if (!known || known.etag !== object.etag || known.size !== object.size) return false;
    return (await stat(join(directory, relative)).catch(() => null))?.isFile() ?? false;
  }

  /**
   * Downloads one object. One that arrives whole but wrong is only suspect the first time: a store
   * may list an object still being written (s3rver does), so it is listed and fetched again before
   * its version is failed. The same listing failing twice is corrupt, and is not fetched again until
   * the store lists something else under that key (a new upload).
   */
  async function download(relative: string, object: StoredObject, failures: DownloadFailure[]): Promise<void> {
    const path = join(directory, relative);
    const signature = `${object.etag}/${object.size}`;
    if (corrupt.get(relative) === signature) return;
    try {
      await downloadObject(client, location.bucket, object, path);
      manifest!.objects[relative] = { etag: object.etag, size: object.size };
      suspect.delete(relative);
      corrupt.delete(relative);
      await rm(path + DOWNLOAD_ERROR_SUFFIX, { force: true });
      unreported.add(modelOf(relative));
    } catch (error) {
      if (!(error instanceof CorruptDownloadError)) throw error;
      if (suspect.get(relative) !== signature) {
        suspect.set(relative, signature);
        return;
      }
      corrupt.set(relative, signature);
      failures.push({ key: object.key, reason: error.message });
      // A file served before stays served; one never had says why it is missing (scan-repository.ts reads it).
      const hasOlder = manifest!.objects[relative] !== undefined;
      if (!hasOlder && (await writeIfDifferent(path + DOWNLOAD_ERROR_SUFFIX, error.message))) unreported.add(modelOf(relative));
    }
  }

  /** Downloads what is not current in the cache; returns the keys that came back suspect. */
  async function fetchStale(stored: ReadonlyMap<string, StoredObject>, failures: DownloadFailure[]): Promise<string[]> {
    const stale: [string, StoredObject][] = [];
    for (const [relative, object] of stored) if (!(await isCurrent(relative, object))) stale.push([relative, object]);
    await eachAtMost(concurrency, stale, ([relative, object]) => download(relative, object, failures));
    return stale.map(([relative]) => relative).filter((relative) => suspect.has(relative) && !corrupt.has(relative));
  }

  async function remove(relative: string): Promise<void> {
    const path = join(directory, relative);
    await rm(path, { force: true });
    await rm(path + DOWNLOAD_ERROR_SUFFIX, { force: true });
    delete manifest!.objects[relative];
    await removeEmptyFolders(dirname(path), directory);
    unreported.add(modelOf(relative));
  }

  return {
    directory,
    async sync() {
      if (!manifest) manifest = await openCache(directory);
      const stored = await listStore();
      const failures: DownloadFailure[] = [];
      try {
        const gone = Object.keys(manifest.objects).filter((relative) => !stored.has(relative));
        for (const relative of gone) await remove(relative);
        const suspects = await fetchStale(stored, failures);
        if (suspects.length > 0) {
          const relisted = await listStore();
          await fetchStale(
            new Map(suspects.flatMap((relative) => (relisted.has(relative) ? [[relative, relisted.get(relative)!]] : []))),
            failures,
          );
        }
      } finally {
        await saveManifest(directory, manifest);
      }
      const changed = new Set(unreported);
      unreported.clear();
      return { changed, failures };
    },
  };
}

/** The manifest of a cache folder (created when missing), after removing temp files a killed process left. */
async function openCache(directory: string): Promise<Manifest> {
  await mkdir(directory, { recursive: true });
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  await Promise.all(
    entries
      .filter((entry) => entry.isFile() && entry.name.endsWith('.tmp'))
      .map((entry) => rm(join(entry.parentPath, entry.name), { force: true })),
  );
  const text = await readFile(join(directory, MANIFEST_FILE), 'utf8').catch(() => null);
  if (text === null) return { objects: {} };
  try {
    return manifestSchema.parse(JSON.parse(text));
  } catch {
    // An unreadable manifest only costs downloads: every file is fetched again and checked.
    return { objects: {} };
  }
}

async function saveManifest(directory: string, manifest: Manifest): Promise<void> {
  const path = join(directory, MANIFEST_FILE);
  await writeFile(`${path}.${process.pid}.tmp`, JSON.stringify(manifest));
  await rename(`${path}.${process.pid}.tmp`, path);
}

/**
 * Whether a key below the prefix becomes a file of the cache: not a folder marker, nothing that
 * climbs out of the folder, and no name the cache uses for itself (temp files, failure notes).
 */
function isMirrored(relative: string): boolean {
  const parts = relative.split('/');
  if (parts.length < 2 || parts.some((part) => part === '' || part === '.' || part === '..' || part.includes(sep))) return false;
  return !relative.endsWith('.tmp') && !relative.endsWith(DOWNLOAD_ERROR_SUFFIX) && relative !== MANIFEST_FILE;
}

function modelOf(relative: string): string {
  return relative.split('/')[0]!;
}

async function writeIfDifferent(path: string, text: string): Promise<boolean> {
  if ((await readFile(path, 'utf8').catch(() => null)) === text) return false;
  await writeFile(path, text);
  return true;
}

/** Removes `folder` and its parents while empty, up to (not including) `root`: a deleted version leaves no empty folder to scan. */
async function removeEmptyFolders(folder: string, root: string): Promise<void> {
  for (let current = folder; current.startsWith(root + sep); current = dirname(current)) {
    const removed = await rmdir(current).then(
      () => true,
      () => false,
    );
    if (!removed) return;
  }
}

/** Runs `work` on every item, at most `limit` at once; the first error is thrown once all have settled. */
async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const errors: unknown[] = [];
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await work(item).catch((error: unknown) => errors.push(error));
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (errors.length > 0) throw errors[0];
}
