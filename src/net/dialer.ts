// The one dialer: TCP connects with Go's error vocabulary, and CONNECT tunnels through an HTTP(S) proxy.
// Every operation is bounded by a signal; every read from the proxy is size-capped.

import { setMaxListeners } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { ProbeError, sysCode } from '../errors.js';
import { goQuote } from '../goenv/gostrings.js';
import type { LayerCause } from '../causes.js';

export interface DialAttempt {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly cause?: LayerCause;
  readonly goError?: string;
}

export class DialError extends ProbeError {
  declare readonly code: LayerCause;
  readonly goError: string;
  readonly attempts: readonly DialAttempt[];
  constructor(code: LayerCause, message: string, goError: string, attempts: readonly DialAttempt[]) {
    super(code, message);
    this.name = 'DialError';
    this.goError = goError;
    this.attempts = attempts;
  }
}

export interface DialOptions {
  readonly signal: AbortSignal;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Maps a connect failure to a cause and the text Go's net package prints for it. */
function classifyConnectError(err: unknown, address: string, port: number, timedOut: boolean): { cause: LayerCause; goError: string } {
  const where = `dial tcp ${hostPort(address, port)}`;
  if (timedOut) return { cause: 'tcp.timeout', goError: `${where}: i/o timeout` };
  switch (sysCode(err)) {
    case 'ECONNREFUSED':
      return { cause: 'tcp.refused', goError: `${where}: connect: connection refused` };
    case 'EHOSTUNREACH':
      return { cause: 'tcp.unreachable', goError: `${where}: connect: no route to host` };
    case 'ENETUNREACH':
      return { cause: 'tcp.unreachable', goError: `${where}: connect: network is unreachable` };
    case 'EADDRNOTAVAIL':
      return { cause: 'tcp.unreachable', goError: `${where}: connect: cannot assign requested address` };
    case 'EACCES':
      return { cause: 'tcp.permission', goError: `${where}: connect: permission denied` };
    case 'EPERM':
      return { cause: 'tcp.permission', goError: `${where}: connect: operation not permitted` };
    case 'ECONNRESET':
      return { cause: 'tcp.reset', goError: `${where}: connect: connection reset by peer` };
    case 'ETIMEDOUT':
      return { cause: 'tcp.timeout', goError: `${where}: connect: connection timed out` };
    default:
      return { cause: 'tcp.unreachable', goError: `${where}: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** One TCP connect to one address. Resolves with the connected socket, rejects with DialError. */
export function dialAddress(address: string, port: number, opts: DialOptions): Promise<{ socket: net.Socket; attempt: DialAttempt }> {
  const family = net.isIPv6(address) ? 6 : 4;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, family, noDelay: true });
    const finish = (err: unknown, timedOut: boolean): void => {
      cleanup();
      socket.destroy();
      const { cause, goError } = classifyConnectError(err, address, port, timedOut);
      const attempt: DialAttempt = { address, port, family, ok: false, latencyMs: since(started), cause, goError };
      reject(new DialError(cause, goError, goError, [attempt]));
    };
    const onAbort = (): void => finish(opts.signal.reason, true);
    const onError = (err: Error): void => finish(err, false);
    const onConnect = (): void => {
      cleanup();
      resolve({ socket, attempt: { address, port, family, ok: true, latencyMs: since(started) } });
    };
    const cleanup = (): void => {
      opts.signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.off('connect', onConnect);
    };
    if (opts.signal.aborted) {
      finish(opts.signal.reason, true);
      return;
    }
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once('connect', onConnect);
  });
}

/**
 * Dials every address of a host at once (evidence for each) and keeps the connection Go would use:
 * Go tries the first address family's addresses in order and races the other family after 300 ms,
 * so with any reachable address Go connects. The chosen socket is the first success in Go's order.
 */
export async function dialHost(addresses: readonly string[], port: number, opts: DialOptions): Promise<{ socket: net.Socket; attempts: DialAttempt[] }> {
  const ordered = goDialOrder(addresses).slice(0, 16);
  if (ordered.length === 0) {
    throw new DialError('tcp.unreachable', 'no addresses to dial', 'dial tcp: no addresses', []);
  }
  // One listener per address on the caller's signal would trip Node's MaxListeners warning (a line on
  // stderr) once a name has more than 10 addresses: the dials share one signal of their own instead.
  const shared = new AbortController();
  setMaxListeners(0, shared.signal);
  const forward = (): void => shared.abort(opts.signal.reason);
  if (opts.signal.aborted) forward();
  else opts.signal.addEventListener('abort', forward, { once: true });
  const settled = await Promise.allSettled(ordered.map((a) => dialAddress(a, port, { signal: shared.signal }))).finally(() =>
    opts.signal.removeEventListener('abort', forward),
  );
  const attempts: DialAttempt[] = [];
  let chosen: net.Socket | undefined;
  for (const s of settled) {
    if (s.status === 'fulfilled') {
      attempts.push(s.value.attempt);
      if (!chosen) chosen = s.value.socket;
      else s.value.socket.destroy();
    } else {
      const e = s.reason as DialError;
      attempts.push(...(e.attempts ?? []));
    }
  }
  if (chosen) return { socket: chosen, attempts };
  // Go reports the first (primary) address's error.
  const first = attempts[0]!;
  throw new DialError(first.cause ?? 'tcp.unreachable', first.goError ?? 'dial failed', first.goError ?? 'dial failed', attempts);
}

/** Go's dialParallel order: the first address's family first, in resolver order, then the other family. */
export function goDialOrder(addresses: readonly string[]): string[] {
  if (addresses.length === 0) return [];
  const firstV6 = net.isIPv6(addresses[0]!);
  const primaries = addresses.filter((a) => net.isIPv6(a) === firstV6);
  const fallbacks = addresses.filter((a) => net.isIPv6(a) !== firstV6);
  return [...primaries, ...fallbacks];
}

export interface ConnectTunnelOptions {
  readonly signal: AbortSignal;
  /** "host:port" asked of the proxy. */
  readonly authority: string;
  /** Basic credentials from the proxy URL, as Go's transport sends them. */
  readonly proxyAuthorization?: string;
  /** TLS to the proxy itself when HTTPS_PROXY is an https:// URL. */
  readonly proxyTls?: tls.ConnectionOptions;
}

export interface TunnelResult {
  readonly socket: net.Socket;
  readonly status: number;
  readonly statusText: string;
}

const MAX_CONNECT_RESPONSE = 64 * 1024;

/**
 * Asks an HTTP proxy for a CONNECT tunnel over an open socket. Go's transport shows a non-200 answer as
 * the reason phrase alone ("Proxy Authentication Required").
 */
export async function connectTunnel(proxySocket: net.Socket, opts: ConnectTunnelOptions): Promise<TunnelResult> {
  let socket: net.Socket = proxySocket;
  if (opts.proxyTls) {
    socket = await new Promise<net.Socket>((resolve, reject) => {
      const t = tls.connect({ ...opts.proxyTls, socket: proxySocket });
      const onAbort = (): void => {
        t.destroy();
        reject(new DialError('tcp.timeout', 'TLS to the proxy timed out', 'proxyconnect tcp: net/http: TLS handshake timeout', []));
      };
      opts.signal.addEventListener('abort', onAbort, { once: true });
      t.once('secureConnect', () => {
        opts.signal.removeEventListener('abort', onAbort);
        resolve(t);
      });
      t.once('error', (err) => {
        opts.signal.removeEventListener('abort', onAbort);
        reject(new DialError('tcp.proxy_connect_failed', `TLS to the proxy failed: ${err.message}`, `proxyconnect tcp: ${err.message}`, []));
      });
    });
  }
  const head = [
    `CONNECT ${opts.authority} HTTP/1.1`,
    `Host: ${opts.authority}`,
    'User-Agent: Go-http-client/1.1',
    ...(opts.proxyAuthorization ? [`Proxy-Authorization: ${opts.proxyAuthorization}`] : []),
    '',
    '',
  ].join('\r\n');

  const addresses = `${socket.localAddress ?? '?'}:${socket.localPort ?? '?'}->${socket.remoteAddress ?? '?'}:${socket.remotePort ?? '?'}`;
  return new Promise<TunnelResult>((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err: DialError | undefined, result?: TunnelResult): void => {
      opts.signal.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (err) {
        socket.destroy();
        reject(err);
      } else resolve(result!);
    };
    // Go's texts for the CONNECT exchange carry no "proxyconnect" prefix (only the dial does): the
    // transport returns ReadResponse's error, or the context's after its 1-minute CONNECT timeout.
    const onAbort = (): void =>
      done(new DialError('tcp.timeout', 'the proxy did not answer CONNECT in time', 'context deadline exceeded', []));
    const onError = (err: Error): void =>
      done(new DialError('tcp.proxy_connect_failed', `proxy connection failed: ${err.message}`,
        sysCode(err) === 'ECONNRESET' ? `read tcp ${addresses}: read: connection reset by peer` : err.message, []));
    const onClose = (): void =>
      done(new DialError('tcp.proxy_connect_failed', 'the proxy closed the connection during CONNECT', 'unexpected EOF', []));
    const onData = (chunk: Buffer): void => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (buf.length > MAX_CONNECT_RESPONSE) {
          // go has no limit: it reads on until its 1-minute CONNECT timeout.
          done(new DialError('tcp.proxy_connect_failed', `the proxy's answer to CONNECT goes on past ${MAX_CONNECT_RESPONSE} bytes without ending its header`, 'context deadline exceeded', []));
        }
        return;
      }
      const statusLine = buf.subarray(0, buf.indexOf('\r\n')).toString('latin1');
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: (.*))?$/.exec(statusLine);
      if (!m) {
        done(new DialError('tcp.proxy_connect_failed', `the proxy answered CONNECT with "${statusLine.slice(0, 120)}"`, `malformed HTTP response ${goQuote(statusLine.slice(0, 200))}`, []));
        return;
      }
      const status = Number(m[1]);
      const statusText = (m[2] ?? '').trim();
      if (status !== 200) {
        const cause: LayerCause = status === 407 ? 'tcp.proxy_auth_required' : status === 403 ? 'tcp.proxy_forbidden' : 'tcp.proxy_connect_failed';
        done(new DialError(cause, `the proxy answered CONNECT ${opts.authority} with ${status} ${statusText}`, statusText || String(status), []));
        return;
      }
      // Stop the flow so no tunnelled byte is emitted before the next reader (TLS) attaches.
      socket.pause();
      const rest = buf.subarray(end + 4);
      if (rest.length > 0) socket.unshift(rest);
      done(undefined, { socket, status, statusText });
    };
    if (opts.signal.aborted) {
      onAbort();
      return;
    }
    opts.signal.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.write(head);
  });
}

function since(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10;
}
