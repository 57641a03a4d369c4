// Certificates, parsed the way Go 1.23's crypto/x509 ParseCertificate parses them (parser.go):
// same structure checks, same error texts, so a certificate Go rejects is rejected here too.

import { isIP } from 'node:net';
import { ParseError } from '../../errors.js';
import { DerInput, TAG, contextTag, parseGeneralizedTime, parseUtcTime, tlv } from '../der.js';

/** One attribute of a distinguished name. */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
  /** go 1.27: a value that is not a string (its DER element); `value` is then how it prints. */
  readonly nonString?: Buffer;
}

export interface DistinguishedName {
  /** RDNs in encoded order (most significant first). */
  readonly rdns: readonly (readonly NameAttribute[])[];
  /** The last CN attribute, as pkix.Name.FillFromRDNSequence keeps it. */
  readonly commonName: string;
  readonly organization: readonly string[];
  readonly organizationalUnit: readonly string[];
}

export type PublicKeyAlgorithm = 'RSA' | 'DSA' | 'ECDSA' | 'Ed25519' | 'unknown';
export type HashName = 'md5' | 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface SignatureAlgorithmInfo {
  /** Go's SignatureAlgorithm.String(), or "0" for an unknown algorithm as Go prints it. */
  readonly name: string;
  readonly oid: string;
  readonly pubKeyAlgo: PublicKeyAlgorithm;
  /** undefined for Ed25519 (no pre-hash) and for unknown algorithms. */
  readonly hash?: HashName;
  readonly isRSAPSS: boolean;
  readonly known: boolean;
}

export interface IpNet {
  readonly ip: Buffer;
  readonly mask: Buffer;
}

export interface NameConstraints {
  readonly permittedDNS: readonly string[];
  readonly excludedDNS: readonly string[];
  readonly permittedIP: readonly IpNet[];
  readonly excludedIP: readonly IpNet[];
  readonly permittedEmail: readonly string[];
  readonly excludedEmail: readonly string[];
  readonly permittedURI: readonly string[];
  readonly excludedURI: readonly string[];
}

export interface Extension {
  readonly oid: string;
  readonly critical: boolean;
  readonly value: Buffer;
}

/** The EKUs Go knows by name (extKeyUsageOIDs); others are kept as OIDs in unknownExtKeyUsage. */
export const EXT_KEY_USAGE_OIDS: Readonly<Record<string, string>> = Object.freeze({
  '2.5.29.37.0': 'any',
  '1.3.6.1.5.5.7.3.1': 'serverAuth',
  '1.3.6.1.5.5.7.3.2': 'clientAuth',
  '1.3.6.1.5.5.7.3.3': 'codeSigning',
  '1.3.6.1.5.5.7.3.4': 'emailProtection',
  '1.3.6.1.5.5.7.3.5': 'ipsecEndSystem',
  '1.3.6.1.5.5.7.3.6': 'ipsecTunnel',
  '1.3.6.1.5.5.7.3.7': 'ipsecUser',
  '1.3.6.1.5.5.7.3.8': 'timeStamping',
  '1.3.6.1.5.5.7.3.9': 'ocspSigning',
  '1.3.6.1.4.1.311.10.3.3': 'microsoftServerGatedCrypto',
  '2.16.840.1.113730.4.1': 'netscapeServerGatedCrypto',
  '1.3.6.1.4.1.311.2.1.22': 'microsoftCommercialCodeSigning',
  '1.3.6.1.4.1.311.61.1.1': 'microsoftKernelCodeSigning',
});

export const KEY_USAGE_CERT_SIGN = 1 << 5;

export interface ParsedCertificate {
  readonly raw: Buffer;
  readonly rawTBS: Buffer;
  readonly version: number;
  readonly serial: bigint;
  readonly signatureAlgorithm: SignatureAlgorithmInfo;
  readonly rawIssuer: Buffer;
  readonly issuer: DistinguishedName;
  readonly rawSubject: Buffer;
  readonly subject: DistinguishedName;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** The validity strings exactly as encoded. */
  readonly notBeforeRaw: string;
  readonly notAfterRaw: string;
  readonly rawSPKI: Buffer;
  readonly publicKeyAlgorithm: PublicKeyAlgorithm;
  readonly publicKeyOid: string;
  readonly rsaBits?: number;
  readonly curve?: 'P-224' | 'P-256' | 'P-384' | 'P-521';
  readonly extensions: readonly Extension[];
  readonly keyUsage: number;
  readonly basicConstraintsValid: boolean;
  readonly isCA: boolean;
  /** -1 when absent (Go's default). */
  readonly maxPathLen: number;
  readonly hasSANExtension: boolean;
  readonly sanExtensionValue?: Buffer;
  readonly dnsNames: readonly string[];
  readonly emailAddresses: readonly string[];
  readonly ipAddresses: readonly Buffer[];
  readonly uris: readonly string[];
  readonly nameConstraints?: NameConstraints;
  readonly subjectKeyId: Buffer;
  readonly authorityKeyId: Buffer;
  readonly extKeyUsage: readonly string[];
  readonly unknownExtKeyUsage: readonly string[];
  readonly issuingCertificateURL: readonly string[];
  readonly ocspServer: readonly string[];
  readonly unhandledCriticalExtensions: readonly string[];
  readonly signature: Buffer;
  /** certificatePolicies: each policy OID's DER content as hex (Go's OID.der), in encoded order. */
  readonly policies: readonly string[];
  /**
   * What go 1.24+ reads for policy validation (crypto/x509/parser.go cases 33, 36, 54); always empty or
   * undefined under go ≤1.23's rules, which do not know these extensions (a critical one is unhandled).
   */
  readonly policyMappings: readonly PolicyMapping[];
  /** policyConstraints requireExplicitPolicy ([0]); undefined when absent (Go's int with its ...Zero flag). */
  readonly requireExplicitPolicy?: number;
  /** policyConstraints inhibitPolicyMapping ([1]). */
  readonly inhibitPolicyMapping?: number;
  /** inhibitAnyPolicy (2.5.29.54). */
  readonly inhibitAnyPolicy?: number;
}

/** One policyMappings entry, both OIDs as DER content hex. */
export interface PolicyMapping {
  readonly issuerDomainPolicy: string;
  readonly subjectDomainPolicy: string;
}

/** Go's ParseCertificate error (its exact text in `message`), with whatever was read before it. */
export class CertificateParseError extends ParseError {
  readonly partial: Partial<ParsedCertificate>;
  constructor(message: string, partial: Partial<ParsedCertificate>) {
    super('x509.parse', message);
    this.name = 'CertificateParseError';
    this.partial = partial;
  }
}

