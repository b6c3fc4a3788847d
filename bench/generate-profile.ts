/**
 * Where a server's main thread spent a window, in a few buckets a generation-path engineer acts
 * on, from the .cpuprofile `node --cpu-prof` writes on exit. Wall time, not CPU: a GC pause the
 * main thread waits out counts as GC.
 */
import { readFile } from 'node:fs/promises';

export const BUCKETS = ['GC', 'GraphQL + ws', 'worker messages', 'generation engine', 'other', 'idle'] as const;
export type Bucket = (typeof BUCKETS)[number];

interface CpuProfile {
  startTime: number;
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Packages and folders of the GraphQL and WebSocket layers: execution, envelop, graphql-ws, ws, yoga. */
const TRANSPORT =
  /node_modules\/(graphql|graphql-ws|ws|graphql-yoga|@graphql-tools|@graphql-yoga|@envelop|@whatwg-node|@pothos)\/|\/src\/(graphql|server)\//;
const ENGINE = /\/src\/(streaming|runtime|registry)\/|node_modules\/@huggingface\//;
/** Native frames (no url) of sending an event: JSON and socket writes. */
const SENDING = new Set(['stringify', 'writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString']);
const SOCKETS = /^node:(net|internal\/(net|stream_base_commons|streams\/))/;

function bucketOf({ functionName, url }: { functionName: string; url: string }): Bucket {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (!url) {
    if (SENDING.has(functionName)) return 'GraphQL + ws';
    if (functionName === 'postMessage') return 'worker messages';
    return 'other';
  }
  if (url.startsWith('node:internal/worker')) return 'worker messages';
  if (TRANSPORT.test(url) || SOCKETS.test(url)) return 'GraphQL + ws';
  if (ENGINE.test(url)) return 'generation engine';
  return 'other';
}

/** Milliseconds of main-thread wall time per bucket inside each window (monotonic µs, as the profile's clock). */
export async function profileBuckets(path: string, windows: readonly (readonly [number, number])[]): Promise<Record<Bucket, number>[]> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const bucketById = new Map(profile.nodes.map((node) => [node.id, bucketOf(node.callFrame)]));
  const totals = windows.map(() => Object.fromEntries(BUCKETS.map((bucket) => [bucket, 0])) as Record<Bucket, number>);
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const deltaUs = profile.timeDeltas[index] ?? 0;
    at += deltaUs;
    const window = windows.findIndex(([start, end]) => at >= start && at <= end);
    if (window < 0) return;
    totals[window]![bucketById.get(id) ?? 'other'] += deltaUs / 1000;
  });
  return totals;
}
