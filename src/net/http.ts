// The one HTTP client (undici), built once per run. Its connector opens hops with the probe's own
// resolver, dialer, proxy rules and trust store, so every HTTP request checks the same layers as stages
// 1-3 and a failure names the layer. Connections are pooled per origin and the verified connection the
// tls stage left behind is reused. Bodies are size-capped; every request is bounded in time.

import { gunzipSync } from 'node:zlib';
import type net from 'node:net';
import type { Dispatcher } from 'undici';
// The Agent alone: the package index also loads fetch, WebSocket, caches and mocks (~1 MB more to parse).
import type UndiciAgentClass from 'undici/lib/dispatcher/agent.js';
import type { DialAttempt } from './dialer.js';
import { HttpError, isHopError, type HopError } from './errors.js';
import { basicAuth, hopForURL, openHop, type HopContext, type HopPhases, type OpenHop } from './hop.js';
import { joinHostPort } from './netip.js';
import { opBudgetMs, opSignal } from '../budget.js';
import { goAlpn } from './clienthello.js';
import { redactURL } from '../goenv/redact.js';
import { logNetOp, opLogging } from './oplog.js';

/** One request the HTTP client made, for report.json's requests[] and the per-hop timings. */
export interface HttpRequestRecord {
  /** The URL, its password masked (the reporter scrubs signed query parameters too). */
  readonly url: string;
  readonly protocol: 'h2' | 'http/1.1';
  readonly status?: number;
  /** The cause code when the request failed (http.h2_stream_error, tls.hello_dropped ...). */
  readonly error?: string;
  readonly ms: number;
  /** The request written on its connection to the response headers (time to first byte), in ms. */
  readonly firstByteMs?: number;
  /** The response headers to the end of the body (or the probe's cap), in ms. */
  readonly bodyMs?: number;
}

export interface HttpRequestOptions {
  readonly signal: AbortSignal;
  /** Body bytes kept; the rest is not read (the request is aborted once the cap is reached). */
  readonly maxBytes: number;
  /** Bytes of a gzip-encoded body after decompression (gzip-bomb guard). */
  readonly maxDecodedBytes?: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Authorization to send (https only, as go): from .netrc or the URL's user info. */
  readonly authorization?: string;
  /** Skip certificate verification (GOINSECURE direct fetches only). */
  readonly insecure?: boolean;
}

export interface HttpResponse {
  readonly url: string;
  readonly status: number;
  /** Go's res.Status: "404 Not Found" with the server's own reason phrase. */
  readonly statusLine: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** True when the body was longer than maxBytes and only a prefix was read. */
  readonly truncated: boolean;
  readonly timeMs: number;
}

