import 'server-only';

/** The server-side configuration of the example. Read at request time, never at import time. */
export interface SessionsEnv {
  /** `https://<project-ref>.supabase.co` (or a local `supabase start` URL). */
  readonly supabaseUrl: string;
  /** The service-role key: the server writes sessions with it. Never sent to a browser. */
  readonly supabaseServiceRoleKey: string;
  /** The project's JWT secret: verifies the users' Supabase access tokens. */
  readonly supabaseJwtSecret: string;
  /** Bearer secret of the cron route (at least 16 characters). Vercel Cron sends it. */
  readonly cronSecret: string;
}

const REQUIRED = ['SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_JWT_SECRET', 'CRON_SECRET'] as const;

/** Thrown when the server is missing configuration. The message names exactly what is missing. */
export class SessionsConfigError extends Error {
  override readonly name = 'SessionsConfigError';
}

/** Reads and checks the environment. Throws {@link SessionsConfigError} listing every problem. */
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
  if (cronSecret.length < 16) {
    throw new SessionsConfigError('iTutor Sessions is not configured: CRON_SECRET must be at least 16 characters.');
  }
  return {
    supabaseUrl: env.SUPABASE_URL!.trim(),
    supabaseServiceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY!.trim(),
    supabaseJwtSecret: env.SUPABASE_JWT_SECRET!.trim(),
    cronSecret,
  };
}
