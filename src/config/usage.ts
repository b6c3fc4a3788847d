/** How the settings read to people: the `--help` text and the README's table, one row per setting. */
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

/** Pads each cell to its column's width, so the columns line up. */
function aligned(rows: string[][]): string[][] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)));
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
  const escaped = [HEADER, ...cells].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const [header, ...body] = aligned(escaped);
  const rule = header!.map((cell) => '-'.repeat(cell.length));
  return [header!, rule, ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

export const USAGE = usageOf(settings);
