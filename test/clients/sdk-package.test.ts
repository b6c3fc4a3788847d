/**
 * The SDK as a user gets it: `npm pack` in clients/sdk, the tarball installed in a fresh folder from npm's cache
 * (nothing downloaded), and a plain node script there that imports @infergraph/client and predicts against a running
 * server, on Node 24 (the repository's) and Node 20 (the system's).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import sdkPackage from '../../clients/sdk/package.json' with { type: 'json' };
import lockfile from '../../package-lock.json' with { type: 'json' };
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

const run = promisify(execFile);
const SDK = fileURLToPath(new URL('../../clients/sdk/', import.meta.url));
const NODE_24 = fileURLToPath(new URL('../../node_modules/.bin/node', import.meta.url));
const NODE_20 = '/usr/bin/node';

/**
 * The SDK's dependencies (and graphql-ws's peer graphql) as tarball URLs at the versions the root lockfile pins:
 * `npm ci` cached those tarballs but not the registry's package lists, which an install of a version range needs.
 */
function cachedDependencies(): string[] {
  const packages = lockfile.packages as Record<
    string,
    { version: string; peerDependencies?: Record<string, string>; peerDependenciesMeta?: Record<string, { optional?: boolean }> }
  >;
  const names = new Set(Object.keys(sdkPackage.dependencies));
  for (const name of [...names]) {
    const { peerDependencies = {}, peerDependenciesMeta = {} } = packages[`node_modules/${name}`]!;
    for (const peer of Object.keys(peerDependencies)) if (!peerDependenciesMeta[peer]?.optional) names.add(peer);
  }
  return [...names].map((name) => {
    const { version } = packages[`node_modules/${name}`]!;
    return `https://registry.npmjs.org/${name}/-/${name.split('/').at(-1)}-${version}.tgz`;
  });
}

const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs')));
const folder = forSuite(async () => {
  const path = await mkdtemp(join(tmpdir(), 'infergraph-sdk-user-'));
  return { path, [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }) };
});

const SCRIPT = `
import { createClient, InferGraphError } from '@infergraph/client';
const client = createClient({ url: process.argv[2], transport: 'http' });
const pixels = new Float32Array(256);
for (let row = 3; row < 13; row++) pixels[row * 16 + 8] = 1;
const { model, outputs } = await client.predict({ model: 'glyphs', inputs: { pixels: { data: pixels, shape: [1, 256] } } });
const refusal = await client.predict({ model: 'nope', inputs: {} }).catch((error) => error);
console.log(JSON.stringify({
  model,
  dataType: outputs.probabilities.dataType,
  isFloat32Array: outputs.probabilities.data instanceof Float32Array,
  length: outputs.probabilities.data.length,
  refusal: refusal instanceof InferGraphError ? refusal.code : String(refusal),
}));
await client.close();
`;

describe('the packed SDK', () => {
  it('should pack into a tarball of its built files that installs offline and predicts from a plain node script', async () => {
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', folder.path], { cwd: SDK });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { filename: string; version: string; files: { path: string }[] }[];
    expect(packed!.version).toBe(sdkPackage.version);
    const files = packed!.files.map((file) => file.path);
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']));
    expect(files.filter((file) => !file.startsWith('dist/') && file !== 'package.json' && file !== 'README.md')).toEqual([]);

    await writeFile(join(folder.path, 'package.json'), JSON.stringify({ name: 'a-user', private: true, type: 'module' }));
    const tarball = join(folder.path, packed!.filename);
    await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball, ...cachedDependencies()], { cwd: folder.path });
    expect(await readdir(join(folder.path, 'node_modules', '@infergraph', 'client', 'dist'))).toContain('index.js');
    await writeFile(join(folder.path, 'predict.mjs'), SCRIPT);

    for (const node of [NODE_24, NODE_20].filter((path) => existsSync(path))) {
      const { stdout: printed } = await run(node, ['predict.mjs', server.url], { cwd: folder.path });
      expect(JSON.parse(printed), node).toEqual({
        model: 'glyphs',
        dataType: 'FP32',
        isFloat32Array: true,
        length: 10,
        refusal: 'MODEL_NOT_FOUND',
      });
    }
  });
});
