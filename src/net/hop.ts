// One hop = one origin go dials (https://host:port), possibly through an HTTP(S) proxy. The three
// layers (dns, tcp, tls) are separate functions so that stages 1-3 can run each layer for every first
// hop in turn, while later stages and the HTTP client open a newly discovered hop in one call.
// Both paths use the same resolver, dialer and TLS code.

import type { X509Rules } from '../goenv/goversion.js';
import type net from 'node:net';
import type { TLSSocket } from 'node:tls';
import { proxyFor, type ProxyDecision, type ProxyEnv } from '../goenv/httpproxy.js';
import { redactURL } from '../goenv/redact.js';
import { connectTunnel, dialHost, DialError, type DialAttempt } from './dialer.js';
import type { TcpCause } from '../causes.js';
import { DnsError, TcpError, TlsError } from './errors.js';
import { sysCode } from '../errors.js';
import { joinHostPort } from './netip.js';
import { DnsLookupError, type DnsQueryRecord, type LookupResult, type Resolver } from './resolver.js';
import { loggedOp, logNetOp, opLogging } from './oplog.js';
import { judgeGoHello, type GoHelloCheck, type GoHelloChecks } from './gohello.js';
import { proxyTlsContext, TlsHandshakeError, tlsHandshake, type TlsResult } from './tls.js';
import { parsedTrustStore, type TrustStore } from './truststore.js';
import { opBudgetMs, opSignal } from '../budget.js';

export interface HopTarget {
  readonly origin: string;
  readonly scheme: 'https' | 'http';
  readonly host: string;
  readonly port: number;
  readonly proxy: ProxyDecision;
}

export interface HopDial {
  /** The host:port actually dialed: the origin, or the proxy. */
  readonly host: string;
  readonly port: number;
  readonly viaProxy: boolean;
}

export interface HopContext {
  readonly resolver: Resolver;
  readonly trust: TrustStore;
  readonly proxyEnv: ProxyEnv;
  /** --timeout: every operation's budget is a multiple of it (src/budget.ts). */
  readonly timeoutMs: number;
  /** Sends the modelled go's own ClientHello beside each verifying handshake (absent: not checked). */
  readonly goHello?: GoHelloChecks;
  /** What the modelled go's crypto/x509 accepts and says (negative serials, the x509sha1 hint). */
  readonly x509?: X509Rules;
}

export function hopForURL(url: URL, proxyEnv: ProxyEnv): HopTarget {
  const scheme = url.protocol === 'http:' ? 'http' : 'https';
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return {
    origin: `${scheme}://${url.host}`,
    scheme,
    host,
    port,
    proxy: proxyFor(proxyEnv, url),
  };
}

export function dialTarget(hop: HopTarget): HopDial {
  if (hop.proxy.proxy) {
    const p = hop.proxy.proxy;
    const port = p.port ? Number(p.port) : p.protocol === 'https:' ? 443 : p.protocol.startsWith('socks') ? 1080 : 80;
    return { host: p.hostname.replace(/^\[|\]$/g, ''), port, viaProxy: true };
  }
  return { host: hop.host, port: hop.port, viaProxy: false };
}

/** Go prefixes errors on the way to a proxy with "proxyconnect tcp: ". */
function goDialError(hop: HopTarget, inner: string): string {
  return hop.proxy.proxy ? `proxyconnect tcp: ${inner}` : inner;
}

/** Layer 1: resolve the host go dials (the proxy's host when a proxy is used). Each query and the lookup are logged at debug. */
export async function resolveHop(ctx: HopContext, hop: HopTarget, signal: AbortSignal): Promise<LookupResult> {
  if (!opLogging()) return resolveLayer(ctx, hop, signal);
  const started = performance.now();
  const host = dialTarget(hop).host;
  try {
    const lookup = await resolveLayer(ctx, hop, signal);
    logLookup(host, lookup.queries, 'ok', performance.now() - started, { source: lookup.source, addresses: lookup.addresses.length });
    return lookup;
  } catch (err) {
    const queries = err instanceof DnsError ? err.lookup.queries : [];
    logLookup(host, queries, sysCode(err) ?? 'error', performance.now() - started, {});
    throw err;
  }
}

/** Queries already logged: the run's resolver answers a name it looked up before from its memo, with the same records. */
const loggedQueries = new WeakSet<DnsQueryRecord>();

function logLookup(host: string, queries: readonly DnsQueryRecord[], outcome: string, ms: number, detail: Record<string, unknown>): void {
  const sent = queries.filter((q) => !loggedQueries.has(q));
  for (const q of sent) {
    loggedQueries.add(q);
    logNetOp({ op: 'dns', target: `${q.name} ${q.type} @${q.server}/${q.transport}`, outcome: q.rcode ?? q.outcome, ms: q.latencyMs, query: true });
  }
  logNetOp({ op: 'dns', target: host, outcome, ms, queries: sent.length, ...(queries.length > 0 && sent.length === 0 ? { memo: true } : {}), ...detail });
}

