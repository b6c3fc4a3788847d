import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { runCli, startCli } from '../fixtures/cli.ts';
import { waitForFigures } from '../fixtures/figures.ts';
import { serveModels } from '../fixtures/server.ts';
import { forSuite } from '../fixtures/suite.ts';

describe('infergraph generate', () => {
  const server = forSuite(() => serveModels((repository) => repository.copyExample('tiny-lm')));

  it('should print the tokens as they stream, the same text for the same seed', async () => {
    const args = ['generate', 'tiny-lm', 'The sea ', '--max-tokens', '12', '--seed', '7', '--url', server.url];
    const first = await runCli(args);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^.+\n$/s);
    expect((await runCli(args)).stdout).toBe(first.stdout);
  });

  it('should print each event as a line of JSON with --json', async () => {
    const { code, stdout } = await runCli(['generate', 'tiny-lm', 'The ', '--max-tokens', '3', '--json', '--url', server.url]);
    expect(code).toBe(0);
    const events = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { index: number; text: string; finishReason: string | null });
    expect(events.map((event) => event.index)).toEqual([0, 1, 2, 3]);
    expect(events.at(-1)).toMatchObject({ finishReason: 'LENGTH', usage: { completionTokens: 3 } });
  });

  it('should stop the generation on the server at Ctrl-C and exit 130', async () => {
    const run = startCli(['generate', 'tiny-lm', 'The ', '--max-tokens', '1000', '--temperature', '0', '--url', server.url]);
    await once(run.child.stdout!, 'data');
    const streaming = await waitForFigures(server, 'tiny-lm', (figures) => figures.generation!.activeStreams === 1);
    expect(streaming.generation!.tokens).toBeLessThan(1000);
    run.child.kill('SIGINT');
    const { code, stderr } = await run.done;
    expect({ code, stderr }).toEqual({ code: 130, stderr: 'infergraph: interrupted\n' });
    const after = await waitForFigures(server, 'tiny-lm', (figures) => figures.generation!.activeStreams === 0);
    expect(after.generation!.tokens).toBeLessThan(1000);
  });
});
