// x509 Verify, checked against Go: each expected verdict below is what Go 1.23's
// x509.Certificate.Verify returned for the same scenario (verify-scenarios.ts; certificates written
// to disk and verified by a throwaway Go program with the same roots, intermediates, name and time).

import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../src/net/x509/parse.js';
import { CertPool } from '../../../src/net/x509/pool.js';
import { verifyCertificate } from '../../../src/net/x509/verify.js';
import { buildVerifyScenarios } from './verify-scenarios.js';

const GO_VERDICTS: Record<string, string> = {
  "empty-pool": "x509: certificate signed by unknown authority",
  "expired-intermediate": "x509: certificate has expired or is not yet valid: current time 2030-06-01T00:00:00Z is after 2030-01-01T00:00:00Z",
  "expired-leaf": "x509: certificate has expired or is not yet valid: current time 2030-06-01T00:00:00Z is after 2030-01-01T00:00:00Z",
  "expired-leaf-wrong-name": "x509: certificate has expired or is not yet valid: current time 2030-06-01T00:00:00Z is after 2030-01-01T00:00:00Z",
  "expired-root": "x509: certificate has expired or is not yet valid: current time 2030-06-01T00:00:00Z is after 2030-01-01T00:00:00Z",
  "good": "ok: a.example > Test Intermediate > Test Root",
  "good-ed25519-leaf": "ok: a.example > Ed Inter > Ed Root",
  "good-ed25519-root": "ok: a.example > Ed Inter > Ed Root",
  "hint-org-name": "x509: certificate signed by unknown authority (possibly because of \"x509: ECDSA verification failure\" while trying to verify candidate authority certificate \"Org Only\")",
  "hint-serial": "x509: certificate signed by unknown authority (possibly because of \"x509: ECDSA verification failure\" while trying to verify candidate authority certificate \"serial:258\")",
  "impostor-root": "x509: certificate signed by unknown authority (possibly because of \"crypto/rsa: verification error\" while trying to verify candidate authority certificate \"Test Root\")",
  "intermediate-as-anchor": "ok: a.example > Test Intermediate",
  "intermediate-client-auth-only": "x509: certificate specifies an incompatible key usage",
  "ip-constraint": "x509: a root or intermediate certificate is not authorized to sign for this name: IP address \"192.168.1.1\" is not permitted by any constraint",
  "ip-host": "ok: a.example > Test Intermediate > Test Root",
  "leaf-client-auth-only": "x509: certificate specifies an incompatible key usage",
  "leaf-in-pool": "ok: a.example",
  "leaf-no-eku": "ok: a.example > Test Intermediate > Test Root",
  "missing-intermediate": "x509: certificate signed by unknown authority",
  "name-constraint-excluded": "x509: a root or intermediate certificate is not authorized to sign for this name: DNS name \"a.example\" is excluded by constraint \"a.example\"",
  "name-constraint-not-permitted": "x509: a root or intermediate certificate is not authorized to sign for this name: DNS name \"a.example\" is not permitted by any constraint",
  "name-constraint-permitted": "ok: a.example > Constrained > Test Root",
  "not-a-ca-issuer": "x509: certificate signed by unknown authority (possibly because of \"x509: invalid signature: parent certificate cannot sign this kind of certificate\" while trying to verify candidate authority certificate \"Not A CA\")",
  "not-yet-valid-leaf": "x509: certificate has expired or is not yet valid: current time 2030-06-01T00:00:00Z is before 2031-01-01T00:00:00Z",
  "path-len": "x509: too many intermediates for path length constraint",
  "root-sent-not-trusted": "x509: certificate signed by unknown authority",
  "self-signed-leaf-trusted": "ok: a.example",
  "self-signed-leaf-untrusted": "x509: certificate signed by unknown authority",
  "sha1-leaf": "x509: certificate signed by unknown authority (possibly because of \"x509: cannot verify signature: insecure algorithm ECDSA-SHA1 (temporarily override with GODEBUG=x509sha1=1)\" while trying to verify candidate authority certificate \"Test Intermediate\")",
  "sha1-root-self-signature": "ok: a.example > Test Intermediate > Test Root",
  "unhandled-critical": "x509: unhandled critical extension",
  "unrelated-intermediates": "ok: a.example > Test Intermediate > Test Root",
  "wrong-name-untrusted": "x509: certificate is valid for b.example, not a.example",
};

describe('verifyCertificate agrees with Go 1.23 x509.Verify', () => {
  const scenarios = buildVerifyScenarios();
  it('covers every scenario the Go program saw', () => {
    expect(scenarios.map((s) => s.name).sort()).toEqual(Object.keys(GO_VERDICTS).sort());
  });
  for (const s of scenarios) {
    it(s.name, () => {
      const roots = new CertPool();
      for (const r of s.roots) roots.add(parseCertificate(r));
      const intermediates = new CertPool();
      for (const i of s.intermediates) intermediates.add(parseCertificate(i));
      const res = verifyCertificate(parseCertificate(s.leaf), { roots, intermediates, dnsName: s.dnsName, now: s.now });
      const verdict = res.ok ? `ok: ${res.chains[0]!.map((c) => c.subject.commonName).join(' > ')}` : res.error.message;
      expect(verdict).toBe(GO_VERDICTS[s.name]);
    });
  }
});

describe('verifyCertificate failure kinds', () => {
  const byName = new Map(buildVerifyScenarios().map((s) => [s.name, s]));
  const run = (name: string) => {
    const s = byName.get(name)!;
    const roots = new CertPool();
    for (const r of s.roots) roots.add(parseCertificate(r));
    const intermediates = new CertPool();
    for (const i of s.intermediates) intermediates.add(parseCertificate(i));
    return verifyCertificate(parseCertificate(s.leaf), { roots, intermediates, dnsName: s.dnsName, now: s.now });
  };
  it.each([
    ['expired-leaf', 'expired'],
    ['expired-intermediate', 'expired'],
    ['not-yet-valid-leaf', 'not_yet_valid'],
    ['wrong-name-untrusted', 'hostname'],
    ['impostor-root', 'unknown_authority'],
    ['leaf-client-auth-only', 'incompatible_usage'],
    ['path-len', 'too_many_intermediates'],
    ['name-constraint-excluded', 'name_constraints'],
    ['unhandled-critical', 'unhandled_critical'],
  ])('%s is %s', (name, kind) => {
    const res = run(name);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.error.kind).toBe(kind);
  });

  it('names the expired certificate, not the leaf, when an intermediate expired', () => {
    const res = run('expired-intermediate');
    expect(!res.ok && res.error.cert?.subject.commonName).toBe('Test Intermediate');
  });

  it('returns SystemRootsError when the roots could not be loaded', () => {
    const s = byName.get('good')!;
    const res = verifyCertificate(parseCertificate(s.leaf), {
      roots: undefined,
      rootsError: 'open /etc/ssl/certs/ca-certificates.crt: permission denied',
      intermediates: new CertPool(),
      now: s.now,
    });
    expect(res).toEqual({
      ok: false,
      error: {
        kind: 'system_roots',
        message: 'x509: failed to load system roots and no roots provided; open /etc/ssl/certs/ca-certificates.crt: permission denied',
      },
    });
  });
});
