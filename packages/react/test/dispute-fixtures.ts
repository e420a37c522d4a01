import type {
  DisputeActionType,
  DisputeJson,
  DisputeRole,
  DisputeViewJson,
  PayoutStateJson,
  TimelineEntryJson,
} from '@itutor/sessions-core/client';
import { at } from './fixtures';

/**
 * Dispute views of the fixture session (60 minutes from 15:00 UTC on 15 January 2026, TTD 150.00: charged
 * 150.00, the tutor's share 135.00, the platform's fee 15.00; paid after review), in the shape
 * `GET /api/sessions/{id}/dispute` answers: settled at 16:00, the window open 3 days, until 16:00 on the 18th.
 */

export const DISPUTE_SESSION_ID = '00000000-0000-4000-8000-000000000001';
/** When the outcome was settled (and the charge answered): 16:00 UTC on 15 January 2026. */
export const SETTLED_AT = at(60);
/** When the dispute window closes: 3 days after the outcome (the default `disputeWindowMinutes`). */
export const WINDOW_CLOSES_AT = at(60 + 4320);
/** When the dispute was opened: 10:00 UTC on 16 January. */
export const OPENED_AT = at(60 + 18 * 60);

/** Where a dispute is, in the fixtures: none yet, or one of its statuses. */
export type DisputeStage = 'none' | 'open' | 'offered' | 'contested' | 'resolved';

/** The steps each role may take at each stage (the core's dispute machine, for the fixtures). */
const STEPS: Record<Exclude<DisputeStage, 'none' | 'resolved'>, Record<DisputeRole, DisputeActionType[]>> = {
  open: { student: [], tutor: ['accept', 'offer', 'contest'], platform: ['resolve'] },
  offered: { student: ['accept_offer', 'decline_offer'], tutor: ['accept', 'offer', 'contest'], platform: ['resolve'] },
  contested: { student: [], tutor: ['accept'], platform: ['resolve'] },
};

const iso = (d: Date) => d.toISOString();
const event = (type: string, role: TimelineEntryJson['role'], when: Date, payload: Record<string, unknown> = {}): TimelineEntryJson =>
  ({ type, role, occurredAt: iso(when), payload }) as TimelineEntryJson;

/** The payout card before any refund: 135.00 scheduled for the end of the review window. */
export const SCHEDULED_PAYOUT: PayoutStateJson = {
  state: 'scheduled',
  timing: 'after_review',
  outcomeMinor: 13_500,
  amountMinor: 13_500,
  reduced: false,
  reversedMinor: 0,
  dueAt: iso(WINDOW_CLOSES_AT),
  paidAt: null,
};

/** The dispute at `stage` (`null` for `none`). */
function disputeAt(stage: DisputeStage): DisputeJson | null {
  if (stage === 'none') return null;
  const offered = stage === 'offered' || stage === 'contested' || stage === 'resolved';
  return {
    status: stage,
    reason: 'ended_early',
    openedAt: iso(OPENED_AT),
    offerMinor: offered ? 7_500 : null,
    resolution: stage === 'resolved' ? 'partial_refund' : null,
    refundMinor: stage === 'resolved' ? 5_000 : null,
    resolvedByRole: stage === 'resolved' ? 'platform' : null,
    resolvedAt: stage === 'resolved' ? iso(at(60 + 30 * 60)) : null,
    updatedAt: iso(OPENED_AT),
  };
}

