// The chain dump: each presented certificate described as Go's crypto/x509 reads it (subject,
// issuer, SANs, validity, key, what Go would refuse), falling back to node:crypto for what Go's
// parser rejects, so that a certificate Go cannot parse is still shown.

import { X509Certificate } from 'node:crypto';
import { CertificateParseError, formatName, parseCertificate, type ParseRules, type ParsedCertificate } from './parse.js';
import { sha256Hex } from './pool.js';
import { formatRFC3339, isSelfSigned } from './verify.js';
import { formatNetIp } from '../netip.js';
import { holdsCertificate, type TrustStore } from '../truststore.js';

export interface CertInfo {
  subject: string;
  issuer: string;
  sans: string[];
  serial: string;
  notBefore: string;
  notAfter: string;
  keyType: 'rsa' | 'ec' | 'ed25519' | 'ed448' | 'unknown';
  keyBits?: number;
  curve?: string;
  signatureAlgorithm: string;
  sha256: string;
  isCA: boolean;
  selfSigned: boolean;
  inTrustStore: boolean;
  problems?: string[];
}

/** SANs shown per certificate; the rest are counted in `problems`. */
const MAX_SANS_SHOWN = 100;
const CURVE_BITS: Readonly<Record<string, number>> = { 'P-224': 224, 'P-256': 256, 'P-384': 384, 'P-521': 521 };

/**
 * Describe any certificate. Never throws: what Go's parser rejects is read as far as it goes
 * (then by node:crypto), and the reasons land in `problems`.
 */
export function describeCertificate(der: Buffer, trust?: TrustStore, rules: ParseRules = {}): CertInfo {
  const problems: string[] = [];
  const sha256 = sha256Hex(der);
  let p: Partial<ParsedCertificate>;
  try {
    // The modelled go's parser: a BIT STRING name attribute parses for go 1.27, duplicate policies fail for 1.24+.
    p = parseCertificate(der, rules);
  } catch (err) {
    p = err instanceof CertificateParseError ? err.partial : {};
    problems.push(`Go cannot parse this certificate: ${err instanceof Error ? err.message : String(err)}`);
  }
  let node: X509Certificate | undefined;
  try {
    node = new X509Certificate(der);
  } catch {
    node = undefined;
  }

  const sans: string[] = [];
  if (p.dnsNames) sans.push(...p.dnsNames);
  if (p.ipAddresses) sans.push(...p.ipAddresses.map((ip) => formatNetIp(ip)));
  if (p.emailAddresses) sans.push(...p.emailAddresses.map((e) => `email:${e}`));
  if (p.uris) sans.push(...p.uris.map((u) => `URI:${u}`));
  if (!p.dnsNames && node?.subjectAltName) sans.push(...node.subjectAltName.split(', ').slice(0, MAX_SANS_SHOWN + 1));
  if (sans.length > MAX_SANS_SHOWN) {
    problems.push(`${sans.length - MAX_SANS_SHOWN} more subject alternative names not shown`);
    sans.length = MAX_SANS_SHOWN;
  }

  const info: CertInfo = {
    subject: p.subject ? formatName(p.subject) : (node?.subject.split('\n').reverse().join(',') ?? ''),
    issuer: p.issuer ? formatName(p.issuer) : (node?.issuer.split('\n').reverse().join(',') ?? ''),
    sans,
    serial: p.serial !== undefined ? serialHex(p.serial) : (node?.serialNumber ?? ''),
    notBefore: p.notBefore ? formatRFC3339(p.notBefore) : (p.notBeforeRaw ?? node?.validFrom ?? ''),
    notAfter: p.notAfter ? formatRFC3339(p.notAfter) : (p.notAfterRaw ?? node?.validTo ?? ''),
    keyType: 'unknown',
    signatureAlgorithm: p.signatureAlgorithm
      ? p.signatureAlgorithm.known
        ? p.signatureAlgorithm.name
        : `unknown (${p.signatureAlgorithm.oid})`
      : 'unknown',
    sha256,
    isCA: p.basicConstraintsValid === true ? p.isCA === true : (node?.ca ?? false),
    selfSigned: false,
    inTrustStore: trust ? holdsCertificate(trust, der, sha256) : false,
  };
  fillKey(info, p, node);
  if (p.raw && p.rawSubject && p.rawIssuer && p.signatureAlgorithm && p.rawSPKI && p.signature && p.rawTBS) {
    info.selfSigned = isSelfSigned(p as ParsedCertificate);
  } else if (node) {
    try {
      info.selfSigned = node.subject === node.issuer && node.verify(node.publicKey);
    } catch {
      info.selfSigned = false;
    }
  }
  if (p.signatureAlgorithm?.hash === 'sha1' || p.signatureAlgorithm?.hash === 'md5') {
    if (!info.selfSigned) problems.push(`Go refuses ${p.signatureAlgorithm.name} signatures (insecure algorithm)`);
  }
  if (p.unhandledCriticalExtensions && p.unhandledCriticalExtensions.length > 0) {
    problems.push(`unhandled critical extension(s): ${p.unhandledCriticalExtensions.join(', ')}`);
  }
  if (p.raw && p.hasSANExtension === false && !info.isCA) {
    problems.push('no subjectAltName extension: Go never matches the Common Name');
  }
  if (problems.length > 0) info.problems = problems;
  return info;
}

function serialHex(serial: bigint): string {
  const neg = serial < 0n;
  let hex = (neg ? -serial : serial).toString(16).toUpperCase();
  if (hex.length % 2) hex = '0' + hex;
  return (neg ? '-' : '') + hex;
}

function fillKey(info: CertInfo, p: Partial<ParsedCertificate>, node: X509Certificate | undefined): void {
  switch (p.publicKeyAlgorithm) {
    case 'RSA':
      info.keyType = 'rsa';
      if (p.rsaBits) info.keyBits = p.rsaBits;
      return;
    case 'ECDSA':
      info.keyType = 'ec';
      if (p.curve) {
        info.curve = p.curve;
        info.keyBits = CURVE_BITS[p.curve]!;
      }
      return;
    case 'Ed25519':
      info.keyType = 'ed25519';
      return;
  }
  if (p.publicKeyOid === '1.3.101.113') {
    info.keyType = 'ed448';
    return;
  }
  // Go did not get this far, or does not know the key: ask node:crypto.
  try {
    const k = node?.publicKey;
    const t = k?.asymmetricKeyType;
    if (t === 'rsa' || t === 'rsa-pss') {
      info.keyType = 'rsa';
      const bits = k?.asymmetricKeyDetails?.modulusLength;
      if (bits) info.keyBits = bits;
    } else if (t === 'ec') {
      info.keyType = 'ec';
      const curve = k?.asymmetricKeyDetails?.namedCurve;
      if (curve) info.curve = curve;
    } else if (t === 'ed25519' || t === 'ed448') {
      info.keyType = t;
    }
  } catch {
    // unknown key: keep 'unknown'
  }
}
