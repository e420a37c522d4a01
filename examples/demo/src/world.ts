import { addMinutes, startOfMinute } from 'date-fns';
import { createSessionsCore, type Booking } from '@itutor/sessions-core';
import { createTravelClock } from './clock';
import { openDatabase } from './database';
import { createDemoPayments } from './payments';
import { createDemoVideo, zoomAccountOf } from './video';

/** People of the demo. Ids are what the authenticator puts in `userId`. */
export const PEOPLE = {
  ada: { id: 'tutor-ada', name: 'Ada', role: 'tutor' },
  ben: { id: 'tutor-ben', name: 'Ben', role: 'tutor' },
  sam: { id: 'student-sam', name: 'Sam', role: 'student' },
  kim: { id: 'student-kim', name: 'Kim', role: 'student' },
  /** Lee's saved card is declined (insufficient funds): every attempt fails, a new one follows on a later tick. */
  lee: { id: 'student-lee', name: 'Lee', role: 'student' },
  /** Max's bank asks for authentication: the attempt fails and the host's hook tells Max. */
  max: { id: 'student-max', name: 'Max', role: 'student' },
  /** A person on the platform who decides disputes the tutor and the student do not settle (the host's `isPlatformStaff`). */
  pat: { id: 'ops-pat', name: 'Pat', role: 'platform' },
} as const;

export const nameOf = (userId: string) => Object.values(PEOPLE).find((p) => p.id === userId)?.name ?? userId;

/** The host's bookings table, as far as the SDK is concerned. */
export interface DemoBooking extends Booking {
  /** What the lesson is about ("Algebra"). */
  readonly subject: string;
}

export interface WorldOptions {
  /** The demo's own origin: the OAuth redirect URI and the simulated meeting links. */
  readonly origin: () => string;
  /** Real time the demo starts from (default now); simulated time begins at the next whole minute. */
  readonly startAt?: Date;
  /**
   * Where simulated time begins, fixed before the world exists: simulated time was `simulated` at real
   * epoch ms `real`. The launcher shows the clock while the database is still starting.
   */
  readonly anchor?: { readonly simulated: Date; readonly real: number };
  /** Directory for the migrated database's snapshot (see `openDatabase`). */
  readonly snapshotDir?: string;
}

/** The instant simulated time begins at when the demo starts at `realStart`: the next whole minute. */
export const simulatedStart = (realStart: Date) => startOfMinute(addMinutes(realStart, 1));

/** The bookings confirmed before the demo starts (their sessions and Zoom meetings exist); the others await their tutor. */
export const CONFIRMED_AT_START = [
  'bk-ada-sam-1',
  'bk-ada-kim-1',
  'bk-ada-sam-2',
  'bk-ada-lee-1',
  'bk-ada-max-1',
  'bk-ada-lee-2',
  'bk-ada-kim-3',
  'bk-ada-sam-4',
  'bk-ada-sam-5',
  'bk-ada-kim-4',
  'bk-ada-sam-6',
] as const;

