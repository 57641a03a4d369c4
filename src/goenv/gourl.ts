// Go's net/url (src/net/url/url.go, Go 1.23): Parse, String, Redacted, ResolveReference,
// RequestURI and PathEscape, with go's error texts. Fields are byte strings (see gostrings.ts).

import { fromByteString, goQuoteBytes, toByteString } from './gostrings.js';

// net/url's encoding modes.
const Enc = { Path: 1, PathSegment: 2, Host: 3, Zone: 4, UserPassword: 5, QueryComponent: 6, Fragment: 7 } as const;
type Enc = (typeof Enc)[keyof typeof Enc];

class UrlError extends Error {}

function isAlnum(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);
}

function ishex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function unhex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return 0;
}

function shouldEscape(c: number, mode: Enc): boolean {
  if (isAlnum(c)) return false;
  const ch = String.fromCharCode(c);
  if (mode === Enc.Host || mode === Enc.Zone) {
    if ("!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  }
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case Enc.Path: return ch === '?';
      case Enc.PathSegment: return ch === '/' || ch === ';' || ch === ',' || ch === '?';
      case Enc.UserPassword: return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case Enc.QueryComponent: return true;
      case Enc.Fragment: return false;
      default: break;
    }
  }
  if (mode === Enc.Fragment && '!()*'.includes(ch)) return false;
  return true;
}

function escapeError(s: string): UrlError {
  return new UrlError('invalid URL escape ' + goQuoteBytes(s));
}

function unescape(s: string, mode: Enc): string {
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < s.length; ) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      n++;
      if (i + 2 >= s.length || !ishex(s.charCodeAt(i + 1)) || !ishex(s.charCodeAt(i + 2))) {
        throw escapeError(s.slice(i, i + 3));
      }
      if (mode === Enc.Host && unhex(s.charCodeAt(i + 1)) < 8 && s.slice(i, i + 3) !== '%25') {
        throw escapeError(s.slice(i, i + 3));
      }
      if (mode === Enc.Zone) {
        const v = (unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2));
        if (s.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, Enc.Host)) {
          throw escapeError(s.slice(i, i + 3));
        }
      }
      i += 3;
    } else if (c === 0x2b) {
      hasPlus = mode === Enc.QueryComponent;
      i++;
    } else {
      if ((mode === Enc.Host || mode === Enc.Zone) && c < 0x80 && shouldEscape(c, mode)) {
        throw new UrlError('invalid character ' + goQuoteBytes(s[i]!) + ' in host name');
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  let t = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      t += String.fromCharCode((unhex(s.charCodeAt(i + 1)) << 4) | unhex(s.charCodeAt(i + 2)));
      i += 2;
    } else if (c === 0x2b) {
      t += mode === Enc.QueryComponent ? ' ' : '+';
    } else {
      t += s[i];
    }
  }
  return t;
}

const UPPERHEX = '0123456789ABCDEF';

function escape(s: string, mode: Enc): string {
  // Nothing to escape (every module path and version of a request): the text as it is, not rebuilt a
  // character at a time.
  let first = 0;
  while (first < s.length) {
    const c = s.charCodeAt(first);
    if ((c === 0x20 && mode === Enc.QueryComponent) || shouldEscape(c, mode)) break;
    first++;
  }
  if (first === s.length) return s;
  let t = s.slice(0, first);
  for (let i = first; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x20 && mode === Enc.QueryComponent) t += '+';
    else if (shouldEscape(c, mode)) t += '%' + UPPERHEX[c >> 4] + UPPERHEX[c & 15];
    else t += s[i];
  }
  return t;
}

/** url.PathEscape (input and output are JS strings; non-ASCII goes out as %XX of its UTF-8). */
export function goPathEscape(s: string): string {
  return escape(toByteString(s), Enc.PathSegment);
}

/** How url.Userinfo.String escapes a user name or password (encodeUserPassword; JS strings as goPathEscape). */
export function goUserinfoEscape(s: string): string {
  return escape(toByteString(s), Enc.UserPassword);
}

function validEncoded(s: string, mode: Enc): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if ("!$&'()*+,;=:@[]%".includes(ch)) continue;
    if (shouldEscape(s.charCodeAt(i), mode)) return false;
  }
  return true;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  if (port[0] !== ':') return false;
  for (let i = 1; i < port.length; i++) {
    const c = port.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function validUserinfo(s: string): boolean {
  // Go ranges over runes; any non-ASCII rune is invalid, so bytes >= 0x80 are too.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isAlnum(c)) continue;
    if ("-._:~!$&'()*+,;=%@".includes(s[i]!)) continue;
    return false;
  }
  return true;
}

