import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { zoomWebhookRoutes, type ProviderMeetingEvent, type ZoomWebhookOptions } from '../src/index';
import { signZoomWebhook, zoomWebhookRequest } from '../src/testing/index';
import { mountZoomWebhook } from './support';

const URL_ = 'https://tutor.example/api/webhooks/zoom';
const SECRET = 'zoom-webhook-secret-token-for-tests';
const NOW = new Date('2030-03-01T15:10:00.000Z');

function host(over: Partial<ZoomWebhookOptions> = {}) {
  const events: ProviderMeetingEvent[] = [];
  const errors: unknown[] = [];
  const ignoredTypes: (string | null)[] = [];
  const handle = mountZoomWebhook({
    secretToken: SECRET,
    clock: { now: () => NOW },
    onMeetingEvent: async (event) => {
      events.push(event);
    },
    onError: (e) => errors.push(e),
    onIgnored: (info) => ignoredTypes.push(info.type),
    ...over,
  });
  return { handle, events, errors, ignoredTypes };
}

const send = (handle: (r: Request) => Promise<Response>, body: unknown, at = NOW, secretToken = SECRET) =>
  zoomWebhookRequest(URL_, { secretToken, body, at }).then(handle);

/** Payloads in the shape of Zoom's documented events (Zoom's Rivet types, Zoom's docs). */
const meeting = { id: 85746065432, uuid: '4444AAAiAAAAAiAiAiiAii==', host_id: 'x1yCzABCDEfg23HiJKl4mN', topic: 'Algebra lesson 1', type: 2, duration: 60, timezone: 'America/Port_of_Spain' };
const started = { event: 'meeting.started', event_ts: 1898694000000, payload: { account_id: 'AAAAAABBBB', object: { ...meeting, start_time: '2030-03-01T14:58:00Z' } } };
const ended = { event: 'meeting.ended', event_ts: 1898697000000, payload: { account_id: 'AAAAAABBBB', object: { ...meeting, start_time: '2030-03-01T14:58:00Z', end_time: '2030-03-01T15:40:12Z' } } };
const student = { user_id: '16778240', user_name: 'Sam Student', id: '', participant_user_id: '', participant_uuid: 'E3B0C442-98FC-1C14-9AFB-F4C8996FB924', email: 'sam@student.example', registrant_id: 'abcdefghij0-klmnopq23Q' };
const joined = {
  event: 'meeting.participant_joined',
  event_ts: 1898694660000,
  payload: { account_id: 'AAAAAABBBB', object: { ...meeting, id: String(meeting.id), start_time: '2030-03-01T14:58:00Z', participant: { ...student, join_time: '2030-03-01T15:11:00Z' } } },
};
const left = {
  event: 'meeting.participant_left',
  event_ts: 1898696000000,
  payload: {
    account_id: 'AAAAAABBBB',
    object: { ...meeting, start_time: '2030-03-01T14:58:00Z', participant: { ...student, leave_time: '2030-03-01T15:33:20Z', leave_reason: 'left the meeting' } },
  },
};

