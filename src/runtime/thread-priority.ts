/**
 * Inference threads yield the CPU to the event loop. On a machine with as many inference threads as cores, the
 * kernel shares each core fairly between the event loop and the thread running a model, so the loop that reads
 * requests, forms batches, answers probes and writes answers waits behind `session.run` calls, and every request
 * waits with it. A higher nice value for the inference threads gives the loop a core whenever it has work and the
 * models every cycle it leaves, so no CPU goes idle.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/**
 * Makes the calling thread `nice` steps nicer (at most 19), and the threads it starts later with it, such as
 * onnxruntime's intra-op pool. Linux only: there setpriority on a thread id applies to that thread alone, and
 * /proc/thread-self names the id, which Node does not expose otherwise. Raising a nice value needs no privilege.
 * Returns the thread's nice value, or null where it was left as it was.
 */
export function lowerThreadPriority(nice: number): number | null {
  if (nice <= 0 || process.platform !== 'linux') return null;
  const threadId = Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  const lowered = Math.min(19, getPriority(threadId) + nice);
  setPriority(threadId, lowered);
  return lowered;
}
