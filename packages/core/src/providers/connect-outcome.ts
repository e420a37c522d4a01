/**
 * Where a tutor's video-connect attempt ended, as the connect routes (`@itutor/sessions-video`'s
 * `videoConnectRoutes`) redirect back with it (`?video=<outcome>`) and the React kit's
 * `ConnectVideoProvider` shows it: `connected`, or a reason nothing changed — `denied` (the tutor refused
 * consent), `expired_state` (the attempt timed out or was used already), `exchange_failed` (the provider
 * did not complete the sign-in), `wrong_user` (the attempt was started by another signed-in user),
 * `unauthenticated` (nobody was signed in), `forbidden` (the host does not let this user connect one),
 * `failed` (the connection or the state could not be stored).
 */
export type VideoConnectOutcome =
  | 'connected'
  | 'denied'
  | 'expired_state'
  | 'exchange_failed'
  | 'wrong_user'
  | 'unauthenticated'
  | 'forbidden'
  | 'failed';

/** Every {@link VideoConnectOutcome}, in a fixed order. */
export const VIDEO_CONNECT_OUTCOMES: readonly VideoConnectOutcome[] = [
  'connected',
  'denied',
  'expired_state',
  'exchange_failed',
  'wrong_user',
  'unauthenticated',
  'forbidden',
  'failed',
];
