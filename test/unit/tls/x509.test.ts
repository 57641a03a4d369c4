// describeCertificate: the chain dump entry for any certificate, never throwing.

import { describe, expect, it } from 'vitest';
import { der } from '../../../src/lab/der-writer.js';
import type { TrustStore } from '../../../src/net/truststore.js';
import { goQuote } from '../../../src/goenv/gostrings.js';
import { describeCertificate } from '../../../src/net/x509/describe.js';
import { issue, selfSignedCA, testPki } from '../../../src/lab/pki.js';
import { craft, ext, utc } from './craft.js';
import { parseCases } from './parse-cases.js';
import { recordedX509Vectors } from '../../vectors/record.js';

const pki = testPki(['describe.example', '192.0.2.5', '2001:db8::5']);

describe('describeCertificate', () => {
  it('describes an RSA leaf issued by an ECDSA intermediate', () => {
    const info = describeCertificate(pki.leaf.der);
    expect(info).toMatchObject({
      subject: 'CN=describe.example',
      issuer: 'CN=gomodprobe Test Intermediate CA,O=gomodprobe test',
      sans: ['describe.example', '192.0.2.5', '2001:db8::5'],
      keyType: 'rsa',
      keyBits: 2048,
      signatureAlgorithm: 'ECDSA-SHA256',
      sha256: pki.leaf.sha256,
      isCA: false,
      selfSigned: false,
      inTrustStore: false,
    });
    expect(info.problems).toBeUndefined();
    expect(info.notBefore).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('describes ECDSA and Ed25519 keys and an RSA-signed CA', () => {
    expect(describeCertificate(pki.ecdsaLeaf.der)).toMatchObject({ keyType: 'ec', curve: 'P-256', keyBits: 256 });
    expect(describeCertificate(pki.ed25519Leaf.der)).toMatchObject({ keyType: 'ed25519' });
    expect(describeCertificate(pki.root.der)).toMatchObject({
      keyType: 'rsa',
      signatureAlgorithm: 'SHA256-RSA',
      isCA: true,
      selfSigned: true,
      subject: 'CN=gomodprobe Test Root CA,O=gomodprobe test',
    });
    const ed = selfSignedCA({ commonName: 'Ed CA', keyType: 'ed25519' });
    expect(describeCertificate(ed.der)).toMatchObject({ signatureAlgorithm: 'Ed25519', selfSigned: true, isCA: true });
  });

  it('marks certificates found in the trust store', () => {
    const store = {
      pems: [pki.root.certPem],
      fingerprints: new Set([pki.root.sha256]),
      loaded: [],
      skipped: [],
      refused: [],
    } satisfies TrustStore;
    expect(describeCertificate(pki.root.der, store).inTrustStore).toBe(true);
    expect(describeCertificate(pki.intermediate.der, store).inTrustStore).toBe(false);
  });

  it('flags what Go will hold against a certificate', () => {
    const sha1 = issue({ commonName: 'old.example', sans: ['old.example'], signatureHash: 'sha1' }, pki.intermediate);
    expect(describeCertificate(sha1.der).problems).toEqual(['Go refuses ECDSA-SHA1 signatures (insecure algorithm)']);
    expect(describeCertificate(pki.cnOnlyLeaf.der).problems).toEqual(['no subjectAltName extension: Go never matches the Common Name']);
    const critical = craft({ extensions: [ext('1.2.3.4', true, der.null()), ext('2.5.29.17', false, der.seq(der.ctx(2, false, Buffer.from('c.example'))))] });
    expect(describeCertificate(critical).problems).toEqual(['unhandled critical extension(s): 1.2.3.4']);
  });

  it('reads what it can of a certificate with an unparsable date', () => {
    const bad = craft({ validity: der.seq(utc('301301000000Z'), utc('310101000000Z')) });
    const info = describeCertificate(bad);
    expect(info.problems).toEqual(['Go cannot parse this certificate: x509: malformed UTCTime']);
    expect(info.subject).toBe('CN=crafted.example');
    expect(info.issuer).toBe('CN=Crafted Issuer');
    expect(info.notBefore).toBe('301301000000Z');
    expect(info.keyType).toBe('ec');
  });

  it('caps a 16 KB SAN list', () => {
    const sans = Array.from({ length: 1000 }, (_, i) => `host-${i}.many.example`);
    const many = selfSignedCA({ commonName: 'many', sans, isCA: false });
    expect(many.der.length).toBeGreaterThan(16_000);
    const info = describeCertificate(many.der);
    expect(info.sans).toHaveLength(100);
    expect(info.sans[0]).toBe('host-0.many.example');
    expect(info.problems).toEqual(['900 more subject alternative names not shown']);
  });

  it('returns a fingerprint and problems for bytes that are not a certificate', () => {
    const info = describeCertificate(Buffer.from('definitely not DER'));
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(info.keyType).toBe('unknown');
    expect(info.problems).toEqual(['Go cannot parse this certificate: x509: malformed certificate']);
  });
});

describe('names of attribute types go has no name for', () => {
  it('print as #hex of asn1.Marshal: a PrintableString when printable (no * or &), else a UTF8String', () => {
    // Subject DC=com, DC=example, emailAddress=a@b.c, UID=x*y, CN=leaf (parse-cases.ts); go's
    // Subject.String() for the same certificate is recorded (vectors/x509-go1.<minor>.json, subject;
    // der.test.ts checks every parse case's subject under each go's rules).
    const go123 = recordedX509Vectors().find((r) => r.go.startsWith('go1.23.'))!;
    expect(go123.subject['subject-unnamed-attributes']).toBe(
      'CN=leaf,0.9.2342.19200300.100.1.1=#0c03782a79,1.2.840.113549.1.9.1=#0c056140622e63,' +
        '0.9.2342.19200300.100.1.25=#13076578616d706c65,0.9.2342.19200300.100.1.25=#1303636f6d',
    );
    expect(describeCertificate(parseCases()['subject-unnamed-attributes']!).subject).toBe(go123.subject['subject-unnamed-attributes']);
  });
});

describe('goQuote (strconv.Quote)', () => {
  it('escapes like Go', () => {
    expect(goQuote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(goQuote('tab\there\n\x01\x7f')).toBe('"tab\\there\\n\\x01\\x7f"');
    expect(goQuote('bücher')).toBe('"bücher"');
  });
});
