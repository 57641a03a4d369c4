// GOSUMDB as cmd/go reads it (dbDial in src/cmd/go/internal/modfetch/sumdb.go, knownGOSUMDB in key.go).
// The value given is the effective one: the caller applies the go.env default ("sum.golang.org") first.

import { NoteError, parseVerifierKey } from '../sumdb/note.js';

export const SUM_GOLANG_ORG_KEY = 'sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';

const KNOWN_GOSUMDB: ReadonlyMap<string, string> = new Map([['sum.golang.org', SUM_GOLANG_ORG_KEY]]);

export type GoSumDB =
  | { kind: 'off' }
  | {
      kind: 'db';
      /** The database name, from the key ("sum.golang.org"). */
      name: string;
      /** The full verifier key (a known name replaced by its key). */
      verifierKey: string;
      /** The explicit URL after the key, as written; it bypasses the GOPROXY walk. */
      url: string | undefined;
      /** "https://<name>": where go connects when no proxy serves the database. */
      directUrl: string;
    };

export type GoSumDBResult = { ok: true; db: GoSumDB } | { ok: false; error: string };

/** dbDial: parse a GOSUMDB value; errors carry go's exact text. */
export function parseGoSumDB(value: string): GoSumDBResult {
  let gosumdb = value;
  if (gosumdb === 'sum.golang.google.cn') gosumdb = 'sum.golang.org https://sum.golang.google.cn';
  if (gosumdb === 'off') return { ok: true, db: { kind: 'off' } };

  const key = goFields(gosumdb);
  if (key.length >= 1) key[0] = KNOWN_GOSUMDB.get(key[0]!) ?? key[0]!;
  if (key.length === 0) return { ok: false, error: 'missing GOSUMDB' };
  if (key.length > 2) return { ok: false, error: 'invalid GOSUMDB: too many fields' };
  let name: string;
  try {
    name = parseVerifierKey(key[0]!).name;
  } catch (err) {
    if (err instanceof NoteError) return { ok: false, error: `invalid GOSUMDB: ${err.message}` };
    throw err;
  }

  // "No funny business in the database name": https://<name> must parse to exactly host[/path].
  const direct = parseGoURL(`https://${name}`);
  if (!direct.ok) {
    // Go formats *direct here, which is nil after a parse error: cmd/go 1.23 crashes on such a name.
    return {
      ok: false,
      error: `invalid sumdb name (must be host[/path]): ${name} (go crashes on this name: ${direct.error})`,
    };
  }
  const u = direct.url;
  const clean =
    u.opaque === '' &&
    u.user === undefined &&
    !u.omitHost &&
    !u.forceQuery &&
    u.rawQuery === '' &&
    u.fragment === '' &&
    u.rawFragment === '';
  if (name.endsWith('/') || !clean || u.rawPath !== '' || u.host === '') {
    return { ok: false, error: `invalid sumdb name (must be host[/path]): ${name} ${formatURLStruct(u)}` };
  }

  let url: string | undefined;
  if (key.length >= 2) {
    const parsed = parseGoURL(key[1]!);
    if (!parsed.ok) return { ok: false, error: `invalid GOSUMDB URL: ${parsed.error}` };
    url = key[1];
  }
  return { ok: true, db: { kind: 'db', name, verifierKey: key[0]!, url, directUrl: `https://${name}` } };
}

