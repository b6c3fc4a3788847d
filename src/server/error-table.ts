/** The README's table of errors: every code a client can get, from the server or from the SDK, and what to do about it. */
import { CLIENT_ERROR_DOCS } from '../../clients/sdk/src/errors.ts';
import { ERROR_CODES } from '../errors.ts';
import { markdownTable } from '../markdown-table.ts';
import { HTTP_STATUS } from './http-status.ts';

/** The "### Errors" table of README.md, which a test keeps equal to this. */
export function errorTable(): string {
  const server = Object.entries(ERROR_CODES).map(([code, { when, clientAction }]) => [
    `\`${code}\``,
    when,
    String(HTTP_STATUS[code as keyof typeof ERROR_CODES]),
    clientAction,
  ]);
  const sdk = Object.entries(CLIENT_ERROR_DOCS).map(([code, { when, clientAction }]) => [`\`${code}\``, when, 'SDK only', clientAction]);
  return markdownTable(['code', 'when', 'HTTP status', 'what the client should do'], [...server, ...sdk]);
}