async function resolveLayer(ctx: HopContext, hop: HopTarget, signal: AbortSignal): Promise<LookupResult> {
  const dial = dialTarget(hop);
  try {
    return await ctx.resolver.lookup(dial.host, { signal: opSignal(signal, ctx.timeoutMs, 'layer') });
  } catch (err) {
    if (err instanceof DnsLookupError) {
      throw new DnsError(err.code, dial.host, err.message, goDialError(hop, `dial tcp: ${err.goError}`), err.result);
    }
    throw err;
  }
}

export interface TcpLayerResult {
  readonly socket: net.Socket;
  readonly attempts: readonly DialAttempt[];
  /** When go has its connection (dialHost's replay of go's race), in ms after the dial began. */
  readonly goConnectMs: number;
  readonly tunnel?: { readonly status: number; readonly statusText: string; readonly authority: string };
}

/** Layer 2: connect to the resolved addresses; through a proxy, also open the CONNECT tunnel for https. Logged at debug. */
export function connectHop(ctx: HopContext, hop: HopTarget, lookup: LookupResult, signal: AbortSignal): Promise<TcpLayerResult> {
  const dial = dialTarget(hop);
  return loggedOp('connect', joinHostPort(dial.host, dial.port), () => connectLayer(ctx, hop, lookup, signal), (tcp) => ({
    address: tcp.attempts.find((a) => a.chosen)?.address,
    attempts: tcp.attempts.length,
    ...(tcp.tunnel ? { tunnel: `CONNECT ${tcp.tunnel.authority}: ${tcp.tunnel.status}` } : {}),
  }));
}

async function connectLayer(ctx: HopContext, hop: HopTarget, lookup: LookupResult, signal: AbortSignal): Promise<TcpLayerResult> {
  const dial = dialTarget(hop);
  const target = joinHostPort(dial.host, dial.port);
  let socket: net.Socket;
  let attempts: DialAttempt[];
  let goConnectMs: number;
  try {
    ({ socket, attempts, goConnectMs } = await dialHost(lookup.addresses, dial.port, { signal: opSignal(signal, ctx.timeoutMs, 'layer'), budgetMs: opBudgetMs(ctx.timeoutMs, 'layer') }));
  } catch (err) {
    if (err instanceof DialError) {
      const code: TcpCause = dial.viaProxy && err.code === 'tcp.refused' ? 'tcp.proxy_refused' : err.code;
      throw new TcpError(code, target, err.message, goDialError(hop, err.goError), err.attempts);
    }
    throw err;
  }
  const proxy = hop.proxy.proxy;
  if (!proxy || hop.scheme === 'http') return { socket, attempts, goConnectMs };
  if (proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    socket.destroy();
    throw new TcpError('tcp.proxy_unsupported', target, `proxy scheme ${proxy.protocol} is not supported by the probe`,
      `proxy scheme ${proxy.protocol}`, attempts);
  }
  const authority = joinHostPort(hop.host, hop.port);
  try {
    const tunnel = await connectTunnel(socket, {
      signal: opSignal(signal, ctx.timeoutMs, 'layer'),
      authority,
      ...(proxy.username ? { proxyAuthorization: basicAuth(proxy) } : {}),
      ...(proxy.protocol === 'https:'
        ? { proxyTls: { servername: dial.host, secureContext: proxyTlsContext(await parsedTrustStore(ctx.trust)), ALPNProtocols: ['http/1.1'] } }
        : {}),
    });
    return { socket: tunnel.socket, attempts, goConnectMs, tunnel: { status: tunnel.status, statusText: tunnel.statusText, authority } };
  } catch (err) {
    if (err instanceof DialError) {
      // The dialer words it as go does: "proxyconnect tcp: " for TLS to the proxy, nothing for the CONNECT answer.
      throw new TcpError(err.code, `${redactURL(proxy.href)} CONNECT ${authority}`, err.message, err.goError, attempts);
    }
    throw err;
  }
}

/** Layer 3: TLS with the origin (through the tunnel when proxied), judged by Go's rules. */
export interface SecureOptions {
  /** false for GOINSECURE fetches: the handshake must complete, the certificate is not judged. */
  readonly verify?: boolean;
  /** The hop's addresses: with them (and ctx.goHello), go's own hello is sent on a connection of its own. */
  readonly lookup?: LookupResult;
}

/**
 * Starts go's own ClientHello toward an https hop on a connection of its own (net/gohello.ts), once per
 * origin; callers start it beside their connect, so that it costs no round trip of its own.
 */
export function startGoHello(ctx: HopContext, hop: HopTarget, lookup: LookupResult): Promise<GoHelloCheck> | undefined {
  if (hop.scheme !== 'https' || !ctx.goHello) return undefined;
  const key = `${hop.origin} ${hop.proxy.proxy?.href ?? 'direct'}`;
  return ctx.goHello.check(key, hop.host, ctx.timeoutMs, (signal) => connectHop(ctx, hop, lookup, signal));
}

