import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, jwtVerify, type JWTPayload } from 'jose';
import type { SqlClient } from '@itutor/sessions-supabase';

/**
 * A stand-in for Supabase's API gateway + PostgREST, for tests only (PostgREST itself cannot be
 * installed here). It answers the subset of PostgREST the adapter and the tests use, the way PostgREST
 * does it: the JWT picks the database role, and every request runs in its own transaction after
 * `set_config('role', <role>, true)` and `set_config('request.jwt.claims', <claims>, true)`.
 *
 * - `POST /rest/v1/rpc/<fn>` with a JSON object of named arguments → the function's result as JSON
 *   (arguments converted with `json_to_record`, typed from the function's declaration, as PostgREST does).
 * - `GET /rest/v1/<table>?select=a,b&<col>=eq.<value>` → a JSON array of rows (plain column lists and
 *   `eq` filters only).
 *
 * Errors come back as PostgREST's `{ code, message, details, hint }` with its HTTP status mapping.
 */
export interface TestGateway {
  readonly url: string;
  readonly anonKey: string;
  readonly serviceRoleKey: string;
  /** An access token for a signed-in user, as Supabase Auth would issue it. */
  userToken(userId: string): Promise<string>;
  /** Requests answered so far, by path (to show which PostgREST features were used). */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface GatewayDatabase {
  readonly client: SqlClient;
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
}

const ROLES = new Set(['anon', 'authenticated', 'service_role']);
const IDENT = /^[a-z_][a-z0-9_]*$/;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message));
  }
}

