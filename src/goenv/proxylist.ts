// GOPROXY as cmd/go reads it: proxyList() and newProxyRepo() in src/cmd/go/internal/modfetch/proxy.go,
// and what one entry does for one module path, lookup() in modfetch/repo.go (Go 1.23).

import { ParseError } from '../errors.js';
import { escapePath, wirePathEscape } from './module.js';
import { matchPrefixPatterns, pathJoin } from './patterns.js';
import { goTrimSpace } from './gostrings.js';
import { parseGoURL, type GoURL, type UrlParseRules } from './gourl.js';

export type ProxyEntry =
  | { readonly kind: 'url'; readonly url: string; readonly fallBackOnAnyError: boolean }
  | { readonly kind: 'direct' | 'off' | 'noproxy'; readonly fallBackOnAnyError: boolean };

export type ProxyListResult = { ok: true; entries: readonly ProxyEntry[] } | { ok: false; error: string };

/** The error every fetch fails with when GOPROXY yields no entries (also when GOPROXY is ""). */
export const EMPTY_PROXY_LIST_ERROR = 'GOPROXY list is not the empty string, but contains no entries';

/**
 * newProxyRepo's checks of a proxy base URL: go's error text (password masked), or the parsed URL.
 * Only https, http and file are accepted; a file: URL may carry nothing but a path.
 */
export function checkProxyURL(baseURL: string, rules: UrlParseRules = {}): { ok: true; url: GoURL } | { ok: false; error: string } {
  const parsed = parseGoURL(baseURL, rules);
  if (!parsed.ok) return parsed;
  const base = parsed.url;
  const redacted = base.redacted();
  switch (base.scheme) {
    case 'http':
    case 'https':
      break;
    case 'file':
      if (!base.isSchemePathOnly()) {
        return { ok: false, error: `invalid file:// proxy URL with non-path elements: ${redacted}` };
      }
      break;
    case '':
      return { ok: false, error: `invalid proxy URL missing scheme: ${redacted}` };
    default:
      return { ok: false, error: `invalid proxy URL scheme (must be https, http, file): ${redacted}` };
  }
  return { ok: true, url: base };
}

/**
 * proxyList(): GOPROXY cut at each ',' or '|' (the separator after an entry sets its fallback mode),
 * entries trimmed, empty ones skipped, `off` and `direct` end the list, bare host[:port][/path]
 * entries get "https://", and the first bad URL fails every fetch. A non-empty GONOPROXY puts the
 * `noproxy` pseudo-entry first, unless GOPROXY is exactly "direct".
 */
export function parseProxyList(goproxy: string, gonoproxy: string, rules: UrlParseRules = {}): ProxyListResult {
  const entries: ProxyEntry[] = [];
  if (gonoproxy !== '' && goproxy !== 'direct') entries.push({ kind: 'noproxy', fallBackOnAnyError: false });
  let rest = goproxy;
  while (rest !== '') {
    let raw: string;
    let fallBackOnAnyError = false;
    const i = rest.search(/[,|]/);
    if (i >= 0) {
      raw = rest.slice(0, i);
      fallBackOnAnyError = rest[i] === '|';
      rest = rest.slice(i + 1);
    } else {
      raw = rest;
      rest = '';
    }
    let url = goTrimSpace(raw);
    if (url === '') continue;
    if (url === 'off') {
      // "off" always fails hard, so the walk stops there.
      entries.push({ kind: 'off', fallBackOnAnyError });
      break;
    }
    if (url === 'direct') {
      // Later entries are ignored "for forward-compatibility".
      entries.push({ kind: 'direct', fallBackOnAnyError });
      break;
    }
    // Single words are reserved for built-in behaviours; anything with ":/" or an absolute path
    // must be a complete URL; everything else is a host and gets https://.
    if (/[.:/]/.test(url) && !url.includes(':/') && !url.startsWith('/')) url = 'https://' + url;
    const checked = checkProxyURL(url, rules);
    if (!checked.ok) return { ok: false, error: checked.error };
    entries.push({ kind: 'url', url, fallBackOnAnyError });
  }
  if (entries.length === 0 || (entries.length === 1 && entries[0]!.kind === 'noproxy')) {
    return { ok: false, error: EMPTY_PROXY_LIST_ERROR };
  }
  return { ok: true, entries };
}

/** lookup()'s not-exist errors (repo.go). */
export const ERR_PROXY_OFF = 'module lookup disabled by GOPROXY=off';
export const ERR_NOPROXY = 'disabled by GOPRIVATE/GONOPROXY';
export const ERR_USE_PROXY = 'path does not match GOPRIVATE/GONOPROXY';

/** Why an entry may not fetch a path: GOPROXY=off, GONOPROXY/GOPRIVATE, or (another walk's resolver) the entry is not one it asks. */
export type NotExistRule = 'off' | 'private' | 'unlisted';

/** What one entry does for one module path (lookup in repo.go): dial a proxy, go direct, or a not-exist error. */
export type EntryAction =
  | { action: 'proxy'; url: string }
  | { action: 'direct' }
  /** `rule`: GOPROXY=off, or GONOPROXY/GOPRIVATE (a proxy for a private path, noproxy for a public one). */
  | { action: 'not-exist'; error: string; rule: NotExistRule }
  /** newProxyRepo rejected the module path (module.EscapePath); not a not-exist error, so the walk stops. */
  | { action: 'error'; error: string };

