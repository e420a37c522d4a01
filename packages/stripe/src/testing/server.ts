import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { StripeFake } from './fake';

/** A running fake Stripe on a local port. */
export interface StripeFakeServer {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http';
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Spread into the client's options: `new Stripe(fake.apiKey, { ...server.clientOptions })`. */
  readonly clientOptions: { readonly host: string; readonly port: number; readonly protocol: 'http' };
  /** Ends hanging requests, closes every connection and stops listening. */
  close(): Promise<void>;
}

/** The request body: text, or its bytes for a `multipart/form-data` upload (files may be binary). */
function readBody(request: IncomingMessage): Promise<string | Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      resolve(/^\s*multipart\/form-data/i.test(request.headers['content-type'] ?? '') ? new Uint8Array(body.buffer, body.byteOffset, body.length) : body.toString('utf8'));
    });
    request.on('error', reject);
  });
}

/**
 * Serves `fake` over HTTP on `127.0.0.1` (a free port unless `port` is given), so the official client
 * reaches it with its default Node HTTP client:
 *
 * ```ts
 * const fake = createStripeFake();
 * const server = await startStripeFakeServer(fake);
 * const stripe = new Stripe(fake.apiKey, server.clientOptions);
 * ```
 *
 * A dropped connection is a destroyed socket, as a network failure is.
 */
export async function startStripeFakeServer(fake: StripeFake, options: { readonly port?: number } = {}): Promise<StripeFakeServer> {
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    void (async () => {
      try {
        const body = await readBody(request);
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(request.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        const answer = await fake.dispatch({ method: request.method ?? 'GET', path: request.url ?? '/', headers, body });
        if (answer.kind === 'drop') {
          request.socket.destroy();
          return;
        }
        response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
        response.end(answer.body);
      } catch (error) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { type: 'api_error', message: `fake Stripe failed: ${String(error)}` } }));
      }
    })();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = '127.0.0.1';
  return {
    host,
    port,
    protocol: 'http',
    url: `http://${host}:${port}`,
    clientOptions: { host, port, protocol: 'http' },
    async close() {
      fake.releaseHangs();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
