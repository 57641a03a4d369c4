// IP addresses as Go 1.23 parses and prints them: net/netip (ParseAddr, Addr.String) and the net
// functions built on it (ParseIP, IP.String, IP.To4, IP.Equal, IP.IsLoopback, ParseCIDR,
// IPNet.Contains, SplitHostPort, JoinHostPort). One parser; the two entry points differ as Go's
// do: netip.ParseAddr keeps a zone and the 4-byte form, net.ParseIP refuses a zone and gives 16 bytes.

/** A netip.Addr. */
export interface IpAddr {
  readonly family: 4 | 6;
  /** 4 bytes for IPv4, 16 for IPv6 (an IPv4-mapped IPv6 address stays 16 bytes, as in netip). */
  readonly bytes: Uint8Array;
  readonly zone: string;
}

/** netip's parseIPv4Fields: exactly four decimal fields, no leading zeros, each <= 255. */
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

/** netip's parseIPv6: groups of at most four hex digits, one "::", an optional trailing IPv4 and %zone. */
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
      if (off > 3 || acc > 0xffff) return undefined;
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
    if (s[0] !== ':' || s.length === 1) return undefined;
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

/** netip.Addr.As16: IPv4 as ::ffff:a.b.c.d (a fresh copy). */
function as16(a: IpAddr): Uint8Array {
  if (a.family === 6) return new Uint8Array(a.bytes);
  const ip = new Uint8Array(16);
  ip[10] = 0xff;
  ip[11] = 0xff;
  ip.set(a.bytes, 12);
  return ip;
}

/** net.ParseIP: netip.ParseAddr without a zone, as 16 bytes (IPv4 as ::ffff:a.b.c.d); else undefined. */
export function parseNetIp(s: string): Uint8Array | undefined {
  const a = parseIpLiteral(s);
  return a === undefined || a.zone !== '' ? undefined : as16(a);
}

function isV4Mapped(b: Uint8Array): boolean {
  if (b.length !== 16) return false;
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false;
  return b[10] === 0xff && b[11] === 0xff;
}

/** net.IP.To4: the 4 bytes of an IPv4 or IPv4-mapped address, else undefined. */
export function ipTo4(b: Uint8Array): Uint8Array | undefined {
  if (b.length === 4) return b;
  if (isV4Mapped(b)) return b.subarray(12);
  return undefined;
}

/** net.IP.Equal: a 4-byte address equals its 16-byte v4-in-v6 form. */
export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length === b.length) return a.every((x, i) => x === b[i]);
  if (a.length === 4 && b.length === 16) return isV4Mapped(b) && a.every((x, i) => x === b[12 + i]);
  if (a.length === 16 && b.length === 4) return ipEqual(b, a);
  return false;
}

/** net.IP.IsLoopback: 127/8, or ::1. */
export function isLoopbackIp(ip: Uint8Array): boolean {
  const v4 = ipTo4(ip);
  if (v4) return v4[0] === 127;
  return ip.length === 16 && ip.every((b, i) => b === (i === 15 ? 1 : 0));
}

function v4String(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** RFC 5952: the first longest run of two or more zero groups becomes "::". */
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

/**
 * net.IP.String: a 4-byte or IPv4-mapped address prints dotted, other 16-byte ones as RFC 5952,
 * "<nil>" when empty and "?hex" for any other length; with a zone, net.IPAddr.String.
 */
export function formatNetIp(bytes: Uint8Array, zone = ''): string {
  if (bytes.length === 0) return '<nil>';
  if (bytes.length !== 4 && bytes.length !== 16) return '?' + Buffer.from(bytes).toString('hex');
  const v4 = ipTo4(bytes);
  const base = v4 ? v4String(v4, 0) : v6String(bytes);
  return zone ? `${base}%${zone}` : base;
}

/** A net.IPNet: `ip` is 16 bytes, `mask` 4 bytes for an IPv4 network, 16 for IPv6. */
export interface IpNet {
  readonly ip: Uint8Array;
  readonly mask: Uint8Array;
}

const DTOI_BIG = 0xffffff;

/** net.ParseCIDR's network (address masked), or undefined where Go returns a ParseError. */
export function parseCIDR(s: string): IpNet | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const addr = parseIpLiteral(s.slice(0, slash));
  if (!addr || addr.zone !== '') return undefined;
  // dtoi: decimal digits up to the first non-digit, failing once the value reaches 0xFFFFFF.
  const maskText = s.slice(slash + 1);
  let n = 0;
  let i = 0;
  for (; i < maskText.length && maskText.charCodeAt(i) >= 0x30 && maskText.charCodeAt(i) <= 0x39; i++) {
    n = n * 10 + (maskText.charCodeAt(i) - 0x30);
    if (n >= DTOI_BIG) return undefined;
  }
  const bits = addr.family === 4 ? 32 : 128;
  if (i === 0 || i !== maskText.length || n > bits) return undefined;
  const mask = new Uint8Array(bits / 8);
  for (let k = 0; k < mask.length; k++) {
    const ones = Math.max(0, Math.min(8, n - k * 8));
    mask[k] = (0xff << (8 - ones)) & 0xff;
  }
  const ip = as16(addr);
  const off = 16 - mask.length;
  for (let k = 0; k < mask.length; k++) ip[off + k] = ip[off + k]! & mask[k]!;
  return { ip, mask };
}

/** net.IPNet.Contains, including its IPv4/IPv6 length rules. */
export function ipNetContains(n: IpNet, ip: Uint8Array): boolean {
  const nn: Uint8Array = ipTo4(n.ip) ?? n.ip;
  let m = n.mask;
  if (nn.length === 4 && m.length === 16) m = m.subarray(12);
  else if (nn.length === 16 && m.length === 4) return false;
  if (m.length !== nn.length) return false;
  const x = ipTo4(ip) ?? ip;
  if (x.length !== nn.length) return false;
  for (let i = 0; i < x.length; i++) if ((nn[i]! & m[i]!) !== (x[i]! & m[i]!)) return false;
  return true;
}

/** net.SplitHostPort; undefined where Go returns an error. */
export function splitHostPort(hostport: string): [host: string, port: string] | undefined {
  let j = 0;
  let k = 0;
  const i = hostport.lastIndexOf(':');
  if (i < 0) return undefined;
  let host: string;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return undefined;
    if (end + 1 === hostport.length) return undefined;
    if (end + 1 !== i) return undefined;
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return undefined;
  }
  if (hostport.slice(j).includes('[')) return undefined;
  if (hostport.slice(k).includes(']')) return undefined;
  return [host, hostport.slice(i + 1)];
}

/** net.JoinHostPort. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
