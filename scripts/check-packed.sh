#!/usr/bin/env bash
# Checks what a host app gets before the packages are on npm (README "Using the packages before they are
# published"): `pnpm pack` of core, supabase, react, video and stripe (after `pnpm build`) → a scratch project in a temp
# dir → `npm install` of the five tarballs plus their peers from the registry → the README's host-side
# code type-checks there (node16 ESM resolution, strict), the first host example of the root README and of
# every package README (as written there) type-checks and runs on this machine's Node (20 in CI: the
# README promises Node 20+), and the packages load and run under Node in both ESM and CommonJS. Nothing in
# the repository is modified; the temp dir is removed at the end.
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
  @supabase/supabase-js@^2.50.0 react@^19 react-dom@^19 pg@^8 stripe@~23.1.0 ws@^8 \
  typescript@~5.9.3 @types/react@^19 @types/react-dom@^19 @types/node@^20 @types/pg@^8 @types/ws@^8 >/dev/null
node -e "for (const p of ['core','supabase','react','video','stripe']) console.log(p, require('@itutor/sessions-' + p + '/package.json').version)"

# 3. The README's host-side code: the first example of the root README and of each package README, as
#    written there (src/readme/), then tour steps 2–4 and the local database path of packages/supabase.
#    What the examples leave to the host (its own video provider, gateway, adapter, lookups) is declared in
#    src/readme-globals.d.ts, and given harmless values when they run (step 5).
for readme in README.md packages/core/README.md packages/supabase/README.md packages/react/README.md packages/video/README.md packages/stripe/README.md; do
  name="$(basename "$(dirname "$root/$readme")")"; [ "$readme" = README.md ] && name=root
  lang="$(node "$root/scripts/readme-first-example.mjs" "$root/$readme" "src/readme/$name.tmp")"
  mv "src/readme/$name.tmp" "src/readme/$name.$lang"
done
ls src/readme

cat > src/readme-globals.d.ts <<'TS'
// What the READMEs' examples leave to the host: its own video provider and gateway, the core's adapter,
// e-mail lookups, the webhook secret, and the host module the React page imports.
declare const myZoomAndMeetProvider: import('@itutor/sessions-core').VideoProvider;
declare const myGateway: import('@itutor/sessions-core').PaymentGateway;
declare const adapter: import('@itutor/sessions-core').SessionsAdapter;
declare const videoProvider: import('@itutor/sessions-core').VideoProvider;
declare const paymentGateway: import('@itutor/sessions-core').PaymentGateway;
declare const secretToken: string;
declare function emailOf(userId: string): Promise<string | null>;
declare module '@/server/sessions' {
  export function getCurrentUser(): Promise<{ id: string }>;
  export const sessionsCore: {
    getSessionFor(id: string, userId: string): Promise<import('@itutor/sessions-core').PublicSession>;
    readonly policy: import('@itutor/sessions-core').SessionPolicy;
  };
}
TS

cat > src/sessions.ts <<'TS'
// README "A tour from the host app's side", steps 2–3, on step 1's `core` (src/readme/root.ts).
import { isSessionError } from '@itutor/sessions-core';
import { createSessionsHandler } from '@itutor/sessions-core/http';
import { createSupabaseAuthenticator, withSupabaseSessionCookie } from '@itutor/sessions-supabase';
import { core } from './readme/root.js';

declare function loadConfirmedBooking(bookingId: string): Promise<{
  bookingId: string; tutorId: string; studentId: string; scheduledStartAt: Date; durationMinutes: number; priceMinor: number;
} | null>;

export async function tour(tutorId: string, studentId: string, userId: string) {
  const { session, created } = await core.sessions.create({
    bookingId: 'bk_123', tutorId, studentId,
    scheduledStartAt: new Date('2026-12-01T15:00:00Z'), durationMinutes: 60, priceMinor: 15_000,
  });
  const { joinUrl } = await core.sessions.join({ sessionId: session.id, userId });
  try {
    await core.sessions.markNoShow({ sessionId: session.id, userId: tutorId });
  } catch (error) {
    if (isSessionError(error, 'TOO_EARLY')) console.log('possible from', error.details.availableAt);
  }
  const report = await core.settlement.run();
  return { created, joinUrl, report };
}

