// Chains for the x509 Verify tests. The expected verdicts are each lab go's x509.Certificate.Verify on
// these same scenarios (vectors/x509-go1.<minor>.json, recorded by `npm run record-vectors`).
// Times are fixed so that Go's error texts are stable.

import { issue, selfSignedCA, type CertSpec, type IssuedCert } from '../../../src/lab/pki.js';

export interface VerifyScenario {
  name: string;
  leaf: Buffer;
  intermediates: Buffer[];
  roots: Buffer[];
  dnsName: string;
  now: Date;
}

export const NOW = new Date('2030-06-01T00:00:00Z');
const valid = { notBefore: new Date('2030-01-01T00:00:00Z'), notAfter: new Date('2031-01-01T00:00:00Z') };
const expired = { notBefore: new Date('2029-01-01T00:00:00Z'), notAfter: new Date('2030-01-01T00:00:00Z') };
const future = { notBefore: new Date('2031-01-01T00:00:00Z'), notAfter: new Date('2032-01-01T00:00:00Z') };
const HOST = 'a.example';

export function buildVerifyScenarios(): VerifyScenario[] {
  const ca = (cn: string, over: Partial<CertSpec> = {}): IssuedCert =>
    selfSignedCA({ commonName: cn, keyType: 'ec', ...valid, ...over });
  const sub = (cn: string, parent: IssuedCert, over: Partial<CertSpec> = {}): IssuedCert =>
    issue({ commonName: cn, keyType: 'ec', isCA: true, ...valid, ...over }, parent);
  const leafOf = (parent: IssuedCert, over: Partial<CertSpec> = {}): IssuedCert =>
    issue({ commonName: HOST, sans: [HOST], keyType: 'ec', ...valid, ...over }, parent);

  const root = ca('Test Root', { keyType: 'rsa' });
  const inter = sub('Test Intermediate', root, { pathLen: 0 });
  const leaf = leafOf(inter);
  const s = (name: string, l: IssuedCert, inters: IssuedCert[], roots: IssuedCert[], dnsName = HOST): VerifyScenario => ({
    name,
    leaf: l.der,
    intermediates: inters.map((c) => c.der),
    roots: roots.map((c) => c.der),
    dnsName,
    now: NOW,
  });

  const expiredInter = sub('Test Intermediate', root, { ...expired });
  const expiredRoot = ca('Old Root', { ...expired });
  const underOld = sub('Under Old', expiredRoot);
  const impostorRoot = ca('Test Root', { keyType: 'rsa' });
  const notCA = issue({ commonName: 'Not A CA', keyType: 'ec', isCA: false, sans: ['not-a-ca.example'], ...valid }, root);
  const i1 = sub('Path Zero', root, { pathLen: 0 });
  const i2 = sub('Below Path Zero', i1);
  const clientOnlyInter = sub('Client Inter', root, { eku: ['clientAuth'] });
  const constrained = sub('Constrained', root, { nameConstraints: { permittedDNS: ['allowed.example'] } });
  const excluding = sub('Excluding', root, { nameConstraints: { excludedDNS: ['a.example'] } });
  const ipConstrained = sub('IP Constrained', root, { nameConstraints: { permittedIP: ['10.0.0.0/8'] } });
  const edRoot = ca('Ed Root', { keyType: 'ed25519' });
  const selfLeaf = selfSignedCA({ commonName: HOST, sans: [HOST], isCA: false, keyType: 'ec', ...valid });
  const edInter = sub('Ed Inter', edRoot);
  const orgOnly = (): IssuedCert => selfSignedCA({ commonName: '', organization: 'Org Only', keyType: 'ec', ...valid });
  const serialOnly = (): IssuedCert => selfSignedCA({ commonName: '', serial: '0102', keyType: 'ec', ...valid });

  return [
    s('good', leaf, [inter], [root]),
    s('good-ed25519-root', leafOf(edInter), [edInter], [edRoot]),
    s('good-ed25519-leaf', leafOf(edInter, { keyType: 'ed25519' }), [edInter], [edRoot]),
    s('missing-intermediate', leaf, [], [root]),
    s('intermediate-as-anchor', leaf, [], [inter]),
    s('leaf-in-pool', leaf, [], [leaf]),
    s('self-signed-leaf-trusted', selfLeaf, [], [selfLeaf]),
    s('self-signed-leaf-untrusted', selfLeaf, [], [root]),
    s('empty-pool', leaf, [inter], []),
    s('root-sent-not-trusted', leaf, [inter, root], [ca('Other Root')]),
    s('expired-leaf', leafOf(inter, expired), [inter], [root]),
    s('not-yet-valid-leaf', leafOf(inter, future), [inter], [root]),
    s('expired-leaf-wrong-name', leafOf(inter, { ...expired, sans: ['b.example'] }), [inter], [root]),
    s('wrong-name-untrusted', leafOf(ca('Nobody'), { sans: ['b.example'] }), [], [root]),
    s('expired-intermediate', leafOf(expiredInter), [expiredInter], [root]),
    s('expired-root', leafOf(underOld), [underOld], [expiredRoot]),
    s('impostor-root', leaf, [inter], [impostorRoot]),
    s('not-a-ca-issuer', leafOf(notCA), [notCA], [root]),
    s('path-len', leafOf(i2), [i2, i1], [root]),
    s('leaf-client-auth-only', leafOf(inter, { eku: ['clientAuth'] }), [inter], [root]),
    s('intermediate-client-auth-only', leafOf(clientOnlyInter), [clientOnlyInter], [root]),
    s('leaf-no-eku', leafOf(inter, { eku: [] }), [inter], [root]),
    s('sha1-leaf', leafOf(inter, { signatureHash: 'sha1' }), [inter], [root]),
    s('sha1-root-self-signature', leaf, [inter], [ca('Test Root', { keyType: 'rsa', signatureHash: 'sha1', keyPem: root.keyPem })]),
    s('name-constraint-not-permitted', leafOf(constrained), [constrained], [root]),
    s('name-constraint-permitted', leafOf(constrained, { sans: ['x.allowed.example'] }), [constrained], [root], 'x.allowed.example'),
    s('name-constraint-excluded', leafOf(excluding), [excluding], [root]),
    s('ip-constraint', leafOf(ipConstrained, { sans: ['10.1.2.3', '192.168.1.1'] }), [ipConstrained], [root], '10.1.2.3'),
    s(
      'unhandled-critical',
      leafOf(inter, { extraExtensions: [{ oid: '1.3.6.1.4.1.55555.1', critical: true, value: Buffer.from([0x05, 0x00]) }] }),
      [inter],
      [root],
    ),
    s('ip-host', leafOf(inter, { sans: ['192.0.2.10'] }), [inter], [root], '192.0.2.10'),
    s('hint-org-name', leafOf(orgOnly()), [], [orgOnly()]),
    s('hint-serial', leafOf(serialOnly()), [], [serialOnly()]),
    s('unrelated-intermediates', leaf, [ca('Junk 1'), sub('Junk 2', root), inter], [root]),
  ];
}
