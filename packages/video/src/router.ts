import { isSessionError, SessionError, type VideoProvider, type VideoProviderName } from '@itutor/sessions-core';
import { notConnected } from './errors';

/**
 * One `VideoProvider` for the core that sends each call to the provider the input names (the tutor's
 * connection). A provider that is not configured fails with `PROVIDER_NOT_CONNECTED` (`details.reason`
 * `NOT_CONNECTED`): never another provider.
 * `getMeetingTimes` (reconciliation before settlement) answers `null` for a provider that is not
 * configured or cannot be asked.
 * `moveMeeting` (a reschedule) goes to the provider that made the meeting, as `deleteMeeting` does: one
 * that is not configured fails with `PROVIDER_NOT_CONNECTED` (the reschedule is refused); one configured
 * without `moveMeeting` has nothing to move, as the core treats a `VideoProvider` without it.
 *
 * When creating a meeting fails because the tutor's connection is unusable (no tokens stored, or the
 * provider refused the refresh token: `PROVIDER_NOT_CONNECTED` from the provider, `details.reason`
 * `NOT_CONNECTED`, `CONNECTION_INVALID` or `CONNECTION_EXPIRED`), the booking is refused with
 * `PROVIDER_NOT_CONNECTED` (HTTP 409), its message saying the tutor must reconnect, with
 * `details.provider` and `details.reason`, so the booking is refused with the same reason as every later one.
 */
export function videoProviders(providers: Partial<Record<VideoProviderName, VideoProvider>>): VideoProvider {
  const pick = (name: VideoProviderName) => {
    const provider = providers[name];
    if (!provider) throw notConnected(name, 'NOT_CONNECTED', `no ${name} provider is configured`);
    return provider;
  };
  return {
    createMeeting: async (input) => {
      const provider = pick(input.provider);
      try {
        return await provider.createMeeting(input);
      } catch (error) {
        if (isSessionError(error, 'PROVIDER_NOT_CONNECTED')) {
          throw new SessionError('PROVIDER_NOT_CONNECTED', `${error.message}; they must reconnect before accepting bookings`, {
            provider: input.provider,
            ...(error.details.reason === undefined ? {} : { reason: error.details.reason }),
          });
        }
        throw error;
      }
    },
    deleteMeeting: async (input) => pick(input.provider).deleteMeeting(input),
    moveMeeting: async (input) => {
      const provider = pick(input.provider);
      // A provider without a time to move (the core moves only the session then).
      if (provider.moveMeeting) await provider.moveMeeting(input);
    },
    // Reconciliation before settlement: the provider that made the meeting answers. One that cannot be
    // asked (not configured, or without `getMeetingTimes`) has no record: the usual rules apply.
    getMeetingTimes: async (input) => {
      const provider = providers[input.provider];
      return provider?.getMeetingTimes ? provider.getMeetingTimes(input) : null;
    },
  };
}
