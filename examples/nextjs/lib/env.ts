import 'server-only';
import { MIN_CRON_SECRET_LENGTH } from '@itutor/sessions-core/http';

/** The server-side configuration of the example. Read at request time, never at import time. */
export interface SessionsEnv {
  /** `https://<project-ref>.supabase.co` (or a local `supabase start` URL). */
  readonly supabaseUrl: string;
  /** The service-role key: the server writes sessions with it. Never sent to a browser. */
  readonly supabaseServiceRoleKey: string;
  /** The project's JWT secret: verifies the users' Supabase access tokens. */
  readonly supabaseJwtSecret: string;
  /** Bearer secret of the cron route (at least `MIN_CRON_SECRET_LENGTH`, 32, characters). Vercel Cron sends it. */
  readonly cronSecret: string;
}

const REQUIRED = ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'CRON_SECRET'] as const;

/** Thrown when the server is missing configuration. The message names exactly what is missing. */
export class SessionsConfigError extends Error {
  override readonly name = 'SessionsConfigError';
}

/** Reads and checks the environment of the Supabase (production) mode. Throws {@link SessionsConfigError} listing every problem. */
export function readSessionsEnv(env: NodeJS.ProcessEnv = process.env): SessionsEnv {
  const missing = REQUIRED.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new SessionsConfigError(
      `iTutor Sessions is not configured: missing environment variable${missing.length > 1 ? 's' : ''} ` +
        `${missing.join(', ')}. Set ${missing.length > 1 ? 'them' : 'it'} in examples/nextjs/.env.local ` +
        '(or the Vercel project settings); see examples/nextjs/README.md.',
    );
  }
  const cronSecret = env.CRON_SECRET!.trim();
  if (cronSecret.length < MIN_CRON_SECRET_LENGTH) {
    throw new SessionsConfigError(
      `iTutor Sessions is not configured: CRON_SECRET must be at least ${MIN_CRON_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`).`,
    );
  }
  return {
    supabaseUrl: env.SUPABASE_URL!.trim(),
    supabaseServiceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY!.trim(),
    supabaseJwtSecret: env.SUPABASE_JWT_SECRET!.trim(),
    cronSecret,
  };
}

/** The configuration of the local development mode (`DATABASE_URL` set; see `lib/mode.ts`). */
export interface LocalSessionsEnv {
  /** The PostgreSQL database the example sets up and uses, e.g. `postgres://postgres@127.0.0.1:5432/itutor_dev`. */
  readonly databaseUrl: string;
  /** Bearer secret of the cron route (at least 32 characters); also keys the development sign-in cookie. */
  readonly cronSecret: string;
}

/**
 * Reads the local development mode's environment, and refuses to run it where it must never run: the
 * development sign-in lets anyone pick who they are, so it is off on Vercel deployments (`VERCEL_ENV`
 * production or preview) and in production builds (`next start`, where `NODE_ENV` is `production`)
 * unless `ITUTOR_DEV_MODE=1` states that this is a developer's or CI machine.
 */
