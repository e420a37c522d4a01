'use client';
import type { DisputeViewJson } from '@itutor/sessions-core/client';
import { STATUS_LABELS } from '@itutor/sessions-core/rules';
import { useSessionContext } from '@itutor/sessions-react';
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { DisputeSteps } from './DisputeSteps';
import { resolvePanelLabels, type PanelLabels } from './dispute-labels';
import { useDisputeKit, type DisputeKit, type DisputeSourceProps } from './dispute-parts';

/** Props of {@link DisputePanel}. */
export interface DisputePanelProps extends DisputeSourceProps {
  /** Class of the panel (a `<section>` with `data-itutor="dispute"`, `data-state` and `data-viewer`). */
  readonly className?: string;
  /** Class of the steps' dialogs (they render in a portal, outside the panel). */
  readonly dialogClassName?: string;
  /** Class of the steps' dialog overlays. */
  readonly overlayClassName?: string;
  /** Called with the new view after each step taken here. */
  readonly onChange?: (view: DisputeViewJson) => void;
}

/**
 * A session's dispute, the same for its student, its tutor and the platform's people (`view.viewer`): where
 * it stands ("The tutor offered a refund of TTD 75.00. Accept or decline it."), the steps the viewer may take
 * now (`view.allowedSteps`: the tutor refunds in full, offers a partial refund or contests; the student
 * accepts or declines the offer; the platform decides full, partial or no refund), each confirmed in a
 * dialog with its fields (an amount typed in major units and read exactly, a message), pending and
 * refusal states; then the facts side by side (the session's times and amounts, who joined when by the
 * Join button and by the video provider, the meeting's end, charges, refunds, the tutor's payout: held,
 * scheduled, paid, reduced, taken back) and the timeline of facts and messages, by role, never by id.
 * After a step the view the server answered replaces the old one and "Done. The dispute is updated." is
 * announced (`role="status"`, focused). Reads through `useDispute`, or shares the `dispute` you pass.
 * `data-state`: `loading`, `error` (no view), `none` (no dispute), or the dispute's status.
 */
export function DisputePanel(props: DisputePanelProps) {
  const kit = useDisputeKit(props, resolvePanelLabels);
  const { dispute, labels } = kit;
  const { view } = dispute;
  const titleId = useId();
  const [steps, setSteps] = useState(0);
  const doneRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => void (steps > 0 && doneRef.current?.focus()), [steps]);
  const shell = (state: string, children: ReactNode) => (
    <section className={props.className} data-itutor="dispute" data-state={state} data-viewer={view?.viewer} aria-labelledby={titleId} aria-busy={state === 'loading'}>
      <h2 id={titleId} data-itutor-part="title">
        {labels.panelTitle}
      </h2>
      {children}
    </section>
  );

  if (!view) {
    if (dispute.status !== 'error') return shell('loading', <p data-itutor-part="status">{labels.loading}</p>);
    return shell(
      'error',
      <>
        <p role="alert" data-itutor-part="error">
          {`${labels.loadError} ${dispute.error?.message ?? ''}`.trim()}
        </p>
        <button type="button" data-itutor-part="retry" onClick={() => void dispute.refresh()}>
          {labels.retry}
        </button>
      </>,
    );
  }
  return shell(
    view.dispute?.status ?? 'none',
    <>
      <DisputeSummary kit={kit} view={view} />
      {steps > 0 && (
        <p ref={doneRef} tabIndex={-1} role="status" data-itutor-part="done">
          {labels.stepDone}
        </p>
      )}
      {view.dispute && (
        <DisputeSteps
          kit={kit}
          view={view}
          dialogClassName={props.dialogClassName}
          overlayClassName={props.overlayClassName}
          onError={props.onError}
          onDone={(next) => {
            setSteps((n) => n + 1);
            props.onChange?.(next);
          }}
        />
      )}
      {dispute.status === 'error' && (
        <p role="alert" data-itutor-part="error">
          {labels.loadError}
        </p>
      )}
      <DisputeFacts kit={kit} view={view} />
      <DisputeTimeline kit={kit} view={view} />
    </>,
  );
}

/** The reason and where the dispute stands, or that there is none (internal). */
function DisputeSummary({ kit: { labels, money, date }, view }: { kit: DisputeKit<PanelLabels>; view: DisputeViewJson }) {
  const d = view.dispute;
  if (!d) return <p data-itutor-part="summary">{labels.noDispute}</p>;
  return (
    <div data-itutor-part="summary">
      <p data-itutor-part="reason">{labels.disputeReason(labels.reasons[d.reason], date(d.openedAt)!)}</p>
      <p data-itutor-part="status">
        {d.status === 'resolved'
          ? labels.disputeResolved(d.resolution!, money(d.refundMinor ?? 0), d.resolvedByRole ? labels.roles[d.resolvedByRole] : null)
          : labels.disputeStatus(d.status, view.viewer, d.offerMinor === null ? null : money(d.offerMinor))}
      </p>
    </div>
  );
}

/** A headed group of facts (internal). */
function FactGroup({ title, part, children }: { title: string; part: string; children: ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} data-itutor-part={part}>
      <h3 id={id}>{title}</h3>
      {children}
    </section>
  );
}

