// Host name verification exactly as Go 1.23's crypto/x509 Certificate.VerifyHostname does it, with
// HostnameError's texts. Not Node's checkServerIdentity: Go never falls back to the Common Name,
// matches a wildcard only as the whole left-most label of a valid pattern, matches IP hosts only
// against IP SANs, and ignores a trailing dot on the host.

import type { X509Certificate } from 'node:crypto';
import { CertificateParseError, parseCertificate, type ParsedCertificate } from './der.js';

export type HostnameVerdict = { ok: true } | { ok: false; goError: string };

/** The fields of a certificate VerifyHostname and HostnameError look at. */
export type HostnameSubject = Pick<ParsedCertificate, 'dnsNames' | 'ipAddresses' | 'hasSANExtension'> & {
  readonly subject: { readonly commonName: string };
};

export function verifyHostname(cert: X509Certificate, host: string): HostnameVerdict {
  let parsed: ParsedCertificate;
  try {
    parsed = parseCertificate(cert.raw);
  } catch (err) {
    // Go could not have parsed this certificate at all: say so rather than guess.
    if (err instanceof CertificateParseError) return { ok: false, goError: err.message };
    throw err;
  }
  return verifyHostnameParsed(parsed, host);
}

/** Certificate.VerifyHostname(h) on an already parsed certificate. */
export function verifyHostnameParsed(cert: HostnameSubject, h: string): HostnameVerdict {
  // IP addresses may be written in [ ].
  let candidateIP = h;
  if (h.length >= 3 && h.startsWith('[') && h.endsWith(']')) candidateIP = h.slice(1, -1);
  const ip = parseGoIP(candidateIP);
  if (ip) {
    for (const san of cert.ipAddresses) if (ipEqual(ip, san)) return { ok: true };
    return { ok: false, goError: hostnameErrorText(cert, candidateIP) };
  }
  const candidateName = toLowerCaseASCII(h);
  const validCandidate = validHostname(candidateName, false);
  for (const match of cert.dnsNames) {
    // Go always allows exact matches; wildcards and the trailing dot only for valid names.
    if (validCandidate && validHostname(match, true)) {
      if (matchHostnames(match, candidateName)) return { ok: true };
    } else if (matchExactly(match, candidateName)) {
      return { ok: true };
    }
  }
  return { ok: false, goError: hostnameErrorText(cert, h) };
}

/** HostnameError.Error(). */
export function hostnameErrorText(cert: HostnameSubject, host: string): string {
  if (!cert.hasSANExtension && matchHostnames(cert.subject.commonName, host)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (parseGoIP(host)) {
    if (cert.ipAddresses.length === 0) {
      return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    }
    valid = cert.ipAddresses.map(formatGoIP).join(', ');
  } else {
    valid = cert.dnsNames.join(', ');
  }
  if (valid.length === 0) return `x509: certificate is not valid for any names, but wanted to match ${host}`;
  return `x509: certificate is valid for ${valid}, not ${host}`;
}

/** validHostname (verify.go): RFC 6125 2.2 with Go's leniency ('_' allowed, '*' only as label 0). */
export function validHostname(host: string, isPattern: boolean): boolean {
  if (!isPattern && host.endsWith('.')) host = host.slice(0, -1);
  if (host.length === 0 || host === '*') return false;
  const parts = host.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === '') return false;
    if (isPattern && i === 0 && part === '*') continue;
    for (let j = 0; j < part.length; j++) {
      const c = part[j]!;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c === '_') continue;
      if (c === '-' && j !== 0) continue;
      return false;
    }
  }
  return true;
}

function matchExactly(a: string, b: string): boolean {
  if (a === '' || a === '.' || b === '' || b === '.') return false;
  return toLowerCaseASCII(a) === toLowerCaseASCII(b);
}

export function matchHostnames(pattern: string, host: string): boolean {
  pattern = toLowerCaseASCII(pattern);
  host = toLowerCaseASCII(host.endsWith('.') ? host.slice(0, -1) : host);
  if (pattern.length === 0 || host.length === 0) return false;
  const pp = pattern.split('.');
  const hp = host.split('.');
  if (pp.length !== hp.length) return false;
  for (let i = 0; i < pp.length; i++) {
    if (i === 0 && pp[i] === '*') continue;
    if (pp[i] !== hp[i]) return false;
  }
  return true;
}

