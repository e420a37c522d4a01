import type { SessionAttendanceJson } from '@itutor/sessions-core/client';
import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, fn, waitFor, within } from 'storybook/test';
import { SessionAttendanceStatus, useSessionAttendance, type FetchAttendanceFunction, type SessionAttendanceLabelsInput } from '../src/attendance';
import { SessionError, type ParticipantRole } from '@itutor/sessions-core';
import { at, attendanceJson } from '../test/fixtures';
import { never, sessionJson } from './story-clock';

const session = sessionJson();

/** What the fake server answers: an attendance body, a refusal, or nothing yet. */
type Answer = SessionAttendanceJson | 'unsupported' | 'offline' | 'pending';

interface Args {
  /** Who is looking. */
  readonly role: ParticipantRole;
  /** The fake server's answer to `GET /api/sessions/{id}/attendance`. */
  readonly answer: Answer;
  readonly labels?: SessionAttendanceLabelsInput;
  /** Called with each read (the story's `fetchAttendance`). */
  readonly onRead: (sessionId: string) => void;
}

const fetchFor =
  (answer: Answer, onRead: (sessionId: string) => void): FetchAttendanceFunction =>
  async (sessionId) => {
    onRead(sessionId);
    if (answer === 'pending') return never();
    if (answer === 'unsupported') {
      throw new SessionError('ATTENDANCE_NOT_SUPPORTED', 'This server stores no attendance from the video provider', { httpStatus: 501 });
    }
    if (answer === 'offline') throw new TypeError('Failed to fetch');
    return answer;
  };

/** The hook feeding the status line, as a host page would use them, plus the hook's read status. */
function AttendanceDemo({ role, answer, labels, onRead }: Args) {
  const { attendance, status, error } = useSessionAttendance(session.id, { fetchAttendance: fetchFor(answer, onRead), refreshIntervalMs: 0 });
  return (
    <div>
      <SessionAttendanceStatus attendance={attendance} role={role} labels={labels} />
      <p style={{ color: '#64748b', fontSize: 12 }}>
        Hook: <code data-testid="read-status">{status}</code>
        {error && <span data-testid="read-error"> ({error.code ?? error.message})</span>}
      </p>
    </div>
  );
}

const meta = {
  title: 'Sessions/SessionAttendance',
  component: AttendanceDemo,
  args: {
    role: 'tutor',
    answer: attendanceJson({ studentInMeeting: true, studentJoinedAt: at(3).toISOString(), tutorInMeeting: true, tutorJoinedAt: at(-2).toISOString() }),
    onRead: fn(),
  },
  argTypes: {
    role: { control: 'inline-radio', options: ['tutor', 'student'] },
    answer: { control: 'object' },
  },
} satisfies Meta<Args>;

export default meta;
type Story = StoryObj<typeof meta>;

const readStatus = (canvasElement: HTMLElement) => within(canvasElement).getByTestId('read-status');

export const StudentInMeeting: Story = {
  name: 'Tutor: the student is in the meeting',
  play: async ({ canvasElement, args }) => {
    const status = await within(canvasElement).findByRole('status');
    await expect(status).toHaveTextContent('The student is in the meeting.');
    await expect(status).toHaveAttribute('data-state', 'in-meeting');
    await expect(readStatus(canvasElement)).toHaveTextContent('success');
    await expect(args.onRead).toHaveBeenCalledWith(session.id);
  },
};

export const StudentLeft: Story = {
  name: 'Tutor: the student has left',
  args: { answer: attendanceJson({ studentJoinedAt: at(3).toISOString() }) },
  play: async ({ canvasElement }) => {
    const status = await within(canvasElement).findByRole('status');
    await expect(status).toHaveTextContent('The student has left the meeting.');
    await expect(status).toHaveAttribute('data-state', 'left');
  },
};

export const StudentNotSeen: Story = {
  name: 'Tutor: the student not seen yet',
  args: { answer: attendanceJson({ tutorInMeeting: true, tutorJoinedAt: at(-2).toISOString(), unknownInMeeting: 1 }) },
  play: async ({ canvasElement }) => {
    const status = await within(canvasElement).findByRole('status');
    await expect(status).toHaveTextContent('The video provider has not seen the student in the meeting yet.');
    await expect(status).toHaveAttribute('data-state', 'not-seen');
  },
};

export const TutorInMeeting: Story = {
  name: 'Student: the tutor is in the meeting',
  args: { role: 'student' },
  play: async ({ canvasElement }) => {
    const status = await within(canvasElement).findByRole('status');
    await expect(status).toHaveTextContent('Your tutor is in the meeting.');
    await expect(status).toHaveAttribute('data-subject', 'tutor');
  },
};

export const Labels: Story = {
  name: 'Labels (Spanish)',
  args: { labels: { studentInMeeting: 'El estudiante está en la reunión.' } },
  play: async ({ canvasElement }) => {
    await expect(await within(canvasElement).findByRole('status')).toHaveTextContent('El estudiante está en la reunión.');
  },
};

export const Loading: Story = {
  args: { answer: 'pending' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(readStatus(canvasElement)).toHaveTextContent('loading'));
    await expect(within(canvasElement).queryByRole('status')).toBeNull();
  },
};

export const Unsupported: Story = {
  name: 'Server without attendance (501)',
  args: { answer: 'unsupported' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(readStatus(canvasElement)).toHaveTextContent('unsupported'));
    await expect(within(canvasElement).getByTestId('read-error')).toHaveTextContent('ATTENDANCE_NOT_SUPPORTED');
    await expect(within(canvasElement).queryByRole('status')).toBeNull();
  },
};

export const ReadFailed: Story = {
  name: 'Read failed (offline)',
  args: { answer: 'offline' },
  play: async ({ canvasElement }) => {
    await waitFor(() => expect(readStatus(canvasElement)).toHaveTextContent('error'));
    await expect(within(canvasElement).getByTestId('read-error')).toHaveTextContent('REQUEST_FAILED');
    await expect(within(canvasElement).queryByRole('status')).toBeNull();
  },
};
