import { act, fireEvent, render, renderHook, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import axe from 'axe-core';
import type { ReactNode } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it, vi } from 'vitest';
import { SessionClockProvider } from '../src/index';
import { ChargebackPanel, DEFAULT_CHARGEBACK_LABELS, useChargebacks, type ChargebackPanelProps } from '../src/chargebacks';
import { createManualSessionClock } from '../src/testing';
import { CHARGEBACK_SESSION_ID, PREVIEW_EVIDENCE, STAGED_EVIDENCE, SUBMITTED, WON, chargebackJson, listed } from './chargeback-fixtures';
import { deferred, fakeSessionFetch, type RouteAnswers } from './fake-routes';

const NOW = new Date('2026-01-21T12:00:00.000Z');
type Routes = Record<string, RouteAnswers<unknown>>;

async function axeViolations() {
  const result = await axe.run(document.body, { rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

const flush = () => act(async () => {});

function renderPanel(routes: Routes, props: Partial<ChargebackPanelProps> = {}, timeZone = 'UTC') {
  const fetch = fakeSessionFetch(routes);
  const utils = render(
    <SessionClockProvider clock={createManualSessionClock(NOW)} locale="en-US" timeZone={timeZone}>
      <ChargebackPanel sessionId={CHARGEBACK_SESSION_ID} fetch={fetch} {...props} />
    </SessionClockProvider>,
    { wrapper: 'main' as never },
  );
  return { fetch, ...utils };
}

const panel = () => screen.getByRole('region', { name: 'Bank disputes' });
const card = (n = 1) => screen.getByRole('region', { name: `Bank dispute ${n}` });
/** The facts of a card as "term: value" lines, every space a plain one (ICU puts U+00A0 / U+202F in money and times). */
const facts = (el: HTMLElement) =>
  [...el.querySelectorAll('dl > div')].map((d) => `${d.querySelector('dt')!.textContent}: ${d.querySelector('dd')!.textContent}`.replace(/[\u00a0\u202f]/g, ' '));
const posts = (fetch: { requests: Array<{ method: string; route: string }> }) => fetch.requests.filter((r) => r.method === 'POST').map((r) => r.route);

describe('useChargebacks', () => {
  const wrapper = ({ children }: { children: ReactNode }) => <SessionClockProvider basePath="/ops/api">{children}</SessionClockProvider>;

  it('reads GET {basePath}/sessions/{id}/chargebacks; stage and submit POST {} to …/chargebacks/{n}/stage|submit; the answer replaces the listed one', async () => {
    const fetch = fakeSessionFetch({
      'GET chargebacks': [listed(chargebackJson(), chargebackJson({ chargeback: 2, reference: 'dp_2', status: 'lost', evidence: 'none', stagedEvidence: null }))],
      'POST chargebacks/1/stage': chargebackJson({ evidenceStagedAt: '2026-01-21T11:00:00.000Z' }),
      'POST chargebacks/1/submit': SUBMITTED(),
    });
    const onChange = vi.fn();
    const { result } = renderHook(() => useChargebacks(CHARGEBACK_SESSION_ID, { fetch, onChange }), { wrapper });
    expect(result.current.status).toBe('loading');
    await waitFor(() => expect(result.current.status).toBe('ready'));
    expect(result.current.chargebacks?.map((c) => c.chargeback)).toEqual([1, 2]);
    expect(result.current.evidence).toEqual(PREVIEW_EVIDENCE);
    await act(async () => void (await result.current.stage(1)));
    expect(result.current.chargebacks?.[0]?.evidenceStagedAt).toBe('2026-01-21T11:00:00.000Z');
    const outcome = await act(() => result.current.submit(1));
    expect(outcome).toMatchObject({ status: 'succeeded', result: { evidence: 'submitted' } });
    expect(result.current.chargebacks?.[0]?.evidence).toBe('submitted');
    expect(result.current.chargebacks?.[1]?.status).toBe('lost');
    expect(onChange).toHaveBeenCalledTimes(2);
    expect(fetch.requests.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.body)} ${r.credentials}`)).toEqual([
      `GET /ops/api/sessions/${CHARGEBACK_SESSION_ID}/chargebacks undefined same-origin`,
      `POST /ops/api/sessions/${CHARGEBACK_SESSION_ID}/chargebacks/1/stage {} same-origin`,
      `POST /ops/api/sessions/${CHARGEBACK_SESSION_ID}/chargebacks/1/submit {} same-origin`,
    ]);
  });

  it('one write at a time: a second resolves null and sends nothing; pending names the write', async () => {
    const answer = deferred<unknown>();
    const fetch = fakeSessionFetch({ 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/submit': answer.promise });
    const { result } = renderHook(() => useChargebacks(CHARGEBACK_SESSION_ID, { fetch }), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    let first!: Promise<unknown>;
    act(() => void (first = result.current.submit(1)));
    expect(result.current.pending).toEqual({ chargeback: 1, step: 'submit' });
    expect(await result.current.stage(1)).toBeNull();
    answer.resolve(SUBMITTED());
    await act(async () => void (await first));
    expect(result.current.pending).toBeNull();
    expect(posts(fetch)).toEqual(['chargebacks/1/submit']);
  });

  it('EVIDENCE_NOT_ACCEPTED: actionError names the write; the list is read again', async () => {
    const onError = vi.fn();
    const fetch = fakeSessionFetch({
      'GET chargebacks': [listed(chargebackJson()), listed(chargebackJson({ status: 'under_review' }))],
      'POST chargebacks/1/submit': { status: 409, code: 'EVIDENCE_NOT_ACCEPTED', detail: 'The dispute no longer takes evidence.' },
    });
    const { result } = renderHook(() => useChargebacks(CHARGEBACK_SESSION_ID, { fetch, onError }), { wrapper });
    await waitFor(() => expect(result.current.status).toBe('ready'));
    await act(async () => void (await result.current.submit(1)));
    expect(result.current.actionError).toMatchObject({ chargeback: 1, step: 'submit', error: { code: 'EVIDENCE_NOT_ACCEPTED', message: 'The dispute no longer takes evidence.' } });
    expect(onError).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(result.current.chargebacks?.[0]?.status).toBe('under_review'));
  });

  it('a failed read keeps the list; FORBIDDEN for someone not on the platform', async () => {
    const fetch = fakeSessionFetch({ 'GET chargebacks': { status: 403, code: 'FORBIDDEN' } });
    const { result } = renderHook(() => useChargebacks(CHARGEBACK_SESSION_ID, { fetch, initialChargebacks: [chargebackJson()] }), { wrapper });
    expect(result.current.status).toBe('ready');
    await waitFor(() => expect(result.current.status).toBe('error'));
    expect(result.current.error?.code).toBe('FORBIDDEN');
    expect(result.current.chargebacks).toHaveLength(1);
  });
});

describe('ChargebackPanel: what it says', () => {
  it('a staged chargeback in words: status, amount, reason, due date, funds, fee, who bears the loss, the tutor’s share, the evidence', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson())] });
    await flush();
    expect(panel()).toHaveAttribute('data-state', 'ready');
    expect(card()).toHaveAttribute('data-state', 'needs_response');
    expect(card()).toHaveAttribute('data-evidence', 'staged');
    expect(facts(card())).toEqual([
      'Status: Evidence needed',
      'Disputed amount: TTD 150.00',
      "The bank's reason: Fraud: the card holder did not make the payment",
      'Evidence due: Jan 30, 2026, 11:59 PM',
      'Funds: TTD 150.00 withdrawn',
      'Dispute fee: TTD 15.00',
      'Who bears the loss: The tutor: TTD 135.00 of it',
      "The tutor's share: Taken back from the tutor's transfer",
      'Opened: Jan 20, 2026, 9:00 AM',
      'Evidence: Staged Jan 20, 2026, 9:00 AM, not submitted.',
    ]);
    expect(await axeViolations()).toEqual([]);
  });

  it('the due date in the viewer’s time zone', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson())] }, {}, 'America/Port_of_Spain');
    await flush();
    expect(facts(card())).toContain('Evidence due: Jan 30, 2026, 7:59 PM');
  });

  it('the staged evidence is readable: a heading per Stripe field, in order, the text with its line breaks, no JSON', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson())] });
    await flush();
    const evidence = within(card()).getByRole('region', { name: 'Staged evidence' });
    expect(within(evidence).getAllByRole('heading', { level: 5 }).map((h) => h.textContent)).toEqual([
      'Service date',
      'Product description',
      'Access activity log',
      'Cancellation policy',
      'Refund policy',
      'Customer communication',
      'Other information',
    ]);
    const log = evidence.querySelector('[data-field="access_activity_log"][data-itutor-part="evidence-text"]')!;
    expect(log.innerHTML.split('<br>')).toEqual(STAGED_EVIDENCE.access_activity_log.split('\n'));
    expect(evidence.querySelector('[data-field="customer_communication"][data-itutor-part="evidence-text"]')).toHaveTextContent('None.');
    expect(evidence.textContent).not.toMatch(/[{}"]|service_date|uncategorized_text/);
    expect(evidence).toHaveTextContent('2026-01-15');
  });

  it('evidence text is text: markup in it is shown, never interpreted', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson({ stagedEvidence: { ...STAGED_EVIDENCE, customer_communication: '<img src=x onerror=alert(1)>\nsecond line' } }))] });
    await flush();
    const text = card().querySelector('[data-field="customer_communication"][data-itutor-part="evidence-text"]')!;
    expect(text.querySelector('img')).toBeNull();
    expect(text.textContent).toBe('<img src=x onerror=alert(1)>second line');
    expect(text.querySelectorAll('br')).toHaveLength(1);
  });

  it('submitted: who and when, the evidence headed "Submitted evidence", no steps; personName names the person', async () => {
    renderPanel({ 'GET chargebacks': [listed(SUBMITTED())] }, { personName: (id) => (id === 'ops-1' ? 'Asha (support)' : id) });
    await flush();
    expect(facts(card())).toContain('Evidence: Submitted by Asha (support) on Jan 21, 2026, 2:30 PM.');
    expect(facts(card())).toContain('Status: Under review by the bank');
    expect(within(card()).getByRole('region', { name: 'Submitted evidence' })).toBeInTheDocument();
    expect(within(card()).queryAllByRole('button')).toEqual([]);
  });

  it('won: closed, the funds reinstated, the share given back', async () => {
    renderPanel({ 'GET chargebacks': [listed(WON())] });
    await flush();
    expect(facts(card())).toEqual(
      expect.arrayContaining(['Status: Won', 'Funds: TTD 150.00 withdrawn, TTD 150.00 reinstated', "The tutor's share: Given back to the tutor", 'Closed: Mar 1, 2026, 10:00 AM']),
    );
  });

  it('the platform bears the loss: no tutor’s share; nothing withdrawn yet; no deadline; an unknown reason as sent', async () => {
    renderPanel({
      'GET chargebacks': [listed(chargebackJson({ lossBearer: 'platform', tutorShareMinor: 0, tutorShare: 'none', fundsWithdrawnMinor: 0, feeMinor: 0, evidenceDueBy: null, reason: 'some_new_reason' }))],
    });
    await flush();
    const lines = facts(card());
    expect(lines).toEqual(expect.arrayContaining(['Who bears the loss: The platform', 'Funds: Nothing withdrawn yet', 'Evidence due: No deadline given', "The bank's reason: some new reason"]));
    expect(lines.some((l) => l.startsWith("The tutor's share"))).toBe(false);
    expect(lines.some((l) => l.startsWith('Dispute fee'))).toBe(false);
  });

  it('an inquiry without staged evidence: "Stage evidence" only (nothing to submit yet)', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson({ status: 'warning_needs_response', evidence: 'none', stagedEvidence: null, evidenceStagedAt: null }))] });
    await flush();
    expect(within(card()).getAllByRole('button').map((b) => b.textContent)).toEqual(['Stage evidence']);
    expect(facts(card())).toContain('Evidence: Not staged yet.');
    // What staging would send, built now from the records (the route's `evidence`), readable before pressing.
    const preview = within(card()).getByRole('region', { name: 'Evidence to stage (built now from the records)' });
    expect(preview).toHaveAttribute('data-state', 'preview');
    expect(preview.querySelector('[data-field="customer_communication"][data-itutor-part="evidence-text"]')).toHaveTextContent(PREVIEW_EVIDENCE.customer_communication!);
  });

  it('a closed chargeback with nothing staged shows no evidence to stage', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson({ status: 'lost', evidence: 'none', stagedEvidence: null, evidenceStagedAt: null }))] });
    await flush();
    expect(within(card()).queryByRole('region')).toBeNull();
    expect(within(card()).queryAllByRole('button')).toEqual([]);
  });

  it('no chargeback; loading; a failed read with Try again', async () => {
    const { unmount } = renderPanel({ 'GET chargebacks': [listed()] });
    expect(panel()).toHaveAttribute('data-state', 'loading');
    expect(panel()).toHaveAttribute('aria-busy', 'true');
    expect(panel()).toHaveTextContent('Loading the bank disputes…');
    await flush();
    expect(panel()).toHaveAttribute('data-state', 'none');
    expect(panel()).toHaveTextContent('No bank dispute for this session.');
    unmount();
    renderPanel({ 'GET chargebacks': [{ status: 501, code: 'CHARGEBACKS_NOT_SUPPORTED' }, listed(chargebackJson())] });
    await flush();
    expect(panel()).toHaveAttribute('data-state', 'error');
    expect(screen.getByRole('alert')).toHaveTextContent('The bank disputes could not be loaded. This server does not record bank disputes.');
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    await flush();
    expect(panel()).toHaveAttribute('data-state', 'ready');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('renders on a server from a shared hook’s initial list (dates wait for hydration without a time zone)', () => {
    function Page() {
      const chargebacks = useChargebacks(CHARGEBACK_SESSION_ID, { initialChargebacks: [chargebackJson()], fetch: fakeSessionFetch({}) });
      return <ChargebackPanel sessionId={CHARGEBACK_SESSION_ID} chargebacks={chargebacks} />;
    }
    const html = renderToString(<Page />);
    expect(html).toContain('Evidence needed');
    expect(html).toContain('Access activity log');
    expect(html).not.toContain('Jan 30, 2026');
  });
});

describe('ChargebackPanel: staging and submitting', () => {
  it('Stage evidence again: posts, shows the new evidence, announces it', async () => {
    const restaged = chargebackJson({ evidenceStagedAt: '2026-01-21T11:00:00.000Z', stagedEvidence: { ...STAGED_EVIDENCE, refund_policy_disclosure: 'Refunds within 72 hours.' } });
    const onChange = vi.fn();
    const { fetch } = renderPanel({ 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/stage': restaged }, { onChange });
    await flush();
    fireEvent.click(within(card()).getByRole('button', { name: 'Stage evidence again' }));
    await flush();
    expect(posts(fetch)).toEqual(['chargebacks/1/stage']);
    expect(screen.getByRole('status')).toHaveTextContent('Evidence for bank dispute 1 staged again.');
    expect(card()).toHaveTextContent('Refunds within 72 hours.');
    expect(facts(card())).toContain('Evidence: Staged Jan 21, 2026, 11:00 AM, not submitted.');
    expect(onChange).toHaveBeenCalledWith(restaged);
  });

  it('Submit evidence: an alert dialog says it is final (Cancel focused first); Cancel sends nothing', async () => {
    const { fetch } = renderPanel({ 'GET chargebacks': [listed(chargebackJson())] });
    await flush();
    fireEvent.click(within(card()).getByRole('button', { name: 'Submit evidence' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Submit the evidence to the bank?' });
    expect(dialog).toHaveAccessibleDescription(
      /^Submitting is final: the evidence shown is sent to the bank for the dispute of TTD\s150\.00 and cannot be changed or added to afterwards\. It is due Jan 30, 2026, 11:59\sPM\.$/,
    );
    await waitFor(() => expect(within(dialog).getByRole('button', { name: 'Cancel' })).toHaveFocus());
    expect(await axeViolations()).toEqual([]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await flush();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(posts(fetch)).toEqual([]);
  });

  it('confirming submits once: pending says Submitting… and nothing closes it; then closed, announced (focused), who and when shown', async () => {
    const answer = deferred<unknown>();
    const { fetch } = renderPanel({ 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/submit': answer.promise });
    await flush();
    fireEvent.click(within(card()).getByRole('button', { name: 'Submit evidence' }));
    const dialog = screen.getByRole('alertdialog');
    const confirm = dialog.querySelector<HTMLElement>('[data-itutor-part="confirm"]')!;
    fireEvent.click(confirm);
    await flush();
    expect(confirm).toHaveAccessibleName('Submitting…');
    expect(confirm).toHaveAttribute('aria-busy', 'true');
    expect(within(dialog).getByRole('button', { name: 'Cancel' })).toBeDisabled();
    fireEvent.click(confirm);
    fireEvent.keyDown(dialog, { key: 'Escape' });
    await flush();
    expect(screen.getByRole('alertdialog')).toBeInTheDocument();
    expect(posts(fetch)).toEqual(['chargebacks/1/submit']);
    answer.resolve(SUBMITTED());
    await flush();
    expect(screen.queryByRole('alertdialog')).toBeNull();
    const status = screen.getByRole('status');
    expect(status).toHaveTextContent('Evidence for bank dispute 1 submitted.');
    await waitFor(() => expect(status).toHaveFocus());
    expect(facts(card())).toContain('Evidence: Submitted by ops-1 on Jan 21, 2026, 2:30 PM.');
    expect(within(card()).queryAllByRole('button')).toEqual([]);
  });

  it('a refusal (EVIDENCE_NOT_ACCEPTED): the server’s words in the dialog, focus on the confirm; the list read again', async () => {
    const { fetch } = renderPanel({
      'GET chargebacks': [listed(chargebackJson()), listed(chargebackJson())],
      'POST chargebacks/1/submit': { status: 409, code: 'EVIDENCE_NOT_ACCEPTED', detail: 'Stripe refused the evidence: service_date is invalid.' },
    });
    await flush();
    fireEvent.click(within(card()).getByRole('button', { name: 'Submit evidence' }));
    const dialog = screen.getByRole('alertdialog');
    fireEvent.click(dialog.querySelector('[data-itutor-part="confirm"]')!);
    await flush();
    const alert = within(dialog).getByRole('alert');
    expect(alert).toHaveTextContent('Stripe refused the evidence: service_date is invalid.');
    expect(alert).toHaveAttribute('data-code', 'EVIDENCE_NOT_ACCEPTED');
    await waitFor(() => expect(dialog.querySelector('[data-itutor-part="confirm"]')).toHaveFocus());
    expect(fetch.requests.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it('works from the keyboard: Tab to Submit evidence, Enter opens on Cancel, Tab and Enter submit', async () => {
    const user = userEvent.setup();
    const { fetch } = renderPanel({ 'GET chargebacks': [listed(chargebackJson())], 'POST chargebacks/1/submit': SUBMITTED() });
    await flush();
    const submit = within(card()).getByRole('button', { name: 'Submit evidence' });
    within(card()).getByRole('button', { name: 'Stage evidence again' }).focus();
    await user.tab();
    expect(submit).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancel' })).toHaveFocus());
    await user.tab();
    expect(screen.getByRole('alertdialog').querySelector('[data-itutor-part="confirm"]')).toHaveFocus();
    await user.keyboard('{Enter}');
    await waitFor(() => expect(screen.getByRole('status')).toHaveFocus());
    expect(posts(fetch)).toEqual(['chargebacks/1/submit']);
  });

  it('takes label overrides, the records merged per key', async () => {
    renderPanel({ 'GET chargebacks': [listed(chargebackJson())] }, { labels: { panelTitle: 'Contestations', statuses: { needs_response: 'Preuves requises' }, evidenceFields: { service_date: 'Date du service' } } });
    await flush();
    expect(screen.getByRole('region', { name: 'Contestations' })).toBeInTheDocument();
    expect(facts(card())).toContain('Status: Preuves requises');
    expect(within(card()).getByRole('heading', { name: 'Date du service' })).toBeInTheDocument();
    expect(within(card()).getByRole('heading', { name: 'Access activity log' })).toBeInTheDocument();
    expect(DEFAULT_CHARGEBACK_LABELS.statuses.needs_response).toBe('Evidence needed');
  });
});
