/**
 * The authenticator: one credential (the text after `Bearer`) in, one principal out. It knows no
 * transport; server/ finds the credential in a header or a connection_init payload and hands it here.
 */
import { readFileSync } from 'node:fs';
import type { JSONWebKeySet } from 'jose';
import type { Config } from '../config.ts';
import { InferError } from '../errors.ts';
import { createKeyVerifier, KEY_PREFIX, readKeysFile } from './api-keys.ts';
import { createJwtVerifier } from './jwt.ts';
import { ANONYMOUS, type Principal } from './principal.ts';

/** The algorithms accepted when `--jwt-algorithms` is not set: one of each kind of key. */
const DEFAULT_ALGORITHMS = ['HS256', 'RS256', 'ES256'];

export interface Authenticator {
  /** Whether a credential is required; while off, every caller is ANONYMOUS (every scope, every model). */
  readonly enabled: boolean;
  /**
   * The principal of an `Authorization` value (`Bearer <API key or JWT>`), or ANONYMOUS while auth
   * is off. Throws UNAUTHENTICATED for a missing, malformed, unknown, forged or expired credential.
   */
  authenticate(authorization: string | null | undefined): Promise<Principal>;
}

/**
 * The authenticator the settings describe. Reads the keys file and the JWT keys now, so that a
 * server whose credentials cannot work refuses to start, with a message that says why.
 */
export function createAuthenticator(settings: Config['auth']): Authenticator {
  if (!settings.enabled) return { enabled: false, authenticate: async () => ANONYMOUS };
  const { keysFile, jwtSecret, jwtPublicKeyFile, jwtJwksFile } = settings;
  if (keysFile === undefined && jwtSecret === undefined && jwtPublicKeyFile === undefined && jwtJwksFile === undefined) {
    throw new Error(
      'authentication is on (--auth on) but no credential could be valid: give --auth-keys-file, --jwt-secret, ' +
        '--jwt-public-key-file or --jwt-jwks-file',
    );
  }
  const verifyKey = keysFile === undefined ? null : createKeyVerifier({ keys: readKeysFile(keysFile) });
  const verifyJwt =
    jwtSecret === undefined && jwtPublicKeyFile === undefined && jwtJwksFile === undefined
      ? null
      : createJwtVerifier({
          secret: jwtSecret,
          publicKeyPem: jwtPublicKeyFile === undefined ? undefined : readText(jwtPublicKeyFile, 'JWT public key'),
          jwks: jwtJwksFile === undefined ? undefined : readJwks(jwtJwksFile),
          issuer: settings.jwtIssuer,
          audience: settings.jwtAudience,
          scopesClaim: settings.jwtScopesClaim,
          algorithms: settings.jwtAlgorithms ?? DEFAULT_ALGORITHMS,
        });

  return {
    enabled: true,
    async authenticate(authorization) {
      if (!authorization)
        throw new InferError('UNAUTHENTICATED', 'a credential is required: send `Authorization: Bearer <API key or JWT>`');
      const match = /^Bearer +(\S+) *$/i.exec(authorization);
      if (!match) throw new InferError('UNAUTHENTICATED', 'the credential must be sent as `Bearer <API key or JWT>`');
      const credential = match[1]!;
      if (credential.startsWith(KEY_PREFIX)) {
        if (!verifyKey) throw new InferError('UNAUTHENTICATED', 'this server takes no API keys; send a JWT');
        return verifyKey(credential);
      }
      if (!verifyJwt) throw new InferError('UNAUTHENTICATED', `this server takes only API keys (they start with "${KEY_PREFIX}")`);
      return verifyJwt(credential);
    },
  };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${path}: ${(error as Error).message}`);
  }
}

function readJwks(path: string): JSONWebKeySet {
  try {
    return JSON.parse(readText(path, 'JWKS')) as JSONWebKeySet;
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`the JWKS file ${path} is not JSON: ${error.message}`);
    throw error;
  }
}