/** ASCII-only lower-casing (RFC 6125 6.4.1): never Unicode case folding. */
export function toLowerCaseASCII(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

// ---------------------------------------------------------------------------------------------
// net.ParseIP / net.IP.String / net.IP.Equal, ported from Go 1.23 (net/ip.go, net/netip).

/** net.ParseIP: a 16-byte address (IPv4 as ::ffff:a.b.c.d), or undefined. Zones are rejected. */
export function parseGoIP(s: string): Buffer | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '.') {
      const v4 = parseIPv4Fields(s);
      return v4 ? Buffer.concat([V4_IN_V6_PREFIX, v4]) : undefined;
    }
    if (c === ':') return parseIPv6(s);
    if (c === '%') return undefined;
  }
  return undefined;
}

const V4_IN_V6_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

function parseIPv4Fields(s: string): Buffer | undefined {
  const fields = Buffer.alloc(4);
  let val = 0;
  let pos = 0;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) {
      if (digits === 1 && val === 0) return undefined; // leading zero
      val = val * 10 + (c - 0x30);
      digits++;
      if (val > 255) return undefined;
    } else if (c === 0x2e) {
      if (i === 0 || i === s.length - 1 || s[i - 1] === '.') return undefined;
      if (pos === 3) return undefined;
      fields[pos++] = val;
      val = 0;
      digits = 0;
    } else {
      return undefined;
    }
  }
  if (pos < 3) return undefined;
  fields[3] = val;
  return fields;
}

function parseIPv6(input: string): Buffer | undefined {
  if (input.includes('%')) return undefined; // net.ParseIP refuses zones
  let s = input;
  const ip = Buffer.alloc(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ':' && s[1] === ':') {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return ip;
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      let d: number;
      if (c >= 0x30 && c <= 0x39) d = c - 0x30;
      else if (c >= 0x61 && c <= 0x66) d = c - 0x61 + 10;
      else if (c >= 0x41 && c <= 0x46) d = c - 0x41 + 10;
      else break;
      acc = acc * 16 + d;
      if (off > 3 || acc > 0xffff) return undefined;
    }
    if (off === 0) return undefined;
    if (off < s.length && s[off] === '.') {
      if (ellipsis < 0 && i !== 12) return undefined;
      if (i + 4 > 16) return undefined;
      const v4 = parseIPv4Fields(s);
      if (!v4) return undefined;
      v4.copy(ip, i);
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
  return ip;
}

function isV4InV6(ip: Buffer): boolean {
  return ip.length === 16 && ip.subarray(0, 12).equals(V4_IN_V6_PREFIX);
}

/** net.IP.Equal: a 4-byte address equals its 16-byte v4-in-v6 form. */
export function ipEqual(a: Buffer, b: Buffer): boolean {
  if (a.length === b.length) return a.equals(b);
  if (a.length === 4 && b.length === 16) return isV4InV6(b) && b.subarray(12).equals(a);
  if (a.length === 16 && b.length === 4) return isV4InV6(a) && a.subarray(12).equals(b);
  return false;
}

/** net.IP.String: dotted quad for IPv4 (and v4-in-v6), RFC 5952 for IPv6. */
export function formatGoIP(ip: Buffer): string {
  if (ip.length === 0) return '<nil>';
  if (ip.length !== 4 && ip.length !== 16) return '?' + ip.toString('hex');
  if (ip.length === 4) return [...ip].join('.');
  if (isV4InV6(ip)) return [...ip.subarray(12)].join('.');
  const groups: number[] = [];
  for (let k = 0; k < 8; k++) groups.push(ip.readUInt16BE(k * 2));
  // The first longest run of two or more zero groups becomes "::".
  let zeroStart = -1;
  let zeroEnd = -1;
  for (let k = 0; k < 8; k++) {
    let j = k;
    while (j < 8 && groups[j] === 0) j++;
    if (j - k >= 2 && j - k > zeroEnd - zeroStart) {
      zeroStart = k;
      zeroEnd = j;
    }
  }
  let out = '';
  for (let k = 0; k < 8; k++) {
    if (k === zeroStart) {
      out += '::';
      k = zeroEnd;
      if (k >= 8) break;
    } else if (k > 0) {
      out += ':';
    }
    out += groups[k]!.toString(16);
  }
  return out;
}