const SIG_ALGS: readonly { name: string; oid: string; pub: PublicKeyAlgorithm; hash?: HashName }[] = [
  { name: 'MD5-RSA', oid: '1.2.840.113549.1.1.4', pub: 'RSA', hash: 'md5' },
  { name: 'SHA1-RSA', oid: '1.2.840.113549.1.1.5', pub: 'RSA', hash: 'sha1' },
  { name: 'SHA1-RSA', oid: '1.3.14.3.2.29', pub: 'RSA', hash: 'sha1' },
  { name: 'SHA256-RSA', oid: '1.2.840.113549.1.1.11', pub: 'RSA', hash: 'sha256' },
  { name: 'SHA384-RSA', oid: '1.2.840.113549.1.1.12', pub: 'RSA', hash: 'sha384' },
  { name: 'SHA512-RSA', oid: '1.2.840.113549.1.1.13', pub: 'RSA', hash: 'sha512' },
  { name: 'DSA-SHA1', oid: '1.2.840.10040.4.3', pub: 'DSA', hash: 'sha1' },
  { name: 'DSA-SHA256', oid: '2.16.840.1.101.3.4.3.2', pub: 'DSA', hash: 'sha256' },
  { name: 'ECDSA-SHA1', oid: '1.2.840.10045.4.1', pub: 'ECDSA', hash: 'sha1' },
  { name: 'ECDSA-SHA256', oid: '1.2.840.10045.4.3.2', pub: 'ECDSA', hash: 'sha256' },
  { name: 'ECDSA-SHA384', oid: '1.2.840.10045.4.3.3', pub: 'ECDSA', hash: 'sha384' },
  { name: 'ECDSA-SHA512', oid: '1.2.840.10045.4.3.4', pub: 'ECDSA', hash: 'sha512' },
  { name: 'Ed25519', oid: '1.3.101.112', pub: 'Ed25519' },
];
const OID_RSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';
const HASH_OIDS: Readonly<Record<string, { hash: HashName; len: number }>> = {
  '2.16.840.1.101.3.4.2.1': { hash: 'sha256', len: 32 },
  '2.16.840.1.101.3.4.2.2': { hash: 'sha384', len: 48 },
  '2.16.840.1.101.3.4.2.3': { hash: 'sha512', len: 64 },
};
const NULL_BYTES = Buffer.from([0x05, 0x00]);

const PUBLIC_KEY_OIDS: Readonly<Record<string, PublicKeyAlgorithm>> = {
  '1.2.840.113549.1.1.1': 'RSA',
  '1.2.840.10040.4.1': 'DSA',
  '1.2.840.10045.2.1': 'ECDSA',
  '1.3.101.112': 'Ed25519',
};
const CURVES: Readonly<Record<string, { name: 'P-224' | 'P-256' | 'P-384' | 'P-521'; size: number }>> = {
  '1.3.132.0.33': { name: 'P-224', size: 28 },
  '1.2.840.10045.3.1.7': { name: 'P-256', size: 32 },
  '1.3.132.0.34': { name: 'P-384', size: 48 },
  '1.3.132.0.35': { name: 'P-521', size: 66 },
};

function unknownSigAlg(oid: string): SignatureAlgorithmInfo {
  return { name: '0', oid, pubKeyAlgo: 'unknown', isRSAPSS: false, known: false };
}

/** getSignatureAlgorithmFromAI: PSS only in Go's three parameter buckets; Ed25519 without params. */
function signatureAlgorithmFromAI(oid: string, params: Buffer | undefined): SignatureAlgorithmInfo {
  if (oid === '1.3.101.112' && params !== undefined) return unknownSigAlg(oid);
  if (oid !== OID_RSA_PSS) {
    const d = SIG_ALGS.find((a) => a.oid === oid);
    if (!d) return unknownSigAlg(oid);
    return { name: d.name, oid, pubKeyAlgo: d.pub, ...(d.hash ? { hash: d.hash } : {}), isRSAPSS: false, known: true };
  }
  const pss = parsePssParams(params ?? Buffer.alloc(0));
  if (!pss) return unknownSigAlg(oid);
  const h = HASH_OIDS[pss.hashOid];
  if (!h || pss.salt !== h.len) return unknownSigAlg(oid);
  const name = `${h.hash.toUpperCase()}-RSAPSS`;
  return { name, oid, pubKeyAlgo: 'RSA', hash: h.hash, isRSAPSS: true, known: true };
}

/** RSASSA-PSS-params restricted as Go restricts them: MGF1 with the same hash, trailer 1. */
function parsePssParams(b: Buffer): { hashOid: string; salt: number } | undefined {
  const outer = new DerInput(b);
  const seqContent = outer.read(TAG.SEQUENCE);
  if (!seqContent) return undefined;
  const seq = new DerInput(seqContent);
  const readAI = (bytes: Buffer): { oid: string; params?: Buffer } | undefined => {
    const d = new DerInput(bytes);
    const ai = d.read(TAG.SEQUENCE);
    if (!ai) return undefined;
    const a = new DerInput(ai);
    const oid = a.readOid();
    if (!oid) return undefined;
    if (a.empty) return { oid };
    const p = a.readAny();
    return p ? { oid, params: p.element } : undefined;
  };
  const hashEl = seq.read(contextTag(0, true));
  const mgfEl = seq.read(contextTag(1, true));
  if (!hashEl || !mgfEl) return undefined; // Go's defaults (SHA-1) never match a supported bucket
  const saltEl = seq.readOptional(contextTag(2, true));
  const trailerEl = seq.readOptional(contextTag(3, true));
  if (!saltEl || !trailerEl) return undefined;
  const hash = readAI(hashEl);
  const mgf = readAI(mgfEl);
  if (!hash || !mgf || mgf.oid !== OID_MGF1 || !mgf.params) return undefined;
  const mgfHash = readAI(mgf.params);
  if (!mgfHash || mgfHash.oid !== hash.oid) return undefined;
  const nullOrAbsent = (p?: Buffer): boolean => p === undefined || p.equals(NULL_BYTES);
  if (!nullOrAbsent(hash.params) || !nullOrAbsent(mgfHash.params)) return undefined;
  const salt = saltEl.present ? new DerInput(saltEl.content).readSmallInteger() : 20;
  const trailer = trailerEl.present ? new DerInput(trailerEl.content).readSmallInteger() : 1;
  if (salt === undefined || trailer !== 1) return undefined;
  return { hashOid: hash.oid, salt };
}

