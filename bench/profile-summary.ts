/**
 * Where a server's main thread spent its time, from the .cpuprofile that `node --cpu-prof`
 * writes on exit: self time inside the measured windows, by function and by package, heaviest first.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixed, formatTable } from './report.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The main thread's profile in `directory` (thread id 0 in the file name), or null. */
export async function mainThreadProfile(directory: string): Promise<string | null> {
  const files = (await readdir(directory).catch(() => [] as string[])).filter((name) => /\.\d+\.0\.\d+\.cpuprofile$/.test(name));
  return files.length > 0 ? join(directory, files.sort().at(-1)!) : null;
}

/** Self time within `windows` (monotonic µs, as in the profile), so that start-up and idle gaps stay out. */
export async function summarizeProfile(path: string, windows: readonly (readonly [number, number])[], top = 20): Promise<string> {
  const profile = JSON.parse(await readFile(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let totalUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, index) => {
    const deltaUs = profile.timeDeltas[index] ?? 0;
    at += deltaUs;
    const frame = byId.get(id)?.callFrame;
    if (!frame || !windows.some(([start, end]) => at >= start && at <= end)) return;
    totalUs += deltaUs;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + deltaUs);
    const owner = packageOf(frame.url, frame.functionName);
    byPackage.set(owner, (byPackage.get(owner) ?? 0) + deltaUs);
  });
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => [name, fixed(us / 1000, 0), `${fixed((us / totalUs) * 100, 1)}%`]);
  return [
    `${path}: ${fixed(totalUs / 1e6, 1)} s sampled in ${windows.length} measured windows`,
    formatTable(['package', 'self ms', 'share'], rows(byPackage), 1),
    '',
    formatTable(['function', 'self ms', 'share'], rows(byFunction), 1),
  ].join('\n');
}

function shortUrl(url: string): string {
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length);
  const source = url.indexOf('/src/');
  return source >= 0 ? url.slice(source + 1) : url.replace(/^file:\/\//, '');
}

function packageOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node: internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [scope, name] = url.slice(modules + 'node_modules/'.length).split('/');
    return scope?.startsWith('@') ? `${scope}/${name}` : (scope ?? url);
  }
  const source = url.indexOf('/src/');
  return source >= 0
    ? url
        .slice(source + 1)
        .split('/')
        .slice(0, 2)
        .join('/')
    : url;
}