/** PostgREST's mapping of SQLSTATEs to HTTP statuses (the cases that can occur here). */
function statusFor(code: string | undefined, role: string): number {
  if (!code) return 500;
  if (code === '42501') return role === 'anon' ? 401 : 403;
  if (code === '42883' || code === '42P01') return 404;
  if (code === '23505' || code === '23503' || code === '40001' || code === '40P01') return 409;
  if (code === 'P0001' || code.startsWith('22') || code.startsWith('23') || code === '42703') return 400;
  return 500;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the gateway on 127.0.0.1 at a free port. */
export async function startTestGateway(db: GatewayDatabase, options: { jwtSecret: string }): Promise<TestGateway> {
  const secret = new TextEncoder().encode(options.jwtSecret);
  const sign = (claims: JWTPayload) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setIssuedAt().setExpirationTime('1h').sign(secret);
  const anonKey = await sign({ iss: 'supabase', role: 'anon' });
  const serviceRoleKey = await sign({ iss: 'supabase', role: 'service_role' });
  const requests: string[] = [];
  const functionArgs = new Map<string, Array<{ name: string; type: string }>>();

  async function argsOf(fn: string) {
    let args = functionArgs.get(fn);
    if (!args) {
      const { rows } = await db.client.query(
        `select coalesce(p.proargnames, '{}') as names,
                array(select format_type(t, null) from unnest(p.proargtypes::oid[]) with ordinality as a (t, i) order by i) as types
         from pg_proc p join pg_namespace n on n.oid = p.pronamespace
         where n.nspname = 'public' and p.proname = $1`,
        [fn],
      );
      const row = rows[0] as { names: string[]; types: string[] } | undefined;
      if (!row || rows.length !== 1) {
        throw new HttpError(404, { code: 'PGRST202', message: `Could not find the function public.${fn} in the schema cache`, details: null, hint: null });
      }
      args = row.types.map((type, i) => ({ name: row.names[i]!, type }));
      functionArgs.set(fn, args);
    }
    return args;
  }

  /** PostgREST's authentication: the apikey (checked by Supabase's gateway) and the bearer JWT. */
  async function claimsOf(request: IncomingMessage): Promise<{ role: string; claims: JWTPayload }> {
    if (!request.headers.apikey) throw new HttpError(401, { message: 'No API key found in request' });
    const header = request.headers.authorization;
    if (!header) return { role: 'anon', claims: { role: 'anon' } };
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    try {
      const { payload } = await jwtVerify(token ?? '', secret, { algorithms: ['HS256'] });
      const role = typeof payload.role === 'string' ? payload.role : 'anon';
      if (!ROLES.has(role)) throw new Error(`role ${role} is not allowed`);
      return { role, claims: payload };
    } catch (error) {
      throw new HttpError(401, { code: 'PGRST301', message: `JWT invalid: ${(error as Error).message}`, details: null, hint: null });
    }
  }

  async function asCaller<T>(role: string, claims: JWTPayload, method: string, path: string, fn: (tx: SqlClient) => Promise<T>) {
    try {
      return await db.transaction(async (tx) => {
        await tx.query(
          `select set_config('role', $1, true), set_config('request.jwt.claims', $2, true),
                  set_config('request.method', $3, true), set_config('request.path', $4, true)`,
          [role, JSON.stringify(claims), method, path],
        );
        return fn(tx);
      });
    } catch (error) {
      if (error instanceof HttpError) throw error;
      const e = error as { code?: string; message?: string; detail?: string; hint?: string };
      throw new HttpError(statusFor(e.code, role), { code: e.code ?? null, message: e.message ?? String(error), details: e.detail ?? null, hint: e.hint ?? null });
    }
  }

  async function rpc(request: IncomingMessage, fn: string): Promise<string> {
    const { role, claims } = await claimsOf(request);
    const raw = await readBody(request);
    let body: unknown;
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw);
    } catch {
      throw new HttpError(400, { code: 'PGRST102', message: 'Empty or invalid json', details: null, hint: null });
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpError(400, { code: 'PGRST102', message: 'Expected a JSON object of arguments', details: null, hint: null });
    }
    const args = await argsOf(fn);
    const given = Object.keys(body).sort().join(',');
    if (given !== args.map((a) => a.name).sort().join(',')) {
      throw new HttpError(404, {
        code: 'PGRST202',
        message: `Could not find the function public.${fn}(${Object.keys(body).join(', ')}) in the schema cache`,
        details: null,
        hint: null,
      });
    }
    const call = args.map((a) => `${a.name} => _.${a.name}`).join(', ');
    const record = args.map((a) => `${a.name} ${a.type}`).join(', ');
    const sql = args.length
      ? `select to_jsonb(public.${fn}(${call}))::text as body from json_to_record($1::json) as _(${record})`
      : `select to_jsonb(public.${fn}())::text as body`;
    return asCaller(role, claims, 'POST', `/rpc/${fn}`, async (tx) => {
      const { rows } = await tx.query(sql, args.length ? [JSON.stringify(body)] : []);
      return ((rows[0] as { body: string | null } | undefined)?.body ?? 'null') as string;
    });
  }

  async function read(request: IncomingMessage, table: string, query: URLSearchParams): Promise<string> {
    const { role, claims } = await claimsOf(request);
    const columns = (query.get('select') ?? '*').split(',').map((c) => c.trim());
    if (!columns.every((c) => c === '*' || IDENT.test(c))) {
      throw new HttpError(400, { code: 'PGRST100', message: 'only plain column lists are supported here', details: null, hint: null });
    }
    const params: string[] = [];
    const where: string[] = [];
    for (const [key, value] of query) {
      if (key === 'select') continue;
      if (!IDENT.test(key) || !value.startsWith('eq.')) {
        throw new HttpError(400, { code: 'PGRST100', message: `unsupported filter ${key}=${value}`, details: null, hint: null });
      }
      params.push(value.slice(3));
      where.push(`${key}::text = $${params.length}`);
    }
    const list = columns.map((c) => (c === '*' ? '*' : `"${c}"`)).join(', ');
    const sql = `select coalesce(json_agg(t), '[]')::text as body from (select ${list} from public."${table}"${
      where.length ? ` where ${where.join(' and ')}` : ''
    }) as t`;
    return asCaller(role, claims, 'GET', `/${table}`, async (tx) => {
      const { rows } = await tx.query(sql, params);
      return (rows[0] as { body: string }).body;
    });
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://gateway');
    requests.push(`${request.method} ${url.pathname}`);
    try {
      let body: string;
      const rpcMatch = /^\/rest\/v1\/rpc\/([a-z_][a-z0-9_]*)$/.exec(url.pathname);
      const tableMatch = /^\/rest\/v1\/([a-z_][a-z0-9_]*)$/.exec(url.pathname);
      if (rpcMatch && request.method === 'POST') body = await rpc(request, rpcMatch[1]!);
      else if (tableMatch && request.method === 'GET') body = await read(request, tableMatch[1]!, url.searchParams);
      else throw new HttpError(404, { code: 'PGRST125', message: `not supported by the test gateway: ${request.method} ${url.pathname}` });
      response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      response.end(body);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      const body = error instanceof HttpError ? error.body : { message: String(error) };
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(body));
    }
  }

  const server = createServer((request, response) => {
    void handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    anonKey,
    serviceRoleKey,
    requests,
    userToken: (userId) => sign({ iss: 'supabase', sub: userId, aud: 'authenticated', role: 'authenticated' }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
