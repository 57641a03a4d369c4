// crypto/x509 of the modelled go, checked against go 1.23, 1.24 and 1.27 themselves
// (vectors/x509-go1.<minor>.json, recorded by `npm run record-vectors -- --go /path/to/go`, see
// test/vectors/record.ts and record/x509verify.go; test/vectors/honest.test.ts re-records them): policy validation, rsa1024min for CA keys, go 1.27's chain-level name constraints, hostname errors and
// name parsing). Also: negative serial numbers (crypto/x509/parser.go: refused from go 1.23
// unless GODEBUG=x509negativeserial=1) and the SHA-1 signature error (go ≤1.23 names the
// GODEBUG=x509sha1=1 override, crypto/x509/x509.go; go 1.24 removed the setting and the hint).
import { describe, expect, it } from 'vitest';
import { parseGoVersion, rulesFor, x509RulesFor, type X509Rules } from '../../../src/goenv/goversion.js';
import { issue, selfSignedCA } from '../../../src/lab/pki.js';
import { der } from '../../../src/lab/der-writer.js';
import { describeCertificate } from '../../../src/net/x509/describe.js';
import { parseCertificate, type ParsedCertificate } from '../../../src/net/x509/parse.js';
import { CertPool } from '../../../src/net/x509/pool.js';
import { verifyCertificate } from '../../../src/net/x509/verify.js';
import { buildVerifyScenarios, type VerifyScenario } from './verify-scenarios.js';
import { x509Scenarios } from './x509-version-scenarios.js';
import { recordedX509Vectors, X509_RECORDED_BY } from '../../vectors/record.js';

const x509 = (v: string, godebug: Record<string, string> = {}) => x509RulesFor(rulesFor(parseGoVersion(v)), new Map(Object.entries(godebug)));

describe('x509RulesFor', () => {
  it('negative serials: accepted by go1.21/1.22, refused from go1.23 unless x509negativeserial=1', () => {
    expect([x509('1.21'), x509('1.22'), x509('1.23'), x509('1.27')].map((r) => r.acceptNegativeSerial)).toEqual([true, true, false, false]);
    expect(x509('1.27', { x509negativeserial: '1' }).acceptNegativeSerial).toBe(true);
  });
  it('SHA-1 handshake signatures in TLS 1.2: up to go1.24, or with tlssha1=1 (crypto/tls/common.go, go1.25)', () => {
    expect([x509('1.23'), x509('1.24'), x509('1.25'), x509('1.27')].map((r) => r.acceptSha1HandshakeSignatures)).toEqual([true, true, false, false]);
    expect(x509('1.27', { tlssha1: '1' }).acceptSha1HandshakeSignatures).toBe(true);
    expect(x509('1.27', { tlssha1: '0' }).acceptSha1HandshakeSignatures).toBe(false);
  });
  it('RSA keys under 1024 bits refused from go1.24 unless rsa1024min=0 (crypto/rsa/rsa.go)', () => {
    expect([x509('1.23'), x509('1.24'), x509('1.27')].map((r) => r.minRsaBits)).toEqual([0, 1024, 1024]);
    expect(x509('1.24', { rsa1024min: '0' }).minRsaBits).toBe(0);
  });
  it('the x509sha1 hint: up to go1.23', () => {
    expect([x509('1.23'), x509('1.24')].map((r) => r.sha1OverrideHint)).toEqual([true, false]);
  });
});

describe('parseCertificate with the modelled go\'s rules', () => {
  const der = selfSignedCA({ commonName: 'neg.example', sans: ['neg.example'], isCA: false, serial: '-ff01' }).der;
  it('refuses a negative serial as go1.23+ does, accepts it as go1.22 does', () => {
    expect(() => parseCertificate(der)).toThrow('x509: negative serial number');
    expect(parseCertificate(der, { acceptNegativeSerial: x509('1.22').acceptNegativeSerial }).serial).toBeLessThan(0n);
  });
});

describe('a negative pathLenConstraint by version (crypto/x509/parser.go parseBasicConstraintsExtension)', () => {
  const root = selfSignedCA({ commonName: 'root', isCA: true, keyType: 'ec' });
  const ca = issue({ commonName: 'ca pathLen -1', isCA: true, pathLen: -1, keyType: 'ec' }, root);
  const leaf = issue({ commonName: 'p.example', sans: ['p.example'] }, ca);
  it('go1.24 parses it as no constraint, and the chain verifies', () => {
    const rules = x509('1.24');
    expect(rules.rejectNegativePathLen).toBe(false);
    const parsed = parseCertificate(ca.der, rules);
    expect(parsed.maxPathLen).toBe(-1);
    const roots = new CertPool();
    roots.add(parseCertificate(root.der));
    const intermediates = new CertPool();
    intermediates.add(parsed);
    expect(verifyCertificate(parseCertificate(leaf.der), { roots, intermediates, dnsName: 'p.example', now: new Date() }).ok).toBe(true);
  });
  it('go1.27 fails the certificate', () => {
    expect(x509('1.27').rejectNegativePathLen).toBe(true);
    expect(() => parseCertificate(ca.der, x509('1.27'))).toThrow('x509: invalid basic constraints');
    expect(parseCertificate(root.der, x509('1.27')).maxPathLen).toBe(-1);
  });
});

