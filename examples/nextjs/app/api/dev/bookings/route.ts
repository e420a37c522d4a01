import { problem } from '@itutor/sessions-core/http';
import { methodNotAllowed } from '@/lib/methods';
import { insertDevBooking } from '@/lib/local/bookings';
import { formFields, refuseCrossSite, seeOther } from '@/lib/local/forms';
import { devPerson } from '@/lib/local/people';
import { handleDevRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

const wholeNumber = (text: string | undefined, min: number, max: number): number | null => {
  if (!text || !/^-?\d{1,4}$/.test(text.trim())) return null;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : null;
};

/**
 * DEVELOPMENT (local mode only; 404 in the Supabase mode): records a confirmed booking in the host's
 * `bookings` table, as the host's own booking flow would, and redirects to its page. Form fields:
 * `tutorId`, `studentId`, `startsInMinutes` (−1440…1440; negative = the session started that long ago),
 * `durationMinutes` (1…1440), `priceTtd` (e.g. `150.00`). The session itself is then created by the
 * tutor through the real `POST /api/sessions/create-for-booking`.
 */
export async function POST(request: Request) {
  return handleDevRoute(async (server) => {
    const refused = refuseCrossSite(request);
    if (refused) return refused;
    const fields = await formFields(request);
    const tutor = devPerson(fields.get('tutorId'));
    const student = devPerson(fields.get('studentId'));
    const startsInMinutes = wholeNumber(fields.get('startsInMinutes'), -1440, 1440);
    const durationMinutes = wholeNumber(fields.get('durationMinutes'), 1, 1440);
    const priceTtd = fields.get('priceTtd')?.trim() ?? '';
    const issues = [
      tutor?.role === 'tutor' ? null : 'tutorId must be a seeded tutor',
      student?.role === 'student' ? null : 'studentId must be a seeded student',
      startsInMinutes === null ? 'startsInMinutes must be a whole number from -1440 to 1440' : null,
      durationMinutes === null ? 'durationMinutes must be a whole number from 1 to 1440' : null,
      /^\d{1,10}(\.\d{1,2})?$/.test(priceTtd) ? null : 'priceTtd must be an amount like 150.00',
    ].filter((issue): issue is string => issue !== null);
    if (issues.length > 0) return problem('INVALID_INPUT', issues.join('; '));
    const id = await insertDevBooking(server.pool, {
      tutorId: tutor!.id,
      studentId: student!.id,
      startsInMinutes: startsInMinutes!,
      durationMinutes: durationMinutes!,
      priceTtd,
    });
    return seeOther(`/bookings/${id}`);
  });
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