function containsCTL(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

interface Userinfo {
  readonly username: string;
  readonly password: string;
  readonly passwordSet: boolean;
}

function userinfoString(u: Userinfo): string {
  let s = escape(u.username, Enc.UserPassword);
  if (u.passwordSet) s += ':' + escape(u.password, Enc.UserPassword);
  return s;
}

/** Go's url.URL; fields are byte strings, read them through the accessors. */
export class GoURL {
  scheme = '';
  opaque = '';
  user: Userinfo | undefined = undefined;
  host = '';
  path = '';
  rawPath = '';
  omitHost = false;
  forceQuery = false;
  rawQuery = '';
  fragment = '';
  rawFragment = '';

  clone(): GoURL {
    return Object.assign(new GoURL(), this);
  }

  get schemeText(): string { return fromByteString(this.scheme); }
  get hostText(): string { return fromByteString(this.host); }
  get pathText(): string { return fromByteString(this.path); }
  get hasUser(): boolean { return this.user !== undefined; }
  get hasPassword(): boolean { return this.user?.passwordSet === true; }
  get usernameText(): string { return fromByteString(this.user?.username ?? ''); }
  get passwordText(): string { return fromByteString(this.user?.password ?? ''); }
  /** url.URL.Hostname: host without port and brackets. */
  get hostname(): string { return fromByteString(splitHostPort(this.host)[0]); }
  /** url.URL.Port: the numeric port, or "" when there is none. */
  get port(): string { return splitHostPort(this.host)[1]; }

  /** True when only Scheme, Path and RawPath are set (GOPROXY's rule for file:// URLs). */
  isSchemePathOnly(): boolean {
    return this.opaque === '' && this.user === undefined && this.host === '' && !this.omitHost &&
      !this.forceQuery && this.rawQuery === '' && this.fragment === '' && this.rawFragment === '';
  }

  escapedPath(): string {
    if (this.rawPath !== '' && validEncoded(this.rawPath, Enc.Path)) {
      try {
        if (unescape(this.rawPath, Enc.Path) === this.path) return this.rawPath;
      } catch {
        // fall through to computing the escaping ourselves, as Go does
      }
    }
    if (this.path === '*') return '*';
    return escape(this.path, Enc.Path);
  }

  escapedFragment(): string {
    if (this.rawFragment !== '' && validEncoded(this.rawFragment, Enc.Fragment)) {
      try {
        if (unescape(this.rawFragment, Enc.Fragment) === this.fragment) return this.rawFragment;
      } catch {
        // as escapedPath
      }
    }
    return escape(this.fragment, Enc.Fragment);
  }

  /** url.URL.setPath: `p` is escaped; Path gets it unescaped, RawPath keeps `p` unless it is the default escaping. */
  setPath(p: string): void {
    const path = unescape(p, Enc.Path);
    this.path = path;
    this.rawPath = escape(path, Enc.Path) === p ? '' : p;
  }

  /** url.URL.ResolveReference (RFC 3986 5.2), as net/http applies it to a Location header. */
  resolveReference(ref: GoURL): GoURL {
    const url = ref.clone();
    const setPath = (p: string): void => {
      try {
        url.setPath(p);
      } catch {
        // Go ignores setPath's error here: an escaped path always unescapes.
      }
    };
    if (ref.scheme === '') url.scheme = this.scheme;
    if (ref.scheme !== '' || ref.host !== '' || ref.user !== undefined) {
      setPath(resolvePath(ref.escapedPath(), ''));
      return url;
    }
    if (ref.opaque !== '') {
      url.user = undefined;
      url.host = '';
      url.path = '';
      return url;
    }
    if (ref.path === '' && !ref.forceQuery && ref.rawQuery === '') {
      url.rawQuery = this.rawQuery;
      if (ref.fragment === '') {
        url.fragment = this.fragment;
        url.rawFragment = this.rawFragment;
      }
    }
    if (ref.path === '' && this.opaque !== '') {
      url.opaque = this.opaque;
      url.user = undefined;
      url.host = '';
      url.path = '';
      return url;
    }
    url.host = this.host;
    url.user = this.user;
    setPath(resolvePath(this.escapedPath(), ref.escapedPath()));
    return url;
  }

  /** url.URL.RequestURI: what goes on the request line (a byte string; the query is sent as it came). */
  requestURI(): string {
    let result = this.opaque;
    if (result === '') {
      result = this.escapedPath();
      if (result === '') result = '/';
    } else if (result.startsWith('//')) {
      result = this.scheme + ':' + result;
    }
    if (this.forceQuery || this.rawQuery !== '') result += '?' + this.rawQuery;
    return result;
  }

  /** url.URL.String, as a JS string. */
  string(): string {
    return fromByteString(this.byteString());
  }

  /** fmt's %+v of the url.URL value (User prints through Userinfo.String: "" when nil). */
  formatPlusV(rules: UrlParseRules = {}): string {
    const user = this.user === undefined ? '' : userinfoString(this.user);
    const head = `{Scheme:${this.scheme} Opaque:${this.opaque} User:${user} Host:${this.host} Path:${this.path} `;
    return fromByteString(
      rules.fieldsReordered
        ? `${head}Fragment:${this.fragment} RawQuery:${this.rawQuery} RawPath:${this.rawPath} RawFragment:${this.rawFragment} ` +
            `ForceQuery:${this.forceQuery} OmitHost:${this.omitHost}}`
        : `${head}RawPath:${this.rawPath} OmitHost:${this.omitHost} ForceQuery:${this.forceQuery} RawQuery:${this.rawQuery} ` +
            `Fragment:${this.fragment} RawFragment:${this.rawFragment}}`,
    );
  }

  /** url.URL.Redacted: the password, if any, becomes "xxxxx". */
  redacted(): string {
    const ru = this.clone();
    if (ru.user?.passwordSet) ru.user = { username: ru.user.username, password: 'xxxxx', passwordSet: true };
    return ru.string();
  }

  private byteString(): string {
    let buf = '';
    if (this.scheme !== '') buf += this.scheme + ':';
    if (this.opaque !== '') {
      buf += this.opaque;
    } else {
      if (this.scheme !== '' || this.host !== '' || this.user !== undefined) {
        if (this.omitHost && this.host === '' && this.user === undefined) {
          // omit empty host
        } else {
          if (this.host !== '' || this.path !== '' || this.user !== undefined) buf += '//';
          if (this.user !== undefined) buf += userinfoString(this.user) + '@';
          if (this.host !== '') buf += escape(this.host, Enc.Host);
        }
      }
      const path = this.escapedPath();
      if (path !== '' && path[0] !== '/' && this.host !== '') buf += '/';
      if (buf.length === 0) {
        const segment = path.split('/', 1)[0] ?? '';
        if (segment.includes(':')) buf += './';
      }
      buf += path;
    }
    if (this.forceQuery || this.rawQuery !== '') buf += '?' + this.rawQuery;
    if (this.fragment !== '') buf += '#' + this.escapedFragment();
    return buf;
  }
}

/** url.resolvePath: merge `ref` onto `base` and remove dot segments (RFC 3986 5.2.2-5.2.4). */
function resolvePath(base: string, ref: string): string {
  let full: string;
  if (ref === '') full = base;
  else if (ref[0] !== '/') full = base.slice(0, base.lastIndexOf('/') + 1) + ref;
  else full = ref;
  if (full === '') return '';
  let dst = '/';
  let first = true;
  let elem = '';
  const parts = full.split('/');
  for (elem of parts) {
    if (elem === '.') {
      first = false;
      continue;
    }
    if (elem === '..') {
      const str = dst.slice(1);
      const index = str.lastIndexOf('/');
      dst = '/';
      if (index === -1) first = true;
      else dst += str.slice(0, index);
    } else {
      if (!first) dst += '/';
      dst += elem;
      first = false;
    }
  }
  if (elem === '.' || elem === '..') dst += '/';
  return dst.length > 1 && dst[1] === '/' ? dst.slice(1) : dst;
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = '';
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return [host, port];
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a)) continue;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) {
      if (i === 0) return ['', raw];
      continue;
    }
    if (c === 0x3a) {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ['', raw];
  }
  return ['', raw];
}

