/** Who a request acts for: the principal a credential becomes, once per request or socket, and what it may do. */

/** The scopes a credential can hold. */
export const SCOPES = ['models:read', 'predict', 'generate', 'admin'] as const;

export type Scope = (typeof SCOPES)[number];

export interface Principal {
  /** Stable and safe to log: `anonymous`, `key:<name>` or `jwt:<subject>`; rate limits and connection counts are kept per id. */
  readonly id: string;
  readonly kind: 'anonymous' | 'api-key' | 'jwt';
  readonly scopes: ReadonlySet<Scope>;
  /** The models it may see and use, or null for every model. A model outside it is answered as if it did not exist. */
  readonly models: ReadonlySet<string> | null;
  /** When its credential stops being valid (ms since the epoch), or null for never. */
  readonly expiresAt: number | null;
}

/** The principal of every request while authentication is off: every scope, every model. */
export const ANONYMOUS: Principal = {
  id: 'anonymous',
  kind: 'anonymous',
  scopes: new Set(SCOPES),
  models: null,
  expiresAt: null,
};
