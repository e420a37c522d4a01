/**
 * `@itutor/sessions-core/http`: the SDK's HTTP contract as Web-standard handlers
 * (`(Request) => Promise<Response>`), with zod-validated input and `application/problem+json` errors, and
 * the route plug-ins other packages add to the one mount.
 */
export { toSessionAttendanceJson } from './attendance-wire';
export type { AttendanceEntryJson, AttendanceSummaryJson, SessionAttendanceJson } from './attendance-wire';
export { assertUsableSecret, bearerToken, secretsEqual } from './auth';
export type { AuthContext, Authenticator } from './auth';
export { DEFAULT_MAX_BODY_BYTES, readBodyBytes } from './body';
export { MIN_CRON_SECRET_LENGTH, createSessionsRouteHandlers } from './handlers';
export type { RouteHandler, SessionsHttpOptions, SessionsRouteHandlers } from './handlers';
export type { HttpMethod, RouteAuth, SessionsPluginRoute, SessionsRouteContext, SessionsRoutePlugin } from './plugins';
export { STATUS_BY_CODE, json, problem, problemFromError } from './problem';
export type { HttpProblemCode, ProblemBody, ProblemCode } from './problem';
export { createSessionsHandler } from './router';
export { DISPUTE_STEP_ROUTES } from './dispute-handlers';
export type { PlatformStaffCheck } from './dispute-handlers';
export { toChargebackJson } from './chargeback-handlers';
export type { ChargebackJson } from './chargeback-handlers';
export type { SessionsHandlerOptions } from './router';
