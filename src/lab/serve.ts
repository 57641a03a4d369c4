// The lab servers' listen and close: listen on loopback (an ephemeral port unless one is given) and
// keep the open connections, so that close() ends keep-alive sockets at once instead of waiting on them.

import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';

export interface Listening {
  readonly port: number;
  /** Destroys every open connection, then stops listening. */
  close(): Promise<void>;
}

export interface ListenOptions {
  readonly host?: string;
  readonly port?: number;
}

export async function listen(server: Server, opts: ListenOptions = {}): Promise<Listening> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface HttpServing extends Listening {
  readonly server: HttpServer;
  /** "https://<hostname>:<port>" with TLS, else "http://…". */
  url(hostname: string): string;
}

/** An HTTP server, or HTTPS when `tls` (PEM certificate chain and key) is given, listening as listen() does. */
export async function serveHttp(
  opts: ListenOptions & { readonly tls?: { readonly cert: string; readonly key: string } },
  handler: RequestListener,
): Promise<HttpServing> {
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, handler) : createHttpServer(handler);
  const listening = await listen(server, opts);
  const scheme = opts.tls ? 'https' : 'http';
  return { ...listening, server, url: (hostname) => `${scheme}://${hostname}:${listening.port}` };
}
