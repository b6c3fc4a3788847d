import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

describe('infergraph models', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('glyphs')));

  it('should print the catalog as an aligned table', async () => {
    const { code, stdout, stderr } = await runCli(['models', '--url', server.url]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const [header, row] = stdout.trimEnd().split('\n');
    expect(header).toMatch(/^MODEL\s+VERSION\s+STATE\s+TASK\s+INPUTS\s+OUTPUTS$/);
    expect(row).toMatch(/^glyphs\s+1\s+READY\s+classification\s+pixels FP32\[-1,256\]\s+probabilities FP32\[-1,10\]$/);
    expect(row!.indexOf('READY')).toBe(header!.indexOf('STATE'));
  });

  it('should print the catalog as JSON with --json', async () => {
    const { code, stdout } = await runCli(['models', '--json'], { INFERGRAPH_URL: server.url });
    expect(code).toBe(0);
    const models = JSON.parse(stdout) as { name: string; versions: { state: string }[] }[];
    expect(models.map((model) => [model.name, model.versions.map((version) => version.state)])).toEqual([['glyphs', ['READY']]]);
  });

  it('should exit 2 with one line on stderr for a flag it does not know', async () => {
    const { code, stdout, stderr } = await runCli(['models', '--url', server.url, '--colour']);
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: "infergraph: Unknown option '--colour'\n" });
  });

  it('should exit 4 when nobody listens at the url', async () => {
    const { code, stdout, stderr } = await runCli(['models', '--url', `http://127.0.0.1:${await closedPort()}/graphql`]);
    expect({ code, stdout }).toEqual({ code: 4, stdout: '' });
    expect(stderr).toMatch(/^infergraph: could not reach the server: .+\n$/);
  });
});

/** A port that was free a moment ago and that nobody listens on now. */
async function closedPort(): Promise<number> {
  const listener = createServer().listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as AddressInfo;
  listener.close();
  await once(listener, 'close');
  return port;
}
