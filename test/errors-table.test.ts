import { describe, expect, it } from 'vitest';
import { CLIENT_ERROR_CODES } from '../clients/sdk/src/errors.ts';
import { readmeTableUnder } from '../scripts/readme-table.ts';
import { ERROR_CODES } from '../src/errors.ts';
import { errorTable } from '../src/server/error-table.ts';

describe("the README's table of errors", () => {
  it('should be what src/errors.ts and the SDK say', async () => {
    // When this fails, `npm run error-table` writes the table of ERROR_CODES and CLIENT_ERROR_DOCS into the README.
    expect(await readmeTableUnder('### Errors')).toBe(errorTable());
  });

  it('should list every code the server answers and the SDK reports, each with what the client should do', async () => {
    const rows = (await readmeTableUnder('### Errors')).split('\n').slice(2);
    const cells = rows.map((row) => row.split(/(?<!\\)\|/).map((cell) => cell.trim()));
    expect(cells.map((row) => row[1])).toEqual([...Object.keys(ERROR_CODES), ...CLIENT_ERROR_CODES].map((code) => `\`${code}\``));
    for (const row of cells) expect(row[4], row[1]).toMatch(/\w.*\.$/);
  });
});
