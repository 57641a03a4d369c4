// A port where nothing listens, on TCP and UDP alike, that stays so for as long as the fixture holds it.
//
// Listening on port 0 and closing again (the usual "free port" trick) hands the number back to the
// kernel, which may give it to the very next server that listens on port 0: a test that expects
// "connection refused" then meets a live server. Instead the port is held:
// - TCP: a socket bound to the port but never listening. The kernel answers a SYN to it with RST (no
//   listener matches), and its ephemeral-port choice (bind or connect to port 0) skips a port that
//   has a bound socket (net/ipv4/inet_connection_sock.c, inet_csk_find_open_port:
//   inet_csk_bind_conflict with relax=false; inet_hashtables.c, __inet_hash_connect skips ports in
//   the bind hash). An explicit bind of that very number with SO_REUSEADDR could still share it, as
//   it could share any port: only code that already knows the number does that.
// - UDP: a socket bound to the port and connected to itself. A connected UDP socket only takes
//   datagrams from its peer (net/ipv4/udp.c, compute_score), so every other sender gets ICMP port
//   unreachable, i.e. "connection refused", as from a closed port; and the bound socket keeps the
//   number from every other bind without SO_REUSEADDR (node's dgram default).
// Node has no public API for a TCP socket that is bound but does not listen: the handle comes from
// node's tcp_wrap binding, the same one net.Server uses underneath.

import dgram from 'node:dgram';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  getsockname(out: { port?: number }): number;
  close(): void;
}
interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  constants: { SOCKET: number };
}

const ATTEMPTS = 20;
const VERIFY_TIMEOUT_MS = 2_000;

export class ClosedPort {
  readonly host: string;
  readonly port: number;
  readonly #tcp: TcpHandle;
  readonly #udp: dgram.Socket;
  #closed = false;

  private constructor(host: string, port: number, tcp: TcpHandle, udp: dgram.Socket) {
    this.host = host;
    this.port = port;
    this.#tcp = tcp;
    this.#udp = udp;
  }

  /**
   * Holds a port on `host` (loopback by default) where TCP connects are refused and UDP datagrams get
   * port unreachable, and checks that a connect is refused before returning (throws if not).
   */
  static async hold(host = '127.0.0.1'): Promise<ClosedPort> {
    const v6 = net.isIPv6(host);
    const { TCP, constants } = (process as unknown as { binding(name: 'tcp_wrap'): TcpWrapBinding }).binding('tcp_wrap');
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const tcp = new TCP(constants.SOCKET);
      const err = v6 ? tcp.bind6(host, 0, 0) : tcp.bind(host, 0);
      const name: { port?: number } = {};
      if (err !== 0 || tcp.getsockname(name) !== 0 || !name.port) {
        tcp.close();
        throw new Error(`ClosedPort: cannot bind a TCP socket on ${host}: ${err !== 0 ? getSystemErrorName(err) : 'no port'}`);
      }
      const port = name.port;
      const udp = dgram.createSocket(v6 ? 'udp6' : 'udp4');
      const held = await new Promise<boolean>((resolve, reject) => {
        udp.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(false) : reject(e)));
        udp.bind(port, host, () => udp.connect(port, host, () => resolve(true)));
      }).catch((e: unknown) => {
        tcp.close();
        udp.close();
        throw e;
      });
      if (!held) {
        // The kernel's TCP choice is taken on UDP: try another number.
        tcp.close();
        udp.close();
        continue;
      }
      udp.removeAllListeners('error');
      // Nothing reads this socket; it must not keep a process alive that forgot to close the lab.
      udp.unref();
      const closed = new ClosedPort(host, port, tcp, udp);
      try {
        await closed.assertRefused();
      } catch (e) {
        closed.close();
        throw e;
      }
      return closed;
    }
    throw new Error(`ClosedPort: no port on ${host} free on both TCP and UDP after ${ATTEMPTS} attempts`);
  }

  /** Resolves when a TCP connect to the port is refused; throws (naming the port) on anything else. */
  async assertRefused(): Promise<void> {
    const where = `${this.host}:${this.port}`;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: this.host, port: this.port, timeout: VERIFY_TIMEOUT_MS });
      socket.once('connect', () => {
        socket.destroy();
        reject(new Error(`ClosedPort: ${where} accepted a connection; something listens on the held port`));
      });
      socket.once('timeout', () => {
        socket.destroy();
        reject(new Error(`ClosedPort: a connect to ${where} got no answer in ${VERIFY_TIMEOUT_MS} ms`));
      });
      socket.once('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED') resolve();
        else reject(new Error(`ClosedPort: a connect to ${where} failed with ${e.code ?? e.message}, not ECONNREFUSED`));
      });
    });
  }

  /** Releases the port. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#tcp.close();
    this.#udp.close();
  }
}