function isPrintableByte(b: number): boolean {
  return (
    (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39) ||
    (b >= 0x27 && b <= 0x29) || (b >= 0x2b && b <= 0x2f) ||
    b === 0x20 || b === 0x3a || b === 0x3d || b === 0x3f || b === 0x2a || b === 0x26
  );
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Go's isIA5String: every rune ASCII (any byte >= 0x80 is a non-ASCII rune or RuneError). */
export function isIA5(b: Buffer): boolean {
  for (const byte of b) if (byte >= 0x80) return false;
  return true;
}

/** parseASN1String: the string types Go accepts in names, or an error text. */
function parseAsn1String(tag: number, v: Buffer, rules: ParseRules): string | { error: string } {
  switch (tag) {
    case TAG.T61String:
      // go ≤1.24 keeps the bytes as they are (a Go string need not be UTF-8); go 1.27 reads them as Latin-1.
      // Both read as Latin-1 here: the names differ only in how a byte above 0x7f is printed.
      return v.toString('latin1');
    case TAG.PrintableString:
      for (const b of v) if (!isPrintableByte(b)) return { error: 'invalid PrintableString' };
      return v.toString('latin1');
    case TAG.UTF8String:
      try {
        return utf8Strict.decode(v);
      } catch {
        return { error: 'invalid UTF-8 string' };
      }
    case TAG.BMPString: {
      if (v.length % 2 !== 0) return { error: 'invalid BMPString' };
      let end = v.length;
      if (end >= 2 && v[end - 1] === 0 && v[end - 2] === 0) end -= 2;
      // UTF-16BE: swap to the LE order Buffer decodes.
      const le = Buffer.alloc(end);
      for (let i = 0; i < end; i += 2) {
        const point = (v[i]! << 8) | v[i + 1]!;
        // go 1.27: UCS-2 has no surrogates, and noncharacters are refused (as BoringSSL does).
        if (rules.anyAttributeValues && (point === 0xfffe || point === 0xffff || (point >= 0xfdd0 && point <= 0xfdef) || (point >= 0xd800 && point <= 0xdfff))) {
          return { error: 'invalid BMPString' };
        }
        le[i] = v[i + 1]!;
        le[i + 1] = v[i]!;
      }
      // go ≤1.24: utf16.Decode turns a lone surrogate into U+FFFD.
      return le.toString('utf16le').replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
    }
    case TAG.IA5String:
      return isIA5(v) ? v.toString('latin1') : { error: 'invalid IA5String' };
    case TAG.NumericString:
      for (const b of v) if (!((b >= 0x30 && b <= 0x39) || b === 0x20)) return { error: 'invalid NumericString' };
      return v.toString('latin1');
  }
  return { error: `unsupported string type: ${tag}` };
}

const STRING_TAGS: ReadonlySet<number> = new Set([TAG.T61String, TAG.PrintableString, TAG.UTF8String, TAG.BMPString, TAG.IA5String, TAG.NumericString]);

/**
 * go 1.27's readASN1Any (crypto/x509/parser.go) for a value that is not a string: what fmt.Sprint prints
 * for the Go value it becomes (int64, bool, asn1.ObjectIdentifier, nil …), or an error text. Byte-like
 * values are shown as hex.
 */
function readNonStringValue(val: { tag: number; content: Buffer; element: Buffer }): string | { error: string } {
  const d = new DerInput(val.element);
  switch (val.tag) {
    case TAG.INTEGER: {
      const n = d.readInteger();
      if (n === undefined || n > 0x7fffffffffffffffn || n < -0x8000000000000000n) return { error: 'invalid ASN.1 integer' };
      return n.toString(10);
    }
    case TAG.BIT_STRING:
      return d.readBitString() ? val.content.toString('hex') : { error: 'invalid ASN.1 BIT STRING' };
    case TAG.OCTET_STRING:
      return val.content.toString('hex');
    case TAG.OID:
      return d.readOid() ?? { error: 'invalid ASN.1 OBJECT IDENTIFIER' };
    case TAG.UTCTime: {
      const t = parseUtcTime(val.content.toString('latin1'));
      return t ? t.toISOString() : { error: 'x509: malformed UTCTime' };
    }
    case TAG.GeneralizedTime: {
      const t = parseGeneralizedTime(val.content.toString('latin1'));
      return t ? t.toISOString() : { error: 'x509: malformed GeneralizedTime' };
    }
    case TAG.BOOLEAN: {
      const b = d.readBoolean();
      return b === undefined ? { error: 'invalid ASN.1 BOOLEAN' } : String(b);
    }
    case TAG.NULL:
      return '<nil>';
    default:
      return val.element.toString('hex');
  }
}

export function parseName(rawSeq: Buffer, rules: ParseRules = {}): DistinguishedName {
  const outer = new DerInput(rawSeq);
  const content = outer.read(TAG.SEQUENCE);
  if (!content) throw new ParseError('x509.parse', 'x509: invalid RDNSequence');
  const seq = new DerInput(content);
  const rdns: NameAttribute[][] = [];
  let commonName = '';
  const organization: string[] = [];
  const organizationalUnit: string[] = [];
  while (!seq.empty) {
    const set = seq.read(TAG.SET);
    if (!set) throw new ParseError('x509.parse', 'x509: invalid RDNSequence');
    const setIn = new DerInput(set);
    const rdn: NameAttribute[] = [];
    while (!setIn.empty) {
      const atv = setIn.read(TAG.SEQUENCE);
      if (!atv) throw new ParseError('x509.parse', 'x509: invalid RDNSequence: invalid attribute');
      const a = new DerInput(atv);
      const oid = a.readOid();
      if (!oid) throw new ParseError('x509.parse', 'x509: invalid RDNSequence: invalid attribute type');
      const val = a.readAny();
      if (!val) {
        throw new ParseError('x509.parse', rules.anyAttributeValues ? 'x509: invalid RDNSequence: invalid attribute value: invalid ASN.1 element' : 'x509: invalid RDNSequence: invalid attribute value');
      }
      const isString = STRING_TAGS.has(val.tag) || !rules.anyAttributeValues;
      const s = isString ? parseAsn1String(val.tag, val.content, rules) : readNonStringValue(val);
      if (typeof s !== 'string') {
        throw new ParseError('x509.parse', `x509: invalid RDNSequence: invalid attribute value: ${s.error}`);
      }
      if (!isString) {
        // pkix.Name.FillFromRDNSequence keeps only string values; String() prints the others.
        rdn.push({ oid, value: s, nonString: val.element });
        continue;
      }
      rdn.push({ oid, value: s });
      if (oid === '2.5.4.3') commonName = s;
      else if (oid === '2.5.4.10') organization.push(s);
      else if (oid === '2.5.4.11') organizationalUnit.push(s);
    }
    rdns.push(rdn);
  }
  return { rdns, commonName, organization, organizationalUnit };
}

const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.6': 'C', '2.5.4.10': 'O', '2.5.4.11': 'OU', '2.5.4.3': 'CN', '2.5.4.5': 'SERIALNUMBER',
  '2.5.4.7': 'L', '2.5.4.8': 'ST', '2.5.4.9': 'STREET', '2.5.4.17': 'POSTALCODE',
};

/**
 * asn1.Marshal of a string, which String() prints for an attribute type it has no name for
 * (encoding/asn1 marshal.go makeField): a PrintableString when every byte is printable, '*' and '&'
 * not allowed here, else a UTF8String. Go 1.23, 1.24 and 1.27 alike.
 */
function marshalString(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const printable = bytes.every((b) => b !== 0x2a && b !== 0x26 && isPrintableByte(b));
  return tlv(printable ? TAG.PrintableString : TAG.UTF8String, bytes);
}

