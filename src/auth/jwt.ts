/**
 * JWT bearer tokens, verified by jose: HS256/384/512 with a shared secret, RS, PS and ES with a PEM public key
 * or a JWKS file (read at start; nothing is fetched at run time). Each key verifies only its own
 * kind of algorithm, so a token signed HS256 with the public key as its secret (algorithm confusion)
 * never meets that key, and `alg: none` is no algorithm jose's jwtVerify accepts.
 */
import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { InferError } from '../errors.ts';
import { type Principal, SCOPES, type Scope } from './principal.ts';

export interface JwtVerifierOptions {
  /** The HMAC secret of HS256/384/512 tokens. */
  secret?: string | undefined;
  /** A PEM public key (SPKI): RSA for RS and PS, EC for ES. */
  publicKeyPem?: string | undefined;
  /** A JSON Web Key Set of public keys, picked by the token's `kid` and `alg`. */
  jwks?: JSONWebKeySet | undefined;
  /** The `iss` a token must carry; any when absent. */
  issuer?: string | undefined;
  /** The `aud` a token must carry; any when absent. */
  audience?: string | undefined;
  /** The claim holding the token's scopes: a space-separated string or a list. @default 'scope' */
  scopesClaim?: string;
  /** The algorithms accepted, before each key narrows them to its own kind. */
  algorithms: readonly string[];
  /** The clock, in ms since the epoch. @default Date.now */
  now?: () => number;
}

const HMAC = ['HS256', 'HS384', 'HS512'];
const RSA = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
const EC = ['ES256', 'ES384', 'ES512'];

/** Turns a token into its principal; throws UNAUTHENTICATED, saying why, for one that is forged, expired or for someone else. */
export function createJwtVerifier(options: JwtVerifierOptions): (token: string) => Promise<Principal> {
  const { secret, publicKeyPem, jwks, issuer, audience, scopesClaim = 'scope', now = Date.now } = options;
  const hmacKey = secret === undefined ? null : createSecretKey(Buffer.from(secret, 'utf8'));
  const publicKey = publicKeyPem === undefined ? null : createPublicKey(publicKeyPem);
  const keySet = jwks === undefined ? null : createLocalJWKSet(jwks);
  const algorithms = options.algorithms.filter(
    (alg) => (hmacKey && HMAC.includes(alg)) || (publicKey && algorithmsOf(publicKey).includes(alg)) || (keySet && !HMAC.includes(alg)),
  );
  if (algorithms.length === 0) throw new Error(`no JWT key can verify the accepted algorithms (${options.algorithms.join(', ')})`);

  const keyFor: JWTVerifyGetKey = (header, token) => {
    const alg = header.alg ?? '';
    if (HMAC.includes(alg)) {
      if (hmacKey) return hmacKey;
    } else if (keySet && (header.kid !== undefined || !publicKey)) return keySet(header, token);
    else if (publicKey && algorithmsOf(publicKey).includes(alg)) return publicKey;
    throw new errors.JOSEAlgNotAllowed(`"alg" (Algorithm) Header Parameter value not allowed`);
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keyFor, {
        algorithms,
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
      }));
    } catch (error) {
      throw new InferError('UNAUTHENTICATED', `the bearer token is not valid: ${reasonOf(error)}`);
    }
    return {
      id: `jwt:${payload.sub ?? '(no subject)'}`,
      kind: 'jwt',
      scopes: new Set(wordsOf(payload[scopesClaim]).filter((scope): scope is Scope => (SCOPES as readonly string[]).includes(scope))),
      models: payload.models === undefined ? null : new Set(wordsOf(payload.models)),
      expiresAt: (payload.exp as number) * 1000,
    };
  };
}

/** The algorithms a public key can verify, by its type: never an HMAC one. */
function algorithmsOf(key: KeyObject): readonly string[] {
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return RSA;
  if (key.asymmetricKeyType === 'ec') return EC;
  return [];
}

/** A claim as a list of words: a space-separated string (OAuth's `scope`) or a list of strings. */
function wordsOf(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(/\s+/).filter(Boolean);
  if (Array.isArray(claim)) return claim.filter((word): word is string => typeof word === 'string');
  return [];
}

/** Why jose refused a token, in words safe to show its sender: never the token itself. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed)
    return `its "${error.claim}" claim ${error.reason === 'missing' ? 'is missing' : 'is not accepted'}`;
  if (error instanceof errors.JOSEAlgNotAllowed) return 'its algorithm is not accepted';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of the key set matches it';
  return 'it is not a well-formed signed JWT';
}
