/** Byte sizes and durations as people read them, for the defaults that `--help` and the README show. */

const KiB = 1024;
export const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** 67108864 → '64 MiB': the largest binary unit that divides the size exactly. */
export function formatBytes(bytes: number): string {
  for (const [unit, name] of [
    [GiB, 'GiB'],
    [MiB, 'MiB'],
    [KiB, 'KiB'],
  ] as const) {
    if (bytes >= unit && bytes % unit === 0) return `${bytes / unit} ${name}`;
  }
  return `${bytes} bytes`;
}

/** 1000 → '1000 ms': the unit the flag takes, so the default can be typed back as it reads. */
export function formatMs(ms: number): string {
  return `${ms} ms`;
}
