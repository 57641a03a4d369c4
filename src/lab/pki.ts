// Test PKIs for the tests, the demo and the e2e lab: real X.509 certificates built as DER by hand
// (der-writer.ts) and signed with node:crypto, so RSA, ECDSA P-256 and Ed25519 keys all work (node-forge's
// certificate API only knows RSA). RSA keys are slow to make, so a few are made once and reused.

import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { der } from './der-writer.js';
import { derToPem } from '../net/truststore.js';
import { parseCertificate } from '../net/x509/parse.js';
import { parseNetIp } from '../net/netip.js';

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  der: Buffer;
  sha256: string;
}

export type KeyType = 'rsa' | 'ec' | 'ed25519';

export interface CertSpec {
  commonName: string;
  /** DNS names and IP addresses ("DNS:"/"IP:" prefixes force the type); none or [] means no SAN extension. */
  sans?: string[];
  keyType?: KeyType;
  notBefore?: Date;
  notAfter?: Date;
  isCA?: boolean;
  pathLen?: number;
  /** Hex, "-" for negative (which Go 1.23 refuses); default 16 random bytes. */
  serial?: string;
  /** Default ['serverAuth'] for leaves, none for CAs. */
  eku?: ('serverAuth' | 'clientAuth')[];
  /** Subject O= attribute. */
  organization?: string;
  /** Authority Information Access caIssuers URL, as public CAs put in every leaf. */
  caIssuersUrl?: string;
  /** Reuse a key (PKCS#8 PEM) instead of making one: same-name-different-key and cross-sign tests. */
  keyPem?: string;
  /** Hash of the signature this certificate carries (by its issuer's key); default sha256. */
  signatureHash?: 'sha1' | 'sha256' | 'sha384';
  /** Name constraints (a CA's): DNS names, and IP ranges in CIDR form. */
  nameConstraints?: { permittedDNS?: string[]; excludedDNS?: string[]; permittedIP?: string[]; excludedIP?: string[] };
  /** Further subject RDNs after the CN, each a DER SET as it goes on the wire (odd string types, non-string values). */
  subjectRdns?: Buffer[];
  /** Further extensions as they go on the wire (value = the DER inside the OCTET STRING). */
  extraExtensions?: { oid: string; critical: boolean; value: Buffer }[];
}

const DAY = 86_400_000;