export function readLocalSessionsEnv(env: NodeJS.ProcessEnv = process.env): LocalSessionsEnv {
  const databaseUrl = env.DATABASE_URL?.trim() ?? '';
  if (!databaseUrl) throw new SessionsConfigError('The local development mode needs DATABASE_URL.');
  if (env.VERCEL_ENV === 'production' || env.VERCEL_ENV === 'preview') {
    throw new SessionsConfigError(
      'DATABASE_URL selects the local development mode (development sign-in, fake video provider and payments), ' +
        `which never runs on a Vercel ${env.VERCEL_ENV} deployment. Remove DATABASE_URL from the deployment's environment.`,
    );
  }
  if (process.env.NODE_ENV === 'production' && env.ITUTOR_DEV_MODE !== '1') {
    throw new SessionsConfigError(
      'DATABASE_URL selects the local development mode, whose sign-in lets anyone choose who they are; a production ' +
        'build (next start) refuses it unless ITUTOR_DEV_MODE=1 is set to say this is a development or CI machine. ' +
        'Use `next dev`, or set ITUTOR_DEV_MODE=1, or unset DATABASE_URL for the Supabase mode.',
    );
  }
  const cronSecret = env.CRON_SECRET?.trim() ?? '';
  if (cronSecret.length < MIN_CRON_SECRET_LENGTH) {
    throw new SessionsConfigError(
      `iTutor Sessions is not configured: CRON_SECRET must be set, at least ${MIN_CRON_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`).`,
    );
  }
  return { databaseUrl, cronSecret };
}

/** The Zoom webhook route's configuration (`app/api/webhooks/zoom/route.ts`). */
export interface ZoomWebhookEnv {
  /** The Zoom app's webhook Secret Token (Marketplace → the app → Features → Access), not the OAuth client secret. */
  readonly secretToken: string;
}

/** Reads `ZOOM_WEBHOOK_SECRET_TOKEN`. Throws {@link SessionsConfigError} when it is missing. */
export function readZoomWebhookEnv(env: NodeJS.ProcessEnv = process.env): ZoomWebhookEnv {
  const secretToken = env.ZOOM_WEBHOOK_SECRET_TOKEN?.trim() ?? '';
  if (!secretToken) {
    throw new SessionsConfigError(
      'The Zoom webhook route is not configured: missing environment variable ZOOM_WEBHOOK_SECRET_TOKEN (the Secret Token ' +
        "of the Zoom app's Event Subscriptions; see packages/video/README.md, \"Registering the Zoom webhook\").",
    );
  }
  return { secretToken };
}

/** The Google Meet events route's configuration (`app/api/webhooks/google-meet/route.ts`). */
export interface MeetPushEnv {
  /** The audience the Pub/Sub push subscription puts in its OIDC token (by default its endpoint URL). */
  readonly audience: string;
  /** The push subscription's service account (the token's `email`). */
  readonly serviceAccountEmail: string;
}

/** Reads `GOOGLE_MEET_PUSH_AUDIENCE` and `GOOGLE_MEET_PUSH_SERVICE_ACCOUNT`. Throws {@link SessionsConfigError} naming what is missing. */
export function readMeetPushEnv(env: NodeJS.ProcessEnv = process.env): MeetPushEnv {
  const names = ['GOOGLE_MEET_PUSH_AUDIENCE', 'GOOGLE_MEET_PUSH_SERVICE_ACCOUNT'] as const;
  const missing = names.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new SessionsConfigError(
      `The Google Meet events route is not configured: missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        '(the Pub/Sub push subscription\'s audience and service account; see packages/video/README.md, "Google Meet events through Pub/Sub").',
    );
  }
  return { audience: env.GOOGLE_MEET_PUSH_AUDIENCE!.trim(), serviceAccountEmail: env.GOOGLE_MEET_PUSH_SERVICE_ACCOUNT!.trim() };
}

/** Zoom and Google Meet on the tutors' own accounts, and their connect routes (`lib/video.ts`). */
export interface VideoEnv {
  /** The app's public origin (`APP_URL`): the OAuth redirect URIs are `<APP_URL>/api/providers/<provider>/callback`. */
  readonly appUrl: string;
  /** `ZOOM_CLIENT_ID` / `ZOOM_CLIENT_SECRET` of the Zoom OAuth app, when Zoom is offered. */
  readonly zoom: { readonly clientId: string; readonly clientSecret: string } | null;
  /** `GOOGLE_CLIENT_ID` / `GOOGLE_CLIENT_SECRET` of the Google OAuth client, when Google Meet is offered. */
  readonly googleMeet: { readonly clientId: string; readonly clientSecret: string } | null;
  /** `VIDEO_TOKEN_KEY`: 32 random bytes, base64 (`openssl rand -base64 32`); seals the tutors' OAuth tokens. */
  readonly tokenKey: string;
  /** `VIDEO_TOKEN_KEY_ID`: the key's id, stored beside each sealed token (rotate by adding a new id). Default `k1`. */
  readonly tokenKeyId: string;
  /** `VIDEO_COOKIE_SECRET`: at least 32 characters; signs the connect routes' state cookie. */
  readonly cookieSecret: string;
}

/**
 * Reads the video providers' configuration: `null` when no provider's credentials are set (the example
 * keeps its placeholder provider, and the connect routes answer that they are not configured). Throws
 * {@link SessionsConfigError} naming what is missing when it is set only in part.
 */
export function readVideoEnv(env: NodeJS.ProcessEnv = process.env): VideoEnv | null {
  const value = (name: string) => env[name]?.trim() ?? '';
  const pair = (id: string, secret: string) => (value(id) || value(secret) ? { clientId: value(id), clientSecret: value(secret) } : null);
  const zoom = pair('ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET');
  const googleMeet = pair('GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET');
  if (!zoom && !googleMeet) return null;
  const required = [
    ...(zoom ? ['ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET'] : []),
    ...(googleMeet ? ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET'] : []),
    'VIDEO_TOKEN_KEY',
    'VIDEO_COOKIE_SECRET',
    'APP_URL',
  ];
  const missing = required.filter((name) => !value(name));
  if (missing.length > 0) {
    throw new SessionsConfigError(
      `The video providers are not configured: missing environment variable${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
        '(see examples/nextjs/README.md, "Zoom and Google Meet").',
    );
  }
  return {
    appUrl: value('APP_URL'),
    zoom,
    googleMeet,
    tokenKey: value('VIDEO_TOKEN_KEY'),
    tokenKeyId: value('VIDEO_TOKEN_KEY_ID') || 'k1',
    cookieSecret: value('VIDEO_COOKIE_SECRET'),
  };
}
