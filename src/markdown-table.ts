/** Tables the README prints from the code (settings, error codes), laid out as `biome format` leaves them. */

/** Pads each cell to its column's width, so the columns line up. */
export function aligned(rows: readonly (readonly string[])[]): string[][] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)));
}

/** A Markdown table of a header row and body rows, `|` in cells escaped. */
export function markdownTable(header: readonly string[], body: readonly (readonly string[])[]): string {
  const escaped = [header, ...body].map((row) => row.map((cell) => cell.replaceAll('|', '\\|')));
  const [head, ...rows] = aligned(escaped);
  const rule = head!.map((cell) => '-'.repeat(cell.length));
  return [head!, rule, ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}
