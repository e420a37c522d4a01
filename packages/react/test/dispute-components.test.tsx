import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { DEFAULT_DISPUTE_LABELS, DisputePanel, OpenDisputeButton, useDispute, type DisputePanelProps, type OpenDisputeButtonProps } from '../src/disputes';
import { createManualSessionClock, type ManualSessionClock } from '../src/testing';
import { DISPUTE_SESSION_ID, PAID_AND_REVERSED, WINDOW_CLOSES_AT, disputeView, fakeDisputeFetch, type FakeRoute } from './dispute-fixtures';
import { at } from './fixtures';

/** 12:57 UTC on 16 January: the window closes 2 days 3 hours 3 minutes later. */
const NOW = at(21 * 60 + 57);

function renderWith(ui: React.ReactElement, clock: ManualSessionClock = createManualSessionClock(NOW)) {
  const utils = render(
    <SessionClockProvider clock={clock} locale="en-US" timeZone="UTC">
      {ui}
    </SessionClockProvider>,
    { wrapper: 'main' as never },
  );
  return { clock, ...utils };
}

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const flush = () => act(async () => {});
const dialog = () => screen.queryByRole('dialog');
const openButton = (routes: Record<string, FakeRoute>, props: Partial<OpenDisputeButtonProps> = {}, clock?: ManualSessionClock) => {
  const fetch = fakeDisputeFetch(routes);
  return { fetch, ...renderWith(<OpenDisputeButton sessionId={DISPUTE_SESSION_ID} fetch={fetch} {...props} />, clock) };
};
const panel = (routes: Record<string, FakeRoute>, props: Partial<DisputePanelProps> = {}) => {
  const fetch = fakeDisputeFetch(routes);
  return { fetch, ...renderWith(<DisputePanel sessionId={DISPUTE_SESSION_ID} fetch={fetch} {...props} />) };
};
const wrapperState = (container: HTMLElement, name: string) => container.querySelector(`[data-itutor="${name}"]`)?.getAttribute('data-state');
const send = () => screen.getByRole('button', { name: /^(Send report|Sending…)$/ });

