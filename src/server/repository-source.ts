/** Where the registry's repository comes from: the folder itself, or an S3-compatible store mirrored into a cache folder. */
import type { Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';
import { isObjectStoreUrl } from '../repository/object-store-location.ts';
import { createObjectStoreRepository } from '../repository/object-store-repository.ts';
import { watchRepository } from '../repository/watch-repository.ts';

export interface RepositorySource {
  /** The local folder the registry scans. */
  readonly root: string;
  /** Resolves once the folder holds what can be had (a first download from the store); the folder itself is ready at once. */
  prepare(): Promise<void>;
  /** Brings the folder up to date with its source before a rescan: a download from the store; nothing for a folder. */
  update(): Promise<void>;
  /** Calls `onChange` with the models whose files changed: the folder watcher, or polls of the store. */
  watch(onChange: (models: ReadonlySet<string>) => void): void;
  close(): Promise<void>;
}

export function openRepositorySource(config: Config, logger: Logger): RepositorySource {
  const location = config.modelRepository;
  if (!isObjectStoreUrl(location)) return folderSource(config);
  const { endpoint, cacheDir, pollIntervalMs } = config.objectStore;
  const store = createObjectStoreRepository({
    url: location,
    endpoint,
    cacheDir,
    pollIntervalMs,
    onUnreachable: (error) =>
      logger.warn(
        { store: location, endpoint, cache: store.root, err: error },
        'the model store is unreachable; serving the cached models',
      ),
    onReachable: () => logger.info({ store: location }, 'the model store is reachable again'),
    onDownloadFailure: ({ key, reason }) =>
      logger.warn({ store: location, key, reason }, 'a model file failed its checksum and is not served'),
  });
  return {
    root: store.root,
    prepare: () => store.prepare(),
    update: () => store.sync(),
    watch: (onChange) => store.watch(onChange),
    close: () => store.close(),
  };
}

function folderSource(config: Config): RepositorySource {
  let watcher: { close(): void } | null = null;
  return {
    root: config.modelRepository,
    prepare: async () => {},
    update: async () => {},
    watch(onChange) {
      watcher = watchRepository({ root: config.modelRepository, debounceMs: config.watchDebounceMs, onChange });
    },
    async close() {
      watcher?.close();
    },
  };
}
