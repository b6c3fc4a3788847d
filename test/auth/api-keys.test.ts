import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKeyVerifier, hashSecret, newSecret, readKeysFile } from '../../src/auth/api-keys.ts';
import { createAuthenticator } from '../../src/auth/authenticator.ts';
import { runKeysCommand } from '../../src/cli/keys.ts';
import { InferError } from '../../src/errors.ts';
import { authSettings } from '../fixtures/credentials.ts';

let folder: string;
beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'infergraph-keys-test-'));
});
afterEach(async () => {
  await rm(folder, { recursive: true, force: true });
});

/** Runs `infergraph keys ...` as the CLI does; resolves with its exit code and what it printed. */
function keys(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = runKeysCommand(args, {
    defaultKeysFile: undefined,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr };
}

function refusal(run: () => unknown): InferError {
  try {
    run();
  } catch (error) {
    if (error instanceof InferError) return error;
    throw error;
  }
  throw new Error('it was not refused');
}

describe('infergraph keys create', () => {
  it('should print a secret once that the server then takes, keeping only its hash in a file of mode 0600', async () => {
    const path = join(folder, 'keys.json');
    const { code, stdout, stderr } = keys(
      'create',
      '--name',
      'ci',
      '--scopes',
      'predict,models:read',
      '--models',
      'glyphs',
      '--keys-file',
      path,
    );
    expect(code, stderr).toBe(0);
    const secret = stdout.trim();
    expect(secret).toMatch(/^igk_[\w-]{43}$/);
    expect(stderr).toContain('"ci"');
    expect(stderr).not.toContain(secret);

    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(secret);
    expect(text).toContain(hashSecret(secret));
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const principal = await createAuthenticator(authSettings({ keysFile: path })).authenticate(`Bearer ${secret}`);
    expect(principal).toMatchObject({ id: 'key:ci', kind: 'api-key', expiresAt: null });
    expect([...principal.scopes]).toEqual(['predict', 'models:read']);
    expect([...principal.models!]).toEqual(['glyphs']);
  });

  it('should append a second key, keep the first working, and refuse a name already taken', () => {
    const path = join(folder, 'keys.json');
    const first = keys('create', '--name', 'a', '--scopes', 'admin', '--keys-file', path).stdout.trim();
    const second = keys('create', '--name', 'b', '--scopes', 'generate', '--expires-in', '30', '--keys-file', path).stdout.trim();
    const verify = createKeyVerifier({ keys: readKeysFile(path) });
    expect(verify(first).id).toBe('key:a');
    expect(verify(second).expiresAt).toBeGreaterThan(Date.now() + 29 * 86_400_000);

    const taken = keys('create', '--name', 'a', '--scopes', 'admin', '--keys-file', path);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toContain('already has a key named "a"');
    expect(taken.stdout).toBe('');
  });

  it('should refuse an unknown scope or a missing name, saying what is expected', () => {
    const path = join(folder, 'keys.json');
    const scope = keys('create', '--name', 'x', '--scopes', 'predict,delete', '--keys-file', path);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('unknown scope "delete"; the scopes are models:read, predict, generate, admin');
    expect(keys('create', '--scopes', 'predict').stderr).toContain('--name is required');
  });
});

describe('the infergraph command', () => {
  const BIN = join(import.meta.dirname, '../../bin/infergraph.js');
  const run = (...args: string[]) => promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, AUTH_KEYS_FILE: '' } });

  it('should run keys create as a subcommand, printing only the secret on stdout', async () => {
    const path = join(folder, 'keys.json');
    const { stdout } = await run('keys', 'create', '--name', 'cli', '--scopes', 'predict', '--keys-file', path);
    expect(createKeyVerifier({ keys: readKeysFile(path) })(stdout.trim()).id).toBe('key:cli');
  });

  it('should refuse to serve with a keys file every user can read, exiting 2 with the reason and no stack', async () => {
    const path = join(folder, 'keys.json');
    await writeFile(path, JSON.stringify({ keys: [] }), { mode: 0o644 });
    await chmod(path, 0o644);
    const failed = await run('--auth', 'on', '--auth-keys-file', path, '--port', '0').then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toBe(
      `infergraph cannot start: the API keys file ${path} is readable by every user (mode 644); make it the server's alone: chmod 600 ${path}\n`,
    );
  });
});

describe('API keys', () => {
  it('should refuse an unknown secret and an expired key with UNAUTHENTICATED', () => {
    const secret = newSecret();
    const past = new Date(Date.now() - 1000).toISOString();
    const verify = createKeyVerifier({ keys: [{ name: 'old', hash: hashSecret(secret), scopes: ['predict'], expiresAt: past }] });
    expect(refusal(() => verify(secret))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'the API key has expired' });
    expect(refusal(() => verify(newSecret()))).toMatchObject({ code: 'UNAUTHENTICATED', message: 'the API key is not valid' });
  });

  it('should refuse to start on a keys file every user can read, saying how to fix it', async () => {
    const path = join(folder, 'keys.json');
    await writeFile(path, JSON.stringify({ keys: [] }));
    await chmod(path, 0o644);
    expect(() => createAuthenticator(authSettings({ keysFile: path }))).toThrow(
      `the API keys file ${path} is readable by every user (mode 644); make it the server's alone: chmod 600 ${path}`,
    );
    await chmod(path, 0o600);
    expect(createAuthenticator(authSettings({ keysFile: path })).enabled).toBe(true);
  });

  it('should refuse to start on a keys file that is not valid, naming the field', async () => {
    const path = join(folder, 'keys.json');
    await writeFile(path, JSON.stringify({ keys: [{ name: 'x', hash: 'md5:abc', scopes: ['predict'] }] }), { mode: 0o600 });
    expect(() => readKeysFile(path)).toThrow(/keys\.0\.hash: a hash is "sha256:" and 64 hex digits/);
  });

  it('should refuse to start with auth on and no way to present a valid credential', () => {
    expect(() => createAuthenticator(authSettings())).toThrow(/no credential could be valid/);
  });
});
