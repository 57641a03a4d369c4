// Host name verification exactly as Go 1.23's crypto/x509 Certificate.VerifyHostname does it, with
// HostnameError's texts. Not Node's checkServerIdentity: Go never falls back to the Common Name,
// matches a wildcard only as the whole left-most label of a valid pattern, matches IP hosts only
// against IP SANs, and ignores a trailing dot on the host.

import type { X509Certificate } from 'node:crypto';
import { CertificateParseError, parseCertificate, type ParsedCertificate } from './x509/parse.js';
import { lowerASCII } from '../goenv/gostrings.js';
import { formatNetIp, ipEqual, parseIpLiteral, parseNetIp } from './netip.js';

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

/**
 * What changed in VerifyHostname and HostnameError with go 1.27 (crypto/x509/verify.go): an IP host is
 * parsed with netip.ParseAddr, so an IPv6 literal with a zone ("fe80::1%eth0") is matched against the IP
 * SANs (go ≤1.24's net.ParseIP refused it and the host was judged as a DNS name), and the error names the
 * address as net.IP prints it; with 100 or more DNS names (or IP SANs) the error counts them instead of
 * listing them.
 */
export interface HostnameRules {
  readonly go127Hostnames: boolean;
}

const MAX_NAMES_INCLUDED = 100;

/** Certificate.VerifyHostname(h) on an already parsed certificate. */
export function verifyHostnameParsed(cert: HostnameSubject, h: string, rules: HostnameRules = { go127Hostnames: false }): HostnameVerdict {
  // IP addresses may be written in [ ].
  let candidateIP = h;
  if (h.length >= 3 && h.startsWith('[') && h.endsWith(']')) candidateIP = h.slice(1, -1);
  const addr = rules.go127Hostnames ? parseIpLiteral(candidateIP) : undefined;
  const ip = addr ? addrAs16(addr) : parseNetIp(candidateIP);
  if (ip) {
    for (const san of cert.ipAddresses) if (ipEqual(ip, san)) return { ok: true };
    return { ok: false, goError: hostnameErrorText(cert, addr ? formatNetIp(addr.bytes) : candidateIP, rules) };
  }
  const candidateName = lowerASCII(h);
  const validCandidate = validHostname(candidateName, false);
  for (const match of cert.dnsNames) {
    // Go always allows exact matches; wildcards and the trailing dot only for valid names.
    if (validCandidate && validHostname(match, true)) {
      if (matchHostnames(match, candidateName)) return { ok: true };
    } else if (matchExactly(match, candidateName)) {
      return { ok: true };
    }
  }
  return { ok: false, goError: hostnameErrorText(cert, h, rules) };
}

function addrAs16(a: { family: 4 | 6; bytes: Uint8Array }): Uint8Array {
  if (a.family === 6) return a.bytes;
  const ip = new Uint8Array(16);
  ip[10] = 0xff;
  ip[11] = 0xff;
  ip.set(a.bytes, 12);
  return ip;
}

/** HostnameError.Error(). */
export function hostnameErrorText(cert: HostnameSubject, host: string, rules: HostnameRules = { go127Hostnames: false }): string {
  if (!cert.hasSANExtension && matchHostnames(cert.subject.commonName, host)) {
    return 'x509: certificate relies on legacy Common Name field, use SANs instead';
  }
  let valid: string;
  if (parseNetIp(host)) {
    if (cert.ipAddresses.length === 0) {
      return `x509: cannot validate certificate for ${host} because it doesn't contain any IP SANs`;
    }
    if (rules.go127Hostnames && cert.ipAddresses.length >= MAX_NAMES_INCLUDED) {
      return `x509: certificate is valid for ${cert.ipAddresses.length} IP SANs, but none matched ${host}`;
    }
    valid = cert.ipAddresses.map((ip) => formatNetIp(ip)).join(', ');
  } else {
    if (rules.go127Hostnames && cert.dnsNames.length >= MAX_NAMES_INCLUDED) {
      return `x509: certificate is valid for ${cert.dnsNames.length} names, but none matched ${host}`;
    }
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
  return lowerASCII(a) === lowerASCII(b);
}

export function matchHostnames(pattern: string, host: string): boolean {
  pattern = lowerASCII(pattern);
  host = lowerASCII(host.endsWith('.') ? host.slice(0, -1) : host);
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
