// CertPool (crypto/x509 cert_pool.go, Go 1.23): certificates by subject, deduplicated by their
// bytes, and the candidate parents of a certificate in the order Go's chain building tries them.

import { createHash } from 'node:crypto';
import type { ParsedCertificate } from './parse.js';

/** A certificate's identity: the SHA-256 of its DER (what the pool dedupes by, and the dump prints). */
export function sha256Hex(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

export class CertPool {
  private readonly bySubject = new Map<string, ParsedCertificate[]>();
  private readonly have = new Set<string>();
  readonly certs: ParsedCertificate[] = [];

  add(cert: ParsedCertificate): void {
    const sum = sha256Hex(cert.raw);
    if (this.have.has(sum)) return;
    this.have.add(sum);
    this.certs.push(cert);
    const key = cert.rawSubject.toString('hex');
    const list = this.bySubject.get(key);
    if (list) list.push(cert);
    else this.bySubject.set(key, [cert]);
  }

  contains(cert: ParsedCertificate): boolean {
    return this.have.has(sha256Hex(cert.raw));
  }

  get size(): number {
    return this.certs.length;
  }

  /** Candidates whose subject is cert's issuer: key-id matches first, then one-sided, then mismatches. */
  findPotentialParents(cert: ParsedCertificate): ParsedCertificate[] {
    const matching: ParsedCertificate[] = [];
    const oneKeyId: ParsedCertificate[] = [];
    const mismatch: ParsedCertificate[] = [];
    for (const c of this.bySubject.get(cert.rawIssuer.toString('hex')) ?? []) {
      const skid = c.subjectKeyId;
      const akid = cert.authorityKeyId;
      if (skid.equals(akid)) matching.push(c);
      else if ((skid.length === 0 && akid.length > 0) || (skid.length > 0 && akid.length === 0)) oneKeyId.push(c);
      else mismatch.push(c);
    }
    return [...matching, ...oneKeyId, ...mismatch];
  }
}
