import { describe, expect, it } from 'vitest';
import { runCli } from '../fixtures/cli.ts';

describe('infergraph --help', () => {
  it('should list the commands and what each exit code means', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'models', 'predict', 'generate', 'explain', 'keys create'])
      expect(stdout).toMatch(new RegExp(`^  ${command}\\s`, 'm'));
    expect(stdout).toContain('Exit codes: 0 ok, 2 usage error');
    expect(stdout).toContain('3 server error');
    expect(stdout).toContain('4 connection failure');
  });

  it("should print the server's settings for serve --help", async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: infergraph \[options\]/);
    expect(stdout).toContain('--port');
  });

  it('should exit 2 naming what predict needs when its file is missing', async () => {
    const { code, stdout, stderr } = await runCli(['predict', 'glyphs']);
    expect({ code, stdout, stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: 'infergraph: predict takes a model and a file: infergraph predict MODEL FILE\n',
    });
  });
});