describe('OpenDisputeButton', () => {
  it('renders nothing while the view says the student may not open one (loading, not the student, a dispute exists)', async () => {
    for (const view of [disputeView('none', 'tutor'), disputeView('open', 'student'), disputeView('none', 'student', { canOpen: false })]) {
      const { container, unmount } = openButton({ 'GET dispute': view });
      expect(container.querySelector('[data-itutor]')).toBeNull();
      await flush();
      expect(container.querySelector('[data-itutor]')).toBeNull();
      unmount();
    }
  });

  it('opens a labelled dialog: the reason (five), the counted message, and the window left on the shared clock', async () => {
    const { container, clock } = openButton({ 'GET dispute': disputeView('none', 'student') });
    await flush();
    expect(wrapperState(container, 'dispute-open')).toBe('available');
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    const d = screen.getByRole('dialog', { name: 'Report a problem with this session' });
    expect(d).toHaveAccessibleDescription(/^You can report a problem until Jan 18, 2026, 4:00\sPM \(2 days 3 hours left\)\.$/);
    const reason = within(d).getByRole('combobox', { name: 'What went wrong?' });
    expect(within(reason).getAllByRole('option').map((o) => o.textContent)).toEqual([
      'Choose a reason',
      'The tutor did not come',
      'The session ended early',
      'A technical problem',
      'The quality of the lesson',
      'Something else',
    ]);
    const message = within(d).getByRole('textbox', { name: 'Describe what happened' });
    expect(message).toHaveAttribute('maxLength', '2000');
    expect(message).toHaveAccessibleDescription('0 of 2000 characters');
    fireEvent.change(message, { target: { value: 'Left early' } });
    expect(message).toHaveAccessibleDescription('10 of 2000 characters');
    expect(wrapperState(container, 'dispute-open')).toBe('open');
    expect(await axeViolations()).toEqual([]);
    act(() => void clock.set(WINDOW_CLOSES_AT.getTime() - 59 * 60_000));
    expect(d).toHaveAccessibleDescription(/\(59 minutes left\)\.$/);
    act(() => void clock.set(WINDOW_CLOSES_AT.getTime() - 30_000));
    expect(d).toHaveAccessibleDescription(/\(less than a minute left\)\.$/);
  });

  it('says what is missing next to the field, focuses it, and sends nothing', async () => {
    const { fetch } = openButton({ 'GET dispute': disputeView('none', 'student') });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    fireEvent.click(send());
    const reason = screen.getByRole('combobox', { name: 'What went wrong?' });
    expect(reason).toHaveAttribute('aria-invalid', 'true');
    expect(reason).toHaveAccessibleDescription('Choose what went wrong.');
    expect(reason).toHaveFocus();
    fireEvent.change(reason, { target: { value: 'quality' } });
    const message = screen.getByRole('textbox', { name: 'Describe what happened' });
    fireEvent.change(message, { target: { value: '   ' } });
    fireEvent.click(send());
    expect(message).toHaveAttribute('aria-invalid', 'true');
    expect(message).toHaveAccessibleDescription('Write a message. 3 of 2000 characters');
    expect(message).toHaveFocus();
    expect(reason).not.toHaveAttribute('aria-invalid');
    expect(fetch.requests.filter((r) => r.method === 'POST')).toEqual([]);
    expect(await axeViolations()).toEqual([]);
  });

  it('sends { reason, message }, shows pending, then "Problem reported…" focused, and calls onOpened with the new view', async () => {
    let release!: () => void;
    const opened = disputeView('open', 'student');
    const onOpened = vi.fn();
    const { fetch, container } = openButton(
      { 'GET dispute': disputeView('none', 'student'), 'POST dispute': new Promise((r) => (release = () => r(opened))) },
      { onOpened },
    );
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'What went wrong?' }), { target: { value: 'ended_early' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'The tutor left after 20 minutes.' } });
    fireEvent.click(send());
    await flush();
    expect(send()).toHaveTextContent('Sending…');
    expect(send()).toHaveAttribute('aria-busy', 'true');
    expect(screen.getByRole('button', { name: 'Cancel' })).toBeDisabled();
    expect(wrapperState(container, 'dispute-open')).toBe('pending');
    fireEvent.keyDown(dialog()!, { key: 'Escape' });
    expect(dialog()).toBeInTheDocument(); // nothing closes it while sending
    fireEvent.click(send());
    await act(async () => release());
    expect(fetch.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ reason: 'ended_early', message: 'The tutor left after 20 minutes.' }]);
    expect(dialog()).toBeNull();
    const result = screen.getByRole('status');
    expect(result).toHaveTextContent('Problem reported. Your tutor will answer it here.');
    await waitFor(() => expect(result).toHaveFocus());
    expect(onOpened).toHaveBeenCalledWith(opened);
  });

  it('a failure is an alert with the server’s words (a known refusal with its label), focus on Send; the window closing disables sending (focus on Cancel)', async () => {
    const onError = vi.fn();
    const { container } = openButton(
      {
        'GET dispute': disputeView('none', 'student'),
        'POST dispute': [{ status: 500, code: 'INTERNAL', detail: 'The database is down' }, { status: 409, code: 'DISPUTE_WINDOW_CLOSED' }],
      },
      { onError },
    );
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'What went wrong?' }), { target: { value: 'other' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'Hmm' } });
    fireEvent.click(send());
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The database is down');
    expect(wrapperState(container, 'dispute-open')).toBe('error');
    await waitFor(() => expect(send()).toHaveFocus());
    fireEvent.click(send());
    await flush();
    expect(onError).toHaveBeenLastCalledWith(expect.objectContaining({ code: 'DISPUTE_WINDOW_CLOSED' }));
    expect(dialog()).toHaveAccessibleDescription('The time to report a problem with this session has passed.');
    expect(send()).toHaveAttribute('aria-disabled', 'true');
    expect(wrapperState(container, 'dispute-open')).toBe('closed');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
  });

  it('the window closing on the shared clock refuses in place, and hides the trigger once the dialog closes', async () => {
    const clock = createManualSessionClock(WINDOW_CLOSES_AT.getTime() - 5_000);
    const { fetch, container } = openButton({ 'GET dispute': disputeView('none', 'student') }, {}, clock);
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'What went wrong?' }), { target: { value: 'other' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'Hmm' } });
    act(() => void clock.advance({ seconds: 5 }));
    expect(dialog()).toHaveAccessibleDescription('The time to report a problem with this session has passed.');
    fireEvent.click(send());
    await flush();
    expect(fetch.requests.filter((r) => r.method === 'POST')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(container.querySelector('[data-itutor]')).toBeNull();
  });

  it('takes label overrides, the reasons merged per key', async () => {
    openButton({ 'GET dispute': disputeView('none', 'student') }, { labels: { reportProblem: 'Signaler un problème', reasons: { other: 'Autre chose' } } });
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Signaler un problème' }));
    const options = within(screen.getByRole('combobox')).getAllByRole('option').map((o) => o.textContent);
    expect(options.slice(-2)).toEqual(['The quality of the lesson', 'Autre chose']);
  });

  it('the payout card says what holds it: the dispute, or a card dispute at the bank', () => {
    const card = { timing: 'after_review', outcomeMinor: 13_500, amountMinor: 13_500, reduced: false, reversedMinor: 0, dueAt: null, paidAt: null } as const;
    const money = { amount: 'TTD 135.00', outcome: 'TTD 135.00', reversed: 'TTD 0.00' };
    expect(DEFAULT_DISPUTE_LABELS.payout({ ...card, state: 'held', heldBy: 'dispute' }, money, null)).toBe('Held while the dispute is open: TTD 135.00.');
    expect(DEFAULT_DISPUTE_LABELS.payout({ ...card, state: 'held', heldBy: 'chargeback' }, money, null)).toBe('Held while the card dispute at the bank is open: TTD 135.00.');
  });

  it('DEFAULT_DISPUTE_LABELS holds every text of both components (the three parts each component resolves)', () => {
    expect(DEFAULT_DISPUTE_LABELS).toMatchObject({
      reportProblem: 'Report a problem',
      panelTitle: 'Dispute',
      cancel: 'Cancel',
      reasons: { tutor_absent: 'The tutor did not come' },
      roles: { system: 'System' },
      errors: { DISPUTE_EXISTS: 'A problem has already been reported for this session.' },
    });
    expect(DEFAULT_DISPUTE_LABELS.timeLeft(2, 3, 3)).toBe('2 days 3 hours');
    expect(DEFAULT_DISPUTE_LABELS.timeLeft(0, 1, 0)).toBe('1 hour');
    expect(DEFAULT_DISPUTE_LABELS.timeLeft(0, 0, 0)).toBe('less than a minute');
    // Every text the interface declares has a default (the three parts together cover it).
    const declared = readFileSync(join(__dirname, '../src/dispute-labels.ts'), 'utf8').split('export interface DisputeLabels {')[1]!.split('\n}\n')[0]!;
    const keys = [...declared.matchAll(/^ {2}readonly (\w+)\??:/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThan(50);
    expect(Object.keys(DEFAULT_DISPUTE_LABELS).sort()).toEqual(keys.sort());
  });

  it('works from the keyboard: Enter opens with focus on the reason, Tab moves through the form, Escape closes and focus returns', async () => {
    const user = userEvent.setup();
    openButton({ 'GET dispute': disputeView('none', 'student') });
    await flush();
    await user.tab();
    const trigger = screen.getByRole('button', { name: 'Report a problem' });
    expect(trigger).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('combobox', { name: 'What went wrong?' })).toHaveFocus());
    await user.tab();
    expect(screen.getByRole('textbox', { name: 'Describe what happened' })).toHaveFocus();
    await user.keyboard('No sound');
    await user.tab();
    expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus();
    await user.tab();
    expect(send()).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(dialog()).toBeNull();
    await waitFor(() => expect(trigger).toHaveFocus());
  });
});