describe('the SHA-1 signature error by version', () => {
  const s = buildVerifyScenarios().find((x) => x.name === 'sha1-leaf')!;
  const verify = (sha1OverrideHint: boolean): string => {
    const roots = new CertPool();
    for (const r of s.roots) roots.add(parseCertificate(r));
    const intermediates = new CertPool();
    for (const i of s.intermediates) intermediates.add(parseCertificate(i));
    const res = verifyCertificate(parseCertificate(s.leaf), { roots, intermediates, dnsName: s.dnsName, now: s.now, sha1OverrideHint });
    return res.ok ? 'ok' : res.error.message;
  };
  it('go1.23 names the override, go1.24+ does not', () => {
    expect(verify(x509('1.23').sha1OverrideHint)).toContain('insecure algorithm ECDSA-SHA1 (temporarily override with GODEBUG=x509sha1=1)"');
    expect(verify(x509('1.24').sha1OverrideHint)).toContain('insecure algorithm ECDSA-SHA1" while trying');
  });
});

describe('Verify under each modelled go agrees with that go (vectors/x509-go1.<minor>.json)', () => {
  const recordings = recordedX509Vectors();
  const verdicts = (minor: number): Record<string, string> => recordings.find((r) => r.go.startsWith(`go1.${minor}.`))!.verdicts;
  const scenarios = x509Scenarios();
  it('was recorded with go 1.23, 1.24 and 1.27, by the recorder, on every scenario there is', () => {
    expect(recordings.map((r) => r.go.replace(/^(go1\.\d+).*/, '$1')).sort()).toEqual(['go1.23', 'go1.24', 'go1.27']);
    for (const r of recordings) {
      expect(r.recordedBy).toBe(X509_RECORDED_BY);
      expect(Object.keys(r.verdicts).sort()).toEqual(scenarios.map((s) => s.name).sort());
    }
  });
  for (const minor of [23, 24, 27]) {
    const rules = x509(`1.${minor}`);
    for (const s of scenarios) {
      it(`go1.${minor}: ${s.name}`, () => {
        expect(verdictUnder(s, rules)).toBe(verdicts(minor)[s.name]);
      });
    }
  }
  it('GODEBUG=rsa1024min=0 lets go 1.24+ verify with a CA key under 1024 bits', () => {
    const s = scenarios.find((x) => x.name === 'weak-rsa-ca')!;
    expect(verdictUnder(s, x509('1.27', { rsa1024min: '0' }))).toBe(verdicts(23)['weak-rsa-ca']);
  });
});

/** The verdict text test/vectors/record/x509verify.go prints, from the probe's parser and Verify under `rules`. */
function verdictUnder(s: VerifyScenario, rules: X509Rules): string {
  let leaf: ParsedCertificate;
  const roots = new CertPool();
  const intermediates = new CertPool();
  try {
    leaf = parseCertificate(s.leaf, rules);
    for (const i of s.intermediates) intermediates.add(parseCertificate(i, rules));
    for (const r of s.roots) roots.add(parseCertificate(r, rules));
  } catch (err) {
    return `parse: ${(err as Error).message}`;
  }
  const res = verifyCertificate(leaf, { roots, intermediates, dnsName: s.dnsName, now: s.now, sha1OverrideHint: rules.sha1OverrideHint, rules });
  return res.ok ? `ok: ${res.chains[0]!.map((c) => c.subject.commonName).join(' > ')}` : res.error.message;
}

describe('the chain dump parses as the modelled go does', () => {
  const root = selfSignedCA({ commonName: 'root', isCA: true, keyType: 'ec' });
  const leaf = issue({ commonName: 'b.example', sans: ['b.example'], subjectRdns: [der.set(der.seq(der.oid('2.5.4.5'), der.bits(Buffer.from([0x2a]))))] }, root);
  const cannotParse = (rules: X509Rules) => describeCertificate(leaf.der, undefined, rules).problems?.filter((p) => p.startsWith('Go cannot parse')) ?? [];
  it('a BIT STRING name attribute: go 1.24 cannot parse the certificate, go 1.27 can', () => {
    expect(cannotParse(x509('1.24'))).toEqual(['Go cannot parse this certificate: x509: invalid RDNSequence: invalid attribute value: unsupported string type: 3']);
    expect(cannotParse(x509('1.27'))).toEqual([]);
  });
});
