import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { http, HttpResponse, type RequestHandler } from 'msw';
import { GOOGLE_OIDC_JWKS_URL } from '../meet-events';

/**
 * Signed provider deliveries for tests and demos: Zoom webhooks signed the way Zoom signs them, and
 * Pub/Sub push requests carrying an OIDC token from a local key set standing in for Google's.
 */

const encoder = new TextEncoder();

async function hmacHex(secret: string, message: string): Promise<string> {
  const key = await globalThis.crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const signature = new Uint8Array(await globalThis.crypto.subtle.sign('HMAC', key, encoder.encode(message)));
  return Array.from(signature, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Input of {@link signZoomWebhook}. */
export interface ZoomWebhookSignatureInput {
  /** The Zoom app's webhook Secret Token. */
  readonly secretToken: string;
  /** The exact body that will be sent. */
  readonly body: string;
  /** The request time. Default now. */
  readonly at?: Date;
}

/**
 * The headers Zoom sends with a webhook: `x-zm-request-timestamp` (Unix seconds) and `x-zm-signature`
 * (`v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}` under the Secret Token).
 */
export async function signZoomWebhook(input: ZoomWebhookSignatureInput): Promise<{ 'x-zm-request-timestamp': string; 'x-zm-signature': string }> {
  const timestamp = String(Math.floor((input.at ?? new Date()).getTime() / 1000));
  return { 'x-zm-request-timestamp': timestamp, 'x-zm-signature': `v0=${await hmacHex(input.secretToken, `v0:${timestamp}:${input.body}`)}` };
}

/** A signed Zoom webhook `POST` to `url` (the body is JSON-encoded unless it is a string already). */
export async function zoomWebhookRequest(url: string, input: { readonly secretToken: string; readonly body: unknown; readonly at?: Date }): Promise<Request> {
  const body = typeof input.body === 'string' ? input.body : JSON.stringify(input.body);
  const headers = await signZoomWebhook({ secretToken: input.secretToken, body, ...(input.at ? { at: input.at } : {}) });
  return new Request(url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** Options of {@link createGooglePushFake}. */
export interface GooglePushFakeOptions {
  /** Where the fake key set is served (the handler's `jwksUrl`). Default Google's own URL, intercepted. */
  readonly jwksUrl?: string;
  /** The push subscription's service account. Default `meet-push@itutor-test.iam.gserviceaccount.com`. */
  readonly serviceAccountEmail?: string;
  /** The token audience. Default `https://tutor.example/api/webhooks/google-meet`. */
  readonly audience?: string;
}

/** One Workspace event to deliver through {@link GooglePushFake.request}. */
export interface FakeWorkspaceEvent {
  /** The CloudEvent type, e.g. `google.workspace.meet.participant.v2.joined`. */
  readonly type: string;
  /** The event data (JSON-encoded, then base64, as Pub/Sub sends it), or raw base64 text as is. */
  readonly data: unknown;
  /** Default a fresh id per call. */
  readonly messageId?: string;
  /** `ce-subject`. Omitted when `null`; default none. */
  readonly subject?: string | null;
  /** `ce-time`. Default the token's time. */
  readonly time?: Date;
  /** `ce-source`. Default `//workspaceevents.googleapis.com/subscriptions/test-subscription`. */
  readonly source?: string;
}

/** A stand-in for Google's OIDC key set and Pub/Sub push deliveries. Make it with {@link createGooglePushFake}. */
export interface GooglePushFake {
  readonly jwksUrl: string;
  readonly serviceAccountEmail: string;
  readonly audience: string;
  /** The key id the tokens are signed with. */
  readonly keyId: string;
  /** msw handlers serving the key set at `jwksUrl`. */
  readonly handlers: RequestHandler[];
  /** How many times the key set was fetched. */
  readonly jwksFetches: () => number;
  /**
   * An RS256 token like Pub/Sub's: `iss` `https://accounts.google.com`, `aud`, `email`,
   * `email_verified`, `iat` / `exp` (one hour) from `at`. `claims` override or add claims (a claim set to
   * `undefined` is left out); `keyId` changes the header's `kid`; `unknownKey` signs with a key that is
   * not in the set.
   */
  token(input?: { readonly claims?: Record<string, unknown>; readonly at?: Date; readonly keyId?: string; readonly unknownKey?: boolean }): Promise<string>;
  /** The push envelope Pub/Sub posts: `{ message: { attributes, data, messageId, publishTime }, subscription }`. */
  envelope(event: FakeWorkspaceEvent): { message: Record<string, unknown>; subscription: string };
  /** A push `POST` to `url` with the envelope and `Authorization: Bearer <token>` (default a valid token). */
  request(url: string, event: FakeWorkspaceEvent, input?: { readonly token?: string | null; readonly at?: Date }): Promise<Request>;
}

/**
 * A local key pair standing in for Google's OIDC keys, its key set as msw handlers, and Pub/Sub push
 * requests signed with it. Point `meetEventRoutes`' `jwksUrl` at `fake.jwksUrl` (or leave
 * both at Google's URL and intercept it with the handlers).
 */
export async function createGooglePushFake(options: GooglePushFakeOptions = {}): Promise<GooglePushFake> {
  const jwksUrl = options.jwksUrl ?? GOOGLE_OIDC_JWKS_URL;
  const serviceAccountEmail = options.serviceAccountEmail ?? 'meet-push@itutor-test.iam.gserviceaccount.com';
  const audience = options.audience ?? 'https://tutor.example/api/webhooks/google-meet';
  const keyId = 'itutor-test-key-1';
  const [pair, stranger] = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256')]);
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: keyId, alg: 'RS256', use: 'sig' };
  let fetches = 0;
  let counter = 0;

  const handlers = [
    http.get(jwksUrl, () => {
      fetches++;
      return HttpResponse.json({ keys: [jwk] }, { headers: { 'cache-control': 'public, max-age=3600' } });
    }),
  ];

  async function token(input: { claims?: Record<string, unknown>; at?: Date; keyId?: string; unknownKey?: boolean } = {}): Promise<string> {
    const iat = Math.floor((input.at ?? new Date()).getTime() / 1000);
    const claims: Record<string, unknown> = {
      iss: 'https://accounts.google.com',
      aud: audience,
      sub: '112233445566778899000',
      azp: '112233445566778899000',
      email: serviceAccountEmail,
      email_verified: true,
      iat,
      exp: iat + 3600,
      ...input.claims,
    };
    for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
    return new SignJWT(claims as JWTPayload)
      .setProtectedHeader({ alg: 'RS256', kid: input.keyId ?? keyId, typ: 'JWT' })
      .sign(input.unknownKey ? stranger.privateKey : pair.privateKey);
  }

  function envelope(event: FakeWorkspaceEvent) {
    const messageId = event.messageId ?? `${Date.now()}${String(++counter).padStart(4, '0')}`;
    const time = (event.time ?? new Date()).toISOString();
    const data = typeof event.data === 'string' ? event.data : btoa(Array.from(encoder.encode(JSON.stringify(event.data)), (b) => String.fromCharCode(b)).join(''));
    const attributes: Record<string, string> = {
      'ce-datacontenttype': 'application/json',
      'ce-id': `ce-${messageId}`,
      'ce-source': event.source ?? '//workspaceevents.googleapis.com/subscriptions/test-subscription',
      'ce-specversion': '1.0',
      'ce-time': time,
      'ce-type': event.type,
    };
    if (event.subject) attributes['ce-subject'] = event.subject;
    return {
      message: { attributes, data, messageId, message_id: messageId, publishTime: time, publish_time: time },
      subscription: 'projects/itutor-test/subscriptions/meet-events-push',
    };
  }

  return {
    jwksUrl,
    serviceAccountEmail,
    audience,
    keyId,
    handlers,
    jwksFetches: () => fetches,
    token,
    envelope,
    async request(url, event, input = {}) {
      const bearer = input.token === undefined ? await token(input.at ? { at: input.at } : {}) : input.token;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      return new Request(url, { method: 'POST', headers, body: JSON.stringify(envelope({ ...event, ...(event.time || !input.at ? {} : { time: input.at }) })) });
    },
  };
}