/** strings.Fields: split around runs of Unicode white space (unicode.IsSpace). */
function goFields(s: string): string[] {
  return s.split(/[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter((f) => f !== '');
}

// ---- net/url.Parse, as far as dbDial needs it: the parsed fields and the exact error texts ----

export interface GoURL {
  scheme: string;
  opaque: string;
  user: { username: string; password: string | undefined } | undefined;
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment';

const UPPER_HEX = '0123456789ABCDEF';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const unhex = (c: string): number => Number.parseInt(c, 16);

/** Go's strconv.Quote for the byte strings url errors show. */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\v') out += '\\v';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\x07') out += '\\a';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp >= 0x80 && cp < 0xa0) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function shouldEscape(c: number, mode: Mode): boolean {
  const ch = String.fromCharCode(c);
  if (/^[A-Za-z0-9]$/.test(ch)) return false;
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(ch)) return false;
  if ('-_.~'.includes(ch)) return false;
  if ('$&+,/:;=?@'.includes(ch)) {
    switch (mode) {
      case 'path':
        return ch === '?';
      case 'userPassword':
        return ch === '@' || ch === '/' || ch === '?' || ch === ':';
      case 'fragment':
        return false;
      default:
        break;
    }
  }
  if (mode === 'fragment' && '!()*'.includes(ch)) return false;
  return true;
}

class UrlError extends Error {}

/** url.unescape over the UTF-8 bytes of s (Go strings are bytes). */
function unescape(s: string, mode: Mode): string {
  const b = Buffer.from(s, 'utf8');
  const str = b.toString('latin1'); // one char per byte, for byte-wise checks
  for (let i = 0; i < str.length; ) {
    const c = str[i]!;
    if (c === '%') {
      if (i + 2 >= str.length || !isHex(str[i + 1]) || !isHex(str[i + 2])) {
        throw new UrlError(`invalid URL escape ${quote(latin1ToUtf8(str.slice(i, i + 3)))}`);
      }
      if (mode === 'host' && unhex(str[i + 1]!) < 8 && str.slice(i, i + 3) !== '%25') {
        throw new UrlError(`invalid URL escape ${quote(str.slice(i, i + 3))}`);
      }
      if (mode === 'zone') {
        const v = (unhex(str[i + 1]!) << 4) | unhex(str[i + 2]!);
        if (str.slice(i, i + 3) !== '%25' && v !== 0x20 && shouldEscape(v, 'host')) {
          throw new UrlError(`invalid URL escape ${quote(str.slice(i, i + 3))}`);
        }
      }
      i += 3;
    } else {
      const code = c.charCodeAt(0);
      if ((mode === 'host' || mode === 'zone') && code < 0x80 && shouldEscape(code, mode)) {
        throw new UrlError(`invalid character ${quote(c)} in host name`);
      }
      i++;
    }
  }
  const out: number[] = [];
  for (let i = 0; i < str.length; i++) {
    if (str[i] === '%') {
      out.push((unhex(str[i + 1]!) << 4) | unhex(str[i + 2]!));
      i += 2;
    } else out.push(str.charCodeAt(i));
  }
  return Buffer.from(out).toString('latin1');
}

function latin1ToUtf8(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/** url.escape over a byte string (latin1 chars = bytes). */
function escape(s: string, mode: Mode): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += shouldEscape(c, mode) ? `%${UPPER_HEX[c >> 4]}${UPPER_HEX[c & 15]}` : s[i];
  }
  return out;
}

function validOptionalPort(port: string): boolean {
  if (port === '') return true;
  return port[0] === ':' && /^[0-9]*$/.test(port.slice(1));
}

function parseHost(host: string): string {
  if (host.startsWith('[')) {
    const i = host.lastIndexOf(']');
    if (i < 0) throw new UrlError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf('%25');
    if (zone >= 0) {
      return unescape(host.slice(0, zone), 'host') + unescape(host.slice(zone, i), 'zone') + unescape(host.slice(i), 'host');
    }
  } else {
    const i = host.lastIndexOf(':');
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new UrlError(`invalid port ${quote(colonPort)} after host`);
    }
  }
  return unescape(host, 'host');
}

function parseAuthority(authority: string): { user: GoURL['user']; host: string } {
  const i = authority.lastIndexOf('@');
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { user: undefined, host };
  const userinfo = authority.slice(0, i);
  if (!/^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(userinfo)) throw new UrlError('net/url: invalid userinfo');
  if (!userinfo.includes(':')) return { user: { username: unescape(userinfo, 'userPassword'), password: undefined }, host };
  const c = userinfo.indexOf(':');
  return {
    user: {
      username: unescape(userinfo.slice(0, c), 'userPassword'),
      password: unescape(userinfo.slice(c + 1), 'userPassword'),
    },
    host,
  };
}