/** pkix.RDNSequence.String(): reversed RFC 2253 form ("CN=leaf,O=Example"). */
export function formatName(name: DistinguishedName): string {
  const parts: string[] = [];
  for (let i = name.rdns.length - 1; i >= 0; i--) {
    parts.push(
      name.rdns[i]!.map((tv) => {
        const type = ATTRIBUTE_NAMES[tv.oid];
        if (!type) return `${tv.oid}=#${(tv.nonString ?? marshalString(tv.value)).toString('hex')}`;
        const chars = [...tv.value];
        const escaped = chars
          .map((c, k) => {
            const esc =
              ',+"\\<>;'.includes(c) || (c === ' ' && (k === 0 || k === chars.length - 1)) || (c === '#' && k === 0);
            return esc ? '\\' + c : c;
          })
          .join('');
        return `${type}=${escaped}`;
      }).join('+'),
    );
  }
  return parts.join(',');
}

/** domainToReverseLabels (verify.go): labels of printable ASCII, no empty label, not absolute. */
export function domainToReverseLabels(domain: string): string[] | undefined {
  const labels: string[] = [];
  let d = domain;
  while (d.length > 0) {
    const i = d.lastIndexOf('.');
    if (i === -1) {
      labels.push(d);
      d = '';
    } else {
      labels.push(d.slice(i + 1));
      d = d.slice(0, i);
      if (i === 0) labels.push('');
    }
  }
  if (labels.length > 0 && labels[0]!.length === 0) return undefined;
  for (const label of labels) {
    if (label.length === 0) return undefined;
    for (const ch of label) {
      const c = ch.codePointAt(0)!;
      if (c < 33 || c > 126) return undefined;
    }
  }
  return labels;
}

/** The host part of a URI the way net/url.Parse fills URL.Host (authority minus userinfo). */
export function uriHost(uri: string): string {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(uri);
  if (!m) return '';
  const authority = m[1]!;
  const at = authority.lastIndexOf('@');
  return at === -1 ? authority : authority.slice(at + 1);
}

