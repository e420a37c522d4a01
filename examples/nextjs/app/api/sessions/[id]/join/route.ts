import { methodNotAllowed } from '@/lib/methods';
import { handleSessionsRoute } from '@/lib/sessions';

export const dynamic = 'force-dynamic';

/** `POST /api/sessions/{id}/join` — records the caller's join, then answers `{ joinUrl, session }`. The session's tutor or student. */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return handleSessionsRoute((routes) => routes.join(request, { id }));
}

export const { GET, PUT, PATCH, DELETE } = methodNotAllowed('POST');
