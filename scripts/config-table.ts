/** Writes the settings table of src/config/settings.ts into README.md's "## Configuration" section (test/config.test.ts checks it). */
import { settings } from '../src/config/settings.ts';
import { readmeTableOf } from '../src/config/usage.ts';
import { writeReadmeTable } from './readme-table.ts';

await writeReadmeTable('## Configuration', readmeTableOf(settings));