/** Everything the demo server holds: database, core, clock, bookings. */
export async function createWorld(options: WorldOptions) {
  const t0 = options.anchor?.simulated ?? simulatedStart(options.startAt ?? new Date());
  const clock = createTravelClock();
  clock.travelTo(t0, options.anchor?.real);
  const database = await openDatabase(options.snapshotDir ? { snapshotDir: options.snapshotDir } : {});
  const adapter = database.adapter;
  // Stripe through the SDK's real gateway, answered by the fake Stripe in this process (see payments.ts).
  const payments = createDemoPayments({ nameOf, tutors: [PEOPLE.ada.id, PEOPLE.ben.id] });
  const gateway = payments.gateway;
  // Zoom through the SDK's real provider, answered by the fake Zoom in this process (see video.ts).
  const video = createDemoVideo({ origin: options.origin, adapter, clock });
  const core = createSessionsCore({
    adapter,
    videoProvider: video.provider,
    paymentGateway: gateway,
    clock,
    // A marketplace's money after the session (#23): the platform takes each charge and pays the tutor by a
    // Stripe transfer once the 72-hour review window has passed without an open dispute. The charge deadline
    // follows the Stripe gateway's 24-hour key lifetime (1380 minutes).
    policy: { payoutTiming: 'after_review' },
    // Who a Zoom participant is, by the e-mail Zoom reports (each demo person's Zoom account, see
    // zoomAccountOf). Anyone else — a guest, a signed-out participant without an e-mail — is 'unknown'
    // and never counts as the student.
    matchParticipant: ({ session, participant }) => {
      const email = participant.email?.trim().toLowerCase();
      if (!email) return 'unknown';
      if (email === zoomAccountOf(session.tutorId)) return 'tutor';
      if (email === zoomAccountOf(session.studentId)) return 'student';
      return 'unknown';
    },
  });

  const bookings = new Map<string, DemoBooking>();
  const book = (b: DemoBooking) => bookings.set(b.bookingId, b);
  book({ bookingId: 'bk-ada-sam-1', subject: 'Algebra', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 10), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-kim-1', subject: 'Chemistry', tutorId: PEOPLE.ada.id, studentId: PEOPLE.kim.id, scheduledStartAt: addMinutes(t0, 30), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-sam-2', subject: 'Physics', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 120), durationMinutes: 90, priceMinor: 20_000 });
  book({ bookingId: 'bk-ada-kim-2', subject: 'Biology', tutorId: PEOPLE.ada.id, studentId: PEOPLE.kim.id, scheduledStartAt: addMinutes(t0, 240), durationMinutes: 45, priceMinor: 12_000 });
  book({ bookingId: 'bk-ada-sam-3', subject: 'Geometry', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 300), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-lee-1', subject: 'Statistics', tutorId: PEOPLE.ada.id, studentId: PEOPLE.lee.id, scheduledStartAt: addMinutes(t0, 400), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-max-1', subject: 'French', tutorId: PEOPLE.ada.id, studentId: PEOPLE.max.id, scheduledStartAt: addMinutes(t0, 480), durationMinutes: 60, priceMinor: 12_500 });
  book({ bookingId: 'bk-ben-kim-1', subject: 'History', tutorId: PEOPLE.ben.id, studentId: PEOPLE.kim.id, scheduledStartAt: addMinutes(t0, 60), durationMinutes: 60, priceMinor: 10_000 });
  // Every way a session really ends (#22), after the lessons above:
  // - nobody joins Lee's second lesson: Zoom says its meeting never started, so nothing is charged;
  book({ bookingId: 'bk-ada-lee-2', subject: 'Probability', tutorId: PEOPLE.ada.id, studentId: PEOPLE.lee.id, scheduledStartAt: addMinutes(t0, 600), durationMinutes: 60, priceMinor: 15_000 });
  // - Kim joins, Ada never does: Kim reports the tutor absent (nothing charged);
  book({ bookingId: 'bk-ada-kim-3', subject: 'Spanish', tutorId: PEOPLE.ada.id, studentId: PEOPLE.kim.id, scheduledStartAt: addMinutes(t0, 720), durationMinutes: 60, priceMinor: 15_000 });
  // - Sam cancels a lesson less than 24 hours ahead (50 % charged at once), and one 2 days ahead (free);
  book({ bookingId: 'bk-ada-sam-4', subject: 'Calculus', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 20 * 60), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-sam-5', subject: 'Trigonometry', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 48 * 60), durationMinutes: 60, priceMinor: 15_000 });
  // - Kim moves a lesson more than 24 hours ahead by a day: same session, same meeting link, Zoom's meeting moved.
  // Money after the session (#23): Ada leaves Sam's essay lesson early; Sam disputes it, Ada offers half, Sam
  // accepts, and Pat (the platform) sees it closed; Ada's payout is held, then reduced, then paid.
  book({ bookingId: 'bk-ada-sam-6', subject: 'Essay writing', tutorId: PEOPLE.ada.id, studentId: PEOPLE.sam.id, scheduledStartAt: addMinutes(t0, 54 * 60), durationMinutes: 60, priceMinor: 15_000 });
  book({ bookingId: 'bk-ada-kim-4', subject: 'Literature', tutorId: PEOPLE.ada.id, studentId: PEOPLE.kim.id, scheduledStartAt: addMinutes(t0, 50 * 60), durationMinutes: 60, priceMinor: 12_000 });

  // Ada connected Zoom earlier (tokens from the fake Zoom, sealed into her connection row); Ben has no
  // provider yet and connects through the page (the full OAuth redirect flow).
  await video.seedConnection(core, PEOPLE.ada.id);
  for (const id of CONFIRMED_AT_START) await core.sessions.create(bookings.get(id)!);

  return { t0, clock, database, core, gateway, payments, video, bookings };
}

export type World = Awaited<ReturnType<typeof createWorld>>;
