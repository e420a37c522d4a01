import { SYSTEM_ACTOR, type ConnectionMark, type ProviderConnectionRepository, type ProviderTokensWrite } from '@itutor/sessions-core/adapter';
import { notConnected } from './errors';
import type { StoredTokens, TokenStore } from './tokens';

/**
 * A {@link TokenStore} over the core adapter's connection repository (`adapter.connections`), so the
 * encrypted tokens live in the tutor's connection row and the refresh lock is the repository's
 * compare-and-set on the token version (one SQL statement on the Supabase adapter; atomic in memory).
 *
 * - `read` is `connections.findTokens` (the connection's provider and status come with the tokens, so
 *   an `expired` / `invalid` connection refuses API calls at once).
 * - A refused refresh marks the **core's** connection `expired` / `invalid` in the same atomic write as
 *   the token record, with a `provider.status_changed` event (actor `system`, payload
 *   `{ provider, from, to, reason }`, never a token). From then on the core refuses the tutor's bookings
 *   with `PROVIDER_NOT_CONNECTED`; the host's `onConnectionInvalid` hook only has to tell the tutor.
 * - No other token write ever changes the connection's status: only connecting again
 *   (`core.providers.connect`, which the connect routes call) makes it `connected`.
 * - Tokens for a tutor without a stored connection cannot be created here: connect with
 *   `core.providers.connect` and sealed tokens (`TokenManager.sealTokens`). `TokenManager.saveTokens`
 *   over this store only replaces the tokens of an existing connection and does not change its status.
 *
 * ```ts
 * const store = tokenStoreFromConnections(adapter.connections);
 * const zoomProvider = zoom({ store, keyRing, meetings: adapter.meetings, onConnectionInvalid: emailTutor, ... });
 * ```
 */
export function tokenStoreFromConnections(connections: ProviderConnectionRepository): TokenStore {
  return {
    async read(tutorId) {
      return connections.findTokens(tutorId);
    },
    async compareAndSwap(tutorId, expectedVersion, next: StoredTokens) {
      if (expectedVersion === null) {
        throw notConnected(
          next.provider,
          'NOT_CONNECTED',
          `tutor ${tutorId} has no ${next.provider} connection holding tokens: connect through the connect routes (or core.providers.connect with sealed tokens) first`,
        );
      }
      const write: ProviderTokensWrite = {
        provider: next.provider,
        version: next.version,
        accessToken: { keyId: next.accessToken.keyId, ciphertext: next.accessToken.ciphertext },
        refreshToken: next.refreshToken === null ? null : { keyId: next.refreshToken.keyId, ciphertext: next.refreshToken.ciphertext },
        expiresAt: next.expiresAt,
        refreshLeaseUntil: next.refreshLeaseUntil,
        updatedAt: next.updatedAt,
      };
      const mark: ConnectionMark | null =
        next.status === 'connected'
          ? null
          : {
              status: next.status,
              event: {
                type: 'provider.status_changed',
                sessionId: null,
                tutorId,
                actor: SYSTEM_ACTOR,
                occurredAt: next.updatedAt,
                payload: { provider: next.provider, from: 'connected', to: next.status, reason: (next.statusReason ?? 'refresh_refused').slice(0, 64) },
              },
            };
      return connections.compareAndSetTokens(tutorId, expectedVersion, write, mark);
    },
  };
}
