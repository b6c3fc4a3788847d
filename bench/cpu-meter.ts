/**
 * CPU over a measured window, from /proc: the server's main thread and its other threads, this
 * process (load generator, probe, raw workers), and the whole machine, so that load from
 * anything else on the box (another test run, a noisy VM neighbour: steal) shows up next to
 * the figures it skews. Reads zeros where /proc is missing.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { ChildServer } from './server-process.ts';

/** CPU time in ms over the window. */
export interface CpuWindow {
  windowMs: number;
  serverMainMs: number;
  serverOtherMs: number;
  clientMs: number;
  /** Every CPU of the machine, busy (user, nice, system, irq, softirq). */
  machineMs: number;
  /** Time the hypervisor gave our vCPUs to someone else. */
  stealMs: number;
}

export interface CpuMeter {
  stop(): Promise<CpuWindow>;
}

/** Linux clock ticks; `getconf CLK_TCK` is 100 on every mainstream distribution. */
const TICK_MS = 10;

export async function startCpuMeter(server: ChildServer | null): Promise<CpuMeter> {
  const read = async () => {
    const [threads, machine] = await Promise.all([server ? server.threadCpu() : { mainMs: 0, otherMs: 0 }, readMachine()]);
    return { threads, machine, client: process.cpuUsage(), at: performance.now() };
  };
  const before = await read();
  return {
    async stop() {
      const after = await read();
      return {
        windowMs: after.at - before.at,
        serverMainMs: after.threads.mainMs - before.threads.mainMs,
        serverOtherMs: after.threads.otherMs - before.threads.otherMs,
        clientMs: (after.client.user - before.client.user + after.client.system - before.client.system) / 1000,
        machineMs: after.machine.busyMs - before.machine.busyMs,
        stealMs: after.machine.stealMs - before.machine.stealMs,
      };
    },
  };
}

async function readMachine(): Promise<{ busyMs: number; stealMs: number }> {
  const stat = await readFile('/proc/stat', 'utf8').catch(() => '');
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = (stat.split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .map(Number);
  return { busyMs: (user + nice + system + irq + softirq) * TICK_MS, stealMs: steal * TICK_MS };
}

/** Per-thread CPU of process `pid`: the main thread (tid = pid) and all the others. */
export async function readThreadCpu(pid: number): Promise<{ mainMs: number; otherMs: number }> {
  const tids = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const cpu = { mainMs: 0, otherMs: 0 };
  await Promise.all(
    tids.map(async (tid) => {
      const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => null);
      if (stat === null) return;
      // Fields after the command name, which is in parentheses and may hold spaces; utime, stime are 14, 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
      if (tid === String(pid)) cpu.mainMs += ms;
      else cpu.otherMs += ms;
    }),
  );
  return cpu;
}

/**
 * Waits until the machine has been nearly idle for one `sampleMs` interval (less than
 * `maxBusyCores` busy), or `timeoutMs` passed; resolves with whether it went quiet.
 */
export async function waitForQuiet({ maxBusyCores = 0.25, sampleMs = 500, timeoutMs = 10_000 } = {}): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const before = await readMachine();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const after = await readMachine();
    if ((after.busyMs - before.busyMs) / sampleMs < maxBusyCores) return true;
  }
  return false;
}
