/** Writes the error codes of src/errors.ts and the SDK into README.md's "### Errors" table (test/errors-table.test.ts checks it). */
import { errorTable } from '../src/server/error-table.ts';
import { writeReadmeTable } from './readme-table.ts';

await writeReadmeTable('### Errors', errorTable());
