import { generateCodeVerifier, generateState, Google, Zoom } from 'arctic';
import { describe, expect, it } from 'vitest';
import { createTokenManager, googleMeet, zoom } from '../src/index';
import { booking, credentials, fakes, setup, useProviderFakes } from './support';

useProviderFakes();

/** The browser leg of the OAuth flow: follow the authorize URL to the redirect and read the code. */
async function authorize(url: URL): Promise<URLSearchParams> {
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!).searchParams;
}

describe('OAuth with PKCE through the real arctic clients', () => {
  it('Zoom: authorize → code → tokens → a meeting; a wrong verifier is refused', async () => {
    const client = new Zoom(credentials.clientId, credentials.clientSecret, credentials.redirectUri);
    const state = generateState();
    const verifier = generateCodeVerifier();
    const back = await authorize(client.createAuthorizationURL(state, verifier, ['meeting:write:meeting']));
    expect(back.get('state')).toBe(state);

    const wrong = await authorize(client.createAuthorizationURL(state, verifier, []));
    await expect(client.validateAuthorizationCode(wrong.get('code')!, generateCodeVerifier())).rejects.toMatchObject({ code: 'invalid_request' });

    const tokens = await client.validateAuthorizationCode(back.get('code')!, verifier);
    const env = setup();
    const provider = zoom({ ...credentials, ...env, oauth: client });
    await provider.tokens.saveTokens('tutor-1', { accessToken: tokens.accessToken(), refreshToken: tokens.refreshToken(), expiresAt: tokens.accessTokenExpiresAt() });
    await expect(provider.createMeeting(booking(1))).resolves.toMatchObject({ joinUrl: expect.stringContaining('zoom.us/j/') });
    // A code is single-use.
    await expect(client.validateAuthorizationCode(back.get('code')!, verifier)).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('Google: authorize → code → tokens → a Meet space', async () => {
    const client = new Google(credentials.clientId, credentials.clientSecret, credentials.redirectUri);
    const verifier = generateCodeVerifier();
    const back = await authorize(client.createAuthorizationURL(generateState(), verifier, ['https://www.googleapis.com/auth/meetings.space.created']));
    const tokens = await client.validateAuthorizationCode(back.get('code')!, verifier);
    const env = setup();
    const provider = googleMeet({ ...credentials, ...env });
    await provider.tokens.saveTokens('tutor-1', { accessToken: tokens.accessToken(), refreshToken: tokens.refreshToken(), expiresAt: tokens.accessTokenExpiresAt() });
    await expect(provider.createMeeting(booking(1, 'google_meet'))).resolves.toMatchObject({ joinUrl: expect.stringMatching(/^https:\/\/meet\.google\.com\//) });
  });

  it('wrong client credentials are refused (invalid_client) and do not mark the connection', async () => {
    const env = setup();
    const provider = zoom({ ...credentials, clientSecret: 'wrong', ...env });
    await provider.tokens.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: -10 }));
    await expect(provider.createMeeting(booking(1))).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    expect(env.store.records.get('tutor-1')!.status).toBe('connected');
  });
});

describe('the refresh lock', () => {
  it('a lease left by a crashed process is taken over once it has passed', async () => {
    const env = setup();
    const manager = createTokenManager({ ...env, provider: 'zoom', oauth: new Zoom(credentials.clientId, credentials.clientSecret, credentials.redirectUri) });
    await manager.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: -10 }));
    const record = env.store.records.get('tutor-1')!;
    await env.store.compareAndSwap('tutor-1', record.version, { ...record, version: record.version + 1, refreshLeaseUntil: new Date(Date.now() - 1) });
    const token = await manager.getAccessToken('tutor-1');
    expect(token).toMatch(/^zoom_at_/);
    expect(fakes.zoom.count('token')).toBe(1);
  });

  it('a lease held elsewhere for too long fails with PROVIDER_REFRESH_IN_PROGRESS instead of refreshing twice', async () => {
    const env = setup();
    const manager = createTokenManager({
      ...env,
      provider: 'zoom',
      oauth: new Zoom(credentials.clientId, credentials.clientSecret, credentials.redirectUri),
      refreshTimeoutMs: 100,
      leaseMs: 150,
      pollIntervalMs: 10,
    });
    await manager.saveTokens('tutor-1', fakes.zoom.issueTokens('zoom-user-1', { expiresInSeconds: -10 }));
    const record = env.store.records.get('tutor-1')!;
    await env.store.compareAndSwap('tutor-1', record.version, { ...record, version: record.version + 1, refreshLeaseUntil: new Date(Date.now() + 60_000) });
    await expect(manager.getAccessToken('tutor-1')).rejects.toMatchObject({ code: 'PROVIDER_REFRESH_IN_PROGRESS' });
    expect(fakes.zoom.count('token')).toBe(0);
  });
});
