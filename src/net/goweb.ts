// cmd/go's web.Get on top of the one HTTP client: Go's redirect policy (at most 10, and never from an
// https start to a non-https hop unless GOINSECURE), credentials only over https, file:// URLs with
// synthetic 404/403, and Go's error texts. Every hop is recorded for the report.

import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HttpError, isHopError, PolicyError, type LayerError, type LayerErrorCode } from './errors.js';
import type { PolicyCause } from '../causes.js';
import { ProbeError } from '../errors.js';
import { goQuoteBytes } from '../goenv/gostrings.js';
import { parseGoURL, parseGoURLBytes } from '../goenv/gourl.js';
import { redactURL } from '../goenv/redact.js';
import type { GoAuth } from '../goenv/goauth.js';
import type { HttpClient, HttpResponse } from './http.js';
import type { ProxyEnv } from '../goenv/httpproxy.js';
import { timeoutSignal } from '../signals.js';

export type SecurityMode = 'default' | 'insecure';

export interface RedirectHop {
  readonly url: string;
  readonly status: number;
  /** The Location header exactly as received. */
  readonly location?: string;
  /** The absolute URL Go resolves it to. */
  readonly resolved?: string;
  /**
   * Per part of the URL: the Location wrote it out the same (kept) or differently (changed), or left it
   * out so the current one carries over (dropped: a relative Location; a host written without the
   * non-default port it came from). A Location cut to its path by a middlebox shows up as dropped.
   */
  readonly scheme?: LocationPart;
  readonly host?: LocationPart;
  readonly port?: LocationPart;
  readonly timeMs: number;
}

export type LocationPart = 'kept' | 'changed' | 'dropped';

export interface GoResponse extends HttpResponse {
  /** Every response on the way, the final one last. */
  readonly hops: readonly RedirectHop[];
}

/**
 * web.Get's error: the layer error underneath (a hop that could not be opened, an HTTP exchange that
 * failed) or go's own refusal, with the URL, the redirects on the way and go's text for the request.
 */
export class GoWebError extends ProbeError {
  declare readonly code: LayerErrorCode;
  /** The text go prints, e.g. `Get "https://...": dial tcp: lookup ...: no such host`. */
  readonly goError: string;
  readonly url: string;
  readonly hops: readonly RedirectHop[];
  /** What failed: the layer error underneath, or go's web client refusing (a PolicyError). */
  readonly failed: LayerError;
  constructor(failed: LayerError, url: string, message: string, goError: string, hops: readonly RedirectHop[]) {
    super(failed.code, message);
    this.name = 'GoWebError';
    this.url = url;
    this.goError = goError;
    this.hops = hops;
    this.failed = failed;
  }
}

/** go's web client refusing by itself (its redirect policy, a file:// URL it cannot read): web.Get's error around a PolicyError. */
function refused(code: PolicyCause, url: string, message: string, goError: string, hops: readonly RedirectHop[]): GoWebError {
  return new GoWebError(new PolicyError(code, redactURL(url), message, goError), url, message, goError, hops);
}

export interface GoGetOptions {
  readonly signal: AbortSignal;
  readonly maxBytes: number;
  readonly security?: SecurityMode;
  /** The run's credentials (GOAUTH / .netrc, by go version): sent to https URLs only. */
  readonly auth?: GoAuth;
}

/** net/http defaultCheckRedirect (client.go): the 10th redirect is refused, cmd/go keeps that default. */
const GO_MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface GoWeb {
  readonly http: HttpClient;
  readonly proxyEnv: ProxyEnv;
}

/**
 * GOINSECURE discovery (a schemeless URL in Insecure mode): https without certificate checks and a 5 s
 * limit, then plain http when that fails; the http error is the one reported, as in web.get.
 */
export async function goGetInsecure(web: GoWeb, httpsUrl: string, opts: Omit<GoGetOptions, 'security'>): Promise<GoResponse> {
  try {
    return await goGet(web, httpsUrl, { ...opts, security: 'insecure', signal: timeoutSignal(opts.signal, 5000) });
  } catch (err) {
    if (!(err instanceof GoWebError)) throw err;
    return goGet(web, httpsUrl.replace(/^https:/, 'http:'), { ...opts, security: 'insecure' });
  }
}