/** The module go looks up for a path: `go` and `toolchain` mean golang.org/toolchain (1.21+). */
export function lookupPath(modulePath: string): string {
  return modulePath === 'go' || modulePath === 'toolchain' ? 'golang.org/toolchain' : modulePath;
}

export function entryAction(entry: ProxyEntry, modulePath: string, gonoproxy: string): EntryAction {
  const path = lookupPath(modulePath);
  if (matchPrefixPatterns(gonoproxy, path)) {
    if (entry.kind === 'noproxy' || entry.kind === 'direct') return { action: 'direct' };
    return { action: 'not-exist', error: ERR_NOPROXY, rule: 'private' };
  }
  switch (entry.kind) {
    case 'off':
      return { action: 'not-exist', error: ERR_PROXY_OFF, rule: 'off' };
    case 'direct':
      return { action: 'direct' };
    case 'noproxy':
      return { action: 'not-exist', error: ERR_USE_PROXY, rule: 'private' };
    case 'url':
      try {
        escapePath(path);
      } catch (err) {
        return { action: 'error', error: (err as Error).message };
      }
      return { action: 'proxy', url: entry.url };
  }
}

export interface ProxyRequestURL {
  /** What go requests (credentials included, as net/http sends them). */
  readonly url: string;
  /** The same with any password as "xxxxx", for messages. */
  readonly redacted: string;
}

/**
 * The URL go requests from a proxy for one module: newProxyRepo appends "/" + the escaped module
 * path to the base path, and getBody path.Joins the endpoint, e.g. "@v/list", "@latest", or
 * "@v/" + escapeVersion(v) + ".info" / ".mod" / ".zip". The escaped path travels in RawPath, so
 * '!' goes out as %21. Throws ParseError: 'module.invalid' (bad module path), 'goproxy.invalid' (bad proxy URL).
 */
export function proxyRequestURL(proxyURL: string, modulePath: string, endpoint: string): ProxyRequestURL {
  const checked = checkProxyURL(proxyURL);
  if (!checked.ok) throw new ParseError('goproxy.invalid', checked.error);
  const enc = escapePath(modulePath);
  const u = checked.url.clone();
  u.path = u.path.replace(/\/$/, '') + '/' + enc;
  u.rawPath = u.rawPath.replace(/\/$/, '') + '/' + wirePathEscape(enc);
  u.path = pathJoin(u.path, endpoint);
  u.rawPath = pathJoin(u.rawPath, wirePathEscape(endpoint));
  return { url: u.string(), redacted: u.redacted() };
}

/**
 * One entry's outcome: success, or an error that is or is not "not exist" (404/410, lookup's own).
 * `useProxy` marks noproxy's errUseProxy (the path does not match GONOPROXY), which never ranks as a
 * direct error; for string errors it is recognised by its text.
 */
export type AttemptResult<T, E = string> = { ok: true; value: T } | { ok: false; error: E; notExist: boolean; useProxy?: boolean };

export interface TryProxiesStep<E = string> {
  readonly index: number;
  readonly entry: ProxyEntry;
  readonly ok: boolean;
  readonly error?: E;
  readonly notExist?: boolean;
}

export type TryProxiesResult<T, E = string> =
  | { ok: true; value: T; index: number; steps: readonly TryProxiesStep<E>[] }
  | { ok: false; error: E | undefined; steps: readonly TryProxiesStep<E>[] };

/**
 * TryProxies (proxy.go): try the entries in order until one succeeds; after a failure go on only
 * when the entry is `|` or the error is not-exist. The error reported is the best seen: from
 * `direct`, or from `noproxy` unless it is ERR_USE_PROXY (always taken, the last such wins);
 * else the last proxy error that is not not-exist; else the last not-exist error.
 */
export async function tryProxies<T, E = string>(
  entries: readonly ProxyEntry[],
  attempt: (entry: ProxyEntry, index: number) => Promise<AttemptResult<T, E>>,
): Promise<TryProxiesResult<T, E>> {
  const NOT_EXIST = 0;
  const PROXY = 1;
  const DIRECT = 2;
  let bestErr: E | undefined;
  let bestRank = NOT_EXIST;
  const steps: TryProxiesStep<E>[] = [];
  for (const [index, entry] of entries.entries()) {
    const r = await attempt(entry, index);
    if (r.ok) {
      steps.push({ index, entry, ok: true });
      return { ok: true, value: r.value, index, steps };
    }
    steps.push({ index, entry, ok: false, error: r.error, notExist: r.notExist });
    const useProxy = r.useProxy ?? (r.error as unknown) === ERR_USE_PROXY;
    if (entry.kind === 'direct' || (entry.kind === 'noproxy' && !useProxy)) {
      bestErr = r.error;
      bestRank = DIRECT;
    } else if (bestRank <= PROXY && !r.notExist) {
      bestErr = r.error;
      bestRank = PROXY;
    } else if (bestRank === NOT_EXIST) {
      bestErr = r.error;
    }
    if (!entry.fallBackOnAnyError && !r.notExist) break;
  }
  return { ok: false, error: bestErr, steps };
}
