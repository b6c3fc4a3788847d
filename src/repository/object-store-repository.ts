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
  /** Downloads what changed since the last sync (after any sync under way); the store unreachable, the cache stays as it is. */
  sync(): Promise<void>;
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
  let syncing: Promise<void> = Promise.resolve();

  /** Models changed by syncs since the last poll told the watcher: a rescan's sync leaves them to the next poll. */
  const changedSincePoll = new Set<string>();

  /** One sync, its outcome reported. */
  async function syncOnce(): Promise<void> {
    try {
      const { changed, failures } = await cache.sync();
      if (reachable === false) onReachable();
      reachable = true;
      for (const failure of failures) onDownloadFailure(failure);
      for (const name of changed) changedSincePoll.add(name);
    } catch (error) {
      if (reachable !== false) onUnreachable(error as Error);
      reachable = false;
    }
  }

  const repository: ObjectStoreRepository = {
    root: cache.directory,
    async prepare() {
      await repository.sync();
      // The registry's first scan reads all of it: nothing there is news to a watcher.
      changedSincePoll.clear();
    },
    async sync() {
      // One at a time: two syncs at once would fetch the same files twice.
      const sync = syncing.then(syncOnce);
      syncing = sync;
      await sync;
    },
    watch(onChange) {
      const poll = () => {
        const sync = syncing.then(syncOnce).then(() => {
          if (closed) return;
          if (changedSincePoll.size > 0) onChange(new Set(changedSincePoll));
          changedSincePoll.clear();
          timer = setTimeout(poll, pollIntervalMs);
        });
        syncing = sync;
      };
      // After the sync under way (the first, at start).
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