export async function goGet(web: GoWeb, rawUrl: string, opts: GoGetOptions): Promise<GoResponse> {
  const start = new URL(rawUrl);
  if (start.protocol === 'file:') return getFile(start);
  if (start.protocol !== 'https:' && start.protocol !== 'http:') {
    const goError = `unsupported scheme: ${redactURL(rawUrl)}`;
    throw new GoWebError(new HttpError('http.protocol', redactURL(rawUrl), `unsupported scheme ${start.protocol}`, goError), rawUrl, `unsupported scheme ${start.protocol}`, goError, []);
  }
  if (start.protocol === 'http:' && start.username && opts.security !== 'insecure') {
    const msg = `refusing to pass credentials to insecure URL: ${redactURL(rawUrl)}`;
    throw new GoWebError(new HttpError('http.insecure_credentials', redactURL(rawUrl), msg, msg), rawUrl, msg, msg, []);
  }
  const credentials = start.protocol === 'https:' && opts.auth ? await opts.auth.initial(rawUrl) : {};
  const res = await follow(web, start, opts, credentials);
  // go 1.24+ (web/http.go get): an https 4xx runs GOAUTH again with the URL, and the request is sent again
  // with what it stored. Sent again only when there is something new to send: the same request twice
  // would get the same answer.
  if (start.protocol === 'https:' && res.status >= 400 && res.status < 500 && opts.auth?.retriesAfterClientError) {
    const again = await opts.auth.afterClientError(rawUrl, { statusLine: res.statusLine, headers: res.headers });
    if (Object.keys(again).length > 0 && JSON.stringify(again) !== JSON.stringify(credentials)) {
      const retried = await follow(web, start, opts, again);
      return { ...retried, hops: [...res.hops, ...retried.hops] };
    }
  }
  return res;
}

/** One request and its redirects, with the credentials of the first request (kept on same-host hops). */
async function follow(web: GoWeb, start: URL, opts: GoGetOptions, credentials: Readonly<Record<string, string>>): Promise<GoResponse> {
  const hops: RedirectHop[] = [];
  let url = start;
  for (let i = 0; ; i++) {
    let res: HttpResponse;
    try {
      res = await opts_get(web, url, start, opts, credentials);
    } catch (err) {
      throw wrap(err, url, hops);
    }
    const loc = res.headers['location'];
    // net/http returns a 3xx without a Location (or with an empty one) as the final response.
    if (!REDIRECT_STATUSES.has(res.status) || loc === undefined || loc === '') {
      hops.push({ url: shownURL(url.href), status: res.status, timeMs: res.timeMs });
      return { ...res, url: url.href, hops };
    }
    const resolved = resolveLocation(loc, url);
    if (!resolved.ok) {
      hops.push({ url: shownURL(url.href), status: res.status, location: clip(loc), timeMs: res.timeMs });
      const shown = goQuoteBytes(loc.slice(0, 200));
      const goError = `Get "${redactURL(url.href)}": failed to parse Location header ${shown}: ${resolved.error}`;
      throw refused('go.redirect_bad_location', url.href, `the Location header cannot be parsed (${resolved.error}): ${shown}`, goError, hops);
    }
    const next = resolved.url;
    hops.push({
      url: shownURL(url.href),
      status: res.status,
      location: clip(loc),
      resolved: shownURL(next.href),
      ...locationParts(loc, url, next),
      timeMs: res.timeMs,
    });
    // net/http's CheckRedirect as cmd/go sets it: the https rule first, then the count. via holds every
    // request made so far (i + 1 of them), and `len(via) >= 10` refuses: go follows at most 9 redirects
    // and fails on the 10th (checked against go 1.23). net/http puts the raw Location in the url.Error.
    if (opts.security !== 'insecure' && start.protocol === 'https:' && next.protocol !== 'https:') {
      const goError = `Get "${redactURL(loc)}": redirected from secure URL ${url.href} to insecure URL ${next.href}`;
      throw refused('go.redirect_insecure', next.href, `redirected from https ${redactURL(url.href)} to ${redactURL(next.href)}`, goError, hops);
    }
    if (i + 1 >= GO_MAX_REDIRECTS) {
      const goError = `Get "${redactURL(loc)}": stopped after ${GO_MAX_REDIRECTS} redirects`;
      throw refused('go.redirect_too_many', next.href, `go stops at the ${GO_MAX_REDIRECTS}th redirect (it follows at most ${GO_MAX_REDIRECTS - 1})`, goError, hops);
    }
    if (next.protocol !== 'https:' && next.protocol !== 'http:') {
      const scheme = next.protocol.slice(0, -1);
      throw refused('go.redirect_bad_location', next.href, `the redirect leads to a ${scheme}: URL, which go's HTTP client cannot fetch`,
        `Get "${redactURL(next.href)}": unsupported protocol scheme "${scheme}"`, hops);
    }
    url = next;
  }
}

/**
 * net/http's req.URL.Parse(loc) and the request line it then sends: url.Parse's rules decide whether a
 * Location is usable (a control character, a bad escape or port fails the redirect, where a WHATWG parser
 * would quietly fix it up), url.ResolveReference joins it to the current URL, and RequestURI is what goes
 * on the wire (a path escaped the Go way: byte by byte, `\` and `|` escaped, dot segments removed).
 * undici hands header values over as latin1, one char per byte: exactly Go's byte string.
 * The result is a WHATWG URL that makes undici send that same request line.
 */