/** The timeline up to `stage`: the session's facts, then the dispute's steps with their messages. */
function timelineAt(stage: DisputeStage): TimelineEntryJson[] {
  const facts = [
    event('session.created', 'system', at(-2 * 24 * 60)),
    event('session.joined', 'tutor', at(-3)),
    event('session.joined', 'student', at(1)),
    event('session.settled', 'system', SETTLED_AT, { status: 'COMPLETED_ASSUMED' }),
    event('charge.requested', 'system', SETTLED_AT, { attempt: 1, amountMinor: 15_000 }),
    event('charge.succeeded', 'system', SETTLED_AT, { attempt: 1, amountMinor: 15_000 }),
    event('payout.scheduled', 'system', SETTLED_AT, { payout: 1, amountMinor: 13_500, dueAt: iso(WINDOW_CLOSES_AT) }),
  ];
  const order: DisputeStage[] = ['open', 'offered', 'contested', 'resolved'];
  const reached = (s: DisputeStage) => stage !== 'none' && order.indexOf(stage) >= order.indexOf(s);
  const steps = [
    reached('open') && event('dispute.opened', 'student', OPENED_AT, { role: 'student', reason: 'ended_early', message: 'The tutor left after 20 minutes.' }),
    reached('offered') && event('dispute.offered', 'tutor', at(60 + 20 * 60), { role: 'tutor', amountMinor: 7_500, message: 'My connection dropped. Half back?' }),
    reached('contested') && event('dispute.offer_declined', 'student', at(60 + 22 * 60), { role: 'student', message: 'I only had 20 minutes.' }),
    ...(reached('resolved')
      ? [
          event('dispute.decided', 'platform', at(60 + 30 * 60), { role: 'platform', resolution: 'partial_refund', amountMinor: 5_000, message: 'We refund a third.' }),
          event('dispute.resolved', 'platform', at(60 + 30 * 60), { role: 'platform', resolution: 'partial_refund', refundMinor: 5_000 }),
          event('refund.requested', 'platform', at(60 + 30 * 60), { refund: 1, amountMinor: 5_000 }),
          event('refund.succeeded', 'system', at(60 + 31 * 60), { refund: 1, amountMinor: 5_000 }),
        ]
      : []),
  ];
  return [...facts, ...steps.filter((e): e is TimelineEntryJson => e !== false)];
}

/**
 * The view of `viewer` at `stage`, with overrides. At `resolved` the platform decided a partial refund of
 * 50.00 (the tutor's part 45.00), so the scheduled payout is reduced to 90.00; before it, an open dispute
 * holds the payout.
 */
export function disputeView(stage: DisputeStage, viewer: DisputeRole, overrides: Partial<DisputeViewJson> = {}): DisputeViewJson {
  const resolved = stage === 'resolved';
  return {
    sessionId: DISPUTE_SESSION_ID,
    viewer,
    canOpen: stage === 'none' && viewer === 'student',
    windowClosesAt: iso(WINDOW_CLOSES_AT),
    dispute: disputeAt(stage),
    chargeback: 'none',
    allowedSteps: stage === 'none' || resolved ? [] : STEPS[stage][viewer],
    refundableMinor: resolved ? 10_000 : 15_000,
    session: {
      status: 'COMPLETED_ASSUMED',
      scheduledStartAt: iso(at(0)),
      scheduledEndAt: iso(at(60)),
      durationMinutes: 60,
      noShowWaitMinutes: 10,
      minPayableMinutes: 30,
      priceMinor: 15_000,
      currency: 'TTD',
      payoutTiming: 'after_review',
      provider: 'zoom',
      cancelledBy: null,
      finalizedAt: iso(SETTLED_AT),
      studentJoinedAt: iso(at(1)),
      tutorJoinedAt: iso(at(-3)),
      meetingEndedAt: iso(at(20)),
      chargeAmountMinor: 15_000,
      payoutAmountMinor: 13_500,
      platformFeeMinor: 1_500,
      chargeStatus: 'succeeded',
    },
    attendance: [
      { role: 'tutor', kind: 'joined', occurredAt: iso(at(-3)) },
      { role: 'student', kind: 'joined', occurredAt: iso(at(1)) },
      { role: 'tutor', kind: 'left', occurredAt: iso(at(20)) },
      { role: 'student', kind: 'left', occurredAt: iso(at(21)) },
    ],
    charges: [{ attempt: 1, status: 'succeeded', amountMinor: 15_000, requestedAt: iso(SETTLED_AT), answeredAt: iso(SETTLED_AT) }],
    refunds: resolved
      ? [{ refund: 1, status: 'succeeded', amountMinor: 5_000, payoutMinor: 4_500, reason: 'Dispute (ended_early): partial refund', requestedAt: iso(at(60 + 30 * 60)) }]
      : [],
    payout:
      stage === 'none'
        ? SCHEDULED_PAYOUT
        : resolved
          ? { ...SCHEDULED_PAYOUT, amountMinor: 9_000, reduced: true }
          : { ...SCHEDULED_PAYOUT, state: 'held' },
    timeline: timelineAt(stage),
    ...overrides,
  };
}

