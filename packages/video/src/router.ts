import { SessionError, type VideoProvider, type VideoProviderName } from '@itutor/sessions-core';
import { isVideoProviderError, VideoProviderError } from './errors';

/** Provider errors that mean the tutor's own connection is unusable (not the provider or the host). */
const CONNECTION_ERRORS = new Set(['NOT_CONNECTED', 'CONNECTION_INVALID', 'CONNECTION_EXPIRED']);

/**
 * One `VideoProvider` for the core that sends each call to the provider the input names (the tutor's
 * connection). A provider that is not configured fails with `NOT_CONNECTED`: never another provider.
 * `getMeetingTimes` (reconciliation before settlement) answers `null` for a provider that is not
 * configured or cannot be asked.
 *
 * When creating a meeting fails because the tutor's connection is unusable (no tokens stored, or the
 * provider refused the refresh token: `NOT_CONNECTED`, `CONNECTION_INVALID`, `CONNECTION_EXPIRED` from
 * the provider), the error becomes the core's `SessionError` `PROVIDER_NOT_CONNECTED` (HTTP 409), with
 * `details.provider` and `details.reason` (the provider error's code), so the booking is refused with
 * the same reason as every later one.
 */
export function videoProviders(providers: Partial<Record<VideoProviderName, VideoProvider>>): VideoProvider {
  const pick = (name: VideoProviderName) => {
    const provider = providers[name];
    if (!provider) throw new VideoProviderError('NOT_CONNECTED', name, `no ${name} provider is configured`);
    return provider;
  };
  return {
    createMeeting: async (input) => {
      const provider = pick(input.provider);
      try {
        return await provider.createMeeting(input);
      } catch (error) {
        if (isVideoProviderError(error) && CONNECTION_ERRORS.has(error.code)) {
          throw new SessionError('PROVIDER_NOT_CONNECTED', `${error.message}; they must reconnect before accepting bookings`, {
            provider: input.provider,
            reason: error.code,
          });
        }
        throw error;
      }
    },
    deleteMeeting: async (input) => pick(input.provider).deleteMeeting(input),
    // Reconciliation before settlement: the provider that made the meeting answers. One that cannot be
    // asked (not configured, or without `getMeetingTimes`) has no record: the usual rules apply.
    getMeetingTimes: async (input) => {
      const provider = providers[input.provider];
      return provider?.getMeetingTimes ? provider.getMeetingTimes(input) : null;
    },
  };
}
