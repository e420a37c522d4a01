/**
 * The people the local development mode seeds (in `auth.users` of the local database), for the
 * development sign-in. In the Supabase mode, users are Supabase Auth users instead.
 */
export interface DevPerson {
  readonly id: string;
  readonly name: string;
  readonly role: 'tutor' | 'student';
  /** A tutor's seeded video provider connection; `null`: none, so their bookings are refused. */
  readonly provider?: 'zoom' | 'google_meet' | null;
}

export const DEV_PEOPLE: readonly DevPerson[] = [
  { id: '11111111-1111-4111-8111-111111111111', name: 'Ada', role: 'tutor', provider: 'zoom' },
  { id: '22222222-2222-4222-8222-222222222222', name: 'Ben', role: 'tutor', provider: null },
  { id: '33333333-3333-4333-8333-333333333333', name: 'Sam', role: 'student' },
  { id: '44444444-4444-4444-8444-444444444444', name: 'Kim', role: 'student' },
];

export const devPerson = (id: string | null | undefined): DevPerson | undefined =>
  id ? DEV_PEOPLE.find((person) => person.id === id) : undefined;
