// The one dialer: TCP connects with Go's error vocabulary, and CONNECT tunnels through an HTTP(S) proxy.
// Every operation is bounded by a signal; every read from the proxy is size-capped.

import { setMaxListeners } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { ProbeError, sysCode } from '../errors.js';
import { goQuote } from '../goenv/gostrings.js';
import type { TcpCause } from '../causes.js';
import { joinHostPort } from './netip.js';

export interface DialAttempt {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly cause?: TcpCause;
  readonly goError?: string;
  /** The system error of a failed connect (ENETUNREACH: the pod has no route for this address family at all). */
  readonly errno?: string;
  /** In go's dialParallel: the first address's family is primary, the other family the fallback. */
  readonly race?: 'primary' | 'fallback';
  /** When go would start this connect, in ms after the dial began; absent when go never gets to it. */
  readonly goStartMs?: number;
  /** Still without an answer when go had its connection: abandoned, as go abandons it (not a verdict on the address). */
  readonly abandoned?: boolean;
  /** The connection go keeps. */
  readonly chosen?: boolean;
}

export class DialError extends ProbeError {
  declare readonly code: TcpCause;
  readonly goError: string;
  readonly attempts: readonly DialAttempt[];
  constructor(code: TcpCause, message: string, goError: string, attempts: readonly DialAttempt[]) {
    super(code, message);
    this.name = 'DialError';
    this.goError = goError;
    this.attempts = attempts;
  }
}

export interface DialOptions {
  readonly signal: AbortSignal;
  /** The time a whole dial may take, shared among addresses as go's partialDeadline shares it (default go's 30 s). */
  readonly budgetMs?: number;
}

/** http.DefaultTransport's net.Dialer Timeout (src/net/http/transport.go). */
export const GO_DIAL_TIMEOUT_MS = 30_000;

