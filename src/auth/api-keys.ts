/**
 * API keys: the keys file (a JSON list of name, hash of the secret, scopes, models, expiry), the
 * secrets `infergraph keys create` makes, and the check that turns a presented secret into a principal.
 *
 * A secret is 32 random bytes, and the file keeps only its SHA-256. A slow password hash (scrypt,
 * argon2) exists to make guessing a low-entropy password expensive; 256 random bits cannot be guessed
 * however fast the hash, so a fast one keeps the check per request at microseconds at no loss.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import { InferError } from '../errors.ts';
import { type Principal, SCOPES } from './principal.ts';

/** What every secret starts with: it tells an API key from a JWT, and a secret scanner can find one in a leak. */
export const KEY_PREFIX = 'igk_';

const HASH_PREFIX = 'sha256:';

const KeyRecordSchema = z.strictObject({
  name: z.string().regex(/^[\w.-]{1,64}$/, 'a name is 1 to 64 letters, digits, ".", "_" or "-"'),
  hash: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a hash is "sha256:" and 64 hex digits'),
  scopes: z.array(z.enum(SCOPES)),
  /** The models it may use; absent or null for every model. */
  models: z.array(z.string().min(1)).nullable().optional(),
  /** An ISO 8601 time; absent or null for never. */
  expiresAt: z.iso.datetime({ offset: true }).nullable().optional(),
  createdAt: z.iso.datetime({ offset: true }).optional(),
});

const KeysFileSchema = z.strictObject({ keys: z.array(KeyRecordSchema) });

/** One key of the keys file. */
export type KeyRecord = z.infer<typeof KeyRecordSchema>;

/** A new secret: the prefix and 32 random bytes, base64url. Shown once, never stored. */
export function newSecret(): string {
  return `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** What the keys file keeps of a secret. */
export function hashSecret(secret: string): string {
  return `${HASH_PREFIX}${createHash('sha256').update(secret).digest('hex')}`;
}

/**
 * The keys of a keys file. Throws, naming the file, when it is missing, malformed, or readable by
 * every user of the machine: a hash is not a secret, but whoever can read the file learns every
 * key's name, scopes and models, and the file is meant to be the operator's alone.
 */
export function readKeysFile(path: string): KeyRecord[] {
  if (!existsSync(path)) throw new Error(`the API keys file ${path} does not exist; create a key with \`infergraph keys create\``);
  const { mode } = statSync(path);
  if (mode & 0o004) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new Error(`the API keys file ${path} is readable by every user (mode ${octal}); make it the server's alone: chmod 600 ${path}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`the API keys file ${path} is not JSON: ${(error as Error).message}`);
  }
  const parsed = KeysFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new Error(`the API keys file ${path} is not valid: ${problems.join('; ')}`);
  }
  const names = new Set<string>();
  for (const { name } of parsed.data.keys) {
    if (names.has(name)) throw new Error(`the API keys file ${path} names the key "${name}" twice`);
    names.add(name);
  }
  return parsed.data.keys;
}

/** Adds a key to a keys file, creating the file (mode 0600) when there is none; the file is replaced whole, never half-written. */
export function appendKey(path: string, record: KeyRecord): void {
  const keys = existsSync(path) ? readKeysFile(path) : [];
  if (keys.some((key) => key.name === record.name)) throw new Error(`the API keys file ${path} already has a key named "${record.name}"`);
  const next = `${path}.${process.pid}.tmp`;
  writeFileSync(next, `${JSON.stringify({ keys: [...keys, record] }, null, 2)}\n`, { mode: 0o600 });
  // writeFileSync's mode is filtered by the umask; the file must be the owner's alone whatever it is.
  chmodSync(next, 0o600);
  renameSync(next, path);
}

export interface KeyVerifierOptions {
  keys: readonly KeyRecord[];
  /** The clock, in ms since the epoch. @default Date.now */
  now?: () => number;
}

/** Turns a presented secret into the principal of its key; throws UNAUTHENTICATED for an unknown or expired one. */
export function createKeyVerifier({ keys, now = Date.now }: KeyVerifierOptions): (secret: string) => Principal {
  const known = keys.map((key) => ({
    key,
    digest: Buffer.from(key.hash.slice(HASH_PREFIX.length), 'hex'),
    expiresAt: key.expiresAt ? Date.parse(key.expiresAt) : null,
  }));
  return (secret) => {
    const digest = createHash('sha256').update(secret).digest();
    // Every key is compared, each in constant time, so that the time taken tells nothing of which came close.
    let match: (typeof known)[number] | undefined;
    for (const candidate of known) if (timingSafeEqual(candidate.digest, digest)) match = candidate;
    if (!match) throw new InferError('UNAUTHENTICATED', 'the API key is not valid');
    if (match.expiresAt !== null && match.expiresAt <= now()) throw new InferError('UNAUTHENTICATED', 'the API key has expired');
    return {
      id: `key:${match.key.name}`,
      kind: 'api-key',
      scopes: new Set(match.key.scopes),
      models: match.key.models ? new Set(match.key.models) : null,
      expiresAt: match.expiresAt,
    };
  };
}
