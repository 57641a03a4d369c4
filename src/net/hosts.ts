// /etc/hosts as Go's pure resolver reads it (src/net/hosts.go), plus the two primitives every
// file Go's net package reads shares: its line reader (src/net/parse.go) and IP literals as
// netip.ParseAddr accepts them. resolvconf.ts, nsswitch.ts and resolver.ts import these so that
// all three files agree with Go byte for byte.

import { ParseError } from '../errors.js';

// ---------------------------------------------------------------------------------------------
// Go's line reader

/** Go reads these files through a 64 KiB buffer (parse.go `open`). */
const GO_LINE_BUFFER = 64 * 1024;

function utf8Length(s: string): number {
  // Cheap exit: no UTF-16 unit encodes to more than 3 bytes.
  return s.length * 3 < GO_LINE_BUFFER ? s.length : Buffer.byteLength(s, 'utf8');
}

/**
 * The lines Go's `file.readLine` yields. A line that does not fit Go's 64 KiB buffer (65 535
 * bytes plus its newline) ends the file for Go: it and everything after it are never seen.
 * `stoppedAtLine` reports where that happened (1-based), for the parsers' notes.
 */
export function* goLines(text: string, stop?: { stoppedAtLine?: number }): Generator<string> {
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    lineNo++;
    const nl = text.indexOf('\n', start);
    const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
    if (utf8Length(line) > GO_LINE_BUFFER - 1) {
      if (stop) stop.stoppedAtLine = lineNo;
      return;
    }
    yield line;
    if (nl === -1) return;
    start = nl + 1;
  }
}

/** getFields: split at any of space, \r, \t, \n; empty fields dropped (parse.go). */
export function goFields(s: string): string[] {
  return s.split(/[ \r\t\n]+/).filter((f) => f.length > 0);
}

export function lowerASCII(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/** absDomainName (dnsclient.go): names with a dot get a trailing dot; dotless names stay as they are. */
export function absDomainName(s: string): string {
  return s.includes('.') && !s.endsWith('.') ? s + '.' : s;
}

// ---------------------------------------------------------------------------------------------
// IP literals (net/netip ParseAddr and String)

export interface IpAddr {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address stays 16 bytes, as in netip). */
  readonly bytes: Uint8Array;
  readonly zone: string;
}

function parseIPv4Fields(s: string, out: Uint8Array, at: number): boolean {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digLen === 1 && val === 0) return false; // leading zero
      val = val * 10 + (c - 0x30);
      digLen++;
      if (val > 255) return false;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s.charCodeAt(i - 1) === 0x2e) return false;
      if (pos === 3) return false;
      out[at + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      return false;
    }
  }
  if (pos < 3) return false;
  out[at + 3] = val;
  return true;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

function parseIPv6(input: string): IpAddr | undefined {
  let s = input;
  let zone = '';
  const pct = s.indexOf('%');
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === '') return undefined;
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { family: 6, bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const h = hexVal(s.charCodeAt(off));
      if (h < 0) break;
      acc = acc * 16 + h;
      if (off > 3) return undefined;
      if (acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      if (!parseIPv4Fields(s, ip, i)) return undefined;
      s = '';
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ':') return undefined;
    if (s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) return undefined;
  if (i < 16) {
    if (ellipsis < 0) return undefined;
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return { family: 6, bytes: ip, zone };
}

/** netip.ParseAddr: strict IPv4 (no leading zeros, exactly four fields), IPv6 with an optional zone. */
export function parseIpLiteral(s: string): IpAddr | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      const b = new Uint8Array(4);
      return parseIPv4Fields(s, b, 0) ? { family: 4, bytes: b, zone: '' } : undefined;
    }
    if (c === ':') return parseIPv6(s);
    if (c === '%') return undefined;
  }
  return undefined;
}

export function isV4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

function v4String(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function v6String(b: Uint8Array): string {
  const group = (i: number) => (b[2 * i]! << 8) | b[2 * i + 1]!;
  let zeroStart = 255;
  let zeroEnd = 255;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && group(j) === 0) j++;
    const l = j - i;
    if (l >= 2 && l > zeroEnd - zeroStart) {
      zeroStart = i;
      zeroEnd = j;
    }
  }
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (i === zeroStart) {
      out += '::';
      i = zeroEnd;
      if (i >= 8) break;
    } else if (i > 0) {
      out += ':';
    }
    out += group(i).toString(16);
  }
  return out;
}

/** netip.Addr.String: IPv4-mapped addresses print as ::ffff:a.b.c.d. */
export function formatIpAddr(a: IpAddr): string {
  if (a.family === 4) return v4String(a.bytes, 0);
  const base = isV4Mapped(a.bytes) ? `::ffff:${v4String(a.bytes, 12)}` : v6String(a.bytes);
  return a.zone ? `${base}%${a.zone}` : base;
}

/** net.IPAddr.String: a 4-byte or IPv4-mapped address prints dotted; a zone follows a '%'. */
export function formatNetIp(bytes: Uint8Array, zone = ''): string {
  let base: string;
  if (bytes.length === 4) base = v4String(bytes, 0);
  else if (isV4Mapped(bytes)) base = v4String(bytes, 12);
  else base = v6String(bytes);
  return zone ? `${base}%${zone}` : base;
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

// ---------------------------------------------------------------------------------------------
// /etc/hosts

/** Go rereads a hosts file of any size; the probe refuses absurd ones rather than hold them in memory. */
export const MAX_HOSTS_BYTES = 16 * 1024 * 1024;

export interface HostsTable {
  /** Addresses for a name, in file order (lookupStaticHost): ASCII case-insensitive; see absDomainName for dots. */
  lookup(name: string): string[];
  /** The canonical name Go reports for a hosts hit: the first name on the first line that listed it. */
  canonicalName(name: string): string | undefined;
  /** Number of distinct names. */
  readonly size: number;
}

interface HostsEntry {
  addrs: string[];
  canonical: string;
}

function hostsKey(name: string): string {
  return absDomainName(lowerASCII(name));
}

export function parseHosts(text: string): HostsTable {
  if (text.length > MAX_HOSTS_BYTES) {
    throw new ParseError('config.bad_file', `hosts file larger than ${MAX_HOSTS_BYTES} bytes`);
  }
  const byName = new Map<string, HostsEntry>();
  for (let line of goLines(text)) {
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const f = goFields(line);
    if (f.length < 2) continue;
    const ip = parseIpLiteral(f[0]!);
    if (!ip) continue;
    const addr = formatIpAddr(ip);
    let canonical = '';
    for (let i = 1; i < f.length; i++) {
      const key = hostsKey(f[i]!);
      if (i === 1) canonical = key;
      const existing = byName.get(key);
      if (existing) existing.addrs.push(addr);
      else byName.set(key, { addrs: [addr], canonical });
    }
  }
  return {
    lookup(name: string): string[] {
      return [...(byName.get(hostsKey(name))?.addrs ?? [])];
    },
    canonicalName(name: string): string | undefined {
      return byName.get(hostsKey(name))?.canonical;
    },
    get size() {
      return byName.size;
    },
  };
}

/** An empty table: for a missing /etc/hosts (Go treats not-exist and permission errors as empty). */
export function emptyHosts(): HostsTable {
  return parseHosts('');
}
