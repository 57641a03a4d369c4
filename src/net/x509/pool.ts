// CertPool (crypto/x509 cert_pool.go, Go 1.23): certificates by subject, deduplicated by their
// bytes, and the candidate parents of a certificate in the order Go's chain building tries them.

import { createHash } from 'node:crypto';
import type { ParsedCertificate } from './parse.js';

/** A certificate's identity: the SHA-256 of its DER (what the pool dedupes by, and the dump prints). */
export function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** What the verifier asks of a pool of roots (CertPool, or a trust store's subject index: PendingTrustStore). */
export interface RootPool {
  contains(cert: ParsedCertificate): boolean;
  /** The certificates whose subject is exactly `rawName` (DER), in the order they were added. */
  bySubject(rawName: Buffer): readonly ParsedCertificate[];
  findPotentialParents(cert: ParsedCertificate): ParsedCertificate[];
}

/** Candidates whose subject is cert's issuer: key-id matches first, then one-sided, then mismatches. */
export function potentialParents(candidates: readonly ParsedCertificate[], cert: ParsedCertificate): ParsedCertificate[] {
  const matching: ParsedCertificate[] = [];
  const oneKeyId: ParsedCertificate[] = [];
  const mismatch: ParsedCertificate[] = [];
  for (const c of candidates) {
    const skid = c.subjectKeyId;
    const akid = cert.authorityKeyId;
    if (skid.equals(akid)) matching.push(c);
    else if ((skid.length === 0 && akid.length > 0) || (skid.length > 0 && akid.length === 0)) oneKeyId.push(c);
    else mismatch.push(c);
  }
  return [...matching, ...oneKeyId, ...mismatch];
}

export class CertPool implements RootPool {
  // Keys are the DER bytes as latin1 text (go: string(RawSubject), and the SHA-224 of the DER for
  // duplicates): a hash of every root each run cost more than the map's own hashing of the text.
  readonly #bySubject = new Map<string, ParsedCertificate[]>();
  readonly #have = new Set<string>();
  readonly certs: ParsedCertificate[] = [];

  add(cert: ParsedCertificate): void {
    const der = cert.raw.toString('latin1');
    if (this.#have.has(der)) return;
    this.#have.add(der);
    this.certs.push(cert);
    const key = cert.rawSubject.toString('latin1');
    const list = this.#bySubject.get(key);
    if (list) list.push(cert);
    else this.#bySubject.set(key, [cert]);
  }

  contains(cert: ParsedCertificate): boolean {
    return this.#have.has(cert.raw.toString('latin1'));
  }

  /** The certificates whose subject is exactly `rawName` (DER), in the order they were added. */
  bySubject(rawName: Buffer): readonly ParsedCertificate[] {
    return this.#bySubject.get(rawName.toString('latin1')) ?? [];
  }

  get size(): number {
    return this.certs.length;
  }

  /** Candidates whose subject is cert's issuer: key-id matches first, then one-sided, then mismatches. */
  findPotentialParents(cert: ParsedCertificate): ParsedCertificate[] {
    return potentialParents(this.bySubject(cert.rawIssuer), cert);
  }
}
