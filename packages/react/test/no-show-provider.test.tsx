/**
 * The no-show button when the video provider reports the student in the meeting: the server refuses
 * with `STUDENT_JOINED` and source `provider`, and the dialog says so (the server's words, or the host's
 * `studentInMeeting` label); next to it, `SessionAttendanceStatus` says it before anyone clicks.
 */
import { SessionError } from '@itutor/sessions-core';
import { act, fireEvent, render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { SessionAttendanceStatus } from '../src/attendance';
import { MarkNoShowButton, SessionClockProvider, type SessionLabelsInput } from '../src/index';
import { createManualSessionClock } from '../src/testing';
import { at, attendanceJson, jsonResponse, makeSession } from './fixtures';

// The tutor joined through our Join button before the start: the presence rule lets them mark a no-show.
const session = makeSession({ tutorJoinedAt: at(-2) });
const PROVIDER_DETAIL = 'The student joined the meeting within the no-show wait (reported by the video provider)';

const refusal = (source: 'provider' | 'join_button', detail = PROVIDER_DETAIL) =>
  jsonResponse(409, {
    type: 'https://itutor.dev/problems/student-joined',
    title: 'Conflict',
    status: 409,
    detail,
    code: 'STUDENT_JOINED',
    source,
    studentJoinedAt: at(10).toISOString(),
  });

async function confirmNoShow(ui: React.ReactElement, providerLabels?: SessionLabelsInput) {
  render(
    <SessionClockProvider clock={createManualSessionClock(at(20))} labels={providerLabels}>
      {ui}
    </SessionClockProvider>,
  );
  fireEvent.click(screen.getByRole('button', { name: 'Mark no-show' }));
  await act(async () => fireEvent.click(screen.getAllByRole('button', { name: 'Mark no-show' }).at(-1)!));
}

describe('MarkNoShowButton refused on the provider’s report', () => {
  it('says so with the server’s words by default; onError gets source "provider"', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(refusal('provider'));
    const onError = vi.fn();
    await confirmNoShow(<MarkNoShowButton session={session} role="tutor" onError={onError} />);
    expect(screen.getByRole('alert')).toHaveTextContent(PROVIDER_DETAIL);
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'STUDENT_JOINED', details: { source: 'provider', httpStatus: 409 } });
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('says it in the host’s words with the studentInMeeting label (prop or provider)', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(refusal('provider'));
    await confirmNoShow(<MarkNoShowButton session={session} role="tutor" labels={{ studentInMeeting: 'El estudiante está en la reunión.' }} />);
    expect(screen.getByRole('alert')).toHaveTextContent(/^El estudiante está en la reunión\.$/);
  });

  it('a refusal on our Join button’s record keeps the server’s words even with the label', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValueOnce(refusal('join_button', 'The student joined within the no-show wait'));
    await confirmNoShow(<MarkNoShowButton session={session} role="tutor" />, { studentInMeeting: 'In the meeting (provider).' });
    expect(screen.getByRole('alert')).toHaveTextContent(/^The student joined within the no-show wait$/);
  });

  it('a host function that throws the core’s SessionError carries its source too', async () => {
    const markNoShow = vi.fn(async () => {
      throw new SessionError('STUDENT_JOINED', PROVIDER_DETAIL, { source: 'provider', studentJoinedAt: at(10) });
    });
    await confirmNoShow(<MarkNoShowButton session={session} role="tutor" markNoShow={markNoShow} labels={{ studentInMeeting: 'Student in the meeting.' }} />);
    expect(screen.getByRole('alert')).toHaveTextContent('Student in the meeting.');
  });

  it('beside the button, SessionAttendanceStatus says the student is in the meeting before anyone clicks', () => {
    render(
      <SessionClockProvider clock={createManualSessionClock(at(20))}>
        <MarkNoShowButton session={session} role="tutor" />
        <SessionAttendanceStatus role="tutor" attendance={attendanceJson({ studentInMeeting: true, studentJoinedAt: at(3).toISOString() })} />
      </SessionClockProvider>,
    );
    expect(screen.getByRole('button', { name: 'Mark no-show' })).toBeEnabled();
    expect(screen.getByRole('status')).toHaveTextContent('The student is in the meeting.');
  });
});

describe('MarkNoShowButton with the provider’s report beforehand (providerStudentJoinedAt)', () => {
  const renderAt = (minutes: number, joinedAt: Date | string | null | undefined) =>
    render(
      <SessionClockProvider clock={createManualSessionClock(at(minutes))}>
        <MarkNoShowButton session={session} role="tutor" providerStudentJoinedAt={joinedAt} />
      </SessionClockProvider>,
    );

  it('a provider join within the wait hides the button, as a Join-button join does (Date or ISO string)', () => {
    for (const joined of [at(10), at(10).toISOString(), at(19)]) {
      const { container, unmount } = renderAt(25, joined);
      expect(screen.queryByRole('button', { name: 'Mark no-show' })).toBeNull();
      expect(container).toBeEmptyDOMElement();
      unmount();
    }
  });

  it('a join after the wait, none, or an unparseable value leaves it as it was', () => {
    for (const joined of [at(19, 1), null, undefined, 'not a date']) {
      const { unmount } = renderAt(25, joined);
      expect(screen.getByRole('button', { name: 'Mark no-show' })).toBeEnabled();
      unmount();
    }
  });
});
