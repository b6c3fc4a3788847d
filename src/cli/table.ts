/** Rows as aligned columns, the header first: what a person reads in a terminal. */
export function tableOf(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return `${all
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/** JSON that holds bigints (INT64 and UINT64 tensors) as strings, as the server's JSON tensors do. */
/** Indented for a person by default; `indent` 0 gives one line, as a stream of events prints them. */
export function jsonOf(value: unknown, indent = 2): string {
  return `${JSON.stringify(value, (_, item: unknown) => (typeof item === 'bigint' ? item.toString() : ArrayBuffer.isView(item) ? Array.from(item as unknown as ArrayLike<number>) : item), indent)}\n`;
}
