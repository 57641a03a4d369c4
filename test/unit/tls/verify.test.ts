// x509 Verify with the default options, checked against Go: each expected verdict is what go 1.23's
// x509.Certificate.Verify returned for the same scenario (verify-scenarios.ts), as
// vectors/x509-go1.23.json records it (`npm run record-vectors`, test/vectors/record/x509verify.go;
// x509-versions.test.ts checks the same chains under each go's rules).

import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../../../src/net/x509/parse.js';
import { CertPool } from '../../../src/net/x509/pool.js';
import { verifyCertificate } from '../../../src/net/x509/verify.js';
import { buildVerifyScenarios } from './verify-scenarios.js';
import { recordedX509Vectors } from '../../vectors/record.js';

const GO_VERDICTS: Record<string, string> = recordedX509Vectors().find((r) => r.go.startsWith('go1.23.'))!.verdicts;

describe('verifyCertificate agrees with Go 1.23 x509.Verify', () => {
  const scenarios = buildVerifyScenarios();
  it('every scenario was recorded from go 1.23', () => {
    for (const s of scenarios) expect(Object.keys(GO_VERDICTS)).toContain(s.name);
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
