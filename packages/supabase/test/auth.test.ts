import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type JWTPayload } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSupabaseAuthenticator } from '@itutor/sessions-supabase';

const SECRET = 'local-test-jwt-secret-with-at-least-32-characters';
const key = new TextEncoder().encode(SECRET);
const USER = '8d0fd2b3-9ca7-4c36-9b4c-4ec2b1a1c001';

const sign = (claims: JWTPayload, options: { secret?: Uint8Array; exp?: string | number | null; alg?: string } = {}) => {
  let jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt();
  if (options.exp !== null) jwt = jwt.setExpirationTime(options.exp ?? '1h');
  return jwt.sign(options.secret ?? key);
};
const request = (token?: string, scheme = 'Bearer') =>
  new Request('http://host/api/sessions/x/join', { method: 'POST', headers: token ? { authorization: `${scheme} ${token}` } : {} });
const userClaims = { sub: USER, aud: 'authenticated', role: 'authenticated', iss: 'https://ref.supabase.co/auth/v1' };

describe('createSupabaseAuthenticator', () => {
  const authenticate = createSupabaseAuthenticator({ jwtSecret: SECRET });

  it('accepts a Supabase user access token and returns its subject', async () => {
    expect(await authenticate(request(await sign(userClaims)))).toEqual({ userId: USER });
  });

  it('treats a service_role token as the server', async () => {
    expect(await authenticate(request(await sign({ iss: 'supabase', role: 'service_role' })))).toEqual({ userId: 'system', isService: true });
    const strict = createSupabaseAuthenticator({ jwtSecret: SECRET, allowServiceRole: false });
    expect(await strict(request(await sign({ iss: 'supabase', role: 'service_role' })))).toBeNull();
  });

  it('refuses missing, malformed, forged, expired and non-user tokens', async () => {
    const cases: Array<[string, Request]> = [
      ['no header', request()],
      ['not bearer', request(await sign(userClaims), 'Basic')],
      ['garbage', request('not.a.jwt')],
      ['wrong secret', request(await sign(userClaims, { secret: new TextEncoder().encode('another-secret-another-secret-another-1') }))],
      ['expired', request(await sign(userClaims, { exp: Math.floor(Date.now() / 1000) - 10 }))],
      ['no exp', request(await sign(userClaims, { exp: null }))],
      ['anon key', request(await sign({ iss: 'supabase', role: 'anon' }))],
      ['wrong audience', request(await sign({ ...userClaims, aud: 'other' }))],
      ['no subject', request(await sign({ aud: 'authenticated', role: 'authenticated' }))],
      ['HS384', request(await sign(userClaims, { alg: 'HS384' }))],
      ['alg none', request(`${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ ...userClaims, exp: 9e9 })).toString('base64url')}.`)],
    ];
    for (const [name, req] of cases) expect(await authenticate(req), name).toBeNull();
  });

  it('checks the issuer and honours an injected clock', async () => {
    const issuerChecked = createSupabaseAuthenticator({ jwtSecret: SECRET, issuer: 'https://other.supabase.co/auth/v1' });
    expect(await issuerChecked(request(await sign(userClaims)))).toBeNull();
    const future = createSupabaseAuthenticator({ jwtSecret: SECRET, now: () => new Date(Date.now() + 2 * 3600_000) });
    expect(await future(request(await sign(userClaims)))).toBeNull();
  });

  it('verifies asymmetric (ES256) tokens against the project JWKS', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'ES256', use: 'sig' };
    const server = createServer((_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const viaJwks = createSupabaseAuthenticator({ jwksUrl: `http://127.0.0.1:${port}/auth/v1/.well-known/jwks.json` });
      const token = await new SignJWT(userClaims).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).setIssuedAt().setExpirationTime('1h').sign(privateKey);
      expect(await viaJwks(request(token))).toEqual({ userId: USER });
      // An HS256 token cannot be checked without the secret.
      expect(await viaJwks(request(await sign(userClaims)))).toBeNull();
      const other = await generateKeyPair('ES256');
      const forged = await new SignJWT(userClaims).setProtectedHeader({ alg: 'ES256', kid: 'key-1' }).setIssuedAt().setExpirationTime('1h').sign(other.privateKey);
      expect(await viaJwks(request(forged))).toBeNull();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('needs a secret or a JWKS URL', () => {
    expect(() => createSupabaseAuthenticator({})).toThrow(TypeError);
  });
});