/** Hands a connection opened by the tls stage to the first HTTP request for the same origin. */
export class SessionCache {
  readonly #sockets = new Map<string, net.Socket>();
  put(origin: string, socket: net.Socket): void {
    const old = this.#sockets.get(origin);
    if (old && old !== socket) old.destroy();
    this.#sockets.set(origin, socket);
  }
  take(origin: string): net.Socket | undefined {
    const s = this.#sockets.get(origin);
    this.#sockets.delete(origin);
    if (s && !s.destroyed && s.readable && s.writable) return s;
    s?.destroy();
    return undefined;
  }
  closeAll(): void {
    for (const s of this.#sockets.values()) s.destroy();
    this.#sockets.clear();
  }
}

const GO_MAX_HEADER_BYTES = 10 << 20;
/** Retries of a request the server's GOAWAY left unprocessed (h2_bundle.go: `retry <= 6`). */
const GO_H2_RETRIES = 7;

/** What opening a connection to an origin showed at each layer (for hosts first met mid-run). */
export interface OpenedOrigin {
  readonly origin: string;
  readonly ok: boolean;
  readonly via: 'direct' | 'proxy' | 'reused';
  readonly addresses?: readonly string[];
  readonly connectedTo?: string;
  /** Every address dialed, in go's order, and when go has its connection (dialHost). */
  readonly dial?: { readonly attempts: readonly DialAttempt[]; readonly goConnectMs: number };
  readonly tls?: {
    readonly protocol: string;
    readonly leaf?: string;
    readonly issuer?: string;
    /** The presented chain, leaf first: report.json and the metrics show every reached host's expiry. */
    readonly chain?: readonly { readonly subject: string; readonly issuer: string; readonly sha256: string; readonly notAfter: string }[];
  };
  readonly error?: { readonly layer: string; readonly cause: string; readonly detail: string };
  /** The HTTP version the origin's requests use on this connection: h2 where ALPN chose it, as go. */
  readonly protocol?: 'h2' | 'http/1.1';
  /** How long each layer of this connection took. */
  readonly phases?: HopPhases;
  /**
   * Why go (or its git) dials this origin, set by a caller that knows (the git hop, a VCS host): report.json
   * egress[] names it so. Without it, a connection is named by the rules of egress.ts only.
   */
  readonly why?: { readonly kind: string; readonly text: string; readonly module?: string };
}

/** The record of one connect (HttpClient.opened): what each layer showed, or where it failed. */
export function openedOrigin(origin: string, via: 'direct' | 'proxy', result: OpenHop | HopError): OpenedOrigin {
  if (isHopError(result)) return { origin, ok: false, via, error: { layer: result.layer, cause: result.code, detail: result.message } };
  const leaf = result.tls?.chain[0];
  const chosen = result.tcp.attempts.find((a) => a.chosen);
  return {
    origin,
    ok: true,
    via,
    addresses: result.lookup.addresses,
    ...(chosen ? { connectedTo: joinHostPort(chosen.address, chosen.port) } : {}),
    dial: { attempts: result.tcp.attempts, goConnectMs: result.tcp.goConnectMs },
    phases: result.phases,
    protocol: result.tls?.alpn === 'h2' ? 'h2' : 'http/1.1',
    ...(result.tls
      ? {
          tls: {
            protocol: result.tls.protocol,
            ...(leaf ? { leaf: leaf.subject, issuer: leaf.issuer } : {}),
            chain: result.tls.chain.map((c) => ({ subject: c.subject, issuer: c.issuer, sha256: c.sha256, notAfter: c.notAfter })),
          },
        }
      : {}),
  };
}

/**
 * undici's Agent, loaded on first use: it brings node:http, http2, net and tls with it, none of which a
 * run needs before its first request (loading them took ~10 ms in front of the dns stage, and ~30 ms with
 * its unit's compilation in the dns stage's wait, where the first answer waited for it: issue #17). A run
 * that dials loads it while the first hop's SYN travels (HttpClient.prepare, NetServices.warmUp).
 */
let undiciAgent: Promise<typeof UndiciAgentClass> | undefined;
function loadUndiciAgent(): Promise<typeof UndiciAgentClass> {
  return (undiciAgent ??= import('undici/lib/dispatcher/agent.js').then((m) => m.default));
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A 3xx whose Location names another origin than the request's (a Location that does not parse: no). */
function redirectsElsewhere(raw: { readonly status: number; readonly headers: Readonly<Record<string, string>> }, url: URL): boolean {
  const location = raw.headers['location'];
  if (raw.status < 300 || raw.status > 399 || location === undefined) return false;
  try {
    return new URL(location, url).origin !== url.origin;
  } catch {
    return false;
  }
}

interface Agents {
  readonly verified: Dispatcher;
  readonly insecure: Dispatcher;
}

export class HttpClient {
  #agents: Promise<Agents> | undefined;
  readonly #proxyOrigins = new Set<string>();
  readonly #hops: HopContext;
  readonly #sessions: SessionCache;
  /** Aborted by close(): connects still under way (a dropped host) end at once instead of holding the run open. */
  readonly #closing = new AbortController();
  /** Every origin this client connected to (or failed to), first attempt first. */
  readonly opened: OpenedOrigin[] = [];
  /** Every request, in the order they ended (report.json `requests`). */
  readonly requests: HttpRequestRecord[] = [];

  /** The User-Agent of the modelled go's requests (GoRules.userAgent). */
  readonly #userAgent: string;
  /** ALPN of the verified connections: the modelled go's (h2 and http/1.1; none with GODEBUG=http2client=0). */
  readonly #alpn: string[];
  /**
   * Requests answered per origin. go fetches one request after the other on one h2 connection, so the
   * request that fails is its stream 2n+1 after n answered ones; the probe's own order (prefetches beside
   * .info) is not go's, so its own stream IDs are not the ones go would print.
   */
  readonly #answered = new Map<string, number>();

  constructor(hops: HopContext, sessions: SessionCache, userAgent = 'Go-http-client/1.1') {
    this.#hops = hops;
    this.#sessions = sessions;
    this.#userAgent = userAgent;
    this.#alpn = hops.goHello ? [...goAlpn(hops.goHello.model)] : ['http/1.1'];
  }

  /** Whether a verified connection that negotiated h2 can carry this client's requests. */
  get speaksH2(): boolean {
    return this.#alpn.includes('h2');
  }

  /** Loads undici and builds the agents ahead of the first request (net/services.ts warmUp). */
  prepare(): void {
    this.#getAgents().catch(() => undefined);
  }

  #getAgents(): Promise<Agents> {
    return (this.#agents ??= loadUndiciAgent().then((Agent) => ({ verified: this.#makeAgent(Agent, true), insecure: this.#makeAgent(Agent, false) })));
  }

  /** verify=false is cmd/go's client for GOINSECURE paths: TLS without certificate verification. */
  #makeAgent(UndiciAgent: typeof UndiciAgentClass, verify: boolean): Dispatcher {
    return new UndiciAgent({
      connect: (opts, callback) => {
        // undici hands over an IPv6 literal without its brackets: put them back before building a URL of it.
        const url = new URL(`${opts.protocol}//${opts.hostname.includes(':') ? `[${opts.hostname}]` : opts.hostname}${opts.port ? `:${opts.port}` : ''}/`);
        const origin = `${url.protocol}//${url.host}`;
        const reused = verify ? this.#sessions.take(origin) : undefined;
        if (reused) {
          this.opened.push({ origin, ok: true, via: 'reused', protocol: (reused as { alpnProtocol?: string | false }).alpnProtocol === 'h2' ? 'h2' : 'http/1.1' });
          // undici's client breaks if the connector answers synchronously (its connect() is still on the
          // stack); a microtask answers once that stack has unwound, where a setImmediate also waited for
          // the rest of the loop turn (see the new connections below).
          queueMicrotask(() => callback(null, reused));
          return;
        }
        let hop = hopForURL(url, this.#hops.proxyEnv);
        // Absolute-form requests go to the HTTP proxy itself: dial it directly.
        if (this.#proxyOrigins.has(origin)) hop = { ...hop, proxy: { proxy: null, reason: 'the HTTP proxy itself' } };
        const via = hop.proxy.proxy ? 'proxy' : 'direct';
        // Each layer has its own budget inside openHop; this bounds the whole connect. One more connection
        // to an origin this client has a connection to starts a turn later: a request on the connection
        // that is open already (the tls stage's, handed over above) is written first. The run's first
        // request, the zip on the critical path, was written after the dials of the two requests started
        // beside it (.info, the checksum database's /supported): 9-10 ms after it was made, now 6-9 ms
        // (the bench's wire timeline, strace). A first connection to a host (the zip's storage host, on
        // the critical path too) starts at once: a turn of the loop can hold other answers' handling.
        const opened = this.opened.some((o) => o.origin === origin && o.ok);
        (opened ? nextTurn() : Promise.resolve()).then(() => openHop(this.#hops, hop, opSignal(this.#closing.signal, this.#hops.timeoutMs, 'connect'), verify ? this.#alpn : ['http/1.1'], { verify }))
          .then((h) => {
            this.opened.push(openedOrigin(origin, via, h));
            callback(null, h.socket);
          })
          .catch((err: unknown) => {
            if (isHopError(err)) this.opened.push(openedOrigin(origin, via, err));
            callback(err instanceof Error ? err : new Error(String(err)), null);
          });
      },
      // go's DefaultTransport speaks HTTP/2 where ALPN selects it (also through a CONNECT tunnel); its
      // GOINSECURE client has its own TLS config and speaks HTTP/1.1 only (go-fetch-semantics.md 6.1, 11.2).
      allowH2: verify && this.#alpn.includes('h2'),
      maxHeaderSize: GO_MAX_HEADER_BYTES,
      headersTimeout: opBudgetMs(this.#hops.timeoutMs, 'layer'),
      bodyTimeout: opBudgetMs(this.#hops.timeoutMs, 'layer'),
      keepAliveTimeout: 30_000,
      // A stage's workers and the zips fetched ahead of their stage, at once (stages/limit.ts).
      connections: 64,
      pipelining: 1,
    });
  }

  /**
   * hopForURL by scheme and host: its answer (the proxy decision included, NO_PROXY parsed again each time)
   * depends on nothing else, and every request asked it (~2,500 in a 500-module run, for two origins).
   */
  readonly #hopsByOrigin = new Map<string, ReturnType<typeof hopForURL>>();
  #hopFor(url: URL): ReturnType<typeof hopForURL> {
    const key = `${url.protocol}//${url.host}`;
    let hop = this.#hopsByOrigin.get(key);
    if (!hop) {
      hop = hopForURL(url, this.#hops.proxyEnv);
      if (this.#hopsByOrigin.size >= 256) this.#hopsByOrigin.clear();
      this.#hopsByOrigin.set(key, hop);
    }
    return hop;
  }

  /** One GET, no redirect following (callers that follow redirects do it hop by hop). */
  get(rawUrl: string, opts: HttpRequestOptions): Promise<HttpResponse> {
    return this.#request('GET', rawUrl, undefined, opts);
  }

  /** One POST of a body held in memory (git's smart HTTP commands), same caps, timeouts and records as get. */
  post(rawUrl: string, body: Buffer, opts: HttpRequestOptions): Promise<HttpResponse> {
    return this.#request('POST', rawUrl, body, opts);
  }

  async #request(method: 'GET' | 'POST', rawUrl: string, requestBody: Buffer | undefined, opts: HttpRequestOptions): Promise<HttpResponse> {
    const url = new URL(rawUrl);
    const hop = this.#hopFor(url);
    const headers: Record<string, string> = {
      'user-agent': this.#userAgent,
      // Go's transport asks for gzip and decodes it transparently.
      'accept-encoding': 'gzip',
      ...opts.headers,
    };
    if (opts.authorization && url.protocol === 'https:') headers['authorization'] = opts.authorization;
    let origin = url.origin;
    let path = `${url.pathname}${url.search}`;
    // Plain-http requests through an HTTP proxy go to the proxy in absolute form (no CONNECT).
    if (hop.scheme === 'http' && hop.proxy.proxy) {
      const p = hop.proxy.proxy;
      origin = `${p.protocol}//${p.host}`;
      this.#proxyOrigins.add(origin);
      path = url.href.replace(/^(http:\/\/)[^@/]*@/, '$1');
      if (p.username) headers['proxy-authorization'] = basicAuth(p);
    }
    headers['host'] = url.host;
    const started = performance.now();
    const agents = await this.#getAgents();
    const dispatcher = opts.insecure ? agents.insecure : agents.verified;
    const goStreamId = (): number => 2 * (this.#answered.get(origin) ?? 0) + 1;
    let raw: RawResponse | undefined;
    // go's HTTP/2 transport retries a request the server did not process before its GOAWAY on a new
    // connection, up to 7 times (h2_bundle.go RoundTripOpt, shouldRetryRequest; with a backoff of 1 s, 2 s,
    // 4 s ... after the first, which the probe does not wait out). undici fails it: retry it here.
    const record = (status: number | undefined, error: string | undefined, timing: Pick<RawResponse, 'firstByteMs' | 'bodyMs'> = {}): void => {
      const connection = this.opened.findLast((o) => o.origin === origin && o.ok);
      const shown = redactURL(rawUrl);
      const protocol = connection?.protocol ?? 'http/1.1';
      // The debug line only when something logs it (--log-level debug): ~2,500 requests in a 500-module run.
      if (opLogging()) logNetOp({ op: 'http', target: `${method} ${shown}`, outcome: status !== undefined ? String(status) : (error ?? 'error'), ms: performance.now() - started, protocol });
      // Built field by field, in the same order, without a temporary object per optional field.
      const entry = { url: shown, protocol } as { -readonly [K in keyof HttpRequestRecord]: HttpRequestRecord[K] };
      if (status !== undefined) entry.status = status;
      if (error !== undefined) entry.error = error;
      entry.ms = Math.round(performance.now() - started);
      if (timing.firstByteMs !== undefined) entry.firstByteMs = timing.firstByteMs;
      if (timing.bodyMs !== undefined) entry.bodyMs = timing.bodyMs;
      this.requests.push(entry);
    };
    for (let retry = 0; raw === undefined; retry++) {
      try {
        raw = await dispatchCapped(dispatcher, { origin, path, method, headers, ...(requestBody ? { body: requestBody } : {}) }, opts, rawUrl, goStreamId);
      } catch (err) {
        if (!(err instanceof HttpError && err.code === 'http.h2_goaway' && retry < GO_H2_RETRIES)) {
          record(undefined, (err as { code?: string }).code ?? 'error');
          throw err;
        }
      }
    }
    record(raw.status, undefined, raw);
    this.#answered.set(origin, (this.#answered.get(origin) ?? 0) + 1);
    // undici hands the connection back to its pool in a setImmediate after the response ends; a request
    // issued before that (the caller's next one, right after this await) found it busy and opened a new
    // connection: a DNS lookup, TCP and TLS again for every sequential request to the same origin. A
    // redirect to another origin is followed on another connection: its caller goes on at once (the
    // zip's 302 to the storage host is on the run's critical path, and the turn handled whatever else
    // was ready first: 1-5 ms in the bench's wire timeline).
    if (!redirectsElsewhere(raw, url)) await new Promise<void>((resolve) => setImmediate(resolve));
    let body = raw.body;
    const encoding = raw.headers['content-encoding']?.toLowerCase();
    if (encoding === 'gzip' && !raw.truncated) {
      try {
        body = gunzipSync(body, { maxOutputLength: opts.maxDecodedBytes ?? opts.maxBytes });
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') {
          throw new HttpError('http.too_large', rawUrl,
            `the gzip-encoded body expands beyond ${opts.maxDecodedBytes ?? opts.maxBytes} bytes, where the probe stops decoding; go's transport decodes it all, with no limit (a gzip bomb costs go that memory and time)`,
            `read "${rawUrl}": gzip body too large`);
        }
        throw new HttpError('http.protocol', rawUrl, `invalid gzip body: ${(err as Error).message}`, `read "${rawUrl}": gzip: invalid header`);
      }
    }
    return { ...raw, body, url: rawUrl, timeMs: Math.round(performance.now() - started) };
  }

  async close(): Promise<void> {
    this.#closing.abort(new Error('the HTTP client is closing'));
    const agents = await this.#agents?.catch(() => undefined);
    if (!agents) return;
    // destroy() waits for every client to close; a connect blocked in the kernel must not hold the run.
    const destroyed = Promise.all([agents.verified.destroy().catch(() => undefined), agents.insecure.destroy().catch(() => undefined)]);
    await Promise.race([destroyed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
  }
}

interface RawResponse {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  /** The request written on its connection to the final response's headers, in ms. */
  firstByteMs?: number;
  /** The headers to the body's end (or the cap), in ms. */
  bodyMs?: number;
}

/** net/http's max1xxResponses: a sixth informational response ends the request. */
const GO_MAX_1XX = 5;

/**
 * The body in one buffer: sized from Content-Length when the server sends one (the usual zip from object
 * storage), else grown by doubling. Never a chunk list plus a concatenated copy: at the 128 MiB zip cap
 * that doubled the probe's peak memory.
 */
class BodyBuffer {
  #buf = Buffer.alloc(0);
  size = 0;
  constructor(readonly cap: number) {}

  reserve(bytes: number): void {
    if (bytes > this.#buf.length) this.#grow(Math.min(bytes, this.cap));
  }

  /** Appends what fits under the cap; false when the chunk did not fit whole. */
  append(chunk: Buffer): boolean {
    const take = Math.min(chunk.length, this.cap - this.size);
    if (this.size + take > this.#buf.length) this.#grow(Math.min(this.cap, Math.max(this.#buf.length * 2, this.size + take, 64 * 1024)));
    chunk.copy(this.#buf, this.size, 0, take);
    this.size += take;
    return take === chunk.length;
  }

  get bytes(): Buffer {
    return this.#buf.subarray(0, this.size);
  }

  #grow(capacity: number): void {
    const next = Buffer.allocUnsafe(capacity);
    this.#buf.copy(next, 0, 0, this.size);
    this.#buf = next;
  }
}

function dispatchCapped(agent: Dispatcher, req: Dispatcher.DispatchOptions, opts: HttpRequestOptions, url: string, goStreamId: () => number): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const body = new BodyBuffer(opts.maxBytes);
    let status = 0;
    let statusLine = '';
    let headers: Record<string, string> = {};
    let informational = 0;
    let settled = false;
    let controllerRef: Dispatcher.DispatchController | undefined;
    // undici calls onRequestStart when it writes the request on a connection (client-h1.js writeH1,
    // client-h2.js writeH2): first byte is from there, not from dispatch, which may wait for a connect.
    let writtenAt: number | undefined;
    let headersAt: number | undefined;
    const finish = (err: unknown, truncated = false): void => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      if (err) reject(toHttpError(err, url, opts.signal, goStreamId()));
      else {
        const timing = writtenAt !== undefined && headersAt !== undefined
          ? { firstByteMs: Math.round(headersAt - writtenAt), bodyMs: Math.round(performance.now() - headersAt) }
          : {};
        resolve({ status, statusLine, headers, body: body.bytes, truncated, ...timing });
      }
    };
    const onAbort = (): void => {
      controllerRef?.abort(new Error('aborted'));
      finish(new HttpError('http.timeout', url, 'the request did not finish in time', `Get "${url}": context deadline exceeded`));
    };
    if (opts.signal.aborted) {
      onAbort();
      return;
    }
    opts.signal.addEventListener('abort', onAbort, { once: true });
    agent.dispatch(req, {
      onRequestStart(controller) {
        controllerRef = controller;
        writtenAt = performance.now();
      },
      onResponseStart(controller, statusCode, rawHeaders, statusMessage) {
        if (statusCode < 200) {
          // Go skips 1xx responses, up to five of them (101 ends the exchange).
          if (statusCode !== 101 && ++informational > GO_MAX_1XX) {
            finish(new HttpError('http.protocol', url, `more than ${GO_MAX_1XX} informational (1xx) responses before the real one`,
              `Get "${url}": net/http: too many 1xx informational responses`));
            controller.abort(new Error('too many 1xx responses'));
          }
          return;
        }
        status = statusCode;
        headersAt = performance.now();
        statusLine = `${statusCode} ${statusMessage ?? ''}`.trim();
        headers = {};
        for (const k in rawHeaders) {
          const v = rawHeaders[k];
          if (v === undefined || !Object.hasOwn(rawHeaders, k)) continue;
          // Go's Header.Get: the first value of a repeated header (two Locations: the first one wins).
          headers[k.toLowerCase()] = Array.isArray(v) ? String(v[0] ?? '') : String(v);
        }
        const length = Number(headers['content-length']);
        if (Number.isSafeInteger(length) && length > 0) body.reserve(length);
      },
      onResponseData(controller, chunk) {
        if (!body.append(chunk)) {
          // Enough: stop reading, keep what we have.
          finish(undefined, true);
          controller.abort(new Error('body cap reached'));
        }
      },
      onResponseEnd() {
        finish(undefined);
      },
      onResponseError(_controller, error) {
        finish(error);
      },
    });
  });
}

function toHttpError(err: unknown, url: string, signal: AbortSignal, streamId: number): Error {
  if (err instanceof HttpError || isHopError(err)) return err;
  const code = (err as { code?: string }).code;
  if (signal.aborted) {
    return new HttpError('http.timeout', url, 'the request did not finish in time', `Get "${url}": context deadline exceeded`);
  }
  const h2 = h2Error(err, url, streamId);
  if (h2) return h2;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new HttpError('http.timeout', url, 'response headers did not arrive in time', `Get "${url}": timeout awaiting response headers`);
    case 'UND_ERR_BODY_TIMEOUT':
      return new HttpError('http.timeout', url, 'the response body stalled', `read "${url}": i/o timeout`);
    case 'UND_ERR_HEADERS_OVERFLOW':
      return new HttpError('http.too_large', url, 'response headers exceed 10 MiB', `Get "${url}": net/http: server response headers exceeded 10485760 bytes; aborted`);
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'UND_ERR_CLOSED':
      return new HttpError('http.protocol', url, `the connection closed: ${(err as Error).message}`, `Get "${url}": EOF`);
    default:
      if (/whitespace after header value/i.test((err as Error)?.message ?? '')) {
        // obs-fold (RFC 9112 5.2): go 1.23 joins a folded header line to the previous one with a space and
        // reads on; undici's parser refuses it. The probe cannot read this response the way go would.
        return new HttpError('http.protocol', url,
          `a response header is folded over two lines (obs-fold): go 1.23 joins such lines with a space and reads on, the probe's HTTP parser cannot, so go may get further than this verdict says (${(err as Error).message})`,
          `Get "${url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response`);
      }
      return new HttpError('http.protocol', url, `invalid HTTP response: ${(err as Error)?.message ?? String(err)}`,
        `Get "${url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response`);
  }
}

/** HTTP/2 error codes by number, as go's http2ErrCode prints them (net/http h2_bundle.go http2errCodeName). */
const H2_CODES = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED',
  'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED'];

/**
 * A stream reset (RST_STREAM) or a GOAWAY from the server, in go's words (h2_bundle.go http2StreamError.Error,
 * http2GoAwayError.Error). A stream's ID is the one go would give the request (HttpClient.#answered);
 * GOAWAY's LastStreamID is not known to the probe and is not shown.
 */
function h2Error(err: unknown, url: string, streamId: number): HttpError | undefined {
  const message = (err as Error | undefined)?.message ?? '';
  const reset = /Stream closed with error code NGHTTP2_([A-Z_0-9]+)/.exec(message);
  if ((err as { code?: string }).code === 'ERR_HTTP2_STREAM_ERROR' && reset) {
    return new HttpError('http.h2_stream_error', url, `the server reset the HTTP/2 stream of this request (RST_STREAM ${reset[1]})`,
      `Get "${url}": stream error: stream ID ${streamId}; ${reset[1]}; received from peer`);
  }
  const goaway = /HTTP\/2: "GOAWAY" frame received with code (\d+)/.exec(message);
  if (goaway) {
    const name = H2_CODES[Number(goaway[1])] ?? `unknown error code 0x${Number(goaway[1]).toString(16)}`;
    return new HttpError('http.h2_goaway', url, `the server ended the HTTP/2 connection (GOAWAY ${name}) with this request unanswered`,
      `Get "${url}": http2: server sent GOAWAY and closed the connection; ErrCode=${name}`);
  }
  return undefined;
}
