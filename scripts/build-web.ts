/**
 * Builds the browser app (clients/web) into clients/web/dist with Vite, unless dist was built from exactly the
 * sources there are now: prestart and pretest run this, and an unchanged app costs them a hash of its sources.
 * A content hash, not file times: a checkout or `npm run codegen` rewrites files without changing them.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('..', import.meta.url));
const web = join(repository, 'clients/web');
const dist = join(web, 'dist');
const stamp = join(dist, '.sources-hash');
/** What the build reads: the app, its config, and the SDK it bundles from source. */
const SOURCES = [
  'clients/web/index.html',
  'clients/web/vite.config.ts',
  'clients/web/src',
  'clients/web/public',
  'clients/sdk/src',
  'package-lock.json',
];

async function filesOf(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => null);
  if (!entries) return existsSync(path) ? [path] : [];
  const nested = await Promise.all(entries.map((entry) => filesOf(join(path, entry.name))));
  return nested.flat().sort();
}

async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const source of SOURCES) {
    for (const file of await filesOf(join(repository, source))) {
      hash
        .update(relative(repository, file))
        .update('\0')
        .update(await readFile(file))
        .update('\0');
    }
  }
  return hash.digest('hex');
}

const hash = await sourcesHash();
const built = await readFile(stamp, 'utf8').catch(() => null);
if (built === hash && existsSync(join(dist, 'index.html')) && !process.argv.includes('--force')) {
  console.log('clients/web/dist is up to date');
} else {
  // Loaded only to build: an up-to-date check should not pay for Vite.
  const { build } = await import('vite');
  // React's production build whatever the caller's NODE_ENV (vitest sets it to test).
  process.env.NODE_ENV = 'production';
  await build({ configFile: join(web, 'vite.config.ts'), mode: 'production' });
  await writeFile(stamp, hash);
  console.log('built the browser app into clients/web/dist');
}
