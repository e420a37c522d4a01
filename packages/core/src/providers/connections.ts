import { retryCompareAndSet } from '../command/compare-and-set';
import type { CoreContext } from '../command/context';
import { SessionError } from '../errors';
import type { ProviderConnection, SealedProviderTokens, SessionEventDraft, VideoProviderName } from '../session/model';
import { SYSTEM_ACTOR } from '../session/transition';

/**
 * `core.providers`: each tutor's one video-provider connection (Zoom or Google Meet) — a tutor accepts
 * bookings only while it is `connected`. Tokens are stored sealed, server-side only.
 */
export interface ProvidersResource {
  /** The tutor's provider connection (without tokens), or `null`. */
  get(tutorId: string): Promise<ProviderConnection | null>;
  /** True when the tutor has a `connected` provider and so can accept bookings. */
  canAcceptBookings(tutorId: string): Promise<boolean>;
  /**
   * Connects Zoom or Google Meet for a tutor, replacing any existing connection in one step (switching
   * or reconnecting), with its tokens and a `provider.connected` / `provider.switched` event.
   * Tokens must be sealed (encrypted; `@itutor/sessions-video` seals them): plaintext tokens are
   * refused with `INVALID_INPUT`. They are stored server-side only.
   */
  connect(input: {
    tutorId: string;
    provider: VideoProviderName;
    tokens: SealedProviderTokens | null;
    externalAccountId?: string | null;
    actorId?: string;
  }): Promise<ProviderConnection>;
  /**
   * Always refused with `DISCONNECT_REQUIRES_REPLACEMENT`: a tutor must keep one provider. Switch with
   * `connect` instead. Exists so hosts get the rule's error rather than inventing their own.
   */
  disconnect(input: { tutorId: string }): Promise<never>;
  /** Marks a tutor's connection `expired` / `invalid` (e.g. refresh failed) or `connected` again. */
  setStatus(input: { tutorId: string; status: ProviderConnection['status']; actorId?: string }): Promise<ProviderConnection>;
}

/** `core.providers` over the core's context. */
export function createProvidersResource(ctx: CoreContext): ProvidersResource {
  const { connections } = ctx.adapter;
  const { clock } = ctx;
  return {
    get: (tutorId) => connections.findByTutor(tutorId),

    async canAcceptBookings(tutorId) {
      return (await connections.findByTutor(tutorId))?.status === 'connected';
    },

    async connect(input) {
      if (input.provider !== 'zoom' && input.provider !== 'google_meet') {
        throw new SessionError('INVALID_INPUT', `provider must be "zoom" or "google_meet"`, {
          issues: [{ path: 'provider', message: 'unknown provider' }],
        });
      }
      assertSealedTokens(input.tokens);
      return retryCompareAndSet('The connection', async () => {
        const current = await connections.findByTutor(input.tutorId);
        const now = clock.now();
        const connection: ProviderConnection = {
          tutorId: input.tutorId,
          provider: input.provider,
          status: 'connected',
          externalAccountId: input.externalAccountId ?? null,
          version: (current?.version ?? 0) + 1,
          connectedAt: now,
          updatedAt: now,
        };
        const event: SessionEventDraft = {
          type: current ? 'provider.switched' : 'provider.connected',
          sessionId: null,
          tutorId: input.tutorId,
          actor: input.actorId ?? input.tutorId,
          occurredAt: now,
          payload: { provider: input.provider, previousProvider: current?.provider ?? null },
        };
        return connections.save(connection, input.tokens, event, current ? current.version : null);
      });
    },

    async disconnect(input) {
      throw new SessionError('DISCONNECT_REQUIRES_REPLACEMENT', 'A tutor cannot disconnect their video provider without connecting a replacement', {
        tutorId: input.tutorId,
      });
    },

    async setStatus(input) {
      return retryCompareAndSet('The connection', async () => {
        const current = await connections.findByTutor(input.tutorId);
        if (!current) throw new SessionError('NOT_FOUND', `Tutor ${input.tutorId} has no provider connection`);
        const now = clock.now();
        return connections.save(
          { ...current, status: input.status, version: current.version + 1, updatedAt: now },
          // The tokens stay as they are: rewriting them here could undo a refresh that just stored a
          // rotated (single-use) refresh token.
          'keep',
          {
            type: 'provider.status_changed',
            sessionId: null,
            tutorId: input.tutorId,
            actor: input.actorId ?? SYSTEM_ACTOR,
            occurredAt: now,
            payload: { provider: current.provider, from: current.status, to: input.status },
          },
          current.version,
        );
      });
    },
  };
}

const isSealedToken = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { keyId?: unknown }).keyId === 'string' &&
  (value as { keyId: string }).keyId !== '' &&
  typeof (value as { ciphertext?: unknown }).ciphertext === 'string' &&
  (value as { ciphertext: string }).ciphertext !== '';

/** Refuses anything but sealed tokens (or `null`); the message never repeats what was passed. */
function assertSealedTokens(tokens: unknown): asserts tokens is SealedProviderTokens | null {
  if (tokens === null) return;
  const t = tokens as Partial<Record<keyof SealedProviderTokens, unknown>> | undefined;
  const problem =
    typeof t !== 'object' || t === null
      ? 'must be sealed tokens or null'
      : !isSealedToken(t.accessToken)
        ? 'accessToken must be a sealed token ({ keyId, ciphertext }); plaintext tokens are never stored'
        : t.refreshToken !== null && !isSealedToken(t.refreshToken)
          ? 'refreshToken must be a sealed token ({ keyId, ciphertext }) or null; plaintext tokens are never stored'
          : t.expiresAt !== null && !(t.expiresAt instanceof Date && !Number.isNaN(t.expiresAt.getTime()))
            ? 'expiresAt must be a valid Date or null'
            : null;
  if (problem !== null) {
    throw new SessionError('INVALID_INPUT', `tokens ${problem} (seal them with sealProviderTokens from @itutor/sessions-video)`, {
      issues: [{ path: 'tokens', message: problem }],
    });
  }
}