/** Layer 3, logged at debug. */
export function secureHop(ctx: HopContext, hop: HopTarget, socket: net.Socket, signal: AbortSignal, alpn?: string[], opts: SecureOptions = {}): Promise<TlsResult> {
  return loggedOp('tls', joinHostPort(hop.host, hop.port), () => secureLayer(ctx, hop, socket, signal, alpn, opts), (tls) => ({
    protocol: tls.protocol,
    alpn: tls.alpn,
    verified: tls.verification.ok,
  }));
}

async function secureLayer(ctx: HopContext, hop: HopTarget, socket: net.Socket, signal: AbortSignal, alpn?: string[], opts: SecureOptions = {}): Promise<TlsResult> {
  const target = joinHostPort(hop.host, hop.port);
  // Started with the connect (startGoHello) or here: it runs beside the verifying handshake.
  const goHello = opts.lookup ? startGoHello(ctx, hop, opts.lookup) : undefined;
  let result: TlsResult;
  try {
    result = await tlsHandshake(socket, {
      host: hop.host,
      port: hop.port,
      trust: ctx.trust,
      signal,
      timeoutMs: opBudgetMs(ctx.timeoutMs, 'layer'),
      ...(alpn ? { alpn } : {}),
      ...(ctx.x509 ? { x509: ctx.x509 } : {}),
    });
  } catch (err) {
    socket.destroy();
    if (err instanceof TlsHandshakeError) {
      throw new TlsError(err.code, target, err.message, tlsGoError(err), { tls: { error: err.message, seen: err.detail } });
    }
    throw err;
  }
  if (goHello) {
    // go's hello comes first: when the path drops it, go never sees the certificate.
    const check = await goHello;
    const verdict = judgeGoHello(check, `the probe's own ${result.helloBytes}-byte ClientHello`);
    if (verdict) {
      result.socket.destroy();
      throw new TlsError(verdict.cause, target, verdict.message, verdict.goError, { tls: summarizeTls(result), goHello: check });
    }
    result.goHello = check;
  }
  if (!result.verification.ok && opts.verify !== false) {
    result.socket.destroy();
    const v = result.verification;
    throw new TlsError(v.cause ?? 'tls.handshake_failed', target,
      v.diagnosisDetail ?? v.goError ?? 'certificate verification failed', v.goError ?? 'tls: failed to verify certificate',
      { tls: summarizeTls(result) }, v.diagnosis);
  }
  return result;
}

/** The text go prints after `Get "<url>": `, as tls.ts predicted it (e.g. the plain-HTTP-on-a-TLS-port text). */
function tlsGoError(err: TlsHandshakeError): string {
  if (err.code === 'tls.timeout') return 'net/http: TLS handshake timeout';
  return err.goError ?? err.message;
}

export function summarizeTls(result: TlsResult): Record<string, unknown> {
  return {
    protocol: result.protocol,
    cipher: result.cipher,
    alpn: result.alpn,
    chain: result.chain,
    verifiedPath: result.verifiedPath,
    verification: result.verification,
    helloBytes: result.helloBytes,
    handshakeMs: result.handshakeMs,
    ...(result.goHello ? { goHello: result.goHello } : {}),
  };
}

export interface OpenHop {
  readonly socket: net.Socket | TLSSocket;
  readonly lookup: LookupResult;
  readonly tcp: TcpLayerResult;
  readonly tls?: TlsResult;
  readonly phases: HopPhases;
}

/** How long each layer of a new connection took, in ms (dns is ~0 when the run's resolver had the answer). */
export interface HopPhases {
  readonly dnsMs: number;
  /** The TCP connect, and the CONNECT tunnel through an HTTP(S) proxy. */
  readonly connectMs: number;
  /** ClientHello to verified handshake (TlsResult.handshakeMs). */
  readonly tlsMs?: number;
}

/** All three layers at once: how the HTTP client and later stages open a hop they discover. */
export async function openHop(ctx: HopContext, hop: HopTarget, signal: AbortSignal, alpn?: string[], opts: SecureOptions = {}): Promise<OpenHop> {
  const started = performance.now();
  const lookup = await resolveHop(ctx, hop, signal);
  const resolved = performance.now();
  void startGoHello(ctx, hop, lookup);
  const tcp = await connectHop(ctx, hop, lookup, signal);
  const phases = { dnsMs: Math.round(resolved - started), connectMs: Math.round(performance.now() - resolved) };
  if (hop.scheme === 'http') return { socket: tcp.socket, lookup, tcp, phases };
  const tls = await secureHop(ctx, hop, tcp.socket, signal, alpn, { ...opts, lookup });
  return { socket: tls.socket, lookup, tcp, tls, phases: { ...phases, tlsMs: Math.round(tls.handshakeMs) } };
}

export function basicAuth(url: URL): string {
  const user = decodeURIComponent(url.username);
  const pass = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}