function getScheme(raw: string): { scheme: string; rest: string } {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (/^[A-Za-z]$/.test(c)) continue;
    if (/^[0-9+\-.]$/.test(c)) {
      if (i === 0) return { scheme: '', rest: raw };
      continue;
    }
    if (c === ':') {
      if (i === 0) throw new UrlError('missing protocol scheme');
      return { scheme: raw.slice(0, i), rest: raw.slice(i + 1) };
    }
    return { scheme: '', rest: raw };
  }
  return { scheme: '', rest: raw };
}

function parseNoFragment(raw: string): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new UrlError('net/url: invalid control character in URL');
  const u: GoURL = {
    scheme: '',
    opaque: '',
    user: undefined,
    host: '',
    path: '',
    rawPath: '',
    omitHost: false,
    forceQuery: false,
    rawQuery: '',
    fragment: '',
    rawFragment: '',
  };
  if (raw === '*') {
    u.path = '*';
    return u;
  }
  const { scheme, rest: afterScheme } = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  let rest = afterScheme;
  if (rest.endsWith('?') && rest.split('?').length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf('?');
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith('/')) {
    if (u.scheme !== '') {
      u.opaque = rest;
      return u;
    }
    const segment = rest.split('/', 1)[0]!;
    if (segment.includes(':')) throw new UrlError('first path segment in URL cannot contain colon');
  }
  if ((u.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    let authority = rest.slice(2);
    rest = '';
    const i = authority.indexOf('/');
    if (i >= 0) {
      rest = authority.slice(i);
      authority = authority.slice(0, i);
    }
    const a = parseAuthority(authority);
    u.user = a.user;
    u.host = latin1ToUtf8(a.host);
  } else if (u.scheme !== '' && rest.startsWith('/')) {
    u.omitHost = true;
  }
  const path = unescape(rest, 'path');
  u.path = latin1ToUtf8(path);
  u.rawPath = escape(path, 'path') === Buffer.from(rest, 'utf8').toString('latin1') ? '' : rest;
  return u;
}

/** url.Parse: the fields, or the error text ("parse \"…\": …"). */
export function parseGoURL(raw: string): { ok: true; url: GoURL } | { ok: false; error: string } {
  const hash = raw.indexOf('#');
  const u = hash < 0 ? raw : raw.slice(0, hash);
  const frag = hash < 0 ? '' : raw.slice(hash + 1);
  let url: GoURL;
  try {
    url = parseNoFragment(u);
  } catch (err) {
    if (err instanceof UrlError) return { ok: false, error: `parse ${quote(u)}: ${err.message}` };
    throw err;
  }
  if (frag === '') return { ok: true, url };
  try {
    const f = unescape(frag, 'fragment');
    url.fragment = latin1ToUtf8(f);
    url.rawFragment = escape(f, 'fragment') === Buffer.from(frag, 'utf8').toString('latin1') ? '' : frag;
  } catch (err) {
    if (err instanceof UrlError) return { ok: false, error: `parse ${quote(raw)}: ${err.message}` };
    throw err;
  }
  return { ok: true, url };
}

/** fmt's %+v of a url.URL value (User is a *Userinfo: its String method prints, "" for nil). */
function formatURLStruct(u: GoURL): string {
  const esc = (s: string) => latin1ToUtf8(escape(s, 'userPassword'));
  const user =
    u.user === undefined ? '' : esc(u.user.username) + (u.user.password === undefined ? '' : `:${esc(u.user.password)}`);
  return (
    `{Scheme:${u.scheme} Opaque:${u.opaque} User:${user} Host:${u.host} Path:${u.path} RawPath:${u.rawPath} ` +
    `OmitHost:${u.omitHost} ForceQuery:${u.forceQuery} RawQuery:${u.rawQuery} Fragment:${u.fragment} RawFragment:${u.rawFragment}}`
  );
}
