/** How the settings read to people: the `--help` text and the README's table, one row per setting. */
import { aligned, markdownTable } from '../markdown-table.ts';
import { type Settings, settingsOf } from './setting.ts';
import { settings } from './settings.ts';

type Row = [flag: string, description: string, variable: string, fallback: string];

const HEADER: Row = ['flag', 'what it is', 'variable', 'default'];

function rowsOf(table: Settings): Row[] {
  return [...settingsOf(table)].map(({ setting }) => [
    `${setting.flags.map((flag) => `--${flag}`).join(', ')} ${setting.placeholder}`,
    setting.description,
    setting.env,
    setting.defaultText,
  ]);
}

export function usageOf(table: Settings): string {
  const lines = aligned([HEADER, ...rowsOf(table), ['-h, --help', 'print this text', '', '']]).map((row) =>
    `  ${row.join('   ')}`.trimEnd(),
  );
  const intro = 'Each setting is a flag or an environment variable; the flag wins over the variable.';
  return `Usage: infergraph [options]\n\n${intro}\n\n${lines.join('\n')}\n`;
}

/** The "## Configuration" table of README.md, which a test keeps equal to this. */
export function readmeTableOf(table: Settings): string {
  const cells = rowsOf(table).map(([flag, description, variable, fallback]) => [`\`${flag}\``, description, `\`${variable}\``, fallback]);
  return markdownTable(HEADER, cells);
}

export const USAGE = usageOf(settings);