// app/api/[...path]/route.ts (Next.js App Router)
const handle = createSessionsHandler({
  core,
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
// docs/guide/supabase.md "On plain PostgreSQL 15+": the SQL adapter over node-postgres.
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

# 5. The READMEs' first examples run on this Node, from the packed packages, with harmless environment
#    values: constructing the clients, the core and the routes needs no network (supabase-js on Node 20
#    needs the `ws` transport the README passes). The React page renders to HTML. Hooks give the
#    host-only module the page imports and the stylesheet import (a bundler's job) a stand-in.
echo "running the READMEs' first host examples on Node $(node --version)"
cat > tsconfig.run.json <<'JSON'
{
  "extends": "./tsconfig.json",
  "compilerOptions": { "noEmit": false, "outDir": "build", "rootDir": "src", "noEmitOnError": true },
  "include": ["src/readme", "src/readme-globals.d.ts", "src/css.d.ts"]
}
JSON
npx tsc -p tsconfig.run.json
mkdir -p run
cat > run/hooks.mjs <<'JS'
// `@/server/sessions` (the host's own module in the React README) → run/server-sessions.mjs; CSS imports → nothing.
export async function resolve(specifier, context, next) {
  if (specifier === '@/server/sessions') return { url: new URL('./server-sessions.mjs', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.endsWith('.css')) return { format: 'module', source: '', shortCircuit: true };
  return next(url, context);
}
JS
cat > run/server-sessions.mjs <<'JS'
// The host module the React README's page imports: a signed-in tutor and one session on an in-memory core.
import { createSessionsCore, toPublicSession } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';

const core = createSessionsCore({ adapter: createInMemoryAdapter(), videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway() });
await core.providers.connect({ tutorId: 'tutor-1', provider: 'zoom', tokens: null });
const { session } = await core.sessions.create({
  bookingId: 'bk-1', tutorId: 'tutor-1', studentId: 'student-1',
  scheduledStartAt: new Date(Date.now() + 60 * 60_000), durationMinutes: 60, priceMinor: 15_000,
});
export const sessionId = session.id;
export const getCurrentUser = async () => ({ id: 'tutor-1' });
export const sessionsCore = { getSessionFor: async (id) => toPublicSession(await core.sessions.get(id)), policy: core.policy };
JS
cat > run/host.mjs <<'JS'
// Registers the hooks and gives the names the examples leave to the host harmless values.
import { register } from 'node:module';
// (`declare`d names compile to nothing, so at run time the examples find these globals.)
import { createSessionsCore } from '@itutor/sessions-core';
import { createFakeVideoProvider, createInMemoryAdapter, createRecordingPaymentGateway } from '@itutor/sessions-core/testing';
import { createMemoryEventStore } from '@itutor/sessions-stripe/testing';

register('./hooks.mjs', import.meta.url);
const adapter = createInMemoryAdapter();
const never = (name) => async () => {
  throw new Error(`${name} is the host's own function: the example must not call it while starting`);
};
Object.assign(globalThis, {
  // README.md, packages/core and packages/supabase: the host's own provider, gateway and adapter.
  myZoomAndMeetProvider: createFakeVideoProvider(),
  myGateway: createRecordingPaymentGateway(),
  adapter,
  videoProvider: createFakeVideoProvider(),
  paymentGateway: createRecordingPaymentGateway(),
  secretToken: 'zoom-webhook-secret-token-not-real',
  emailOf: never('emailOf'),
  // packages/video: emailTutor; packages/stripe: the host's billing lookups, its event store and its core.
  emailTutor: never('emailTutor'),
  findStudentBilling: never('findStudentBilling'),
  saveStudentCard: never('saveStudentCard'),
  findTutorStripeAccount: never('findTutorStripeAccount'),
  notifyStudentToUpdateCard: never('notifyStudentToUpdateCard'),
  alertFinance: never('alertFinance'),
  stripeEvents: createMemoryEventStore(),
  core: createSessionsCore({ adapter, videoProvider: createFakeVideoProvider(), paymentGateway: createRecordingPaymentGateway() }),
});
JS
cat > run/example.mjs <<'JS'
// Imports one compiled example (which is where a crash on this Node would show) and says what it exports.
import { pathToFileURL } from 'node:url';
const file = process.argv[2];
const exported = await import(pathToFileURL(file).href);
if (file.endsWith('/root.js') && typeof exported.core?.sessions?.create !== 'function') throw new Error('root README: no sessions core');
if (file.endsWith('/react.js')) {
  const { renderToString } = await import('react-dom/server');
  const { sessionId } = await import('@/server/sessions');
  const html = renderToString(await exported.default({ params: Promise.resolve({ id: sessionId }) }));
  if (!/Join/.test(html)) throw new Error(`react README: the page has no Join button:\n${html}`);
  console.log(`  ${file}: the page renders (${html.length} characters of HTML)`);
} else {
  console.log(`  ${file}: ran; exports ${Object.keys(exported).filter((k) => k !== 'default').join(', ') || 'nothing'}`);
}
JS
key() { node -e "console.log(require('node:crypto').randomBytes(32).toString('base64'))"; }
for example in build/readme/*.js; do
  env SUPABASE_URL=http://127.0.0.1:54321 SUPABASE_SERVICE_ROLE_KEY=service-role-key-not-real \
    VIDEO_TOKEN_KEY_2026_11="$(key)" VIDEO_TOKEN_KEY_2026_05="$(key)" \
    ZOOM_CLIENT_ID=zoom-client ZOOM_CLIENT_SECRET=zoom-secret GOOGLE_CLIENT_ID=google-client GOOGLE_CLIENT_SECRET=google-secret \
    STRIPE_SECRET_KEY=sk_test_not_a_real_key STRIPE_WEBHOOK_SECRET=whsec_not_a_real_secret \
    node --import ./run/host.mjs run/example.mjs "$example"
done

# 4. They load and run under Node, ESM and CommonJS (the in-memory adapter and fakes of /testing).
cat > src/smoke.mjs <<'JS'
import { createSessionsCore } from '@itutor/sessions-core';
import { formatMoney } from '@itutor/sessions-core/rules';
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
await core.providers.connect({ tutorId: 'tutor-1', provider: 'zoom', tokens: null });
const { session, created } = await core.sessions.create({
  bookingId: 'bk-1', tutorId: 'tutor-1', studentId: 'student-1',
  scheduledStartAt: new Date(Date.now() + 60 * 60_000), durationMinutes: 60, priceMinor: 15_000,
});
assert.equal(created, true);
assert.equal(session.noShowWaitMinutes, 19);
console.log('ESM: a session created through the packed core:', session.status);

// One mount: the video package's route plug-in on the core's handler (separately packed packages).
const { coreMeetingEventSink, zoomWebhookRoutes } = await import('@itutor/sessions-video');
const mount = (routes) => createSessionsHandler({ core, authenticate: () => null, getBooking: async () => null, cronSecret: 'c'.repeat(32), routes });
const zoomWebhook = zoomWebhookRoutes({ secretToken: 'zoom-secret-token', onMeetingEvent: coreMeetingEventSink(core) });
const handle = mount([zoomWebhook]);
const unsigned = await handle(new Request('http://localhost/api/webhooks/zoom', { method: 'POST', body: '{}' }));
assert.equal(unsigned.status, 401); // reached the plug-in, which refused the unsigned delivery
assert.equal((await handle(new Request('http://localhost/api/webhooks/zoom'))).headers.get('allow'), 'POST');
assert.throws(() => mount([zoomWebhook, zoomWebhookRoutes({ secretToken: 'x', onMeetingEvent: async () => {}, path: '/webhooks/zoom' })]), { code: 'INVALID_INPUT' });
console.log('ESM: a route plug-in of the video package mounted on the core handler');
JS
node src/smoke.mjs
node -e "
const core = require('@itutor/sessions-core');
const supabase = require('@itutor/sessions-supabase');
const react = require('@itutor/sessions-react');
const video = require('@itutor/sessions-video');
const stripe = require('@itutor/sessions-stripe');
if (typeof video.zoom !== 'function' || typeof video.videoConnectRoutes !== 'function' || typeof video.zoomWebhookRoutes !== 'function') throw new Error('video exports');
if (typeof stripe.stripeGateway !== 'function' || typeof stripe.stripeWebhookRoutes !== 'function') throw new Error('stripe exports');
if (require('@itutor/sessions-core/rules').formatMoney(7500) !== 'TTD\u00a075.00') throw new Error('formatMoney');
if (typeof supabase.createSqlAdapter !== 'function' || typeof react.SessionJoinButton !== 'function') throw new Error('exports');
console.log('CJS: core, supabase, react, video and stripe load');
"
echo "packed packages: OK"