export function resolveLocation(loc: string, base: URL): { ok: true; url: URL } | { ok: false; error: string } {
  const ref = parseGoURLBytes(loc);
  if (!ref.ok) return { ok: false, error: ref.error };
  const current = parseGoURL(base.href);
  if (!current.ok) return { ok: false, error: current.error };
  const u = current.url.resolveReference(ref.url);
  const authority = u.clone();
  authority.opaque = '';
  authority.path = '';
  authority.rawPath = '';
  authority.rawQuery = '';
  authority.forceQuery = false;
  authority.fragment = '';
  authority.rawFragment = '';
  // Bytes a WHATWG parser would re-encode as characters (or, in a query, leave for undici to reject)
  // are sent as %XX of the byte; everything Go escaped is already ASCII.
  const requestURI = u.requestURI().replace(/[\u0000-\u0020\u007f-\u00ff"<>`#]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  const prefix = authority.string();
  try {
    return { ok: true, url: new URL(`${prefix}${u.opaque !== '' ? '' : requestURI}`) };
  } catch (err) {
    return { ok: false, error: `parse ${goQuoteBytes(loc.slice(0, 200))}: ${(err as Error).message}` };
  }
}

/** Go accepts a Location of up to 10 MiB; the report keeps its start and says how long it was. */
const MAX_SHOWN_URL = 2048;

function clip(text: string): string {
  return text.length <= MAX_SHOWN_URL ? text : `${text.slice(0, MAX_SHOWN_URL)}...[${text.length} bytes]`;
}

function shownURL(href: string): string {
  return clip(redactURL(href));
}

function locationParts(loc: string, from: URL, to: URL): Pick<RedirectHop, 'scheme' | 'host' | 'port'> {
  const scheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:/.exec(loc)?.[0];
  const authority = scheme ? loc.startsWith('//', scheme.length) : loc.startsWith('//');
  if (!authority) {
    return { scheme: scheme ? (to.protocol === from.protocol ? 'kept' : 'changed') : 'dropped', host: 'dropped', port: 'dropped' };
  }
  const samePort = effectivePort(to) === effectivePort(from);
  return {
    scheme: !scheme ? 'dropped' : to.protocol === from.protocol ? 'kept' : 'changed',
    host: to.hostname === from.hostname ? 'kept' : 'changed',
    port: samePort ? 'kept' : to.port === '' && from.port !== '' && to.hostname === from.hostname ? 'dropped' : 'changed',
  };
}

function effectivePort(u: URL): string {
  return u.port || (u.protocol === 'https:' ? '443' : '80');
}

async function opts_get(web: GoWeb, url: URL, start: URL, opts: GoGetOptions, credentials: Readonly<Record<string, string>>): Promise<HttpResponse> {
  // Credentials go only over https. GOAUTH/.netrc headers are set on the request go builds from the URL
  // as written; net/http keeps them on redirects to the same host and drops them elsewhere. The URL's
  // own user info is used only when they set no Authorization (net/http's transport).
  let headers: Record<string, string> = {};
  if (url.protocol === 'https:') {
    if (url.host === start.host) headers = { ...credentials };
    if (url.username && headers['authorization'] === undefined) {
      headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
    }
  }
  const { authorization, ...others } = headers;
  let href = url.href;
  if (url.username || url.password) {
    const clean = new URL(href);
    clean.username = '';
    clean.password = '';
    href = clean.href;
  }
  return web.http.get(href, {
    signal: opts.signal,
    maxBytes: opts.maxBytes,
    ...(authorization ? { authorization } : {}),
    ...(Object.keys(others).length > 0 ? { headers: others } : {}),
    ...(opts.security === 'insecure' && url.protocol === 'https:' ? { insecure: true } : {}),
  });
}

function wrap(err: unknown, url: URL, hops: readonly RedirectHop[]): Error {
  const shown = redactURL(url.href);
  if (isHopError(err)) {
    return new GoWebError(err, url.href, err.message, `Get "${shown}": ${err.goError}`, hops);
  }
  if (err instanceof HttpError) {
    return new GoWebError(err, url.href, err.message, err.goError.includes(shown) ? err.goError : `Get "${shown}": ${err.goError}`, hops);
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** file:// proxies: a missing file is a 404 and permission denied a 403, so fallbacks work as in go. */
async function getFile(url: URL): Promise<GoResponse> {
  const started = performance.now();
  let path: string;
  try {
    path = fileURLToPath(url);
  } catch (err) {
    throw refused('go.file_error', url.href, `invalid file URL: ${(err as Error).message}`, `invalid file URL ${url.href}`, []);
  }
  const synthetic = (status: number, text: string): GoResponse => ({
    url: url.href,
    status,
    statusLine: `${status} ${text}`,
    headers: {},
    body: Buffer.alloc(0),
    truncated: false,
    timeMs: Math.round(performance.now() - started),
    hops: [{ url: url.href, status, timeMs: 0 }],
  });
  try {
    const st = await stat(path);
    if (st.size > 512 * 1024 * 1024) return synthetic(500, 'file too large');
    const body = await readFile(path);
    return { ...synthetic(200, 'OK'), body };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return synthetic(404, 'Not Found');
    if (code === 'EACCES' || code === 'EPERM') return synthetic(403, 'Forbidden');
    throw refused('go.file_error', url.href, `cannot read ${path}: ${(err as Error).message}`, `open ${path}: ${(err as Error).message}`, []);
  }
}
