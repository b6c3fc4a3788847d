import { generateKeyPairSync } from 'node:crypto';
import { base64url, exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createJwtVerifier } from '../../src/auth/jwt.ts';
import { InferError } from '../../src/errors.ts';
import { JWT_SECRET, signToken } from '../fixtures/credentials.ts';

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const ALL = ['HS256', 'RS256', 'ES256'];

async function refusalOf(verify: (token: string) => Promise<unknown>, token: string): Promise<InferError> {
  const error = await verify(token).then(
    () => new Error('the token was accepted'),
    (refused: unknown) => refused,
  );
  if (!(error instanceof InferError)) throw error;
  expect(error.code).toBe('UNAUTHENTICATED');
  // The token is never repeated to its sender (or a log).
  expect(error.message).not.toContain(token);
  return error;
}

/** A token with `alg: none`: a header, a payload and no signature, as an attacker writes it. */
function unsigned(claims: Record<string, unknown>): string {
  const part = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.`;
}

describe('JWT bearer tokens', () => {
  it('should turn an HS256 token into its principal: subject, scopes from a space-separated claim, models, expiry', async () => {
    const verify = createJwtVerifier({ secret: JWT_SECRET, algorithms: ALL });
    const expiresAt = Math.floor(Date.now() / 1000) + 600;
    const token = await signToken({ scope: 'openid predict models:read', models: ['glyphs'] }, { subject: 'ana', expiresAt });
    const principal = await verify(token);
    expect(principal).toMatchObject({ id: 'jwt:ana', kind: 'jwt', expiresAt: expiresAt * 1000 });
    // Scopes the server does not know (an identity provider's `openid`) are left out.
    expect([...principal.scopes]).toEqual(['predict', 'models:read']);
    expect([...principal.models!]).toEqual(['glyphs']);
  });

  it('should read scopes from the configured claim as a list, and every model without a models claim', async () => {
    const verify = createJwtVerifier({ secret: JWT_SECRET, algorithms: ALL, scopesClaim: 'permissions' });
    const principal = await verify(await signToken({ permissions: ['generate', 'admin'] }));
    expect([...principal.scopes]).toEqual(['generate', 'admin']);
    expect(principal.models).toBeNull();
  });

  it('should refuse an expired token, one signed with another secret, and one without exp', async () => {
    const verify = createJwtVerifier({ secret: JWT_SECRET, algorithms: ALL });
    const expired = await signToken({ scope: 'predict' }, { expiresAt: Math.floor(Date.now() / 1000) - 10 });
    expect((await refusalOf(verify, expired)).message).toBe('the bearer token is not valid: it has expired');
    const forged = await signToken({ scope: 'predict' }, { secret: 'another-secret-that-is-long-enough-too' });
    expect((await refusalOf(verify, forged)).message).toBe('the bearer token is not valid: its signature does not verify');
    const forever = await new SignJWT({ scope: 'predict' }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JWT_SECRET));
    expect((await refusalOf(verify, forever)).message).toBe('the bearer token is not valid: its "exp" claim is missing');
  });

  it('should refuse alg none, and an HS256 token signed with the RSA public key (algorithm confusion)', async () => {
    const verify = createJwtVerifier({ publicKeyPem: rsaPem, algorithms: ALL });
    const exp = Math.floor(Date.now() / 1000) + 600;
    expect((await refusalOf(verify, unsigned({ scope: 'admin', exp }))).message).toBe(
      'the bearer token is not valid: its algorithm is not accepted',
    );
    const confused = await signToken({ scope: 'admin' }, { secret: rsaPem });
    expect((await refusalOf(verify, confused)).message).toBe('the bearer token is not valid: its algorithm is not accepted');
    // With a secret configured as well, the confused token meets the secret, not the public key, and fails there.
    const both = createJwtVerifier({ secret: JWT_SECRET, publicKeyPem: rsaPem, algorithms: ALL });
    expect((await refusalOf(both, confused)).message).toBe('the bearer token is not valid: its signature does not verify');
  });

  it('should verify RS256 with a PEM key and ES256 with a JWKS, and refuse an RS256 token when only ES256 is accepted', async () => {
    const rs256 = await new SignJWT({ scope: 'predict' }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('1h').sign(rsa.privateKey);
    expect((await createJwtVerifier({ publicKeyPem: rsaPem, algorithms: ALL })(rs256)).scopes.has('predict')).toBe(true);

    const jwks = { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' }] };
    const es256 = await new SignJWT({ scope: 'generate' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setExpirationTime('1h')
      .sign(ec.privateKey);
    const fromJwks = createJwtVerifier({ jwks, algorithms: ['ES256'] });
    expect((await fromJwks(es256)).scopes.has('generate')).toBe(true);
    expect((await refusalOf(fromJwks, rs256)).message).toBe('the bearer token is not valid: its algorithm is not accepted');
  });

  it('should refuse a token for another issuer or audience, naming the claim', async () => {
    const verify = createJwtVerifier({ secret: JWT_SECRET, algorithms: ALL, issuer: 'https://id.example', audience: 'infergraph' });
    const key = new TextEncoder().encode(JWT_SECRET);
    const token = (iss: string, aud: string) =>
      new SignJWT({ scope: 'predict' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime('1h')
        .sign(key);
    expect((await verify(await token('https://id.example', 'infergraph'))).scopes.has('predict')).toBe(true);
    expect((await refusalOf(verify, await token('https://evil.example', 'infergraph'))).message).toBe(
      'the bearer token is not valid: its "iss" claim is not accepted',
    );
    expect((await refusalOf(verify, await token('https://id.example', 'other'))).message).toBe(
      'the bearer token is not valid: its "aud" claim is not accepted',
    );
  });
});
