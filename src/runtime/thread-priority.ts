/**
 * Inference threads yield the CPU to the event loop. On a machine with as many inference threads as cores, the
 * kernel shares each core fairly between the event loop and the thread running a model, so the loop that reads
 * requests, forms batches, answers probes and writes answers waits behind `session.run` calls, and every request
 * waits with it. A higher nice value for the inference threads gives the loop a core whenever it has work and the
 * models every cycle it leaves, so no CPU goes idle.
 */
import { getPriority, setPriority } from 'node:os';

/**
 * Gives the calling thread the nice value `nice` (clamped to -20…19), and the threads it starts later with it, such
 * as onnxruntime's intra-op pool. Linux only: there a nice value belongs to a thread, and setpriority on 0 is the
 * calling thread (elsewhere it would be the whole process). Raising a nice value needs no privilege; lowering it
 * needs CAP_SYS_NICE. Returns the thread's nice value, or null where it was left as it was (not Linux, not permitted).
 */
export function setThreadNice(nice: number): number | null {
  if (process.platform !== 'linux') return null;
  const value = Math.max(-20, Math.min(19, nice));
  try {
    setPriority(0, value);
  } catch {
    return null;
  }
  return value;
}

/** Makes the calling thread `steps` nicer than it is (see `setThreadNice`); 0 or less leaves it. */
export function lowerThreadPriority(steps: number): number | null {
  if (steps <= 0 || process.platform !== 'linux') return null;
  return setThreadNice(getPriority(0) + steps);
}
