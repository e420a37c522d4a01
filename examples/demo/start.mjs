/**
 * `pnpm demo`: starts the demo host app and prints its URL.
 *
 *   PORT   port to listen on; must be free. Without it the demo takes 4321, or the next free port.
 *   HOST   interface to listen on (default 127.0.0.1).
 *
 * Start-up order, for a fast first page: listen at once and answer the page (it carries the simulated
 * clock inline) while the rest starts; then load the bundled server (build.mjs, rebuilt only when a
 * source changed), open the database from its migrated snapshot and seed the bookings. Requests other
 * than the page wait for that instead of failing. Plain JavaScript, so nothing compiles before `listen`.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { addMinutes } from 'date-fns/addMinutes';
import { startOfMinute } from 'date-fns/startOfMinute';
import { renderPage } from './src/page.mjs';

const DEMO = dirname(fileURLToPath(import.meta.url));
const CSS = {
  '/demo/sdk.css': join(DEMO, '../../packages/react/src/styles.css'),
  '/demo/demo.css': join(DEMO, 'src/client/demo.css'),
};

/** The port the demo prefers. */
export const DEFAULT_PORT = 4321;

/** Thrown when the port asked for is taken (and no other port may be used). */
export class PortInUseError extends Error {
  constructor(port) {
    super(`Port ${port} is already in use.`);
    this.name = 'PortInUseError';
    this.port = port;
  }
}

function listenOnce(server, port, host) {
  return new Promise((resolvePort, reject) => {
    const onError = (error) => {
      server.off('listening', onListening);
      reject(error);
    };
    const onListening = () => {
      server.off('error', onError);
      resolvePort(server.address().port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Listens on `port`; when it is taken and `strictPort` is false, on the next ten ports, then any free port. */
async function listen(server, port, host, strictPort) {
  const candidates = strictPort || port === 0 ? [port] : [...Array.from({ length: 11 }, (_, i) => port + i), 0];
  for (const candidate of candidates) {
    try {
      return await listenOnce(server, candidate, host);
    } catch (error) {
      if (error?.code !== 'EADDRINUSE') throw error;
    }
  }
  throw new PortInUseError(port);
}

/**
 * Starts the demo. Resolves once it is ready (the database is up and seeded); `onListening` is called
 * earlier, as soon as the page can be opened.
 *
 * @param {{ port?: number, host?: string, strictPort?: boolean,
 *   onListening?: (info: { url: string, port: number, requestedPort: number, afterMs: number }) => void }} [options]
 */
export async function startDemo(options = {}) {
  const requestedPort = options.port ?? DEFAULT_PORT;
  const host = options.host ?? '127.0.0.1';
  const realStart = Date.now();
  const anchor = { simulated: startOfMinute(addMinutes(new Date(realStart), 1)), real: realStart };
  const offsetMs = anchor.simulated.getTime() - anchor.real;
  const css = Object.fromEntries(Object.entries(CSS).map(([path, file]) => [path, readFileSync(file, 'utf8')]));

  /** @type {null | ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void)} */
  let ready = null;
  let failed = null;
  const waiting = [];
  const fail = (res) => {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`The demo failed to start: ${failed.message}\n`);
  };
  const server = createServer((req, res) => {
    if (ready) return ready(req, res);
    if (failed) return fail(res);
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(renderPage({ now: new Date(Date.now() + offsetMs).toISOString(), offsetMs, state: null }));
    }
    if (req.method === 'GET' && css[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' });
      return res.end(css[path]);
    }
    waiting.push([req, res]); // answered once the demo is ready (the request body waits in its stream)
  });

  const port = await listen(server, requestedPort, host, options.strictPort ?? false);
  const url = `http://${host}:${port}`;
  options.onListening?.({ url, port, requestedPort, afterMs: Math.round(performance.now()) });

  let demo;
  let bundles;
  try {
    const { CACHE_DIR, ensureBundles } = await import('./build.mjs');
    bundles = await ensureBundles();
    const mod = await import(/* @vite-ignore */ pathToFileURL(bundles.server).href);
    demo = await mod.createDemo({
      origin: () => url,
      anchor,
      snapshotDir: CACHE_DIR,
      assets: { clientJs: readFileSync(bundles.client, 'utf8'), sdkCss: css['/demo/sdk.css'], demoCss: css['/demo/demo.css'] },
    });
    // Keep Node's own Request/Response: @hono/node-server's lighter replacements (its default) break the
    // fake Zoom's interception of fetch (msw), which then loses request bodies.
    ready = mod.getRequestListener((request) => demo.fetch(request), { overrideGlobalObjects: false });
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    for (const [, res] of waiting.splice(0)) fail(res);
    await new Promise((done) => server.close(() => done()));
    throw failed;
  }
  for (const [req, res] of waiting.splice(0)) ready(req, res);

  return {
    url,
    port,
    /** The current world (the page's Restart replaces it). */
    get world() {
      return demo.world;
    },
    /** The page's Restart: the initial data again (see `createDemo`). */
    restart: () => demo.restart(),
    /** What this start did: bundles rebuilt, database from the snapshot or migrated, ms since process start. */
    startup: { rebuilt: bundles.built, database: demo.world.database.source, readyAfterMs: Math.round(performance.now()) },
    close: async () => {
      server.closeAllConnections?.();
      await new Promise((done) => server.close(() => done()));
      await demo.close(); // its database, and the fake Zoom's interception of this process's fetch once no demo uses it
    },
  };
}

async function main() {
  const envPort = process.env.PORT;
  const port = envPort === undefined || envPort === '' ? DEFAULT_PORT : Number(envPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`PORT must be a port number (0 for any free port), got "${envPort}".`);
    process.exit(1);
  }
  let demo;
  try {
    demo = await startDemo({
      port,
      host: process.env.HOST || '127.0.0.1',
      strictPort: envPort !== undefined && envPort !== '',
      onListening: ({ url, port: bound, requestedPort }) => {
        if (requestedPort !== 0 && bound !== requestedPort) console.log(`Port ${requestedPort} is in use, so the demo uses port ${bound}.`);
        console.log(`iTutor Sessions demo: open ${url}`);
      },
    });
  } catch (error) {
    if (error instanceof PortInUseError) {
      console.error(`${error.message} Stop what is using it, or choose another port: PORT=0 picks any free one.`);
    } else if (error instanceof Error && error.message.startsWith('The demo does not compile')) {
      console.error(error.message);
    } else {
      console.error('The demo failed to start:', error);
    }
    process.exit(1);
  }
  const { database, rebuilt, readyAfterMs } = demo.startup;
  const notes = [database === 'snapshot' ? 'database from its snapshot' : 'database created and migrated (snapshot saved for next time)'];
  if (rebuilt.length) notes.push(`rebuilt ${rebuilt.join(' and ')} bundle${rebuilt.length > 1 ? 's' : ''}`);
  console.log(`Ready in ${(readyAfterMs / 1000).toFixed(1)} s (${notes.join('; ')}). Press Ctrl+C to stop.`);
  const stop = () => void demo.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