describe('DisputePanel: the facts and the timeline', () => {
  it('shows the facts side by side, the payout held, and the timeline by role with messages and no ids', async () => {
    const { container } = panel({ 'GET dispute': disputeView('offered', 'tutor') });
    expect(wrapperState(container, 'dispute')).toBe('loading');
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('aria-busy', 'true');
    await flush();
    const region = screen.getByRole('region', { name: 'Dispute' });
    expect(region).toHaveAttribute('data-state', 'offered');
    expect(region).toHaveAttribute('data-viewer', 'tutor');
    expect(within(region).getByText(/^Reported Jan 16, 2026, 10:00\sAM: The session ended early\.$/)).toBeInTheDocument();
    expect(within(region).getByText(/^The tutor offered a refund of TTD\s75\.00\. Waiting for the student's answer\.$/)).toBeInTheDocument();
    const session = within(region).getByRole('region', { name: 'Session' });
    expect(session).toHaveTextContent(/ScheduledJan 15, 2026, 3:00\sPM – Jan 15, 2026, 4:00\sPM/);
    expect(session).toHaveTextContent(/OutcomeCompleted/);
    expect(session).toHaveTextContent(/PriceTTD\s150\.00ChargedTTD\s150\.00Tutor's shareTTD\s135\.00Platform feeTTD\s15\.00/);
    const joins = within(region).getByRole('region', { name: 'Who joined' });
    expect(joins).toHaveTextContent(/Student, by the Join buttonJan 15, 2026, 3:01\sPM/);
    expect(joins).toHaveTextContent(/Tutor, by the Join buttonJan 15, 2026, 2:57\sPM/);
    expect(within(joins).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringMatching(/^Tutor joined Jan 15, 2026, 2:57\sPM$/),
      expect.stringMatching(/^Student joined Jan 15, 2026, 3:01\sPM$/),
      expect.stringMatching(/^Tutor left Jan 15, 2026, 3:20\sPM$/),
      expect.stringMatching(/^Student left Jan 15, 2026, 3:21\sPM$/),
    ]);
    expect(joins).toHaveTextContent(/Meeting endedJan 15, 2026, 3:20\sPM/);
    const money = within(region).getByRole('region', { name: 'Payments' });
    expect(money).toHaveTextContent(/ChargesTTD\s150\.00, succeeded, Jan 15, 2026, 4:00\sPM/);
    expect(money).toHaveTextContent('RefundsNo refund.');
    expect(within(region).getByRole('region', { name: "Tutor's payout" })).toHaveTextContent(/^Tutor's payoutHeld while the dispute is open: TTD\s135\.00\.$/);
    const timeline = within(region).getByRole('region', { name: 'Timeline' });
    const lines = within(timeline).getAllByRole('listitem').map((li) => li.textContent);
    expect(lines).toContainEqual(expect.stringMatching(/^Jan 16, 2026, 10:00\sAM Student: Reported a problemThe tutor left after 20 minutes\.$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Jan 16, 2026, 12:00\sPM Tutor: Offered a partial refund: TTD\s75\.00My connection dropped\. Half back\?$/));
    expect(lines).toContainEqual(expect.stringMatching(/ System: Payout scheduled: TTD\s135\.00$/));
    expect(region.textContent).not.toContain(DISPUTE_SESSION_ID);
    expect(await axeViolations()).toEqual([]);
  });

  it.each([
    ['scheduled, reduced by a refund', disputeView('resolved', 'tutor'), /^Scheduled: TTD\s90\.00 \(reduced from TTD\s135\.00 by refunds\), to be paid Jan 18, 2026, 4:00\sPM\.$/],
    ['paid, then part taken back', disputeView('resolved', 'tutor', { payout: PAID_AND_REVERSED }), /^Paid: TTD\s135\.00 on Jan 18, 2026, 4:00\sPM\. TTD\s45\.00 taken back after refunds\.$/],
    ['none', disputeView('none', 'tutor', { payout: { ...PAID_AND_REVERSED, state: 'none', amountMinor: 0, reversedMinor: 0 } }), /^No payout for this session\.$/],
  ])('the payout card: %s', async (_, view, text) => {
    panel({ 'GET dispute': view });
    await flush();
    const card = screen.getByRole('region', { name: "Tutor's payout" }).querySelector('[data-itutor-part="payout-state"]')!;
    expect(card).toHaveTextContent(text);
    expect(card).toHaveAttribute('data-state', view.payout.state);
  });

  it('resolved: says how, by whom, with the refund among the payments and no steps', async () => {
    panel({ 'GET dispute': disputeView('resolved', 'student') });
    await flush();
    const region = screen.getByRole('region', { name: 'Dispute' });
    expect(region).toHaveAttribute('data-state', 'resolved');
    expect(within(region).getByText(/^Resolved: partial refund of TTD\s50\.00 \(by the platform\)\.$/)).toBeInTheDocument();
    expect(within(region).getByRole('region', { name: 'Payments' })).toHaveTextContent(/RefundsTTD\s50\.00 \(from the tutor's share: TTD\s45\.00\), succeeded/);
    expect(within(region).getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Platform: Decided: partial refund of TTD\s50\.00We refund a third\./);
    expect(within(region).queryAllByRole('button')).toEqual([]);
  });

  it('no dispute: says so, with the facts', async () => {
    panel({ 'GET dispute': disputeView('none', 'student') });
    await flush();
    expect(screen.getByText('No problem has been reported for this session.')).toBeInTheDocument();
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'none');
    expect(screen.getByRole('region', { name: "Tutor's payout" })).toHaveTextContent(/Scheduled: TTD\s135\.00, to be paid/);
  });

  it('a failed read: an alert with the server’s words and Try again, which reads again', async () => {
    const { fetch } = panel({ 'GET dispute': [{ status: 403, code: 'NOT_SESSION_PARTICIPANT', detail: 'Not yours' }, disputeView('open', 'platform')] });
    await flush();
    expect(screen.getByRole('alert')).toHaveTextContent('The dispute could not be loaded. Not yours');
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'error');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByRole('button', { name: 'Decide' })).toBeInTheDocument();
    expect(fetch.requests).toHaveLength(2);
  });

  it('dates wait for hydration without a fixed time zone (the server and the first client render agree)', () => {
    const html = renderToString(
      <SessionClockProvider clock={createManualSessionClock(NOW)}>
        <DisputePanel sessionId={DISPUTE_SESSION_ID} dispute={{ ...staticDispute, view: disputeView('open', 'student') }} />
      </SessionClockProvider>,
    );
    expect(html).toContain('The session ended early');
    expect(html).not.toMatch(/Jan 1\d, 2026/);
    const fixed = renderToString(
      <SessionClockProvider clock={createManualSessionClock(NOW)} locale="en-US" timeZone="UTC">
        <DisputePanel sessionId={DISPUTE_SESSION_ID} dispute={{ ...staticDispute, view: disputeView('open', 'student') }} />
      </SessionClockProvider>,
    );
    expect(fixed).toMatch(/Reported Jan 16, 2026, 10:00\sAM/);
  });
});

/** A `useDispute` result with nothing behind it, for server renders. */
const staticDispute = {
  view: null,
  status: 'ready',
  error: null,
  refresh: async () => {},
  open: async () => null,
  act: async () => null,
  pending: false,
  actionError: null,
} as const;

const step = (name: string) => screen.getByRole('button', { name });
const confirmIn = (d: HTMLElement) => d.querySelector<HTMLButtonElement>('[data-itutor-part="confirm"]')!;

describe('DisputePanel: the steps', () => {
  it('the tutor: Refund in full, Offer a partial refund, Contest; the student of an open dispute: none', async () => {
    const { unmount } = panel({ 'GET dispute': disputeView('open', 'tutor') });
    await flush();
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Refund in full', 'Offer a partial refund', 'Contest']);
    unmount();
    panel({ 'GET dispute': disputeView('open', 'student') });
    await flush();
    expect(screen.getByText("Waiting for the tutor's answer.")).toBeInTheDocument();
    expect(screen.queryAllByRole('button')).toEqual([]);
  });

  it('an offer: the amount typed in major units is sent in minor units exactly; a bad amount is said and focused', async () => {
    const onChange = vi.fn();
    const offered = disputeView('offered', 'tutor');
    const { fetch } = panel({ 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/offer': offered }, { onChange });
    await flush();
    fireEvent.click(step('Offer a partial refund'));
    const d = screen.getByRole('dialog', { name: 'Offer a partial refund' });
    expect(d).toHaveAccessibleDescription(/^Offer the student part of the TTD\s150\.00 paid\./);
    const amount = within(d).getByRole('textbox', { name: 'Refund amount (TTD)' });
    expect(amount).toHaveAccessibleDescription(/^From TTD\s0\.01 to TTD\s150\.00, e\.g\. 25\.00$/);
    for (const typed of ['75.555', '150.01', '0', 'abc']) {
      fireEvent.change(amount, { target: { value: typed } });
      fireEvent.click(confirmIn(d));
      expect(amount).toHaveAttribute('aria-invalid', 'true');
      expect(amount).toHaveAccessibleDescription(/^Enter an amount from TTD\s0\.01 to TTD\s150\.00, with at most two decimals\./);
      expect(amount).toHaveFocus();
    }
    expect(await axeViolations()).toEqual([]);
    expect(fetch.requests.filter((r) => r.method === 'POST')).toEqual([]);
    fireEvent.change(amount, { target: { value: '0.29' } });
    fireEvent.change(within(d).getByRole('textbox', { name: 'Message (optional)' }), { target: { value: 'Sorry about the connection.' } });
    fireEvent.click(confirmIn(d));
    await flush();
    expect(fetch.requests.filter((r) => r.method === 'POST').map((r) => [r.route, r.body])).toEqual([['dispute/offer', { amountMinor: 29, message: 'Sorry about the connection.' }]]);
    expect(dialog()).toBeNull();
    const done = screen.getByRole('status');
    expect(done).toHaveTextContent('Done. The dispute is updated.');
    await waitFor(() => expect(done).toHaveFocus());
    expect(screen.getByText(/^The tutor offered a refund of TTD\s75\.00\. Waiting for the student's answer\.$/)).toBeInTheDocument();
    expect(onChange).toHaveBeenCalledWith(offered);
  });

  it('works from the keyboard: Tab to a step, Enter opens with focus on its first field, Enter in the amount confirms', async () => {
    const user = userEvent.setup();
    const { fetch } = panel({ 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/offer': disputeView('offered', 'tutor') });
    await flush();
    await user.tab();
    expect(step('Refund in full')).toHaveFocus();
    await user.tab();
    expect(step('Offer a partial refund')).toHaveFocus();
    await user.keyboard('{Enter}');
    const amount = await screen.findByRole('textbox', { name: 'Refund amount (TTD)' });
    await waitFor(() => expect(amount).toHaveFocus());
    await user.keyboard('20{Enter}');
    await flush();
    expect(fetch.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ amountMinor: 2_000 }]);
    await waitFor(() => expect(screen.getByRole('status')).toHaveFocus());
  });

  it('contest needs a message; pending says Sending… and nothing closes the dialog', async () => {
    const { fetch } = panel({ 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/contest': 'never' });
    await flush();
    fireEvent.click(step('Contest'));
    const d = screen.getByRole('dialog', { name: 'Contest' });
    fireEvent.click(confirmIn(d));
    const message = within(d).getByRole('textbox', { name: 'Describe what happened' });
    expect(message).toHaveAccessibleDescription('Write a message. 0 of 2000 characters');
    expect(message).toHaveFocus();
    fireEvent.change(message, { target: { value: 'The lesson ran the full hour.' } });
    fireEvent.click(confirmIn(d));
    await flush();
    expect(confirmIn(d)).toHaveTextContent('Sending…');
    expect(confirmIn(d)).toHaveAttribute('aria-busy', 'true');
    expect(within(d).getByRole('button', { name: 'Cancel' })).toBeDisabled();
    fireEvent.click(confirmIn(d));
    fireEvent.keyDown(d, { key: 'Escape' });
    expect(dialog()).toBeInTheDocument();
    expect(fetch.requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([{ message: 'The lesson ran the full hour.' }]);
  });

  it('the student accepts the offer (confirmed, with what they get back) or declines it', async () => {
    const { fetch } = panel({ 'GET dispute': disputeView('offered', 'student'), 'POST dispute/accept-offer': disputeView('resolved', 'student') });
    await flush();
    expect(screen.getByText(/^The tutor offered a refund of TTD\s75\.00\. Accept or decline it\.$/)).toBeInTheDocument();
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Accept the offer', 'Decline the offer']);
    fireEvent.click(step('Accept the offer'));
    const d = screen.getByRole('dialog', { name: 'Accept the offer' });
    expect(d).toHaveAccessibleDescription(/^You get TTD\s75\.00 back and the dispute is resolved\. This cannot be undone\.$/);
    expect(within(d).queryByRole('textbox')).toBeNull();
    fireEvent.click(confirmIn(d));
    await flush();
    expect(fetch.requests.at(-1)).toMatchObject({ route: 'dispute/accept-offer', body: {} });
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'resolved');
  });

  it('the platform decides: a decision is required; partial asks for the amount; the message is required', async () => {
    const { fetch } = panel({ 'GET dispute': disputeView('contested', 'platform'), 'POST dispute/resolve': disputeView('resolved', 'platform') });
    await flush();
    expect(screen.getByText('Contested: your decision is needed.')).toBeInTheDocument();
    fireEvent.click(step('Decide'));
    const d = screen.getByRole('dialog', { name: 'Decide' });
    const group = within(d).getByRole('group', { name: 'Decision' });
    fireEvent.click(confirmIn(d));
    expect(group).toHaveAccessibleDescription('Choose a decision.');
    expect(within(group).getByRole('radio', { name: 'Full refund' })).toHaveFocus();
    expect(within(d).queryByRole('textbox', { name: 'Refund amount (TTD)' })).toBeNull();
    fireEvent.click(within(group).getByRole('radio', { name: 'Partial refund' }));
    const amount = within(d).getByRole('textbox', { name: 'Refund amount (TTD)' });
    fireEvent.change(amount, { target: { value: '50' } });
    fireEvent.click(confirmIn(d));
    expect(within(d).getByRole('textbox', { name: 'Describe what happened' })).toHaveFocus();
    fireEvent.change(within(d).getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'We refund a third.' } });
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(confirmIn(d));
    await flush();
    expect(fetch.requests.at(-1)!.body).toEqual({ resolution: 'partial_refund', amountMinor: 5_000, message: 'We refund a third.' });
    expect(screen.getByText(/^Resolved: partial refund of TTD\s50\.00 \(by the platform\)\.$/)).toBeInTheDocument();
  });

  it('no refund sends no amount', async () => {
    const { fetch } = panel({ 'GET dispute': disputeView('open', 'platform'), 'POST dispute/resolve': disputeView('resolved', 'platform') });
    await flush();
    fireEvent.click(step('Decide'));
    const d = screen.getByRole('dialog', { name: 'Decide' });
    fireEvent.click(within(d).getByRole('radio', { name: 'Partial refund' }));
    fireEvent.change(within(d).getByRole('textbox', { name: 'Refund amount (TTD)' }), { target: { value: '12' } });
    fireEvent.click(within(d).getByRole('radio', { name: 'No refund' }));
    fireEvent.change(within(d).getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'The lesson was given.' } });
    fireEvent.click(confirmIn(d));
    await flush();
    expect(fetch.requests.at(-1)!.body).toEqual({ resolution: 'no_refund', message: 'The lesson was given.' });
  });

  it('a stale refusal: the dialog stays with the reason, the view is read again, Confirm can do nothing, focus on Cancel', async () => {
    const onError = vi.fn();
    const { fetch } = panel(
      { 'GET dispute': [disputeView('offered', 'tutor'), disputeView('resolved', 'tutor')], 'POST dispute/accept': { status: 409, code: 'DISPUTE_RESOLVED' } },
      { onError },
    );
    await flush();
    fireEvent.click(step('Refund in full'));
    const d = screen.getByRole('dialog', { name: 'Refund in full' });
    fireEvent.click(confirmIn(d));
    await flush();
    expect(within(d).getByRole('alert')).toHaveTextContent('This dispute has already been resolved.');
    expect(fetch.requests.map((r) => `${r.method} ${r.route}`)).toEqual(['GET dispute', 'POST dispute/accept', 'GET dispute']);
    expect(confirmIn(d)).toHaveAttribute('aria-disabled', 'true');
    await waitFor(() => expect(within(d).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    fireEvent.click(confirmIn(d));
    await flush();
    expect(fetch.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'DISPUTE_RESOLVED' }));
    fireEvent.click(within(d).getByRole('button', { name: 'Cancel' }));
    expect(dialog()).toBeNull();
    expect(screen.queryAllByRole('button')).toEqual([]);
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'resolved');
  });

  it('a refusal the step can be retried after: the server’s words, focus on the confirm', async () => {
    panel({ 'GET dispute': disputeView('open', 'tutor'), 'POST dispute/accept': { status: 409, code: 'PAYOUT_IN_FLIGHT' } });
    await flush();
    fireEvent.click(step('Refund in full'));
    const d = screen.getByRole('dialog', { name: 'Refund in full' });
    fireEvent.click(confirmIn(d));
    await flush();
    expect(within(d).getByRole('alert')).toHaveTextContent("The tutor's payout is being sent. Try again in a minute.");
    await waitFor(() => expect(confirmIn(d)).toHaveFocus());
    expect(confirmIn(d)).not.toHaveAttribute('aria-disabled');
  });

  it('one hook shared by the button and the panel: opening shows the open dispute in the panel without a read', async () => {
    const fetch = fakeDisputeFetch({ 'GET dispute': disputeView('none', 'student'), 'POST dispute': disputeView('open', 'student') });
    function Page() {
      const dispute = useDispute(DISPUTE_SESSION_ID, { fetch });
      return (
        <>
          <OpenDisputeButton sessionId={DISPUTE_SESSION_ID} dispute={dispute} />
          <DisputePanel sessionId={DISPUTE_SESSION_ID} dispute={dispute} />
        </>
      );
    }
    renderWith(<Page />);
    await flush();
    fireEvent.click(screen.getByRole('button', { name: 'Report a problem' }));
    fireEvent.change(screen.getByRole('combobox', { name: 'What went wrong?' }), { target: { value: 'ended_early' } });
    fireEvent.change(screen.getByRole('textbox', { name: 'Describe what happened' }), { target: { value: 'Short.' } });
    fireEvent.click(send());
    await flush();
    expect(screen.getByRole('region', { name: 'Dispute' })).toHaveAttribute('data-state', 'open');
    expect(fetch.requests.map((r) => `${r.method} ${r.route}`)).toEqual(['GET dispute', 'POST dispute']);
  });

  it('takes label overrides (records merged per key)', async () => {
    panel({ 'GET dispute': disputeView('open', 'tutor') }, { labels: { steps: { contest: 'Contester' }, roles: { student: 'Élève' } } });
    await flush();
    expect(screen.getAllByRole('button').map((b) => b.textContent)).toEqual(['Refund in full', 'Offer a partial refund', 'Contester']);
    expect(screen.getByRole('region', { name: 'Timeline' })).toHaveTextContent(/Élève: Reported a problem/);
  });
});