describe('zoomWebhookRoutes: signatures', () => {
  it('accepts a delivery signed as Zoom signs it (v0=HMAC-SHA256 of v0:{timestamp}:{raw body})', async () => {
    const { handle, events } = host();
    const body = JSON.stringify(started);
    const timestamp = String(NOW.getTime() / 1000);
    // Computed independently with node:crypto, not with the package's own helper.
    const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const response = await handle(new Request(URL_, { method: 'POST', body, headers: { 'x-zm-signature': signature, 'x-zm-request-timestamp': timestamp } }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'accepted' });
    expect(events).toHaveLength(1);
  });

  it('refuses a wrong secret, a tampered body, missing headers and a malformed signature with 401, calling nothing', async () => {
    const { handle, events } = host();
    expect((await send(handle, started, NOW, 'another-secret')).status).toBe(401);

    const body = JSON.stringify(started);
    const headers = await signZoomWebhook({ secretToken: SECRET, body, at: NOW });
    const tampered = body.replace('14:58:00Z', '14:59:00Z');
    expect((await handle(new Request(URL_, { method: 'POST', body: tampered, headers }))).status).toBe(401);
    // One byte of whitespace is a different body too.
    expect((await handle(new Request(URL_, { method: 'POST', body: `${body} `, headers }))).status).toBe(401);

    const only = (name: keyof typeof headers) => ({ [name]: headers[name] });
    for (const partial of [{}, only('x-zm-signature'), only('x-zm-request-timestamp')]) {
      const response = await handle(new Request(URL_, { method: 'POST', body, headers: partial }));
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect((await response.json()).code).toBe('UNAUTHENTICATED');
    }
    for (const signature of ['', 'v0=', headers['x-zm-signature'].slice(0, -1), headers['x-zm-signature'].toUpperCase(), headers['x-zm-signature'].replace('v0=', 'v1=')]) {
      expect((await handle(new Request(URL_, { method: 'POST', body, headers: { ...headers, 'x-zm-signature': signature } }))).status).toBe(401);
    }
    expect(events).toHaveLength(0);
  });

  it('refuses stale and future timestamps beyond the tolerance (default 300 s), even correctly signed', async () => {
    const { handle, events } = host();
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    expect((await send(handle, started, at(-301))).status).toBe(401);
    expect((await send(handle, started, at(301))).status).toBe(401);
    expect((await send(handle, started, at(-300))).status).toBe(200);
    expect((await send(handle, started, at(299))).status).toBe(200);
    expect(events).toHaveLength(2);

    const strict = host({ toleranceSeconds: 10 });
    expect((await send(strict.handle, started, at(-11))).status).toBe(401);
    expect(strict.events).toHaveLength(0);

    const body = JSON.stringify(started);
    for (const timestamp of ['not-a-time', String(NOW.getTime()), '-5', '1.5']) {
      const signature = `v0=${createHmac('sha256', SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
      const response = await handle(new Request(URL_, { method: 'POST', body, headers: { 'x-zm-signature': signature, 'x-zm-request-timestamp': timestamp } }));
      expect(response.status).toBe(401);
    }
  });
});

describe('zoomWebhookRoutes: endpoint.url_validation', () => {
  // Zoom's documented challenge body ("Validate your webhook endpoint").
  const challenge = { payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: 1654503849680, event: 'endpoint.url_validation' };

  it('answers { plainToken, encryptedToken = hex HMAC-SHA256(secret, plainToken) }', async () => {
    // A published test vector for this exact challenge (Elastic's Zoom CRC test, secret "secretValueTest"),
    // and node:crypto for another secret.
    const vector = host({ secretToken: 'secretValueTest' });
    const response = await send(vector.handle, challenge, NOW, 'secretValueTest');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: '70c1f2e2e6ca2d39297490d1f9142c7d701415ea8e6151f6562a08fa657a40ff' });

    const { handle, events } = host();
    expect(await (await send(handle, challenge)).json()).toEqual({
      plainToken: 'qgg8vlvZRS6UYooatFL8Aw',
      encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'),
    });
    expect(events).toHaveLength(0);
  });

  it('never answers an unsigned or wrongly signed challenge (the route would sign anything for anybody)', async () => {
    const { handle } = host();
    const body = JSON.stringify(challenge);
    const unsigned = await handle(new Request(URL_, { method: 'POST', body, headers: { 'content-type': 'application/json' } }));
    expect(unsigned.status).toBe(401);
    expect(JSON.stringify(await unsigned.json())).not.toContain(createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'));
    expect((await send(handle, challenge, NOW, 'wrong')).status).toBe(401);
    expect((await send(handle, { event: 'endpoint.url_validation', payload: {} })).status).toBe(400);
    expect((await send(handle, { event: 'endpoint.url_validation', payload: { plainToken: 'x'.repeat(257) } })).status).toBe(400);
  });
});

describe('zoomWebhookRoutes: events', () => {
  it('maps meeting.started and meeting.ended (meeting id as the core stores it, the meeting uuid, start/end time)', async () => {
    const { handle, events } = host();
    expect((await send(handle, started)).status).toBe(200);
    expect((await send(handle, ended)).status).toBe(200);
    expect(events).toEqual([
      {
        provider: 'zoom',
        eventId: `meeting.started:1898694000000:${meeting.uuid}`,
        kind: 'meeting.started',
        meetingId: '85746065432',
        instanceId: meeting.uuid,
        occurredAt: new Date('2030-03-01T14:58:00Z'),
        receivedAt: NOW,
      },
      {
        provider: 'zoom',
        eventId: `meeting.ended:1898697000000:${meeting.uuid}`,
        kind: 'meeting.ended',
        meetingId: '85746065432',
        instanceId: meeting.uuid,
        occurredAt: new Date('2030-03-01T15:40:12Z'),
        receivedAt: NOW,
      },
    ]);
  });

  it('maps meeting.participant_joined and meeting.participant_left with the participant as Zoom describes them', async () => {
    const { handle, events } = host();
    expect((await send(handle, joined)).status).toBe(200);
    expect((await send(handle, left)).status).toBe(200);
    const participant = { email: 'sam@student.example', name: 'Sam Student', providerUserId: null, participantId: student.participant_uuid };
    expect(events).toEqual([
      {
        provider: 'zoom',
        eventId: `meeting.participant_joined:1898694660000:${meeting.uuid}:${student.participant_uuid}:2030-03-01T15:11:00.000Z`,
        kind: 'participant.joined',
        meetingId: '85746065432',
        instanceId: meeting.uuid,
        occurredAt: new Date('2030-03-01T15:11:00Z'),
        receivedAt: NOW,
        participant,
      },
      {
        provider: 'zoom',
        eventId: `meeting.participant_left:1898696000000:${meeting.uuid}:${student.participant_uuid}:2030-03-01T15:33:20.000Z`,
        kind: 'participant.left',
        meetingId: '85746065432',
        instanceId: meeting.uuid,
        occurredAt: new Date('2030-03-01T15:33:20Z'),
        receivedAt: NOW,
        participant,
      },
    ]);
  });

  it('reads a signed-in participant\'s account id, and a guest with no e-mail as nulls', async () => {
    const { handle, events } = host();
    const tutor = { user_id: '16778241', user_name: 'Tia Tutor', id: 'x1yCzABCDEfg23HiJKl4mN', participant_user_id: 'x1yCzABCDEfg23HiJKl4mN', email: 'tia@tutor.example', join_time: '2030-03-01T14:58:30Z' };
    const guest = { user_id: '16778242', user_name: 'Guest', join_time: '2030-03-01T15:01:00Z' };
    for (const participant of [tutor, guest]) await send(handle, { ...joined, payload: { ...joined.payload, object: { ...joined.payload.object, participant } } });
    expect(events.map((e) => e.participant)).toEqual([
      { email: 'tia@tutor.example', name: 'Tia Tutor', providerUserId: 'x1yCzABCDEfg23HiJKl4mN', participantId: '16778241' },
      { email: null, name: 'Guest', providerUserId: null, participantId: '16778242' },
    ]);
  });

  it('gives a retried delivery (same body, signed again minutes later) the same eventId; other events other ids', async () => {
    const first = host();
    await send(first.handle, joined);
    const later = host({ clock: { now: () => new Date(NOW.getTime() + 20 * 60_000) } });
    await send(later.handle, joined, new Date(NOW.getTime() + 20 * 60_000));
    expect(later.events[0]!.eventId).toBe(first.events[0]!.eventId);
    expect(later.events[0]!.receivedAt).toEqual(new Date(NOW.getTime() + 20 * 60_000));

    const other = { ...joined, payload: { ...joined.payload, object: { ...joined.payload.object, participant: { ...student, participant_uuid: 'OTHER', join_time: '2030-03-01T15:11:00Z' } } } };
    await send(first.handle, other);
    await send(first.handle, started);
    expect(new Set(first.events.map((e) => e.eventId)).size).toBe(3);
  });

  it('acknowledges other events (200, ignored) without calling the sink', async () => {
    const { handle, events, ignoredTypes } = host();
    const response = await send(handle, { event: 'recording.completed', event_ts: 1, payload: { object: { id: 1 } } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ignored', reason: 'unsupported_event' });
    // Names inherited from Object.prototype are not event types either.
    for (const event of ['constructor', 'toString', '__proto__']) expect(await (await send(handle, { event, payload: { object: {} } })).json()).toEqual({ status: 'ignored', reason: 'unsupported_event' });
    expect(ignoredTypes).toEqual(['recording.completed', 'constructor', 'toString', '__proto__']);
    expect(events).toHaveLength(0);
  });

  it('answers 500 when the sink throws (Zoom delivers again), and tells onError', async () => {
    const failure = new Error('database down');
    const { handle, errors } = host({ onMeetingEvent: () => Promise.reject(failure) });
    const response = await send(handle, ended);
    expect(response.status).toBe(500);
    expect((await response.json()).code).toBe('INTERNAL');
    expect(errors).toEqual([failure]);
  });

  it('awaits the sink before answering (the answer means "stored")', async () => {
    let release!: () => void;
    const sink = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const { handle } = host({ onMeetingEvent: sink });
    let answered = false;
    const pending = send(handle, started).then((r) => ((answered = true), r));
    await vi.waitFor(() => expect(sink).toHaveBeenCalledOnce());
    expect(answered).toBe(false);
    release();
    expect((await pending).status).toBe(200);
  });
});

describe('zoomWebhookRoutes: malformed requests', () => {
  it('answers 400 to signed but malformed JSON and payloads without the meeting id or time', async () => {
    const { handle, events } = host();
    const bad = await send(handle, '{"event":"meeting.started",');
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('MALFORMED_JSON');
    expect((await send(handle, '[1,2]')).status).toBe(400);
    expect((await send(handle, { payload: {} })).status).toBe(400);
    expect((await send(handle, { ...started, payload: { object: { ...started.payload.object, id: 'abc' } } })).status).toBe(400);
    expect((await send(handle, { ...started, payload: { object: { ...started.payload.object, start_time: 'yesterday' } } })).status).toBe(400);
    const noTime = await send(handle, { ...left, payload: { object: { ...left.payload.object, participant: { ...student } } } });
    expect(noTime.status).toBe(400);
    expect((await noTime.json()).issues).toEqual([{ path: 'payload.object.participant.leave_time', message: 'is not an ISO-8601 time' }]);
    expect(events).toHaveLength(0);
  });

  it('refuses oversized bodies (413) before verifying, and other methods (405)', async () => {
    const { handle } = host({ maxBodyBytes: 1024 });
    const big = { ...started, padding: 'x'.repeat(2000) };
    expect((await send(handle, big)).status).toBe(413);
    const get = await handle(new Request(URL_, { method: 'GET' }));
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('is a self-authenticating route plug-in: POST /webhooks/zoom under the mount, or the path given', async () => {
    const plugin = zoomWebhookRoutes({ secretToken: SECRET, onMeetingEvent: async () => {} });
    expect(plugin.routes.map(({ methods, path, auth }) => ({ methods, path, auth }))).toEqual([{ methods: ['POST'], path: '/webhooks/zoom', auth: 'none' }]);
    const { handle, events } = host({ path: '/hooks/zoom-events' });
    expect((await send(handle, started)).status).toBe(404);
    const moved = await zoomWebhookRequest('https://tutor.example/api/hooks/zoom-events', { secretToken: SECRET, body: started, at: NOW }).then(handle);
    expect(moved.status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('refuses to start without a secret token or a sink', () => {
    expect(() => zoomWebhookRoutes({ secretToken: ' ', onMeetingEvent: async () => {} })).toThrow(/secretToken/);
    expect(() => zoomWebhookRoutes({ secretToken: SECRET } as unknown as ZoomWebhookOptions)).toThrow(/onMeetingEvent/);
    expect(() => zoomWebhookRoutes({ secretToken: SECRET, onMeetingEvent: async () => {}, toleranceSeconds: -1 })).toThrow(/toleranceSeconds/);
  });
});
