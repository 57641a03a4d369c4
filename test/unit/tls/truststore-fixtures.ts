// Trust-store layouts on disk, shared by the truststore test and test/vectors/record.ts, which loads the
// same layouts with SSL_CERT_FILE/SSL_CERT_DIR set with each go (record/truststore.go) into
// vectors/truststore-go1.<minor>.json.

import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selfSignedCA, type IssuedCert } from '../../../src/lab/pki.js';

export interface TrustLayout {
  name: string;
  sslCertFile?: string;
  sslCertDir?: string;
}

export interface TrustFixtures {
  layouts: TrustLayout[];
  certs: Record<'a1' | 'a2' | 'b1' | 'b2' | 'c1' | 'probe', IssuedCert>;
}

export function buildTrustFixtures(base: string): TrustFixtures {
  const mk = (cn: string): IssuedCert => selfSignedCA({ commonName: cn, keyType: 'ec' });
  const certs = { a1: mk('A1'), a2: mk('A2'), b1: mk('B1'), b2: mk('B2'), c1: mk('C1'), probe: mk('Probe') };
  const p = (...parts: string[]): string => join(base, ...parts);
  mkdirSync(p('dirA'), { recursive: true });
  mkdirSync(p('dirB', 'sub'), { recursive: true });
  mkdirSync(p('empty'), { recursive: true });
  mkdirSync(p('adir'), { recursive: true });

  // A bundle with a key block, a duplicate, junk between blocks, and a block with headers.
  writeFileSync(
    p('bundle.pem'),
    'junk before\n' +
      certs.a1.certPem +
      '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n' +
      certs.a2.certPem +
      certs.a1.certPem +
      certs.b1.certPem.replace('-----BEGIN CERTIFICATE-----\n', '-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n\n'),
  );
  writeFileSync(p('not-pem.txt'), 'this is not a certificate bundle\n');
  writeFileSync(p('dirA', 'b1.pem'), certs.b1.certPem);
  writeFileSync(p('dirA', 'garbage.pem'), '-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n');
  writeFileSync(p('dirB', 'b2.pem'), certs.b2.certPem);
  writeFileSync(p('dirB', 'sub', 'c1.pem'), certs.c1.certPem); // in a sub-directory: never read
  symlinkSync('b2.pem', p('dirB', 'abcd1234.0')); // same-directory link: skipped (duplicate)
  mkdirSync(p('elsewhere'), { recursive: true });
  symlinkSync('../elsewhere/c1.pem', p('dirB', 'relative-link.pem')); // target has '/': read
  symlinkSync('../nowhere/x.pem', p('dirB', 'dangling.pem')); // unreadable: Go ignores it
  writeFileSync(p('elsewhere', 'c1.pem'), certs.c1.certPem);
  symlinkSync(p('elsewhere', 'c1.pem'), p('dirA', 'c1-link.pem')); // absolute target: read

  const layouts: TrustLayout[] = [
    { name: 'file-and-dir-union', sslCertFile: p('bundle.pem'), sslCertDir: p('dirA') },
    { name: 'missing-file-dir-only', sslCertFile: p('missing.pem'), sslCertDir: p('dirA') },
    { name: 'two-dirs', sslCertFile: p('missing.pem'), sslCertDir: `${p('dirA')}:${p('dirB')}` },
    { name: 'empty-components', sslCertFile: p('missing.pem'), sslCertDir: `::${p('dirB')}:` },
    { name: 'non-pem-file-empty-dir', sslCertFile: p('not-pem.txt'), sslCertDir: p('empty') },
    { name: 'file-is-directory', sslCertFile: p('adir'), sslCertDir: p('missing-dir') },
    { name: 'dir-is-file', sslCertFile: p('missing.pem'), sslCertDir: p('bundle.pem') },
    { name: 'dir-is-file-but-file-loads', sslCertFile: p('bundle.pem'), sslCertDir: p('not-pem.txt') },
    { name: 'nothing-exists', sslCertFile: p('missing.pem'), sslCertDir: p('missing-dir') },
  ];
  return { layouts, certs };
}
