/** Whom a limit counts: the principal, or the client's address while the caller is anonymous. */
import type { Principal } from '../auth/principal.ts';

/**
 * The key limits are kept under: `key:<name>`, `jwt:<subject>` for a credential, `ip:<address>` for an
 * anonymous caller. The address is the peer of the TCP connection; behind a proxy every client shares
 * the proxy's, so such a server should turn authentication on.
 */
export function clientKeyOf(principal: Principal, address: string | undefined): string {
  return principal.kind === 'anonymous' ? `ip:${address ?? 'unknown'}` : principal.id;
}
