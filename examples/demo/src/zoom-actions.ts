/**
 * Which of the demo's "on Zoom" buttons make sense for a session now. Shared by the page (which shows
 * only those) and the server (which refuses the others). Plain data in, no I/O: safe in the browser.
 */
import { isFinalStatus, type SessionStatus } from '@itutor/sessions-core/rules';

/** The demo's Zoom actions (see `/demo/sessions/:id/zoom` in server.ts). */
export type ZoomAction = 'student-joins' | 'ends-early' | 'ends-early-late-webhook';

export const ZOOM_ACTIONS: readonly ZoomAction[] = ['student-joins', 'ends-early', 'ends-early-late-webhook'];

/** What the rule needs to know about the session (a `Session` or its JSON form both fit). */
export interface ZoomActionInput {
  readonly status: string;
  readonly provider: string | null;
  readonly meetingId?: string | null;
  readonly joinOpensAt: Date | string;
  readonly scheduledEndAt: Date | string;
}


/**
 * The actions available at `now` (epoch ms): none for a final session, one without a Zoom meeting,
 * before the join window opens, or once its meeting has ended on Zoom. The student can join on Zoom
 * until the scheduled end, once; the meeting can end early (with its webhook on time or late) any time
 * before the session is settled.
 */
export function zoomActionsAt(
  session: ZoomActionInput,
  zoom: { readonly endedAt: string | null } | null,
  studentJoinedOnZoom: boolean,
  now: number,
): ZoomAction[] {
  if (isFinalStatus(session.status as SessionStatus) || session.provider !== 'zoom' || session.meetingId === null) return [];
  if (!zoom || zoom.endedAt !== null || now < +new Date(session.joinOpensAt)) return [];
  const actions: ZoomAction[] = [];
  if (!studentJoinedOnZoom && now < +new Date(session.scheduledEndAt)) actions.push('student-joins');
  actions.push('ends-early', 'ends-early-late-webhook');
  return actions;
}
