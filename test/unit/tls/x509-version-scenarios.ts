// Chains whose verdict depends on the go version: crypto/x509 of go 1.24 (policy validation, policy
// extensions parsed, rsa1024min for CA keys) and go 1.27 (name constraints per chain in constraints.go,
// hostname errors, name attributes of any type, strict BMPString, IPv4-mapped SANs). Each go's verdict on
// these same chains, and on verify-scenarios.ts's (x509Scenarios), is recorded by `npm run record-vectors`
// (test/vectors/record.ts, record/x509verify.go) into vectors/x509-go1.<minor>.json with the real go 1.23,
// 1.24 and 1.27.

import { der } from '../../../src/lab/der-writer.js';
import { issue, selfSignedCA, type CertSpec, type IssuedCert } from '../../../src/lab/pki.js';
import { buildVerifyScenarios, NOW, type VerifyScenario } from './verify-scenarios.js';
import { generateKeyPairSync } from 'node:crypto';

const valid = { notBefore: new Date('2030-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
const HOST = 'a.example';

const POLICY_A = '1.3.6.1.4.1.55555.7.1';
const ANY_POLICY = '2.5.29.32.0';

/** certificatePolicies with these OIDs (no qualifiers). */
const policies = (...oids: string[]) => ({ oid: '2.5.29.32', critical: false, value: der.seq(...oids.map((o) => der.seq(der.oid(o)))) });
/** policyConstraints: [0] requireExplicitPolicy, [1] inhibitPolicyMapping. */
const policyConstraints = (critical: boolean, requireExplicit?: number, inhibitMapping?: number) => ({
  oid: '2.5.29.36',
  critical,
  value: der.seq(
    ...(requireExplicit !== undefined ? [der.ctx(0, false, der.int(requireExplicit).subarray(2))] : []),
    ...(inhibitMapping !== undefined ? [der.ctx(1, false, der.int(inhibitMapping).subarray(2))] : []),
  ),
});
const policyMappings = (issuer: string, subject: string) => ({ oid: '2.5.29.33', critical: false, value: der.seq(der.seq(der.oid(issuer), der.oid(subject))) });
const inhibitAnyPolicy = (n: number) => ({ oid: '2.5.29.54', critical: false, value: der.int(n) });

/** A BMPString (UTF-16BE code units as given) and a T61String, as a subject RDN of type OU. */
const ouRdn = (value: Buffer) => der.set(der.seq(der.oid('2.5.4.11'), value));
const bmp = (units: number[]): Buffer => {
  const b = Buffer.alloc(units.length * 2);
  units.forEach((u, i) => b.writeUInt16BE(u, i * 2));
  return Buffer.concat([Buffer.from([0x1e, b.length]), b]);
};

export type { VerifyScenario };

/** Every chain whose verdict is recorded from each go: verify-scenarios.ts's, then this file's. */
export function x509Scenarios(): VerifyScenario[] {
  return [...buildVerifyScenarios(), ...buildVersionScenarios()];
}

export function buildVersionScenarios(): VerifyScenario[] {
  const ca = (cn: string, over: Partial<CertSpec> = {}): IssuedCert => selfSignedCA({ commonName: cn, keyType: 'ec', ...valid, ...over });
  const sub = (cn: string, parent: IssuedCert, over: Partial<CertSpec> = {}): IssuedCert =>
    issue({ commonName: cn, keyType: 'ec', isCA: true, ...valid, ...over }, parent);
  const leafOf = (parent: IssuedCert, over: Partial<CertSpec> = {}): IssuedCert =>
    issue({ commonName: HOST, sans: [HOST], keyType: 'ec', ...valid, ...over }, parent);
  const s = (name: string, l: IssuedCert, inters: IssuedCert[], roots: IssuedCert[], dnsName = HOST): VerifyScenario => ({
    name, leaf: l.der, intermediates: inters.map((c) => c.der), roots: roots.map((c) => c.der), dnsName, now: NOW,
  });

  const root = ca('Version Root');
  const plain = sub('Plain Inter', root);

  // Policies (go 1.24+).
  const requireExplicit = sub('Require Explicit', root, { extraExtensions: [policyConstraints(false, 0)] });
  const requireExplicitCritical = sub('Require Explicit Critical', root, { extraExtensions: [policyConstraints(true, 0)] });
  const harmlessCritical = sub('Harmless Constraints', root, { extraExtensions: [policyConstraints(true, 5)] });
  const requireWithPolicy = sub('Require With Policy', root, { extraExtensions: [policyConstraints(false, 0), policies(POLICY_A)] });
  const mapsAny = sub('Maps Any', root, { extraExtensions: [policies(ANY_POLICY), policyMappings(ANY_POLICY, POLICY_A)] });
  const inhibitAny = sub('Inhibit Any', root, { extraExtensions: [policies(ANY_POLICY), inhibitAnyPolicy(0), policyConstraints(false, 0)] });

  // rsa1024min: an intermediate whose 512-bit RSA key signed the leaf.
  const weakKey = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const weakCA = sub('Weak RSA CA', root, { keyType: 'rsa', keyPem: weakKey });

  // Name constraints (go 1.27 constraints.go).
  const excludesA = sub('Excludes A', root, { nameConstraints: { excludedDNS: ['a.example'] } });
  const permitsXExcludesA = sub('Permits X Excludes A', root, { nameConstraints: { permittedDNS: ['x.example'], excludedDNS: ['a.example'] } });
  const excludesTwo = sub('Excludes Two', root, { nameConstraints: { excludedDNS: ['b.a.example', 'a.example'] } });
  const manyConstraints = sub('Many Constraints', root, { nameConstraints: { excludedDNS: Array.from({ length: 500 }, (_, i) => `x${i}.invalid`) } });
  const manyNames = Array.from({ length: 500 }, (_, i) => `n${i}.example`);

  return [
    s('policy-require-explicit', leafOf(requireExplicit), [requireExplicit], [root]),
    s('policy-require-explicit-critical', leafOf(requireExplicitCritical), [requireExplicitCritical], [root]),
    s('policy-constraints-harmless-critical', leafOf(harmlessCritical), [harmlessCritical], [root]),
    s('policy-require-explicit-met', leafOf(requireWithPolicy, { extraExtensions: [policies(POLICY_A)] }), [requireWithPolicy], [root]),
    s('policy-require-explicit-other-policy', leafOf(requireWithPolicy, { extraExtensions: [policies('1.3.6.1.4.1.55555.7.2')] }), [requireWithPolicy], [root]),
    s('policy-maps-any', leafOf(mapsAny, { extraExtensions: [policies(POLICY_A)] }), [mapsAny], [root]),
    s('policy-inhibit-any', leafOf(inhibitAny, { extraExtensions: [policies(ANY_POLICY)] }), [inhibitAny], [root]),
    s('policy-duplicate-oid', leafOf(plain, { extraExtensions: [policies(POLICY_A, POLICY_A)] }), [plain], [root]),
    s('policy-invalid-and-client-auth', leafOf(requireExplicit, { eku: ['clientAuth'] }), [requireExplicit], [root]),
    s('weak-rsa-ca', leafOf(weakCA), [weakCA], [root]),
    s('nc-wildcard-under-excluded', leafOf(excludesA, { sans: ['*.example'] }), [excludesA], [root], 'b.example'),
    s('nc-excluded-and-not-permitted', leafOf(permitsXExcludesA), [permitsXExcludesA], [root]),
    s('nc-excluded-broadest-named', leafOf(excludesTwo, { sans: ['c.b.a.example'] }), [excludesTwo], [root], 'c.b.a.example'),
    s('nc-over-comparison-budget', leafOf(manyConstraints, { sans: [...manyNames, HOST] }), [manyConstraints], [root]),
    s('hostname-100-names', leafOf(plain, { sans: manyNames.slice(0, 100) }), [plain], [root]),
    s('hostname-99-names', leafOf(plain, { sans: manyNames.slice(0, 99) }), [plain], [root]),
    s('hostname-ipv6-zone', leafOf(plain, { sans: ['2001:db8::1'] }), [plain], [root], '2001:db8::1%eth0'),
    s('hostname-ipv6-zone-mismatch', leafOf(plain, { sans: ['2001:db8::2'] }), [plain], [root], '[2001:db8::1%eth0]'),
    s('name-bmp-surrogate', leafOf(plain, { subjectRdns: [ouRdn(bmp([0x41, 0xd800]))] }), [plain], [root]),
    s('name-bmp-noncharacter', leafOf(plain, { subjectRdns: [ouRdn(bmp([0x41, 0xfdd0]))] }), [plain], [root]),
    s('name-integer-value', leafOf(plain, { subjectRdns: [der.set(der.seq(der.oid('2.5.4.5'), der.int(42)))] }), [plain], [root]),
    s('name-t61-latin1', leafOf(plain, { subjectRdns: [ouRdn(Buffer.from([0x14, 0x02, 0x41, 0xe9]))] }), [plain], [root]),
    s('san-ipv4-mapped', leafOf(plain, { sans: [HOST, 'IP:::ffff:192.0.2.1'] }), [plain], [root]),
  ];
}
