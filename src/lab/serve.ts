// The lab servers' listen and close: listen on loopback (an ephemeral port unless one is given) and
// keep the open connections, so that close() ends keep-alive sockets at once instead of waiting on them.

import type { AddressInfo, Server, Socket } from 'node:net';

export interface Listening {
  readonly port: number;
  /** Destroys every open connection, then stops listening. */
  close(): Promise<void>;
}

export async function listen(server: Server, opts: { readonly host?: string; readonly port?: number } = {}): Promise<Listening> {
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
