/** Watches the model repository and reports which models changed, after a quiet time. */
import { type FSWatcher, watch } from 'node:fs';
import { sep } from 'node:path';

export interface WatchOptions {
  /** The model repository folder. */
  root: string;
  /** Quiet time after the last change under a model's folder before it is picked up, in ms. */
  debounceMs: number;
  /** Called with the names of the model folders that changed, once each has been quiet for debounceMs. */
  onChange: (models: ReadonlySet<string>) => void;
}

export interface RepositoryWatcher {
  close(): void;
}

/**
 * Watches the model repository for added version folders, replaced model.onnx files and edited
 * model.json files. Changes are debounced per model: a file being copied keeps producing events,
 * so nothing is picked up until its writer has been quiet for `debounceMs`, and a half-written
 * file that still fails to load leaves the serving version untouched (reload keeps it).
 */
export function watchRepository({ root, debounceMs, onChange }: WatchOptions): RepositoryWatcher {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, file) => {
    const name = file?.toString().split(sep)[0];
    // Our own atomic writes (model.json.<pid>.tmp) and hidden files are no model change.
    if (!name || name.startsWith('.') || file?.toString().endsWith('.tmp')) return;
    pending.add(name);
    clearTimeout(timer);
    timer = setTimeout(() => {
      const changed = new Set(pending);
      pending.clear();
      onChange(changed);
    }, debounceMs);
  });
  watcher.on('error', () => {});
  return {
    close() {
      clearTimeout(timer);
      watcher.close();
    },
  };
}
