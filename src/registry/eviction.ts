/** Which loaded versions to unload so that a load fits the memory budget: the least recently used idle ones. Pure. */

/** What the choice reads of a loaded version. */
export interface Resident {
  /** Its session key, which says whether work is queued or running on it. */
  readonly key: string;
  /** Estimated bytes it takes; null counts as nothing. */
  readonly memoryBytes: number | null;
  /** `performance.now()` of its last request. */
  readonly lastUsed: number;
}

export interface EvictionRequest<T extends Resident> {
  /** The versions loaded now. */
  loaded: readonly T[];
  /** The version about to load (or reload): never evicted to make room for itself. */
  incoming: T;
  /** Estimated bytes of the incoming load. */
  incomingBytes: number;
  /** Estimated bytes all loaded versions may take together; 0 for no limit. */
  budgetBytes: number;
  /** Whether work is queued or running under a session key: such a version is never evicted. */
  isBusy: (key: string) => boolean;
}

/** The estimated bytes `versions` take together. */
export function bytesInUse(versions: readonly Resident[]): number {
  return versions.reduce((sum, version) => sum + (version.memoryBytes ?? 0), 0);
}

/**
 * The versions to unload, in order, so that the incoming load fits: least recently used first,
 * and no more than it needs. When the idle ones are not enough, all of them: the load goes
 * ahead over the budget rather than fail, as the budget is an estimate.
 */
export function chooseEvictions<T extends Resident>({ loaded, incoming, incomingBytes, budgetBytes, isBusy }: EvictionRequest<T>): T[] {
  if (budgetBytes <= 0) return [];
  const idle = loaded.filter((version) => version !== incoming && !isBusy(version.key)).sort((a, b) => a.lastUsed - b.lastUsed);
  let inUse = bytesInUse(loaded);
  const evicted: T[] = [];
  for (const version of idle) {
    if (inUse + incomingBytes <= budgetBytes) break;
    evicted.push(version);
    inUse -= version.memoryBytes ?? 0;
  }
  return evicted;
}