function fail(message: string, partial: Partial<ParsedCertificate>): never {
  throw new CertificateParseError(message, partial);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Go's x509.ParseCertificate. Throws CertificateParseError with Go's message. */
/** What the modelled go's parser accepts (default: go 1.23's). */
export interface ParseRules {
  /** crypto/x509/parser.go: a negative serial number parses (go ≤1.22, or GODEBUG=x509negativeserial=1). */
  readonly acceptNegativeSerial?: boolean;
  /**
   * crypto/x509/parser.go parseBasicConstraintsExtension: go ≤1.24 reads pathLenConstraint into an int, so a
   * negative one parses (and, being < 0, constrains nothing); go 1.27 reads it into a uint and fails the
   * certificate with "x509: invalid basic constraints".
   */
  readonly rejectNegativePathLen?: boolean;
  /**
   * crypto/x509/parser.go (go 1.24, with policy validation in verify.go policiesValid): policyConstraints,
   * policyMappings and inhibitAnyPolicy are parsed (so a critical one is no longer "unhandled", and a
   * malformed one fails the certificate), and a certificatePolicies extension naming the same policy twice
   * fails with "x509: invalid certificate policies".
   */
  readonly parsePolicyExtensions?: boolean;
  /**
   * crypto/x509/parser.go parseName → readASN1Any (go 1.27, first seen in 1.27's source): a name attribute
   * may hold any ASN.1 value (INTEGER, BOOLEAN, OID …: go ≤1.24 failed with "unsupported string type"),
   * a T61String is read as Latin-1, and a BMPString holding a surrogate or a noncharacter (U+FFFE, U+FFFF,
   * U+FDD0–U+FDEF) fails with "invalid BMPString".
   */
  readonly anyAttributeValues?: boolean;
  /**
   * crypto/x509/parser.go parseSANExtension / parseNameConstraintsExtension (go 1.27): an IPv4-mapped
   * IPv6 address (::ffff:a.b.c.d) in a SAN or an IP constraint fails the certificate.
   */
  readonly rejectIPv4MappedIPv6?: boolean;
}

export function parseCertificate(input: Buffer, opts: ParseRules = {}): ParsedCertificate {
  const out: Partial<Mutable<ParsedCertificate>> = {};
  try {
    return parseInto(input, out, opts);
  } catch (err) {
    if (err instanceof CertificateParseError) throw err;
    if (err instanceof ParseError) fail(err.message, out);
    // Anything else is a bug in this parser; still surface it as a typed parse error.
    fail(`x509: internal parser error: ${err instanceof Error ? err.message : String(err)}`, out);
  }
}

function parseInto(input: Buffer, out: Partial<Mutable<ParsedCertificate>>, rules: ParseRules): ParsedCertificate {
  const top = new DerInput(input);
  const raw = top.readElement(TAG.SEQUENCE);
  if (!raw) fail('x509: malformed certificate', out);
  out.raw = raw;
  const certContent = new DerInput(raw).read(TAG.SEQUENCE);
  if (!certContent) fail('x509: malformed certificate', out);
  const cert = new DerInput(certContent);
  const rawTBS = cert.readElement(TAG.SEQUENCE);
  if (!rawTBS) fail('x509: malformed tbs certificate', out);
  out.rawTBS = rawTBS;
  const tbsContent = new DerInput(rawTBS).read(TAG.SEQUENCE);
  if (!tbsContent) fail('x509: malformed tbs certificate', out);
  const tbs = new DerInput(tbsContent);

  let version = 0;
  const vEl = tbs.readOptional(contextTag(0, true));
  if (!vEl) fail('x509: malformed version', out);
  if (vEl.present) {
    const vIn = new DerInput(vEl.content);
    const v = vIn.readSmallInteger();
    if (v === undefined) fail('x509: malformed version', out);
    version = v;
  }
  if (version < 0) fail('x509: malformed version', out);
  version++;
  if (version > 3) fail('x509: invalid version', out);
  out.version = version;

  const serial = tbs.readInteger();
  if (serial === undefined) fail('x509: malformed serial number', out);
  out.serial = serial;
  // Go 1.23+ rejects negative serials unless GODEBUG=x509negativeserial=1 (crypto/x509/parser.go).
  if (serial < 0n && !(rules.acceptNegativeSerial ?? false)) fail('x509: negative serial number', out);

  const sigAISeq = tbs.read(TAG.SEQUENCE);
  if (!sigAISeq) fail('x509: malformed signature algorithm identifier', out);
  const outerSigAISeq = cert.read(TAG.SEQUENCE);
  if (!outerSigAISeq) fail('x509: malformed algorithm identifier', out);
  if (!outerSigAISeq.equals(sigAISeq)) fail("x509: inner and outer signature algorithm identifiers don't match", out);
  const ai = parseAI(sigAISeq, out);
  out.signatureAlgorithm = signatureAlgorithmFromAI(ai.oid, ai.params);

  const rawIssuer = tbs.readElement(TAG.SEQUENCE);
  if (!rawIssuer) fail('x509: malformed issuer', out);
  out.rawIssuer = rawIssuer;
  out.issuer = parseName(rawIssuer, rules);

  const validity = tbs.read(TAG.SEQUENCE);
  if (!validity) fail('x509: malformed validity', out);
  const vIn = new DerInput(validity);
  const nb = readTime(vIn, out, 'notBeforeRaw');
  const na = readTime(vIn, out, 'notAfterRaw');
  out.notBefore = nb;
  out.notAfter = na;

  const rawSubject = tbs.readElement(TAG.SEQUENCE);
  if (!rawSubject) fail('x509: malformed issuer', out); // sic: Go says "issuer" here too
  out.rawSubject = rawSubject;
  out.subject = parseName(rawSubject, rules);

  const rawSPKI = tbs.readElement(TAG.SEQUENCE);
  if (!rawSPKI) fail('x509: malformed spki', out);
  out.rawSPKI = rawSPKI;
  parseSPKI(rawSPKI, out);

  out.extensions = [];
  if (version > 1) {
    if (!tbs.skipOptional(contextTag(1, false))) fail('x509: malformed issuerUniqueID', out);
    if (!tbs.skipOptional(contextTag(2, false))) fail('x509: malformed subjectUniqueID', out);
    if (version === 3) {
      const extEl = tbs.readOptional(contextTag(3, true));
      if (!extEl) fail('x509: malformed extensions', out);
      if (extEl.present) {
        const extSeq = new DerInput(extEl.content).read(TAG.SEQUENCE);
        if (!extSeq) fail('x509: malformed extensions', out);
        const exts = new DerInput(extSeq);
        const seen = new Set<string>();
        const list: Extension[] = [];
        while (!exts.empty) {
          const e = exts.read(TAG.SEQUENCE);
          if (!e) fail('x509: malformed extension', out);
          const ext = parseExtension(e, out);
          if (seen.has(ext.oid)) fail(`x509: certificate contains duplicate extension with OID "${ext.oid}"`, out);
          seen.add(ext.oid);
          list.push(ext);
        }
        out.extensions = list;
      }
    }
  }
  processExtensions(out, rules);

  const sig = cert.readBitString();
  if (!sig) fail('x509: malformed signature', out);
  out.signature = rightAlign(sig.bytes, sig.unusedBits);

  if (input.length !== raw.length) fail('x509: trailing data', out);
  return out as ParsedCertificate;
}

function rightAlign(bytes: Buffer, unusedBits: number): Buffer {
  if (unusedBits === 0 || bytes.length === 0) return bytes;
  const outBuf = Buffer.alloc(bytes.length);
  outBuf[0] = bytes[0]! >> unusedBits;
  for (let i = 1; i < bytes.length; i++) {
    outBuf[i] = ((bytes[i - 1]! << (8 - unusedBits)) | (bytes[i]! >> unusedBits)) & 0xff;
  }
  return outBuf;
}

function parseAI(seq: Buffer, out: Partial<ParsedCertificate>): { oid: string; params?: Buffer } {
  const d = new DerInput(seq);
  const oid = d.readOid();
  if (!oid) fail('x509: malformed OID', out);
  if (d.empty) return { oid };
  const p = d.readAny();
  if (!p) fail('x509: malformed parameters', out);
  return { oid, params: p.element };
}

function readTime(
  d: DerInput,
  out: Partial<Mutable<ParsedCertificate>>,
  rawField: 'notBeforeRaw' | 'notAfterRaw',
): Date {
  if (d.peekTag(TAG.UTCTime)) {
    const c = d.read(TAG.UTCTime);
    if (c) out[rawField] = c.toString('latin1');
    const t = c ? parseUtcTime(c.toString('latin1')) : undefined;
    if (!t) fail('x509: malformed UTCTime', out);
    return t;
  }
  if (d.peekTag(TAG.GeneralizedTime)) {
    const c = d.read(TAG.GeneralizedTime);
    if (c) out[rawField] = c.toString('latin1');
    const t = c ? parseGeneralizedTime(c.toString('latin1')) : undefined;
    if (!t) fail('x509: malformed GeneralizedTime', out);
    return t;
  }
  fail('x509: unsupported time format', out);
}

function parseSPKI(rawSPKI: Buffer, out: Partial<Mutable<ParsedCertificate>>): void {
  const spkiContent = new DerInput(rawSPKI).read(TAG.SEQUENCE);
  if (!spkiContent) fail('x509: malformed spki', out);
  const spki = new DerInput(spkiContent);
  const pkAISeq = spki.read(TAG.SEQUENCE);
  if (!pkAISeq) fail('x509: malformed public key algorithm identifier', out);
  const ai = parseAI(pkAISeq, out);
  out.publicKeyOid = ai.oid;
  const algo = PUBLIC_KEY_OIDS[ai.oid] ?? 'unknown';
  out.publicKeyAlgorithm = algo;
  const spk = spki.readBitString();
  if (!spk) fail('x509: malformed subjectPublicKey', out);
  const key = rightAlign(spk.bytes, spk.unusedBits);
  switch (algo) {
    case 'RSA': {
      if (!ai.params || !ai.params.equals(NULL_BYTES)) fail('x509: RSA key missing NULL parameters', out);
      const seqC = new DerInput(key).read(TAG.SEQUENCE);
      if (!seqC) fail('x509: invalid RSA public key', out);
      const seq = new DerInput(seqC);
      const n = seq.readInteger();
      if (n === undefined) fail('x509: invalid RSA modulus', out);
      const e = seq.readInteger();
      // Go reads E into an int: anything beyond 63 bits fails.
      if (e === undefined || e > 0x7fffffffffffffffn || e < -0x8000000000000000n) {
        fail('x509: invalid RSA public exponent', out);
      }
      if (n <= 0n) fail('x509: RSA modulus is not a positive number', out);
      if (e <= 0n) fail('x509: RSA public exponent is not a positive number', out);
      out.rsaBits = n.toString(2).length;
      return;
    }
    case 'ECDSA': {
      const pd = new DerInput(ai.params ?? Buffer.alloc(0));
      const curveOid = pd.readOid();
      if (!curveOid) fail('x509: invalid ECDSA parameters', out);
      const curve = CURVES[curveOid];
      if (!curve) fail('x509: unsupported elliptic curve', out);
      // elliptic.Unmarshal: uncompressed point only, of the curve's size (on-curve is checked
      // when the key is used: node:crypto refuses points off the curve).
      if (key.length !== 1 + 2 * curve.size || key[0] !== 4) fail('x509: failed to unmarshal elliptic curve point', out);
      out.curve = curve.name;
      return;
    }
    case 'Ed25519':
      if (ai.params !== undefined) fail('x509: Ed25519 key encoded with illegal parameters', out);
      if (key.length !== 32) fail('x509: wrong Ed25519 public key size', out);
      return;
    case 'DSA': {
      const y = new DerInput(key).readInteger();
      if (y === undefined) fail('x509: invalid DSA public key', out);
      const pSeq = new DerInput(ai.params ?? Buffer.alloc(0)).read(TAG.SEQUENCE);
      const pd = pSeq ? new DerInput(pSeq) : undefined;
      const p = pd?.readInteger();
      const q = pd?.readInteger();
      const g = pd?.readInteger();
      if (p === undefined || q === undefined || g === undefined) fail('x509: invalid DSA parameters', out);
      if (y <= 0n || p <= 0n || q <= 0n || g <= 0n) fail('x509: zero or negative DSA parameter', out);
      return;
    }
    case 'unknown':
      return; // Go keeps the certificate with an unknown key and never parses it
  }
}

function parseExtension(e: Buffer, out: Partial<ParsedCertificate>): Extension {
  const d = new DerInput(e);
  const oid = d.readOid();
  if (!oid) fail('x509: malformed extension OID field', out);
  let critical = false;
  if (d.peekTag(TAG.BOOLEAN)) {
    const c = d.readBoolean();
    if (c === undefined) fail('x509: malformed extension critical field', out);
    critical = c;
  }
  const value = d.read(TAG.OCTET_STRING);
  if (!value) fail('x509: malformed extension value field', out);
  return { oid, critical, value };
}

const NAME_TYPE = { email: 1, dns: 2, uri: 6, ip: 7 } as const;

/** forEachSAN: the GeneralNames in a SAN value, tag with the context class bit removed. */
export function forEachSAN(value: Buffer, cb: (tag: number, data: Buffer) => void): void {
  const seqC = new DerInput(value).read(TAG.SEQUENCE);
  if (!seqC) throw new ParseError('x509.parse', 'x509: invalid subject alternative names');
  const seq = new DerInput(seqC);
  while (!seq.empty) {
    const gn = seq.readAny();
    if (!gn) throw new ParseError('x509.parse', 'x509: invalid subject alternative name');
    cb(gn.tag ^ 0x80, gn.content);
  }
}

function processExtensions(out: Partial<Mutable<ParsedCertificate>>, rules: ParseRules): void {
  out.keyUsage = 0;
  out.basicConstraintsValid = false;
  out.isCA = false;
  out.maxPathLen = -1;
  out.hasSANExtension = false;
  out.dnsNames = [];
  out.emailAddresses = [];
  out.ipAddresses = [];
  out.uris = [];
  out.subjectKeyId = Buffer.alloc(0);
  out.authorityKeyId = Buffer.alloc(0);
  out.extKeyUsage = [];
  out.unknownExtKeyUsage = [];
  out.issuingCertificateURL = [];
  out.ocspServer = [];
  out.policies = [];
  out.policyMappings = [];
  const unhandledCritical: string[] = [];
  out.unhandledCriticalExtensions = unhandledCritical;

  for (const e of out.extensions ?? []) {
    let unhandled = false;
    switch (e.oid) {
      case '2.5.29.15': {
        const bits = new DerInput(e.value).readBitString();
        if (!bits) fail('x509: invalid key usage', out);
        let usage = 0;
        const bitLength = bits.bytes.length * 8 - bits.unusedBits;
        for (let i = 0; i < 9 && i < bitLength; i++) {
          if ((bits.bytes[i >> 3]! >> (7 - (i & 7))) & 1) usage |= 1 << i;
        }
        out.keyUsage = usage;
        break;
      }
      case '2.5.29.19': {
        const seqC = new DerInput(e.value).read(TAG.SEQUENCE);
        if (!seqC) fail('x509: invalid basic constraints', out);
        const seq = new DerInput(seqC);
        let isCA = false;
        if (seq.peekTag(TAG.BOOLEAN)) {
          const b = seq.readBoolean();
          if (b === undefined) fail('x509: invalid basic constraints', out);
          isCA = b;
        }
        let maxPathLen = -1;
        if (seq.peekTag(TAG.INTEGER)) {
          const n = seq.readInteger();
          const min = rules.rejectNegativePathLen ? 0n : -0x8000000000000000n;
          if (n === undefined || n > 0x7fffffffffffffffn || n < min) {
            fail('x509: invalid basic constraints', out);
          }
          maxPathLen = Number(n);
        }
        out.isCA = isCA;
        out.maxPathLen = maxPathLen;
        out.basicConstraintsValid = true;
        break;
      }
      case '2.5.29.17': {
        out.hasSANExtension = true;
        out.sanExtensionValue = e.value;
        const dns: string[] = [];
        const emails: string[] = [];
        const ips: Buffer[] = [];
        const uris: string[] = [];
        forEachSAN(e.value, (tag, data) => {
          switch (tag) {
            case NAME_TYPE.email:
              if (!isIA5(data)) throw new ParseError('x509.parse', 'x509: SAN rfc822Name is malformed');
              emails.push(data.toString('latin1'));
              break;
            case NAME_TYPE.dns:
              if (!isIA5(data)) throw new ParseError('x509.parse', 'x509: SAN dNSName is malformed');
              dns.push(data.toString('latin1'));
              break;
            case NAME_TYPE.uri: {
              if (!isIA5(data)) throw new ParseError('x509.parse', 'x509: SAN uniformResourceIdentifier is malformed');
              const s = data.toString('latin1');
              const host = uriHost(s);
              if (host.length > 0 && !domainToReverseLabels(host)) {
                throw new ParseError('x509.parse', `x509: cannot parse URI ${JSON.stringify(s)}: invalid domain`);
              }
              uris.push(s);
              break;
            }
            case NAME_TYPE.ip:
              if (data.length !== 4 && data.length !== 16) {
                throw new ParseError('x509.parse', `x509: cannot parse IP address of length ${data.length}`);
              }
              if (rules.rejectIPv4MappedIPv6 && isIPv4Mapped(data)) {
                throw new ParseError('x509.parse', 'x509: SAN iPAddress contains IPv4-mapped IPv6 address');
              }
              ips.push(data);
              break;
          }
        });
        out.dnsNames = dns;
        out.emailAddresses = emails;
        out.ipAddresses = ips;
        out.uris = uris;
        if (dns.length + emails.length + ips.length + uris.length === 0) unhandled = true;
        break;
      }
      case '2.5.29.30':
        unhandled = parseNameConstraints(e, out, rules);
        break;
      case '2.5.29.31':
        checkCrlDistributionPoints(e.value, out);
        break;
      case '2.5.29.35': {
        if (e.critical) fail('x509: authority key identifier incorrectly marked critical', out);
        const akid = new DerInput(e.value).read(TAG.SEQUENCE);
        if (!akid) fail('x509: invalid authority key identifier', out);
        const a = new DerInput(akid);
        if (a.peekTag(contextTag(0, false))) {
          const id = a.read(contextTag(0, false));
          if (!id) fail('x509: invalid authority key identifier', out);
          out.authorityKeyId = id;
        }
        break;
      }
      case '2.5.29.37': {
        const seqC = new DerInput(e.value).read(TAG.SEQUENCE);
        if (!seqC) fail('x509: invalid extended key usages', out);
        const seq = new DerInput(seqC);
        const known: string[] = [];
        const unknown: string[] = [];
        while (!seq.empty) {
          const oid = seq.readOid();
          if (!oid) fail('x509: invalid extended key usages', out);
          const name = EXT_KEY_USAGE_OIDS[oid];
          if (name) known.push(name);
          else unknown.push(oid);
        }
        out.extKeyUsage = known;
        out.unknownExtKeyUsage = unknown;
        break;
      }
      case '2.5.29.14': {
        if (e.critical) fail('x509: subject key identifier incorrectly marked critical', out);
        const skid = new DerInput(e.value).read(TAG.OCTET_STRING);
        if (!skid) fail('x509: invalid subject key identifier', out);
        out.subjectKeyId = skid;
        break;
      }
      case '2.5.29.32':
        out.policies = parsePolicies(e.value, out, rules);
        break;
      case '2.5.29.36':
        if (rules.parsePolicyExtensions) parsePolicyConstraints(e.value, out);
        else unhandled = true;
        break;
      case '2.5.29.33':
        if (rules.parsePolicyExtensions) parsePolicyMappings(e.value, out);
        else unhandled = true;
        break;
      case '2.5.29.54':
        if (rules.parsePolicyExtensions) {
          const v = new DerInput(e.value).readInteger();
          if (v === undefined || v > 0x7fffffffffffffffn || v < -0x8000000000000000n) fail('x509: invalid inhibit any policy extension', out);
          out.inhibitAnyPolicy = Number(v);
        } else unhandled = true;
        break;
      case '1.3.6.1.5.5.7.1.1':
        parseAIA(e, out);
        break;
      default:
        // Unknown 2.5.29.x and any other extension: recorded if critical.
        unhandled = true;
    }
    if (e.critical && unhandled) unhandledCritical.push(e.oid);
  }
}

function checkCrlDistributionPoints(value: Buffer, out: Partial<ParsedCertificate>): void {
  const seqC = new DerInput(value).read(TAG.SEQUENCE);
  if (!seqC) fail('x509: invalid CRL distribution points', out);
  const seq = new DerInput(seqC);
  while (!seq.empty) {
    const dp = seq.read(TAG.SEQUENCE);
    if (!dp) fail('x509: invalid CRL distribution point', out);
    const dpIn = new DerInput(dp);
    const name = dpIn.readOptional(contextTag(0, true));
    if (!name) fail('x509: invalid CRL distribution point', out);
    if (!name.present) continue;
    const full = new DerInput(name.content).read(contextTag(0, true));
    if (!full) fail('x509: invalid CRL distribution point', out);
    const fullIn = new DerInput(full);
    while (!fullIn.empty && fullIn.peekTag(contextTag(6, false))) {
      if (!fullIn.read(contextTag(6, false))) fail('x509: invalid CRL distribution point', out);
    }
  }
}

/** parseCertificatePoliciesExtension: the policy OIDs (DER content hex); go 1.24 refuses one named twice. */
function parsePolicies(value: Buffer, out: Partial<ParsedCertificate>, rules: ParseRules): string[] {
  const seqC = new DerInput(value).read(TAG.SEQUENCE);
  if (!seqC) fail('x509: invalid certificate policies', out);
  const seq = new DerInput(seqC);
  const oids: string[] = [];
  while (!seq.empty) {
    const cp = seq.read(TAG.SEQUENCE);
    const oidBytes = cp ? new DerInput(cp).read(TAG.OID) : undefined;
    if (!oidBytes) fail('x509: invalid certificate policies', out);
    const hex = oidBytes.toString('hex');
    if (rules.parsePolicyExtensions && oids.includes(hex)) fail('x509: invalid certificate policies', out);
    // newOIDFromDER: non-empty, minimal base-128, last byte terminates (arcs may be any size).
    if (oidBytes.length === 0 || (oidBytes[oidBytes.length - 1]! & 0x80) !== 0) {
      fail('x509: invalid certificate policies', out);
    }
    for (let i = 0; i < oidBytes.length; i++) {
      if (oidBytes[i] === 0x80 && (i === 0 || (oidBytes[i - 1]! & 0x80) === 0)) fail('x509: invalid certificate policies', out);
    }
    oids.push(hex);
  }
  return oids;
}

/** policyConstraints (go 1.24 parser.go case 36): [0] requireExplicitPolicy, [1] inhibitPolicyMapping, each an int64. */
function parsePolicyConstraints(value: Buffer, out: Partial<Mutable<ParsedCertificate>>): void {
  const invalid = (): never => fail('x509: invalid policy constraints extension', out);
  const seqC = new DerInput(value).read(TAG.SEQUENCE) ?? invalid();
  const seq = new DerInput(seqC);
  // ReadASN1Int64WithTag: an INTEGER's content under an implicit context tag.
  const int64 = (n: number): number | undefined => {
    if (!seq.peekTag(contextTag(n, false))) return undefined;
    const c = seq.read(contextTag(n, false)) ?? invalid();
    const v = new DerInput(tlv(TAG.INTEGER, c)).readInteger();
    if (v === undefined || v > 0x7fffffffffffffffn || v < -0x8000000000000000n) invalid();
    return Number(v);
  };
  const require = int64(0);
  if (require !== undefined) out.requireExplicitPolicy = require;
  const inhibit = int64(1);
  if (inhibit !== undefined) out.inhibitPolicyMapping = inhibit;
}

/** policyMappings (go 1.24 parser.go case 33): pairs of OIDs, taken as raw bytes. */
function parsePolicyMappings(value: Buffer, out: Partial<Mutable<ParsedCertificate>>): void {
  const invalid = (): never => fail('x509: invalid policy mappings extension', out);
  const seqC = new DerInput(value).read(TAG.SEQUENCE) ?? invalid();
  const seq = new DerInput(seqC);
  const mappings: PolicyMapping[] = [];
  while (!seq.empty) {
    const m = new DerInput(seq.read(TAG.SEQUENCE) ?? invalid());
    const issuer = m.read(TAG.OID) ?? invalid();
    const subject = m.read(TAG.OID) ?? invalid();
    mappings.push({ issuerDomainPolicy: issuer.toString('hex'), subjectDomainPolicy: subject.toString('hex') });
  }
  out.policyMappings = mappings;
}

function parseAIA(e: Extension, out: Partial<Mutable<ParsedCertificate>>): void {
  if (e.critical) fail('x509: authority info access incorrectly marked critical', out);
  const seqC = new DerInput(e.value).read(TAG.SEQUENCE);
  if (!seqC) fail('x509: invalid authority info access', out);
  const seq = new DerInput(seqC);
  const ocsp: string[] = [];
  const issuers: string[] = [];
  while (!seq.empty) {
    const ad = seq.read(TAG.SEQUENCE);
    if (!ad) fail('x509: invalid authority info access', out);
    const adIn = new DerInput(ad);
    const method = adIn.readOid();
    if (!method) fail('x509: invalid authority info access', out);
    if (!adIn.peekTag(contextTag(6, false))) continue;
    const uri = adIn.read(contextTag(6, false));
    if (!uri) fail('x509: invalid authority info access', out);
    if (method === '1.3.6.1.5.5.7.48.1') ocsp.push(uri.toString('latin1'));
    else if (method === '1.3.6.1.5.5.7.48.2') issuers.push(uri.toString('latin1'));
  }
  out.ocspServer = ocsp;
  out.issuingCertificateURL = issuers;
}

/** net.IP(b).To4() != nil for a 16-byte address: ::ffff:a.b.c.d. */
function isIPv4Mapped(b: Buffer): boolean {
  return b.length === 16 && b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
}

function isValidIPMask(mask: Buffer): boolean {
  let seenZero = false;
  for (const b of mask) {
    if (seenZero) {
      if (b !== 0) return false;
      continue;
    }
    if ([0x00, 0x80, 0xc0, 0xe0, 0xf0, 0xf8, 0xfc, 0xfe].includes(b)) seenZero = true;
    else if (b !== 0xff) return false;
  }
  return true;
}

/** parseNameConstraintsExtension; returns Go's `unhandled` (a subtree of a type Go ignores). */
function parseNameConstraints(e: Extension, out: Partial<Mutable<ParsedCertificate>>, rules: ParseRules): boolean {
  const invalid = (): never => fail('x509: invalid NameConstraints extension', out);
  const outer = new DerInput(e.value);
  const top = outer.read(TAG.SEQUENCE) ?? invalid();
  if (!outer.empty) invalid();
  const t = new DerInput(top);
  const permitted = t.readOptional(contextTag(0, true)) ?? invalid();
  const excluded = t.readOptional(contextTag(1, true)) ?? invalid();
  if (!t.empty) invalid();
  if ((!permitted.present && !excluded.present) || (permitted.content.length === 0 && excluded.content.length === 0)) {
    fail('x509: empty name constraints extension', out);
  }
  let unhandled = false;
  const values = (subtrees: Buffer) => {
    const dns: string[] = [];
    const ips: IpNet[] = [];
    const emails: string[] = [];
    const uris: string[] = [];
    const s = new DerInput(subtrees);
    while (!s.empty) {
      const seq = s.read(TAG.SEQUENCE);
      const v = seq ? new DerInput(seq).readAny() : undefined;
      if (!v) fail('x509: invalid NameConstraints extension', out);
      const str = v.content.toString('latin1');
      const trimLead = (x: string): string => (x.startsWith('.') ? x.slice(1) : x);
      const ia5 = (): void => {
        if (!isIA5(v.content)) {
          fail(`x509: invalid constraint value: x509: ${JSON.stringify(str)} cannot be encoded as an IA5String`, out);
        }
      };
      switch (v.tag) {
        case contextTag(2, false):
          ia5();
          if (!domainToReverseLabels(trimLead(str))) fail(`x509: failed to parse dnsName constraint ${JSON.stringify(str)}`, out);
          dns.push(str);
          break;
        case contextTag(7, false): {
          const l = v.content.length;
          if (l !== 8 && l !== 32) fail(`x509: IP constraint contained value of length ${l}`, out);
          const ip = v.content.subarray(0, l / 2);
          const mask = v.content.subarray(l / 2);
          if (!isValidIPMask(mask)) fail(`x509: IP constraint contained invalid mask ${mask.toString('hex')}`, out);
          if (rules.rejectIPv4MappedIPv6 && isIPv4Mapped(ip)) fail('x509: IP constraint contained IPv4-mapped IPv6 address', out);
          ips.push({ ip, mask });
          break;
        }
        case contextTag(1, false):
          ia5();
          if (str.includes('@')) {
            if (!parseMailbox(str)) fail(`x509: failed to parse rfc822Name constraint ${JSON.stringify(str)}`, out);
          } else if (!domainToReverseLabels(trimLead(str))) {
            fail(`x509: failed to parse rfc822Name constraint ${JSON.stringify(str)}`, out);
          }
          emails.push(str);
          break;
        case contextTag(6, false):
          ia5();
          // net.ParseIP accepts what isIP accepts, minus IPv6 zones.
          if (isIP(str) !== 0 && !str.includes('%')) {
            fail(`x509: failed to parse URI constraint ${JSON.stringify(str)}: cannot be IP address`, out);
          }
          if (!domainToReverseLabels(trimLead(str))) fail(`x509: failed to parse URI constraint ${JSON.stringify(str)}`, out);
          uris.push(str);
          break;
        default:
          unhandled = true;
      }
    }
    return { dns, ips, emails, uris };
  };
  const p = values(permitted.content);
  const x = values(excluded.content);
  out.nameConstraints = {
    permittedDNS: p.dns, excludedDNS: x.dns, permittedIP: p.ips, excludedIP: x.ips,
    permittedEmail: p.emails, excludedEmail: x.emails, permittedURI: p.uris, excludedURI: x.uris,
  };
  return unhandled;
}

/** parseRFC2821Mailbox (verify.go): local part (atoms or quoted string) '@' domain. */
export function parseMailbox(input: string): { local: string; domain: string } | undefined {
  if (input.length === 0) return undefined;
  const local: number[] = [];
  let i = 0;
  const code = (k: number): number => input.charCodeAt(k);
  if (input[0] === '"') {
    i = 1;
    for (;;) {
      if (i >= input.length) return undefined;
      const c = code(i++);
      if (c === 0x22) break;
      if (c === 0x5c) {
        if (i >= input.length) return undefined;
        const n = code(i);
        if (n === 11 || n === 12 || (n >= 1 && n <= 9) || (n >= 14 && n <= 127)) {
          local.push(n);
          i++;
        } else return undefined;
      } else if (
        c === 11 || c === 12 || c === 32 || c === 33 || c === 127 || (c >= 1 && c <= 8) ||
        (c >= 14 && c <= 31) || (c >= 35 && c <= 91) || (c >= 93 && c <= 126)
      ) {
        local.push(c);
      } else return undefined;
    }
  } else {
    const atext = "!#$%&'*+-/=?^_`{|}~.";
    while (i < input.length) {
      let c = code(i);
      if (c === 0x5c) {
        i++;
        if (i >= input.length) return undefined;
        c = code(i);
        local.push(c);
        i++;
        continue;
      }
      const ch = input[i]!;
      if (/[0-9A-Za-z]/.test(ch) || atext.includes(ch)) {
        local.push(c);
        i++;
      } else break;
    }
    if (local.length === 0) return undefined;
    const s = Buffer.from(local).toString('latin1');
    if (s.startsWith('.') || s.endsWith('.') || s.includes('..')) return undefined;
  }
  if (i >= input.length || input[i] !== '@') return undefined;
  const domain = input.slice(i + 1);
  if (!domainToReverseLabels(domain)) return undefined;
  return { local: Buffer.from(local).toString('latin1'), domain };
}
