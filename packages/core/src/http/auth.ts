import { SessionError } from '@itutor/sessions-core';
/** Who is calling: a user, or the host's own server (service role). */
export interface AuthContext {
  readonly userId: string;
  /** True for server-to-server calls (e.g. a Supabase service-role token): may act for any booking. */
  readonly isService?: boolean;
}

/**
 * Host-supplied authentication: request → caller, or `null` when the request carries no valid
 * credentials (→ 401). Must not throw for bad credentials; a throw is treated as a server error.
 */
export type Authenticator = (request: Request) => Promise<AuthContext | null> | AuthContext | null;

const encoder = new TextEncoder();

/**
 * Compares a presented secret with the expected one in constant time: both are hashed with SHA-256
 * first, so neither the length nor the position of the first difference leaks through timing.
 */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([
    globalThis.crypto.subtle.digest('SHA-256', encoder.encode(presented)),
    globalThis.crypto.subtle.digest('SHA-256', encoder.encode(expected)),
  ]);
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

/**
 * Refuses a configured secret (the cron's, the connect routes' cookie key) that is missing, blank, padded
 * with whitespace or shorter than `minLength`, with `INVALID_INPUT` naming `path` — never the secret.
 * `extra` adds a rule of the caller's (e.g. characters a header cannot carry); it answers the problem or
 * `null`.
 */
export function assertUsableSecret(
  secret: unknown,
  rule: {
    readonly path: string;
    readonly minLength: number;
    /** Said after `is missing` (how to get the secret). */
    readonly whenMissing?: string;
    readonly extra?: (secret: string) => string | null;
  },
): asserts secret is string {
  const issue =
    typeof secret !== 'string'
      ? `is missing${rule.whenMissing ? ` (${rule.whenMissing})` : ''}`
      : secret.trim() === ''
        ? 'is empty or whitespace'
        : secret.trim() !== secret
          ? 'starts or ends with whitespace'
          : (rule.extra?.(secret) ??
            (secret.length < rule.minLength ? `is ${secret.length} characters long; use at least ${rule.minLength} (e.g. \`openssl rand -hex 32\`)` : null));
  if (issue !== null) {
    throw new SessionError('INVALID_INPUT', `${rule.path} ${issue}`, { issues: [{ path: rule.path, message: issue }] });
  }
}

/** The token of an `Authorization: Bearer <token>` header, or `null`. */
export function bearerToken(request: Request): string | null {
  const header = request.headers.get('authorization');
  if (!header) return null;
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
