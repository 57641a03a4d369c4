// Loopback peers for the TLS integration tests (and the throwaway Go cross-check): real node:tls
// servers with generated chains, and raw TCP peers that misbehave.

import { createServer as createNetServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TlsOptions } from 'node:tls';

export interface Peer {
  port: number;
  close(): Promise<void>;
}

function track(server: Server): Peer & { sockets: Set<Socket> } {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    sockets,
    get port() {
      return (server.address() as AddressInfo).port;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

async function listen(server: Server): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** A TLS server that answers every connection with `greeting` and then echoes. */
export async function tlsPeer(options: TlsOptions, greeting = 'hello\n'): Promise<Peer> {
  const server = createTlsServer(options, (s) => {
    s.on('error', () => {});
    s.write(greeting);
    s.pipe(s);
  });
  server.on('tlsClientError', () => {});
  const peer = track(server);
  await listen(server);
  return peer;
}

/** A raw TCP peer; `onConnection` decides what it does. */
export async function rawPeer(onConnection: (s: Socket) => void): Promise<Peer> {
  const server = createNetServer((s) => {
    s.on('error', () => {});
    onConnection(s);
  });
  const peer = track(server);
  await listen(server);
  return peer;
}

/** Reads the ClientHello, then answers like a plain HTTP server would. */
export const httpPeer = (): Promise<Peer> =>
  rawPeer((s) =>
    s.once('data', () =>
      s.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nClient sent an HTTP request to an HTTPS server.\n'),
    ),
  );

/** Speaks first, like an SSH server. */
export const sshPeer = (): Promise<Peer> => rawPeer((s) => s.write('SSH-2.0-OpenSSH_9.6\r\n'));

/** Accepts and never says anything. */
export const silentPeer = (): Promise<Peer> => rawPeer(() => {});

/** Reads the ClientHello and closes cleanly (FIN). */
export const closingPeer = (): Promise<Peer> => rawPeer((s) => s.once('data', () => s.end()));

/** Reads the ClientHello and resets the connection (RST). */
export const resettingPeer = (): Promise<Peer> => rawPeer((s) => s.once('data', () => s.resetAndDestroy()));

/** A connected client socket to 127.0.0.1:port. */
export function dial(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
