import { methodNotAllowed } from '@/lib/methods';
import { handleSessionsRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

/** `POST /api/sessions/{id}/mark-no-show` — The session's tutor marks the student absent; answers `{ session }` (`NO_SHOW_STUDENT`). */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return handleSessionsRoute((routes) => routes.markNoShow(request, { id }));
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