/** The payout after it was paid at the end of the window, 45.00 of it taken back by a later refund. */
export const PAID_AND_REVERSED: PayoutStateJson = {
  ...SCHEDULED_PAYOUT,
  state: 'paid',
  amountMinor: 13_500,
  reversedMinor: 4_500,
  paidAt: iso(WINDOW_CLOSES_AT),
};

/** A refusal the fake server answers (`application/problem+json`). */
export interface FakeProblem {
  readonly status: number;
  readonly code: string;
  readonly detail?: string;
  readonly issues?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
}

/** What the fake server answers one request with: a view (`{ view }`), a refusal, no answer yet, or a network failure. */
export type FakeAnswer = DisputeViewJson | FakeProblem | 'never' | 'offline';

/** A route's answers: one, a list answered in turn (the last repeats), a function of the body; any of them may be a promise (released by the test). */
export type FakeRoute = FakeAnswer | Promise<FakeAnswer> | ReadonlyArray<FakeAnswer | Promise<FakeAnswer>> | ((body: unknown) => FakeAnswer | Promise<FakeAnswer>);

/** One request the fake server saw. */
export interface FakeRequest {
  readonly method: string;
  /** The path after `{basePath}/sessions/{id}/`: `dispute`, `dispute/offer`, … */
  readonly route: string;
  readonly url: string;
  readonly body: unknown;
  readonly credentials: RequestCredentials | undefined;
}

/** A `fetch` for the dispute routes, and the requests it saw. */
export type FakeDisputeFetch = typeof fetch & { readonly requests: FakeRequest[] };

/**
 * A `fetch` that answers the dispute routes by `"{METHOD} {route}"` (`"GET dispute"`, `"POST dispute/offer"`):
 * a fixed answer, a list answered in turn (the last repeats), or a function of the request's body. An
 * unexpected request fails the test.
 */
export function fakeDisputeFetch(routes: Readonly<Record<string, FakeRoute>>): FakeDisputeFetch {
  const requests: FakeRequest[] = [];
  const served = new Map<string, number>();
  const fake = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const route = url.replace(/^.*\/sessions\/[^/]+\//, '');
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    requests.push({ method, route, url, body, credentials: init?.credentials });
    const key = `${method} ${route}`;
    const answers = routes[key];
    if (answers === undefined) throw new Error(`unexpected request ${key}`);
    const n = served.get(key) ?? 0;
    served.set(key, n + 1);
    const list = answers as ReadonlyArray<FakeAnswer | Promise<FakeAnswer>>;
    const answer = await (typeof answers === 'function' ? answers(body) : Array.isArray(answers) ? list[Math.min(n, list.length - 1)]! : (answers as FakeAnswer));
    if (answer === 'never') return new Promise<Response>(() => {});
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    const json = (status: number, value: unknown, type: string) => new Response(JSON.stringify(value), { status, headers: { 'content-type': type } });
    if ('code' in answer) {
      return json(answer.status, { type: 'about:blank', title: 'Refused', status: answer.status, detail: answer.detail ?? `${answer.code} detail`, code: answer.code, issues: answer.issues }, 'application/problem+json');
    }
    return json(method === 'POST' && route === 'dispute' ? 201 : 200, { view: answer }, 'application/json');
  };
  return Object.assign(fake as typeof fetch, { requests });
}
