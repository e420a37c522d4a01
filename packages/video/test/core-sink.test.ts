import { describe, expect, it } from 'vitest';
import { createSessionsCore, type MeetingEventOutcome, type SessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createManualClock, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { coreMeetingEventSink, type MeetingEventRecorder } from '../src/index';
import { zoomWebhookRequest } from '../src/testing/index';
import { mountZoomWebhook } from './support';

const SECRET = 'zoom-webhook-secret-token-for-core-sink';
const URL_ = 'https://tutor.example/api/webhooks/zoom';
const START = new Date('2030-03-01T15:00:00.000Z');
const addMinutes = (at: Date, minutes: number) => new Date(at.getTime() + minutes * 60_000);

// A SessionsCore is a MeetingEventRecorder (structural: the video package does not depend on the core at run time).
const fits = (core: SessionsCore): MeetingEventRecorder => core;
void fits;

async function setup() {
  const clock = createManualClock(addMinutes(START, -60));
  const adapter = createInMemoryAdapter({ clock });
  const video = createFakeVideoProvider();
  const core = createSessionsCore({
    adapter,
    videoProvider: video,
    paymentGateway: createRecordingPaymentGateway(),
    clock,
    matchParticipant: ({ participant }) => (participant.email === 'sam@student.example' ? 'student' : 'unknown'),
  });
  await core.providers.connect({ tutorId: 'tutor-a', provider: 'zoom', tokens: { accessToken: { keyId: 'k1', ciphertext: 'sealed' }, refreshToken: null, expiresAt: null } });
  const { session } = await core.sessions.create({ bookingId: 'b-1', tutorId: 'tutor-a', studentId: 'student-a', scheduledStartAt: START, durationMinutes: 60, priceMinor: 15_000 });
  const outcomes: MeetingEventOutcome[] = [];
  const handle = mountZoomWebhook({
    secretToken: SECRET,
    clock,
    onMeetingEvent: coreMeetingEventSink(core, { onOutcome: (o) => outcomes.push(o as MeetingEventOutcome) }),
  });
  return { core, clock, session, handle, outcomes };
}

const joined = (meetingId: string, joinTime: string) => ({
  event: 'meeting.participant_joined',
  event_ts: 1898694660000,
  payload: {
    account_id: 'AAAAAABBBB',
    object: {
      id: meetingId,
      uuid: '4444AAAiAAAAAiAiAiiAii==',
      host_id: 'h',
      topic: 'Lesson',
      type: 2,
      start_time: '2030-03-01T14:58:00Z',
      participant: { user_id: '16778240', user_name: 'Sam Student', id: '', participant_uuid: 'P-1', email: 'sam@student.example', join_time: joinTime },
    },
  },
});

describe('coreMeetingEventSink', () => {
  it('a signed Zoom join reaches core.attendance.record: stored once, matched, and the student cannot be marked absent', async () => {
    const { core, clock, session, handle, outcomes } = await setup();
    clock.set(addMinutes(START, 3));
    const body = joined(session.meetingId, '2030-03-01T15:02:00Z');
    for (let i = 0; i < 2; i++) {
      const response = await handle(await zoomWebhookRequest(URL_, { secretToken: SECRET, body, at: clock.now() }));
      expect(response.status).toBe(200);
    }
    expect(outcomes.map((o) => o.status)).toEqual(['recorded', 'duplicate']);
    expect(await core.attendance.list(session.id)).toMatchObject([{ role: 'student', kind: 'joined', participantEmail: 'sam@student.example' }]);
    clock.set(addMinutes(START, 25));
    // The tutor is in the session (the presence rule), so the refusal is the student's provider-reported join alone.
    await core.sessions.join({ sessionId: session.id, userId: 'tutor-a' });
    await expect(core.sessions.markNoShow({ sessionId: session.id, userId: 'tutor-a' })).rejects.toMatchObject({ code: 'STUDENT_JOINED', details: { source: 'provider' } });
  });

  it('an unknown meeting is acknowledged', async () => {
    const { clock, handle, outcomes } = await setup();
    clock.set(addMinutes(START, 3));
    const response = await handle(await zoomWebhookRequest(URL_, { secretToken: SECRET, body: joined('99999999999', '2030-03-01T15:02:00Z'), at: clock.now() }));
    expect(response.status).toBe(200);
    expect(outcomes).toEqual([{ status: 'unknown_meeting' }]);
  });
});
