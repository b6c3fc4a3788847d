/**
 * `npm run build`'s last step, after the example models and the browser app: compiles the server with tsc
 * (tsconfig.build.json) into dist/, so that production runs `node dist/main.js` on plain JavaScript, without tsx.
 *
 * dist/ mirrors the repository rather than src/ alone, because the command line runs the SDK's sources
 * (clients/sdk/src): dist/src/…, dist/clients/sdk/src/…, and beside them the two files the server reads
 * relative to its own modules (the built browser app and the SDK's persisted documents), at the same
 * relative places, so every `import.meta.url` path of the sources holds in dist/ too. dist/main.js is the
 * entry that the image's CMD names.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repository = fileURLToPath(new URL('..', import.meta.url));

/** What the server reads at run time beside its modules, relative to the repository (and so to dist/). */
const RUNTIME_FILES = ['clients/web/dist', 'clients/sdk/src/generated/persisted-documents.json'];

/** dist/main.js: the compiled src/main.js, under the name the Dockerfile, the README and the deployment manifests use. */
const ENTRY = `// The server's entry, written by scripts/build-server.ts: the compiled sources are under src/.
import './src/main.js';
`;

const outDir = join(repository, 'dist');

const started = performance.now();
// From scratch: a module deleted from src/ must not live on in dist/.
await rm(outDir, { recursive: true, force: true });
compile();
for (const file of RUNTIME_FILES) await copyRuntimeFile(file, outDir);
await writeFile(join(outDir, 'main.js'), ENTRY);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(
  `built the server into ${relative(process.cwd(), outDir)}/ (${seconds} s): node ${relative(process.cwd(), join(outDir, 'main.js'))}`,
);

/** tsc with the build config; its errors are printed as they come and stop the build. */
function compile(): void {
  const tsc = join(repository, 'node_modules/typescript/bin/tsc');
  const { status } = spawnSync(process.execPath, [tsc, '-p', join(repository, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (status !== 0) {
    console.error('build-server: tsc failed');
    process.exit(1);
  }
}

async function copyRuntimeFile(file: string, outDir: string): Promise<void> {
  const from = join(repository, file);
  if (!existsSync(from)) {
    console.error(`build-server: ${file} is missing (npm run build makes it before this step)`);
    process.exit(1);
  }
  await mkdir(dirname(join(outDir, file)), { recursive: true });
  await cp(from, join(outDir, file), { recursive: true });
}
