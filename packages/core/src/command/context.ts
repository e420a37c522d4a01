import type { SessionPolicy } from '../rules/policy';
import type { Clock, IdGenerator, PaymentGateway, SessionRepository, SessionsAdapter, VideoProvider } from '../ports';
import type { MatchParticipant } from '../session/attendance';
import type { Session } from '../session/model';
import type { CommandRunner } from './runner';

/**
 * What every resource of the core is built from: the ports, the policy in force and the one command
 * runner. Made once by `createSessionsCore`; each resource takes it whole (one context object).
 */
export interface CoreContext {
  readonly adapter: SessionsAdapter;
  /** The adapter's session repository, stamping a write id on every write (`withWriteIds`). */
  readonly sessions: SessionRepository;
  readonly runner: CommandRunner;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly policy: SessionPolicy;
  readonly gateway: PaymentGateway;
  readonly video: VideoProvider;
  readonly matchParticipant: MatchParticipant | undefined;
  readonly paymentMethodCheck: ((studentId: string) => Promise<boolean> | boolean) | undefined;
  /** Time limit of one video-provider call made while creating a session. */
  readonly meetingCallTimeoutMs: number;
  /**
   * Tells the host (`SessionsCoreConfig.onCustomerActionRequired`) when a stored write moved a session's
   * charge into `awaiting_customer` (`before` as read, `after` as stored). Never throws, never waits.
   */
  readonly tellAwaitingCustomer: (before: Pick<Session, 'chargeStatus'>, after: Session) => void;
}
