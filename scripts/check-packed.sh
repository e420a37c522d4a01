#!/usr/bin/env bash
# Checks what a host app gets before the packages are on npm (README "Using the packages before they are
# published"): `pnpm pack` of core, supabase, react, video and stripe (after `pnpm build`) → a scratch project in a temp
# dir → `npm install` of the three tarballs plus their peers from the registry → the README's host-side
# code type-checks there (node16 ESM resolution, strict), and the packages load and run under Node in both
# ESM and CommonJS. Nothing in the repository is modified; the temp dir is removed at the end.
#
#   bash scripts/check-packed.sh            # KEEP=1 keeps the temp dir for a look
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/itutor-packed.XXXXXX")"
if [ "${KEEP:-}" = 1 ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
pnpm() { npx -y pnpm@10 "$@"; }

# 1. Pack. `pnpm pack` rewrites the `workspace:` ranges to real versions, as `pnpm publish` would.
mkdir -p "$work/tarballs"
for pkg in core supabase react video stripe; do
  [ -f "$root/packages/$pkg/dist/index.js" ] || { echo "packages/$pkg/dist is missing: run pnpm build first" >&2; exit 1; }
  (cd "$root/packages/$pkg" && pnpm pack --pack-destination "$work/tarballs" >/dev/null)
done
ls "$work/tarballs"
for tgz in "$work/tarballs"/*.tgz; do
  # (read into variables first: `grep -q` on a pipe would cut tar off, which pipefail reports as a failure)
  manifest="$(tar -xOzf "$tgz" package/package.json)"
  files="$(tar -tzf "$tgz")"
  if grep -q '"workspace:' <<<"$manifest"; then echo "$(basename "$tgz"): package.json still has a workspace: range" >&2; exit 1; fi
  for f in package/dist/index.js package/dist/index.cjs package/dist/index.d.ts package/README.md; do
    grep -qx "$f" <<<"$files" || { echo "$(basename "$tgz"): $f is missing" >&2; exit 1; }
  done
done

# 2. A scratch host project: the tarballs and, from the registry, their peers and the host's own tools.
host="$work/host"
mkdir -p "$host/src"
cd "$host"
cat > package.json <<'JSON'
{ "name": "itutor-packed-host", "private": true, "type": "module" }
JSON
npm install --no-audit --no-fund --loglevel=error --prefer-offline \
  "$work"/tarballs/*.tgz \
  @supabase/supabase-js@^2.50.0 react@^19 react-dom@^19 pg@^8 stripe@~23.1.0 \
  typescript@~5.9.3 @types/react@^19 @types/react-dom@^19 @types/node@^20 @types/pg@^8 >/dev/null
node -e "for (const p of ['core','supabase','react','video','stripe']) console.log(p, require('@itutor/sessions-' + p + '/package.json').version)"

# 3. The README's host-side code (tour steps 1–4 and the local database path of packages/supabase).
cat > src/sessions.ts <<'TS'
// lib/sessions.ts (server only) — README "A tour from the host app's side", steps 1–3.
import {
  createSessionsCore,
  isSessionError,
  type ChargeInstruction,
  type ChargeResult,
  type PaymentGateway,
  type VideoProvider,
} from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createSupabaseAdapter, createSupabaseAuthenticator, withSupabaseSessionCookie } from '@itutor/sessions-supabase';
import { createClient } from '@supabase/supabase-js';

declare const myZoomAndMeetProvider: VideoProvider;
declare function loadConfirmedBooking(bookingId: string): Promise<{
  bookingId: string; tutorId: string; studentId: string; scheduledStartAt: Date; durationMinutes: number; priceMinor: number;
} | null>;

const myGateway: PaymentGateway = {
  async charge(instruction: ChargeInstruction): Promise<ChargeResult> {
    return { status: 'succeeded', reference: `ref_${instruction.idempotencyKey}` };
  },
};

const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!, {
  auth: { persistSession: false },
});

export const sessions = createSessionsCore({
  adapter: createSupabaseAdapter(supabase),
  videoProvider: myZoomAndMeetProvider,
  paymentGateway: myGateway,
  // policy: { noShowWaitPercent: 33 },
});

export async function tour(tutorId: string, studentId: string, userId: string) {
  const { session, created } = await sessions.createForBooking({
    bookingId: 'bk_123', tutorId, studentId,
    scheduledStartAt: new Date('2026-12-01T15:00:00Z'), durationMinutes: 60, priceMinor: 15_000,
  });
  const { joinUrl } = await sessions.join({ sessionId: session.id, userId });
  try {
    await sessions.markNoShow({ sessionId: session.id, userId: tutorId });
  } catch (error) {
    if (isSessionError(error, 'TOO_EARLY')) console.log('possible from', error.details.availableAt);
  }
  const report = await sessions.settleDueSessions();
  return { created, joinUrl, report };
}

// app/api/[...path]/route.ts (Next.js App Router)
const handle = createSessionsHandler({
  core: sessions,
  authenticate: withSupabaseSessionCookie(
    createSupabaseAuthenticator({ jwtSecret: process.env.SUPABASE_JWT_SECRET! }),
    { supabaseUrl: process.env.SUPABASE_URL! },
  ),
  getBooking: (bookingId) => loadConfirmedBooking(bookingId),
  cronSecret: process.env.CRON_SECRET!,
});
export { handle as GET, handle as POST };
TS

cat > src/local-database.ts <<'TS'
// packages/supabase README "On plain PostgreSQL 15+": the SQL adapter over node-postgres.
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { applyMigrations, applySupabaseBootstrap } from '@itutor/sessions-supabase/migrations';
import pg from 'pg';

export async function openLocal(connectionString: string) {
  const pool = new pg.Pool({ connectionString });
  await applySupabaseBootstrap(pool);
  await applyMigrations(pool);
  return createSqlAdapter(pool);
}
TS

cat > src/buttons.tsx <<'TSX'
'use client';
// README tour step 4: the buttons (browser).
import type { ParticipantRole, SessionJson } from '@itutor/sessions-core';
import { MarkNoShowButton, SessionJoinButton } from '@itutor/sessions-react';
import '@itutor/sessions-react/styles.css';

declare const router: { refresh(): void };

export function Buttons({ session, role }: { session: SessionJson; role: ParticipantRole }) {
  return (
    <>
      <SessionJoinButton session={session} role={role} />
      <MarkNoShowButton session={session} role={role} onSuccess={() => router.refresh()} />
    </>
  );
}
TSX

# The first TypeScript example of the video and stripe READMEs (their host wiring), as written there.
for pkg in video stripe; do
  awk '/^```ts$/ && !done { inside = 1; next } /^```$/ && inside { inside = 0; done = 1 } inside' "$root/packages/$pkg/README.md" > "src/$pkg-readme.ts"
  [ -s "src/$pkg-readme.ts" ] || { echo "packages/$pkg/README.md: no \`\`\`ts example found" >&2; exit 1; }
done

cat > src/css.d.ts <<'TS'
declare module '*.css';
TS

cat > tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "lib": ["ES2023", "DOM"],
    "module": "node16",
    "moduleResolution": "node16",
    "jsx": "react-jsx",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false,
    "types": ["node"]
  },
  "include": ["src"]
}
JSON
echo "type-checking the README's host code against the packed packages (node16, strict, skipLibCheck off)"
npx tsc -p tsconfig.json

# 4. They load and run under Node, ESM and CommonJS (the in-memory adapter and fakes of /testing).
cat > src/smoke.mjs <<'JS'
import { createSessionsCore, formatMoney } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createSqlAdapter } from '@itutor/sessions-supabase';
import { migrations } from '@itutor/sessions-supabase/migrations';
import assert from 'node:assert/strict';

assert.equal(formatMoney(15000), 'TTD\u00a0150.00');
assert.ok(migrations.length > 0 && typeof createSqlAdapter === 'function' && typeof createSessionsHandler === 'function');
const core = createSessionsCore({
  adapter: createInMemoryAdapter(),
  videoProvider: createFakeVideoProvider(),
  paymentGateway: createRecordingPaymentGateway(),
});
await core.connectProvider({ tutorId: 'tutor-1', provider: 'zoom', tokens: null });
const { session, created } = await core.createForBooking({
  bookingId: 'bk-1', tutorId: 'tutor-1', studentId: 'student-1',
  scheduledStartAt: new Date(Date.now() + 60 * 60_000), durationMinutes: 60, priceMinor: 15_000,
});
assert.equal(created, true);
assert.equal(session.noShowWaitMinutes, 19);
console.log('ESM: a session created through the packed core:', session.status);
JS
node src/smoke.mjs
node -e "
const core = require('@itutor/sessions-core');
const supabase = require('@itutor/sessions-supabase');
const react = require('@itutor/sessions-react');
const video = require('@itutor/sessions-video');
const stripe = require('@itutor/sessions-stripe');
if (typeof video.zoom !== 'function' || typeof video.createVideoConnectHandler !== 'function') throw new Error('video exports');
if (typeof stripe.stripeGateway !== 'function' || typeof stripe.stripeWebhookHandler !== 'function') throw new Error('stripe exports');
if (core.formatMoney(7500) !== 'TTD\u00a075.00') throw new Error('formatMoney');
if (typeof supabase.createSqlAdapter !== 'function' || typeof react.SessionJoinButton !== 'function') throw new Error('exports');
console.log('CJS: core, supabase, react, video and stripe load');
"
echo "packed packages: OK"