/** Maps a connect failure to a cause and the text Go's net package prints for it. */
function classifyConnectError(err: unknown, address: string, port: number, timedOut: boolean): { cause: TcpCause; goError: string } {
  const where = `dial tcp ${joinHostPort(address, port)}`;
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

/**
 * The family of an address the dialer is given: always an IP literal (a lookup's answer, /etc/hosts, or
 * the URL's own literal), and only IPv6 literals hold a colon. net.isIPv6 would run node's IPv6 pattern,
 * whose first use compiles it (~8 ms with the image's V8 flags, between the last DNS answer and the SYN).
 */
function familyOf(address: string): 4 | 6 {
  return address.includes(':') ? 6 : 4;
}

/** One TCP connect to one address. Resolves with the connected socket, rejects with DialError. */
export function dialAddress(address: string, port: number, opts: DialOptions): Promise<{ socket: net.Socket; attempt: DialAttempt }> {
  const family = familyOf(address);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address, port, family, noDelay: true });
    const finish = (err: unknown, timedOut: boolean): void => {
      cleanup();
      socket.destroy();
      const { cause, goError } = classifyConnectError(err, address, port, timedOut);
      const errno = timedOut ? undefined : sysCode(err);
      const attempt: DialAttempt = { address, port, family, ok: false, latencyMs: since(started), cause, goError, ...(errno ? { errno } : {}) };
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

/** net.Dialer.fallbackDelay (src/net/dial.go): the fallback family's racer starts this long after the primary's. */
export const GO_FALLBACK_DELAY_MS = 300;
/** partialDeadline's saneMinimum (src/net/dial.go): no address gets less, time is stolen from the end of the list. */
const GO_SANE_MINIMUM_MS = 2000;
/** How often an undecided race is looked at again (the passage of time alone can decide it). */
const RACE_TICK_MS = 20;

/** Go's partialDeadline: the remaining time shared equally by the remaining addresses, at least 2 s each. */
export function goPartialDeadline(nowMs: number, deadlineMs: number, addrsRemaining: number): number {
  const remaining = deadlineMs - nowMs;
  if (remaining <= 0) return nowMs;
  let timeout = remaining / addrsRemaining;
  if (timeout < GO_SANE_MINIMUM_MS) timeout = Math.min(remaining, GO_SANE_MINIMUM_MS);
  return nowMs + timeout;
}

/** What one real connect showed, in ms after the dial began. */
interface Outcome {
  readonly ok: boolean;
  readonly atMs: number;
}

/** Where go's serial walk of one family's addresses (dialSerial) stands, in go's time. */
type ChainState =
  | { readonly state: 'connected'; readonly index: number; readonly atMs: number; readonly starts: readonly number[] }
  | { readonly state: 'failed'; readonly atMs: number; readonly starts: readonly number[] }
  | { readonly state: 'pending'; readonly atLeastMs: number; readonly starts: readonly number[] };

/**
 * Go's dialSerial over one family, replayed on connects that all started at once: address i starts when
 * address i-1 failed or ran out of its partial deadline. `outcomes[i]` is undefined while that connect has
 * no answer; `nowMs` is how long the real connects have run.
 */
function replaySerial(outcomes: readonly (Outcome | undefined)[], startMs: number, deadlineMs: number, nowMs: number): ChainState {
  const starts: number[] = [];
  let t = startMs;
  for (let i = 0; i < outcomes.length; i++) {
    if (t >= deadlineMs) return { state: 'failed', atMs: t, starts };
    starts.push(t);
    const window = goPartialDeadline(t, deadlineMs, outcomes.length - i) - t;
    const o = outcomes[i];
    if (o && o.atMs <= window) {
      if (o.ok) return { state: 'connected', index: i, atMs: t + o.atMs, starts };
      t += o.atMs;
    } else if (o || nowMs >= window) {
      t += window; // go gives up on this address at its partial deadline (i/o timeout)
    } else {
      return { state: 'pending', atLeastMs: t + nowMs, starts };
    }
  }
  return { state: 'failed', atMs: t, starts };
}

/** Go's decision so far: which address it connects to (and when, in go's time), that all failed, or not yet known. */
export type RaceDecision =
  | { readonly decided: 'connected'; readonly address: number; readonly atMs: number; readonly starts: ReadonlyMap<number, number> }
  | { readonly decided: 'failed'; readonly starts: ReadonlyMap<number, number> }
  | { readonly decided: false };

/**
 * dialParallel (src/net/dial.go), replayed: the primary family (the first address's) is walked serially;
 * the fallback family's walk starts after GO_FALLBACK_DELAY_MS, or as soon as the whole primary walk failed;
 * the first connection wins. `outcomes` are in goDialOrder (primaries first), `primaries` of them primary.
 */
export function replayGoRace(outcomes: readonly (Outcome | undefined)[], primaries: number, deadlineMs: number, nowMs: number): RaceDecision {
  const primary = replaySerial(outcomes.slice(0, primaries), 0, deadlineMs, nowMs);
  const starts = (chain: ChainState, offset: number, into = new Map<number, number>()): Map<number, number> => {
    chain.starts.forEach((s, i) => into.set(offset + i, s));
    return into;
  };
  if (primaries === outcomes.length) {
    if (primary.state === 'connected') return { decided: 'connected', address: primary.index, atMs: primary.atMs, starts: starts(primary, 0) };
    if (primary.state === 'failed') return { decided: 'failed', starts: starts(primary, 0) };
    return { decided: false };
  }
  if (primary.state === 'connected' && primary.atMs <= GO_FALLBACK_DELAY_MS) {
    return { decided: 'connected', address: primary.index, atMs: primary.atMs, starts: starts(primary, 0) };
  }
  // Until the primary walk has run past the delay (or failed), when the fallback starts is not known.
  if (primary.state === 'pending' && primary.atLeastMs < GO_FALLBACK_DELAY_MS) return { decided: false };
  const fallbackStart = primary.state === 'failed' ? Math.min(GO_FALLBACK_DELAY_MS, primary.atMs) : GO_FALLBACK_DELAY_MS;
  const fallback = replaySerial(outcomes.slice(primaries), fallbackStart, deadlineMs, nowMs);
  const all = starts(fallback, primaries, starts(primary, 0));
  const primaryBy = primary.state === 'connected' ? primary.atMs : primary.state === 'pending' ? primary.atLeastMs : Infinity;
  const fallbackBy = fallback.state === 'connected' ? fallback.atMs : fallback.state === 'pending' ? fallback.atLeastMs : Infinity;
  if (primary.state === 'connected' && primary.atMs <= fallbackBy) return { decided: 'connected', address: primary.index, atMs: primary.atMs, starts: all };
  if (fallback.state === 'connected' && fallback.atMs <= primaryBy) return { decided: 'connected', address: primaries + fallback.index, atMs: fallback.atMs, starts: all };
  if (primary.state === 'failed' && fallback.state === 'failed') return { decided: 'failed', starts: all };
  return { decided: false };
}

export interface DialHostResult {
  readonly socket: net.Socket;
  /** Every address, in go's order, with what it showed and where it stood in go's race. */
  readonly attempts: DialAttempt[];
  /** When go has its connection, in ms after the dial began (go's time: the fallback waits out its delay). */
  readonly goConnectMs: number;
}

/**
 * Dials a host the way go's dialer does (dialParallel, src/net/dial.go) and keeps the connection go would
 * use. Every address is connected at once (evidence for each, and no waiting out one dropped address after
 * another), and go's race is replayed on the answers: the first address's family walked in order, each
 * address within its partial deadline of `budgetMs`, the other family 300 ms later. A connect still without
 * an answer when go's choice is made is given until the fallback delay has passed, then abandoned.
 */
export async function dialHost(addresses: readonly string[], port: number, opts: DialOptions): Promise<DialHostResult> {
  const ordered = goDialOrder(addresses).slice(0, 16);
  if (ordered.length === 0) {
    throw new DialError('tcp.unreachable', 'no addresses to dial', 'dial tcp: no addresses', []);
  }
  const primaries = ordered.filter((a) => familyOf(a) === familyOf(ordered[0]!)).length;
  const budgetMs = opts.budgetMs ?? GO_DIAL_TIMEOUT_MS;
  // One listener per address on the caller's signal would trip Node's MaxListeners warning (a line on
  // stderr) once a name has more than 10 addresses: the dials share one signal of their own instead.
  const shared = new AbortController();
  setMaxListeners(0, shared.signal);
  const forward = (): void => shared.abort(opts.signal.reason);
  if (opts.signal.aborted) forward();
  else opts.signal.addEventListener('abort', forward, { once: true });

  const started = performance.now();
  const outcomes: (Outcome | undefined)[] = ordered.map(() => undefined);
  const results: ({ socket?: net.Socket; attempt: DialAttempt } | undefined)[] = ordered.map(() => undefined);
  let wake: () => void = () => undefined;
  const dials = ordered.map((address, i) =>
    dialAddress(address, port, { signal: shared.signal }).then(
      (v) => {
        results[i] = v;
        outcomes[i] = { ok: true, atMs: v.attempt.latencyMs };
        wake();
      },
      (err: unknown) => {
        const attempt = (err as DialError).attempts?.[0] ?? { address, port, family: familyOf(address), ok: false, latencyMs: since(started), cause: 'tcp.unreachable' as const };
        results[i] = { attempt };
        outcomes[i] = { ok: false, atMs: attempt.latencyMs };
        wake();
      },
    ),
  );
  const all = Promise.all(dials);
  let decision: RaceDecision = { decided: false };
  try {
    for (;;) {
      decision = replayGoRace(outcomes, primaries, budgetMs, performance.now() - started);
      if (decision.decided || results.every((r) => r !== undefined)) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RACE_TICK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    if (decision.decided === 'connected') {
      // The other family's answer is evidence (a dead IPv4 path behind a working IPv6 one), worth the delay go itself would give it.
      const left = GO_FALLBACK_DELAY_MS - (performance.now() - started);
      if (left > 0 && results.some((r) => r === undefined)) {
        await Promise.race([all, new Promise<void>((resolve) => setTimeout(resolve, left).unref())]);
      }
    }
  } finally {
    opts.signal.removeEventListener('abort', forward);
  }
  const unanswered = new Set(results.flatMap((r, i) => (r === undefined ? [i] : [])));
  shared.abort(new Error('go has made its choice'));
  await all;

  const winner = decision.decided === 'connected' ? decision.address : -1;
  const starts = decision.decided ? decision.starts : new Map<number, number>();
  const attempts = results.map((r, i): DialAttempt => {
    const goStartMs = starts.get(i);
    return {
      ...r!.attempt,
      race: i < primaries ? 'primary' : 'fallback',
      ...(goStartMs !== undefined ? { goStartMs: Math.round(goStartMs) } : {}),
      ...(unanswered.has(i) && winner >= 0 ? { abandoned: true } : {}),
      ...(i === winner ? { chosen: true } : {}),
    };
  });
  results.forEach((r, i) => {
    if (i !== winner) r?.socket?.destroy();
  });
  if (decision.decided === 'connected') {
    return { socket: results[winner]!.socket!, attempts, goConnectMs: Math.round(decision.atMs) };
  }
  // dialParallel returns the primary walk's error, and dialSerial its first address's.
  const first = attempts[0]!;
  throw new DialError(first.cause ?? 'tcp.unreachable', first.goError ?? 'dial failed', first.goError ?? 'dial failed', attempts);
}

/** Go's dialParallel order: the first address's family first, in resolver order, then the other family. */
export function goDialOrder(addresses: readonly string[]): string[] {
  if (addresses.length === 0) return [];
  const first = familyOf(addresses[0]!);
  const primaries = addresses.filter((a) => familyOf(a) === first);
  const fallbacks = addresses.filter((a) => familyOf(a) !== first);
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
        // The TCP connection is open: the proxy, not the network, is what does not answer.
        reject(new DialError('tcp.proxy_connect_timeout', 'the proxy accepted the TCP connection but did not complete its TLS handshake in time', 'proxyconnect tcp: net/http: TLS handshake timeout', []));
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

  const addresses = `${joinHostPort(socket.localAddress ?? '?', socket.localPort ?? '?')}->${joinHostPort(socket.remoteAddress ?? '?', socket.remotePort ?? '?')}`;
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
      done(new DialError('tcp.proxy_connect_timeout', `the proxy accepted the TCP connection (${addresses}) but sent no answer to CONNECT ${opts.authority} in time`, 'context deadline exceeded', []));
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
        const cause: TcpCause = status === 407 ? 'tcp.proxy_auth_required' : status === 403 ? 'tcp.proxy_forbidden' : 'tcp.proxy_connect_failed';
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
