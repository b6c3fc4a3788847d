/**
 * The Dockerfile, parsed with dockerfile-ast (no container daemon here): a build stage that runs the same
 * `npm run build` as CI, and a runtime stage on the tests' Node major with production dependencies, the compiled
 * server and the models only, a non-root user, the server's ports and a HEALTHCHECK on its liveness probe.
 * That the runtime stage's command starts the built server is production-build.test.ts's part.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keyword } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { settingsOf } from '../../src/config/setting.ts';
import { settings } from '../../src/config/settings.ts';
import { LIVE_PATH } from '../../src/server/health-endpoints.ts';
import { type DockerInstruction, type DockerStage, PROJECT, readDockerfile } from '../fixtures/dockerfile.ts';

const packageJson = JSON.parse(readFileSync(join(PROJECT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};
const stages = readDockerfile();
const build = stages.find((stage) => stage.name === 'build');
const runtime = stages.at(-1)!;

function all(stage: DockerStage | undefined, keyword: string): DockerInstruction[] {
  return stage?.instructions.filter((instruction) => instruction.keyword === keyword) ?? [];
}

function only(stage: DockerStage, keyword: string): DockerInstruction {
  const found = all(stage, keyword);
  expect(found, `${keyword} instructions in stage ${stage.name}`).toHaveLength(1);
  return found[0]!;
}

/** The image's environment as the runtime stage sets it. */
function runtimeEnv(): Record<string, string | null> {
  return Object.assign({}, ...all(runtime, 'ENV').map((instruction) => instruction.properties));
}

describe('Dockerfile', () => {
  it('should use only instructions Docker knows', () => {
    const known = new Set<string>(Object.values(Keyword));
    const used = stages.flatMap((stage) => stage.instructions.map((instruction) => instruction.keyword));
    expect(used.filter((keyword) => !known.has(keyword))).toEqual([]);
  });

  it('should build in a stage of its own and run in a final stage, both on the Node major the tests run on', () => {
    const major = /(\d+)/.exec(packageJson.devDependencies.node!)![1];
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    for (const stage of stages) expect(stage.image).toMatch(new RegExp(`^node:${major}(\\.|-|$)`));
  });

  it("should run CI's build command in the build stage, after a clean install", () => {
    const runs = all(build, 'RUN').map((instruction) => instruction.content);
    expect(runs).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    // One command for the models, the browser app and the server: the image cannot build less than CI tests.
    expect(packageJson.scripts.build).toBe('npm run --silent models && npm run --silent build:web && tsx scripts/build-server.ts');
  });

  it('should install only production dependencies in the runtime stage', () => {
    expect(all(runtime, 'RUN').map((instruction) => instruction.content)).toEqual([
      'npm ci --omit=dev --no-audit --no-fund && npm cache clean --force',
    ]);
  });

  it('should copy into the runtime stage only the package files, the compiled server and the models, never the sources', () => {
    const copies = all(runtime, 'COPY').map(({ flags, args }) => ({
      from: flags.from ?? null,
      sources: args.slice(0, -1),
      target: args.at(-1),
    }));
    expect(copies).toEqual([
      { from: null, sources: ['package.json', 'package-lock.json', '.npmrc'], target: './' },
      { from: 'build', sources: ['/app/dist'], target: './dist' },
      { from: 'build', sources: ['/app/models'], target: '/models' },
    ]);
    expect(all(runtime, 'ADD')).toEqual([]);
  });

  it('should run as the unprivileged node user', () => {
    const users = all(runtime, 'USER').map((instruction) => instruction.content);
    expect(users.at(-1)).toBe('node');
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
  });

  it('should serve the models it copies, and set only real settings in its environment', () => {
    const env = runtimeEnv();
    expect(env.MODEL_REPOSITORY).toBe('/models');
    const settingVariables = new Set([...settingsOf(settings)].map(({ setting }) => setting.env));
    const unknown = Object.keys(env).filter((name) => !settingVariables.has(name) && !['NODE_ENV', 'NODE_OPTIONS'].includes(name));
    expect(unknown).toEqual([]);
    expect(env.NODE_ENV).toBe('production');
  });

  it("should expose the server's port and its health port", () => {
    const exposed = all(runtime, 'EXPOSE').flatMap((instruction) => instruction.args);
    const env = runtimeEnv();
    expect(exposed).toEqual([String(env.PORT ?? settings.port.defaultValue()), env.HEALTH_PORT]);
    expect(env.PORT).toBe(String(settings.port.defaultValue()));
  });

  it('should check health with node itself on the liveness probe of the health port', () => {
    const healthcheck = only(runtime, 'HEALTHCHECK');
    const [command, flag, script] = healthcheck.exec ?? [];
    expect([command, flag]).toEqual(['node', '-e']);
    expect(script).toContain(`\${process.env.HEALTH_PORT}${LIVE_PATH}`);
    // Docker's defaults would call a server unhealthy while it is still loading its models.
    expect(healthcheck.flags['start-period']).toMatch(/^\d+s$/);
    // That the command says healthy and unhealthy rightly is checked against the built server (production-build.test.ts).
  });

  it('should start the compiled server with node, not tsx', () => {
    expect(only(runtime, 'CMD').exec).toEqual(['node', 'dist/main.js']);
    expect(all(runtime, 'ENTRYPOINT')).toEqual([]);
  });
});

describe('.dockerignore', () => {
  it('should send no installed, built or generated files, so the build stage starts from what a clean clone has', () => {
    const patterns = readFileSync(join(PROJECT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(patterns).toEqual(expect.arrayContaining(['.git', 'node_modules', 'dist', 'clients/web/dist', 'models/*/[0-9]*/']));
  });
});