/** One fact: a term and its value (internal). */
const Fact = ({ term, children }: { term: string; children: ReactNode }) => (
  <div>
    <dt>{term}</dt>
    <dd>{children}</dd>
  </div>
);

/** A list, or the sentence saying it is empty (internal). */
const List = ({ items, empty }: { items: readonly string[]; empty: string }) =>
  items.length === 0 ? (
    <>{empty}</>
  ) : (
    <ul>
      {items.map((item, i) => (
        <li key={i}>{item}</li>
      ))}
    </ul>
  );

/** The facts side by side: the session, who joined, the payments, the tutor's payout (internal). */
function DisputeFacts({ kit: { labels, money, date }, view }: { kit: DisputeKit<PanelLabels>; view: DisputeViewJson }) {
  const statusOverrides = useSessionContext().labels.status;
  const s = view.session;
  const when = (iso: string | null) => date(iso) ?? labels.notRecorded;
  const role = (r: string) => (r === 'student' || r === 'tutor' ? labels.roles[r] : labels.unknownParticipant);
  const { payout } = view;
  return (
    <div data-itutor-part="facts">
      <FactGroup title={labels.factsSession} part="facts-session">
        <dl>
          <Fact term={labels.scheduled}>{`${date(s.scheduledStartAt)} – ${date(s.scheduledEndAt)}`}</Fact>
          <Fact term={labels.outcome}>{statusOverrides?.[s.status] ?? STATUS_LABELS[s.status]}</Fact>
          <Fact term={labels.price}>{money(s.priceMinor)}</Fact>
          {s.chargeAmountMinor !== null && <Fact term={labels.charged}>{money(s.chargeAmountMinor)}</Fact>}
          {s.payoutAmountMinor !== null && <Fact term={labels.tutorShare}>{money(s.payoutAmountMinor)}</Fact>}
          {s.platformFeeMinor !== null && <Fact term={labels.platformFee}>{money(s.platformFeeMinor)}</Fact>}
        </dl>
      </FactGroup>
      <FactGroup title={labels.factsJoins} part="facts-joins">
        <dl>
          <Fact term={labels.joinedByButton(labels.roles.student)}>{when(s.studentJoinedAt)}</Fact>
          <Fact term={labels.joinedByButton(labels.roles.tutor)}>{when(s.tutorJoinedAt)}</Fact>
          <Fact term={labels.byProvider}>
            <List items={view.attendance.map((a) => labels.providerReport(role(a.role), a.kind, date(a.occurredAt)!))} empty={labels.noProviderReports} />
          </Fact>
          <Fact term={labels.meetingEnded}>{when(s.meetingEndedAt)}</Fact>
        </dl>
      </FactGroup>
      <FactGroup title={labels.factsMoney} part="facts-money">
        <dl>
          <Fact term={labels.charges}>
            <List items={view.charges.map((c) => labels.charge(money(c.amountMinor), c.status, date(c.answeredAt ?? c.requestedAt)!))} empty={labels.noCharges} />
          </Fact>
          <Fact term={labels.refunds}>
            <List items={view.refunds.map((r) => labels.refund(money(r.amountMinor), money(r.payoutMinor), r.status, date(r.requestedAt)!))} empty={labels.noRefunds} />
          </Fact>
        </dl>
      </FactGroup>
      <FactGroup title={labels.factsPayout} part="payout">
        <p data-itutor-part="payout-state" data-state={payout.state}>
          {labels.payout(
            payout,
            { amount: money(payout.amountMinor), outcome: money(payout.outcomeMinor), reversed: money(payout.reversedMinor) },
            date(payout.state === 'paid' ? payout.paidAt : payout.dueAt),
          )}
        </p>
      </FactGroup>
    </div>
  );
}

/** A positive whole amount from an event's payload, else `null` (internal). */
const amountOf = (payload: Readonly<Record<string, unknown>>) => {
  const n = payload.amountMinor ?? payload.refundMinor;
  return Number.isSafeInteger(n) && (n as number) > 0 ? (n as number) : null;
};

/** The audit events, oldest first, by role, with the messages people wrote (internal). */
function DisputeTimeline({ kit: { labels, money, date }, view }: { kit: DisputeKit<PanelLabels>; view: DisputeViewJson }) {
  return (
    <FactGroup title={labels.timelineTitle} part="timeline">
      <ol>
        {view.timeline.map((entry, i) => {
          const amount = amountOf(entry.payload);
          const { message, resolution } = entry.payload;
          return (
            <li key={i} data-type={entry.type} data-role={entry.role}>
              <span data-itutor-part="when">{date(entry.occurredAt)}</span>{' '}
              <span data-itutor-part="who">{labels.roles[entry.role]}</span>
              {': '}
              <span data-itutor-part="what">
                {labels.event(entry.type, amount === null ? null : money(amount), typeof resolution === 'string' ? (resolution as never) : null)}
              </span>
              {typeof message === 'string' && message !== '' && <blockquote data-itutor-part="message">{message}</blockquote>}
            </li>
          );
        })}
      </ol>
    </FactGroup>
  );
}
