/** A model repository in an S3-compatible store: synced into its cache folder at start, then polled while watching. */
import { createObjectStoreCache, type DownloadFailure } from './object-store-cache.ts';
import { createObjectStoreClient } from './object-store-client.ts';
import { defaultCacheDir, parseObjectStoreUrl } from './object-store-location.ts';

export interface ObjectStoreRepositoryOptions {
  /** `s3://bucket/prefix`. */
  url: string;
  /** An S3-compatible store's endpoint; see object-store-client.ts. */
  endpoint?: string | undefined;
  /** The local cache folder. @default a folder under the OS temp dir named after the bucket and prefix */
  cacheDir?: string | undefined;
  /** How often the store is asked for changes while watching, in ms. */
  pollIntervalMs: number;
  /** The store could not be reached (or a download broke off): called once per outage, the cache serving meanwhile. */
  onUnreachable: (error: Error) => void;
  /** The store answered again after an outage. */
  onReachable: () => void;
  /** A download arrived but is not the listed object (its checksum or size); it is not served, and retried at each sync. */
  onDownloadFailure: (failure: DownloadFailure) => void;
}

export interface ObjectStoreRepository extends AsyncDisposable {
  /** The cache folder: the repository root the registry reads. */
  readonly root: string;
  /** The first sync. Never throws for the store: unreachable, the cache serves what it holds (a warm cache, a restart's worth). */
  prepare(): Promise<void>;
  /** Polls the store from now on, handing each sync's changed models to `onChange`, as the folder watcher does. */
  watch(onChange: (models: ReadonlySet<string>) => void): void;
  /** Stops polling after a sync under way; closes the client. */
  close(): Promise<void>;
}

export function createObjectStoreRepository(options: ObjectStoreRepositoryOptions): ObjectStoreRepository {
  const { url, endpoint, pollIntervalMs, onUnreachable, onReachable, onDownloadFailure } = options;
  const location = parseObjectStoreUrl(url);
  if (!location) throw new Error(`${url} is not an object store URL (expected s3://bucket/prefix)`);
  const client = createObjectStoreClient({ endpoint });
  const cache = createObjectStoreCache({ client, location, directory: options.cacheDir ?? defaultCacheDir(location) });
  /** Null before the first sync; false during an outage, so that it is reported once. */
  let reachable: boolean | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let syncing: Promise<unknown> = Promise.resolve();

  /** One sync, its outcome reported; the models it changed, none when the store could not be reached. */
  async function syncOnce(): Promise<ReadonlySet<string>> {
    try {
      const { changed, failures } = await cache.sync();
      if (reachable === false) onReachable();
      reachable = true;
      for (const failure of failures) onDownloadFailure(failure);
      return changed;
    } catch (error) {
      if (reachable !== false) onUnreachable(error as Error);
      reachable = false;
      return new Set();
    }
  }

  const repository: ObjectStoreRepository = {
    root: cache.directory,
    async prepare() {
      syncing = syncOnce();
      await syncing;
    },
    watch(onChange) {
      const poll = () => {
        const sync = syncOnce().then((changed) => {
          if (closed) return;
          if (changed.size > 0) onChange(changed);
          timer = setTimeout(poll, pollIntervalMs);
        });
        syncing = sync;
      };
      // After the sync under way (the first, at start): two at once would fetch the same files twice.
      void syncing.then(() => {
        if (!closed) timer = setTimeout(poll, pollIntervalMs);
      });
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await syncing;
      client.destroy();
    },
    [Symbol.asyncDispose]: () => repository.close(),
  };
  return repository;
}
