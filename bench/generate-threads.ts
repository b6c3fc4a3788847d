/**
 * A server's CPU by kind of thread, from /proc. Node names none of its threads, so they are told
 * apart by when they started: those started with the process are node's own (V8's platform
 * threads, which do the parallel and concurrent GC work, and libuv's), those started later are
 * the worker_threads the app spawns once its modules are loaded (the inference workers).
 * Reads zeros where /proc is missing.
 */
import { readdir, readFile } from 'node:fs/promises';

/** CPU time in ms. */
export interface ThreadGroups {
  main: number;
  /** Threads started within `EARLY_MS` of the process: V8 platform (GC helpers) and libuv. */
  early: number;
  /** Threads started later: inference workers (and any other worker_thread). */
  late: number;
}

/** Linux clock ticks; `getconf CLK_TCK` is 100 on every mainstream distribution. */
const TICK_MS = 10;
/** The app's workers start after its modules load, seconds after node starts its own threads. */
const EARLY_MS = 500;

export async function readThreadGroups(pid: number): Promise<ThreadGroups> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const threads = (
    await Promise.all(
      tids.map(async (tid) => {
        const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
        if (stat === null) return null;
        // Fields after the command name, which is in parentheses; utime, stime are 14, 15 and starttime 22.
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return { tid, cpuMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS, startMs: Number(fields[19]) * TICK_MS };
      }),
    )
  ).filter((thread) => thread !== null);
  const main = threads.find((thread) => thread.tid === String(pid));
  const groups: ThreadGroups = { main: 0, early: 0, late: 0 };
  for (const thread of threads) {
    if (thread === main) groups.main += thread.cpuMs;
    else if (main && thread.startMs - main.startMs <= EARLY_MS) groups.early += thread.cpuMs;
    else groups.late += thread.cpuMs;
  }
  return groups;
}

export function groupsDelta(after: ThreadGroups, before: ThreadGroups): ThreadGroups {
  return { main: after.main - before.main, early: after.early - before.early, late: after.late - before.late };
}
