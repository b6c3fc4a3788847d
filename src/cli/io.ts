/** What a client command may touch of the process, handed down by main.ts (the only file that touches it). */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** stderr when it is a terminal, where long work shows a spinner; undefined when piped. */
  terminal: NodeJS.WriteStream | undefined;
  /** Aborts on Ctrl-C (SIGINT). */
  signal: AbortSignal;
}
