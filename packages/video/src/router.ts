import type { VideoProvider, VideoProviderName } from '@itutor/sessions-core';
import { VideoProviderError } from './errors';

/**
 * One `VideoProvider` for the core that sends each call to the provider the input names (the tutor's
 * connection). A provider that is not configured fails with `NOT_CONNECTED`: never another provider.
 */
export function videoProviders(providers: Partial<Record<VideoProviderName, VideoProvider>>): VideoProvider {
  const pick = (name: VideoProviderName) => {
    const provider = providers[name];
    if (!provider) throw new VideoProviderError('NOT_CONNECTED', name, `no ${name} provider is configured`);
    return provider;
  };
  return {
    createMeeting: async (input) => pick(input.provider).createMeeting(input),
    deleteMeeting: async (input) => pick(input.provider).deleteMeeting(input),
  };
}