/** How a go version's url.Parse differs from go 1.23's, the one this file ports. */
export interface UrlParseRules {
  /**
   * go 1.26+ (net/url/url.go parseHost, GODEBUG urlstrictcolons, unless set to 0): in an http or https
   * URL, an unbracketed host with more than one colon is an error; the port starts at the first colon.
   */
  readonly strictColons?: boolean;
  /** go 1.27's URL struct field order, for %+v (GoRules.urlFieldsReordered). */
  readonly fieldsReordered?: boolean;
}

function parseHost(host: string, scheme: string, rules: UrlParseRules): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuoteBytes(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      const host1 = unescape(host.slice(0, zone), Enc.Host);
      const host2 = unescape(host.slice(zone, i), Enc.Zone);
      const host3 = unescape(host.slice(i), Enc.Host);
      return host1 + host2 + host3;
    }
  } else {
    const last = host.lastIndexOf(':');
    const i = rules.strictColons && (scheme === 'http' || scheme === 'https') ? host.indexOf(':') : last;
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${goQuoteBytes(colonPort)} after host`);
    }
  }
  return unescape(host, Enc.Host);
}

function parseAuthority(authority: string, scheme: string, rules: UrlParseRules): [Userinfo | undefined, string] {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1), scheme, rules);
  if (i < 0) return [undefined, host];
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new UrlError('net/url: invalid userinfo');
  const colon = userinfo.indexOf(':');
  if (colon < 0) {
    return [{ username: unescape(userinfo, Enc.UserPassword), password: '', passwordSet: false }, host];
  }
  const username = unescape(userinfo.slice(0, colon), Enc.UserPassword);
  const password = unescape(userinfo.slice(colon + 1), Enc.UserPassword);
  return [{ username, password, passwordSet: true }, host];
}

function parseBytes(rawURL: string, rules: UrlParseRules): GoURL {
  if (containsCTL(rawURL)) throw new UrlError('net/url: invalid control character in URL');
  const url = new GoURL();
  if (rawURL === '*') {
    url.path = '*';
    return url;
  }
  let [scheme, rest] = getScheme(rawURL);
  url.scheme = scheme.toLowerCase();
  if (rest.endsWith('?') && rest.split('?').length - 1 === 1) {
    url.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      url.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') {
      url.opaque = rest;
      return url;
    }
    const segment = rest.split('/', 1)[0] ?? '';
    if (segment.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const slash = authority.indexOf('/');
    if (slash >= 0) {
      rest = authority.slice(slash);
      authority = authority.slice(0, slash);
    }
    [url.user, url.host] = parseAuthority(authority, url.scheme, rules);
  } else if (url.scheme !== '' && rest.startsWith('/')) {
    url.omitHost = true;
  }
  const path = unescape(rest, Enc.Path);
  url.path = path;
  url.rawPath = escape(path, Enc.Path) === rest ? '' : rest;
  return url;
}

export type GoURLResult = { ok: true; url: GoURL } | { ok: false; error: string };

/**
 * url.Parse. On failure `error` is go's text (`parse "…": invalid port ":x" after host`), except
 * that a password inside the quoted URL is masked: go prints it verbatim, we never do.
 */
export function parseGoURL(raw: string, rules: UrlParseRules = {}): GoURLResult {
  return parseGoURLBytes(toByteString(raw), rules);
}

/** url.Parse of a byte string (one char per byte: an HTTP header value as it came off the wire). */
export function parseGoURLBytes(bytes: string, rules: UrlParseRules = {}): GoURLResult {
  const hash = bytes.indexOf('#');
  const u = hash < 0 ? bytes : bytes.slice(0, hash);
  const frag = hash < 0 ? '' : bytes.slice(hash + 1);
  let url: GoURL;
  try {
    url = parseBytes(u, rules);
  } catch (err) {
    return { ok: false, error: urlErrorText(u, err) };
  }
  if (frag === '') return { ok: true, url };
  try {
    const f = unescape(frag, Enc.Fragment);
    url.fragment = f;
    url.rawFragment = escape(f, Enc.Fragment) === frag ? '' : frag;
  } catch (err) {
    return { ok: false, error: urlErrorText(bytes, err) };
  }
  return { ok: true, url };
}

function urlErrorText(rawBytes: string, err: unknown): string {
  if (!(err instanceof UrlError)) throw err;
  return `parse ${goQuoteBytes(toByteString(maskUserinfoPassword(fromByteString(rawBytes))))}: ${err.message}`;
}

/**
 * Mask the password of a `[scheme://]user:pass@host` prefix in text that is not a parsable URL
 * (a proxy value without scheme, a URL with a bad port). The authority ends at the first / ? #,
 * and its userinfo at the last @, as in url.Parse.
 */
export function maskUserinfoPassword(raw: string): string {
  const schemeSep = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(raw);
  let start = schemeSep ? schemeSep[0].length : 0;
  if (!schemeSep && raw.startsWith('//')) start = 2;
  const rest = raw.slice(start);
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const at = authority.lastIndexOf('@');
  if (at < 0) return raw;
  const colon = authority.indexOf(':');
  if (colon < 0 || colon > at) return raw;
  return raw.slice(0, start + colon + 1) + 'xxxxx' + raw.slice(start + at);
}
