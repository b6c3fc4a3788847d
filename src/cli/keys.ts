/**
 * `infergraph keys create`: makes an API key, appends its hash to the keys file (made with mode 0600
 * when there is none) and prints the secret, the only time anyone sees it.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appendKey, hashSecret, newSecret } from '../auth/api-keys.ts';
import { SCOPES, type Scope } from '../auth/principal.ts';

const KEYS_USAGE = `Usage: infergraph keys create --name NAME --scopes LIST [--models LIST] [--expires-in DAYS] [--keys-file PATH]

Makes an API key and prints its secret once, on stdout; the keys file keeps only its SHA-256.

  --name NAME          what the key is for; shown in logs as key:NAME (letters, digits, ".", "_", "-")
  --scopes LIST        comma-separated, of: ${SCOPES.join(', ')}
  --models LIST        comma-separated models it may use; every model when absent
  --expires-in DAYS    it stops working after this many days; never when absent
  --keys-file PATH     the keys file; AUTH_KEYS_FILE when absent, else ./keys.json
`;

export interface KeysCommandIo {
  /** Where the keys file is when --keys-file is not given (the server's AUTH_KEYS_FILE). */
  defaultKeysFile: string | undefined;
  /** Receives the secret alone, so that `$(infergraph keys create ...)` captures it. */
  stdout: (text: string) => void;
  /** Receives what was made and how to use it, and problems. */
  stderr: (text: string) => void;
  /** The clock, in ms since the epoch. @default Date.now */
  now?: () => number;
}

/** Runs `infergraph keys <args>`; returns the exit code (2 for a usage mistake, with the reason on stderr). */
export function runKeysCommand(args: readonly string[], { defaultKeysFile, stdout, stderr, now = Date.now }: KeysCommandIo): number {
  try {
    const [command, ...rest] = args;
    if (command !== 'create') throw new UsageError(command === undefined ? 'name a command: create' : `unknown command "${command}"`);
    const { values } = parseArgs({
      args: rest,
      options: {
        name: { type: 'string' },
        scopes: { type: 'string' },
        models: { type: 'string' },
        'expires-in': { type: 'string' },
        'keys-file': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.name) throw new UsageError('--name is required');
    if (!values.scopes) throw new UsageError(`--scopes is required (of: ${SCOPES.join(', ')})`);
    const scopes = listOf(values.scopes);
    const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
    if (unknown.length > 0)
      throw new UsageError(`unknown scope ${unknown.map((s) => `"${s}"`).join(', ')}; the scopes are ${SCOPES.join(', ')}`);
    const models = values.models === undefined ? null : listOf(values.models);
    let expiresAt: string | null = null;
    if (values['expires-in'] !== undefined) {
      const days = Number(values['expires-in']);
      if (!(days > 0)) throw new UsageError(`--expires-in must be a positive number of days, got "${values['expires-in']}"`);
      expiresAt = new Date(now() + days * 86_400_000).toISOString();
    }
    const path = resolve(values['keys-file'] ?? defaultKeysFile ?? 'keys.json');

    const secret = newSecret();
    appendKey(path, {
      name: values.name,
      hash: hashSecret(secret),
      scopes: scopes as Scope[],
      models,
      expiresAt,
      createdAt: new Date(now()).toISOString(),
    });
    stderr(
      `Created the API key "${values.name}" in ${path}: scopes ${scopes.join(', ')}; models ${models?.join(', ') ?? 'all'}; ` +
        `expires ${expiresAt ?? 'never'}.\nIts secret follows, shown only this once. Send it as \`Authorization: Bearer <secret>\`, ` +
        'or as `authorization` in the graphql-ws connection_init payload.\n',
    );
    stdout(`${secret}\n`);
    return 0;
  } catch (error) {
    stderr(`infergraph keys: ${(error as Error).message}\n`);
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) stderr(`\n${KEYS_USAGE}`);
    return 2;
  }
}

class UsageError extends Error {}

function listOf(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