const OID = {
  cn: '2.5.4.3',
  o: '2.5.4.10',
  rsaEncryption: '1.2.840.113549.1.1.1',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  ecdsaWithSHA1: '1.2.840.10045.4.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  ecdsaWithSHA384: '1.2.840.10045.4.3.3',
  ed25519: '1.3.101.112',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  nameConstraints: '2.5.29.30',
  caIssuers: '1.3.6.1.5.5.7.48.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;

const rsaKeyPool: KeyObject[] = [];
let rsaNext = 0;
/** RSA-2048 generation takes ~100 ms: a pool of three keys, handed out in turn, covers any chain. */
const RSA_POOL_SIZE = 3;

function newKey(type: KeyType): KeyObject {
  switch (type) {
    case 'ec':
      return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    case 'ed25519':
      return generateKeyPairSync('ed25519').privateKey;
    case 'rsa': {
      if (rsaKeyPool.length < RSA_POOL_SIZE) {
        rsaKeyPool.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
        return rsaKeyPool[rsaKeyPool.length - 1]!;
      }
      return rsaKeyPool[rsaNext++ % RSA_POOL_SIZE]!;
    }
  }
}

function keyTypeOf(key: KeyObject): KeyType {
  const t = key.asymmetricKeyType;
  if (t === 'rsa') return 'rsa';
  if (t === 'ec') return 'ec';
  if (t === 'ed25519') return 'ed25519';
  throw new Error(`unsupported key type ${String(t)}`);
}

function signatureAlgorithm(issuerKey: KeyObject, hash: 'sha1' | 'sha256' | 'sha384'): { ai: Buffer; hash: string | null } {
  switch (keyTypeOf(issuerKey)) {
    case 'rsa': {
      const oid = hash === 'sha1' ? OID.sha1WithRSA : hash === 'sha384' ? OID.sha384WithRSA : OID.sha256WithRSA;
      return { ai: der.seq(der.oid(oid), der.null()), hash };
    }
    case 'ec': {
      const oid = hash === 'sha1' ? OID.ecdsaWithSHA1 : hash === 'sha384' ? OID.ecdsaWithSHA384 : OID.ecdsaWithSHA256;
      return { ai: der.seq(der.oid(oid)), hash };
    }
    case 'ed25519':
      return { ai: der.seq(der.oid(OID.ed25519)), hash: null };
  }
}

function name(commonName: string, organization?: string, extra: Buffer[] = []): Buffer {
  const rdns: Buffer[] = [];
  if (organization !== undefined) rdns.push(der.set(der.seq(der.oid(OID.o), der.utf8(organization))));
  rdns.push(der.set(der.seq(der.oid(OID.cn), der.utf8(commonName))));
  return der.seq(...rdns, ...extra);
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical ? der.seq(der.oid(oid), der.bool(true), der.octets(value)) : der.seq(der.oid(oid), der.octets(value));
}

/** A DER named BIT STRING: trailing zero bits dropped (X.690 11.2.2). */
function keyUsageBits(bits: number[]): Buffer {
  const highest = Math.max(...bits);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const b of bits) bytes[b >> 3]! |= 0x80 >> (b & 7);
  const unused = 7 - (highest % 8);
  return der.bits(bytes, unused);
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

/** IPs become iPAddress entries, the rest dNSName; a "DNS:" or "IP:" prefix forces the type. */
function sanEntries(sans: string[]): Buffer {
  return der.seq(
    ...sans.map((entry) => {
      const forced = /^(DNS|IP):/.exec(entry)?.[1];
      const s = forced ? entry.slice(forced.length + 1) : entry;
      if (forced === 'IP' || (!forced && isIP(s))) {
        const ip = parseNetIp(s);
        if (!ip) throw new Error(`not an IP address: ${s}`);
        return der.ctx(7, false, Buffer.from(isIP(s) === 4 ? ip.subarray(12) : ip));
      }
      return der.ctx(2, false, Buffer.from(s, 'latin1'));
    }),
  );
}

function nameConstraints(nc: NonNullable<CertSpec['nameConstraints']>): Buffer {
  const subtree = (base: Buffer): Buffer => der.seq(base);
  const ipRange = (cidr: string): Buffer => {
    const [addr, bitsText] = cidr.split('/');
    const v4 = isIP(addr ?? '') === 4;
    const ip = parseNetIp(addr ?? '');
    if (!ip || bitsText === undefined) throw new Error(`not a CIDR range: ${cidr}`);
    const raw = Buffer.from(v4 ? ip.subarray(12) : ip);
    const mask = Buffer.alloc(raw.length);
    for (let i = 0; i < Number(bitsText); i++) mask[i >> 3]! |= 0x80 >> (i & 7);
    return der.ctx(7, false, Buffer.concat([raw, mask]));
  };
  const trees = (dns: string[] = [], ips: string[] = []): Buffer[] => [
    ...dns.map((d) => subtree(der.ctx(2, false, Buffer.from(d, 'latin1')))),
    ...ips.map((r) => subtree(ipRange(r))),
  ];
  const permitted = trees(nc.permittedDNS, nc.permittedIP);
  const excluded = trees(nc.excludedDNS, nc.excludedIP);
  return der.seq(
    ...(permitted.length > 0 ? [der.ctx(0, true, Buffer.concat(permitted))] : []),
    ...(excluded.length > 0 ? [der.ctx(1, true, Buffer.concat(excluded))] : []),
  );
}

interface Issuer {
  subject: Buffer;
  key: KeyObject;
  keyId: Buffer;
}

function build(spec: CertSpec, issuer: Issuer | 'self'): IssuedCert {
  const key = spec.keyPem ? createPrivateKey(spec.keyPem) : newKey(spec.keyType ?? 'ec');
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const subject = name(spec.commonName, spec.organization, spec.subjectRdns);
  const ownKeyId = keyId(spki);
  const signer: Issuer = issuer === 'self' ? { subject, key, keyId: ownKeyId } : issuer;
  const isCA = spec.isCA ?? issuer === 'self';
  const now = Date.now();
  const notBefore = spec.notBefore ?? new Date(now - 3600_000);
  const notAfter = spec.notAfter ?? new Date(now + 30 * DAY);
  const serial = spec.serial
    ? (spec.serial.startsWith('-') ? -1n : 1n) * BigInt('0x' + spec.serial.replace(/^-/, ''))
    : BigInt('0x' + (randomBytes(16)[0]! & 0x7f).toString(16) + randomBytes(15).toString('hex'));
  const sig = signatureAlgorithm(signer.key, spec.signatureHash ?? 'sha256');

  const exts: Buffer[] = [];
  const bc = isCA
    ? der.seq(der.bool(true), ...(spec.pathLen !== undefined ? [der.int(spec.pathLen)] : []))
    : der.seq();
  exts.push(extension(OID.basicConstraints, true, bc));
  const leafUsage = keyTypeOf(key) === 'rsa' ? [0, 2] : [0];
  exts.push(extension(OID.keyUsage, true, keyUsageBits(isCA ? [0, 5, 6] : leafUsage)));
  const eku = spec.eku ?? (isCA ? [] : ['serverAuth']);
  if (eku.length > 0) {
    exts.push(extension(OID.extKeyUsage, false, der.seq(...eku.map((e) => der.oid(e === 'serverAuth' ? OID.serverAuth : OID.clientAuth)))));
  }
  if (spec.sans && spec.sans.length > 0) exts.push(extension(OID.subjectAltName, false, sanEntries(spec.sans)));
  exts.push(extension(OID.subjectKeyId, false, der.octets(ownKeyId)));
  if (issuer !== 'self') exts.push(extension(OID.authorityKeyId, false, der.seq(der.ctx(0, false, signer.keyId))));
  if (spec.nameConstraints) exts.push(extension(OID.nameConstraints, true, nameConstraints(spec.nameConstraints)));
  for (const e of spec.extraExtensions ?? []) exts.push(extension(e.oid, e.critical, e.value));
  if (spec.caIssuersUrl) {
    exts.push(
      extension(OID.authorityInfoAccess, false, der.seq(der.seq(der.oid(OID.caIssuers), der.ctx(6, false, Buffer.from(spec.caIssuersUrl, 'latin1'))))),
    );
  }

  const tbs = der.seq(
    der.ctx(0, true, der.int(2)),
    der.int(serial),
    sig.ai,
    signer.subject,
    der.seq(der.time(notBefore), der.time(notAfter)),
    subject,
    spki,
    der.ctx(3, true, der.seq(...exts)),
  );
  const signature = sign(sig.hash, tbs, signer.key);
  const certDer = der.seq(tbs, sig.ai, der.bits(signature));
  return {
    certPem: derToPem('CERTIFICATE', certDer),
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    der: certDer,
    sha256: createHash('sha256').update(certDer).digest('hex'),
  };
}

/** A self-signed certificate: a root CA by default, or (isCA: false) a self-signed leaf. */
export function selfSignedCA(spec: CertSpec): IssuedCert {
  return build(spec, 'self');
}

/** A certificate signed by `issuer` (which must be a CA for Go to accept the chain). */
export function issue(spec: CertSpec, issuer: IssuedCert): IssuedCert {
  const parsed = parseCertificate(issuer.der);
  return build(spec, { subject: parsed.rawSubject, key: createPrivateKey(issuer.keyPem), keyId: parsed.subjectKeyId });
}

/** PEM bundle of several certificates, in the order given (what a server sends, leaf first). */
export function chainPem(...certs: IssuedCert[]): string {
  return certs.map((c) => c.certPem).join('');
}

export interface TestPki {
  /** Trusted root (RSA) and the intermediate (ECDSA) it signed. */
  root: IssuedCert;
  intermediate: IssuedCert;
  /** RSA leaf for `hosts`, issued by the intermediate, with an AIA caIssuers URL like public CAs. */
  leaf: IssuedCert;
  ecdsaLeaf: IssuedCert;
  ed25519Leaf: IssuedCert;
  expiredLeaf: IssuedCert;
  notYetValidLeaf: IssuedCert;
  wrongNameLeaf: IssuedCert;
  /** No SAN extension; the host only in the Common Name. */
  cnOnlyLeaf: IssuedCert;
  /** Only clientAuth in its EKU. */
  clientAuthLeaf: IssuedCert;
  selfSignedLeaf: IssuedCert;
  /** A CA not in the trust store, and a leaf for `hosts` under it. */
  privateRoot: IssuedCert;
  privateLeaf: IssuedCert;
  /** A TLS-inspection-looking root ("Zscaler Root CA") and the leaf it forges for `hosts`. */
  proxyRoot: IssuedCert;
  proxyLeaf: IssuedCert;
  /** The URL the leaves name as their issuer's download location. */
  caIssuersUrl: string;
}

/** A ready-made PKI for `hosts` (DNS names and IPs): every leaf carries them all as SANs. */
export function testPki(hosts: string[]): TestPki {
  const now = Date.now();
  const caIssuersUrl = 'http://pki.test.invalid/intermediate.crt';
  const root = selfSignedCA({ commonName: 'gomodprobe Test Root CA', organization: 'gomodprobe test', keyType: 'rsa' });
  const intermediate = issue(
    { commonName: 'gomodprobe Test Intermediate CA', organization: 'gomodprobe test', keyType: 'ec', isCA: true, pathLen: 0 },
    root,
  );
  const cn = hosts[0] ?? 'localhost';
  const leafSpec = (over: Partial<CertSpec>): CertSpec => ({ commonName: cn, sans: hosts, caIssuersUrl, ...over });
  const privateRoot = selfSignedCA({ commonName: 'Example Corp Internal Root', organization: 'Example Corp', keyType: 'ec' });
  const proxyRoot = selfSignedCA({ commonName: 'Zscaler Root CA', organization: 'Zscaler Inc.', keyType: 'ec' });
  return {
    root,
    intermediate,
    leaf: issue(leafSpec({ keyType: 'rsa' }), intermediate),
    ecdsaLeaf: issue(leafSpec({ keyType: 'ec' }), intermediate),
    ed25519Leaf: issue(leafSpec({ keyType: 'ed25519' }), intermediate),
    expiredLeaf: issue(leafSpec({ notBefore: new Date(now - 60 * DAY), notAfter: new Date(now - 30 * DAY) }), intermediate),
    notYetValidLeaf: issue(leafSpec({ notBefore: new Date(now + 30 * DAY), notAfter: new Date(now + 60 * DAY) }), intermediate),
    wrongNameLeaf: issue(leafSpec({ commonName: 'wrong.example', sans: ['wrong.example', 'www.wrong.example'] }), intermediate),
    cnOnlyLeaf: issue(leafSpec({ sans: [] }), intermediate),
    clientAuthLeaf: issue(leafSpec({ eku: ['clientAuth'] }), intermediate),
    selfSignedLeaf: selfSignedCA({ commonName: cn, sans: hosts, isCA: false }),
    privateRoot,
    privateLeaf: issue({ commonName: cn, sans: hosts }, privateRoot),
    proxyRoot,
    proxyLeaf: issue({ commonName: cn, sans: hosts }, proxyRoot),
    caIssuersUrl,
  };
}
