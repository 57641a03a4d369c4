// A port of Certificate.Verify (crypto/x509 verify.go, Go 1.23) so that the TLS verdict is Go's,
// not OpenSSL's: Go takes any pool certificate as an anchor, checks the leaf's validity before its
// name and its name before the chain, refuses SHA-1 signatures, nests EKUs down the chain, and
// checks name constraints with Go's limits.

import { createPublicKey, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import {
  domainToReverseLabels,
  forEachSAN,
  KEY_USAGE_CERT_SIGN,
  parseMailbox,
  uriHost,
  type IpNet,
  type ParsedCertificate,
} from './parse.js';
import type { CertPool, RootPool } from './pool.js';
import { checkChainConstraints } from './constraints.js';
import { policiesValid } from './policies.js';
import { goQuote } from '../../goenv/gostrings.js';
import { verifyHostnameParsed } from '../hostname.js';
import { formatNetIp, parseNetIp } from '../netip.js';

/** time.Time.Format(time.RFC3339) of a UTC instant ("2026-01-01T00:00:00Z"). */
export function formatRFC3339(d: Date): string {
  if (Number.isNaN(d.getTime())) return 'invalid time';
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export type X509FailureKind =
  | 'expired'
  | 'not_yet_valid'
  | 'hostname'
  | 'unknown_authority'
  | 'incompatible_usage'
  | 'not_authorized_to_sign'
  | 'too_many_intermediates'
  | 'name_constraints'
  | 'no_valid_chains'
  | 'unhandled_critical'
  | 'system_roots'
  | 'other';

/** A Go x509 error: `message` is its Error() text; `cert` the certificate it is about. */
export interface X509Error {
  readonly kind: X509FailureKind;
  readonly message: string;
  readonly cert?: ParsedCertificate;
  /** UnknownAuthorityError's hint: the candidate that looked like the issuer and why it failed. */
  readonly hint?: { readonly cert: ParsedCertificate; readonly error: X509Error };
}

export interface VerifyOptions {
  /** Undefined when the system roots failed to load (Go's SystemRootsError). */
  readonly roots: RootPool | undefined;
  readonly rootsError?: string;
  readonly intermediates: CertPool;
  readonly dnsName?: string;
  readonly now: Date;
  /** EKU names as in EXT_KEY_USAGE_OIDS; empty means ['serverAuth'], as in Go. */
  readonly keyUsages?: readonly string[];
  /** go ≤1.23 names GODEBUG=x509sha1=1 in a SHA-1 signature error (X509Rules.sha1OverrideHint); default true. */
  readonly sha1OverrideHint?: boolean;
  /** The modelled go's verification rules (X509Rules); default go 1.23's. */
  readonly rules?: VerifyRules;
}

/** What Verify does differently by go version (each field's source in goversion.ts X509Rules). */
export interface VerifyRules {
  /** go 1.24: policiesValid after building chains; "x509: no valid chains built: …". */
  readonly policyValidation: boolean;
  /** go 1.27: name constraints checked on whole chains (constraints.go), "N candidate chains" wording. */
  readonly chainConstraints: boolean;
  /** go 1.24 (rsa1024min): a CA's RSA key under this many bits cannot verify a signature; 0 = no floor. */
  readonly minRsaBits: number;
  /** go 1.27: VerifyHostname parses IP hosts with netip, HostnameError counts 100+ names. */
  readonly go127Hostnames: boolean;
}

const GO123_VERIFY: VerifyRules = { policyValidation: false, chainConstraints: false, minRsaBits: 0, go127Hostnames: false };

export type VerifyResult =
  | { readonly ok: true; readonly chains: ParsedCertificate[][] }
  | { readonly ok: false; readonly error: X509Error };

const MAX_CHAIN_SIGNATURE_CHECKS = 100;
const MAX_CONSTRAINT_COMPARISONS = 250_000;

type CertType = 'leaf' | 'intermediate' | 'root';

/** Certificate.Verify(opts). */
export function verifyCertificate(leaf: ParsedCertificate, opts: VerifyOptions): VerifyResult {
  const rules = opts.rules ?? GO123_VERIFY;
  if (!opts.roots) {
    const msg = 'x509: failed to load system roots and no roots provided';
    return { ok: false, error: { kind: 'system_roots', message: opts.rootsError ? `${msg}; ${opts.rootsError}` : msg } };
  }
  const leafErr = isValid(leaf, 'leaf', [], opts);
  if (leafErr) return { ok: false, error: leafErr };

  if (opts.dnsName) {
    const h = verifyHostnameParsed(leaf, opts.dnsName, rules);
    if (!h.ok) return { ok: false, error: { kind: 'hostname', message: h.goError, cert: leaf } };
  }

  let candidates: ParsedCertificate[][];
  if (opts.roots.contains(leaf)) {
    candidates = [[leaf]];
  } else {
    const built = buildChains(leaf, [leaf], { n: 0 }, opts, opts.roots);
    if (built.error) return { ok: false, error: built.error };
    candidates = built.chains;
  }

  const usages = opts.keyUsages && opts.keyUsages.length > 0 ? opts.keyUsages : ['serverAuth'];
  const anyUsage = usages.includes('any');
  if (!rules.policyValidation) {
    // go ≤1.23: key usage is the only filter.
    if (anyUsage) return { ok: true, chains: candidates };
    const chains = candidates.filter((c) => checkChainForKeyUsage(c, usages));
    return chains.length > 0 ? { ok: true, chains } : { ok: false, error: incompatibleUsage(leaf) };
  }
  if (!rules.chainConstraints) {
    // go 1.24 (verify.go Verify): policies first, then key usage.
    const valid = candidates.filter((c) => policiesValid(c));
    const invalidPolicies = candidates.length - valid.length;
    if (valid.length === 0) return { ok: false, error: noValidChains(leaf, 'all candidate chains have invalid policies') };
    if (anyUsage) return { ok: true, chains: valid };
    const chains = valid.filter((c) => checkChainForKeyUsage(c, usages));
    if (chains.length > 0) return { ok: true, chains };
    if (invalidPolicies === 0) return { ok: false, error: incompatibleUsage(leaf) };
    return { ok: false, error: noValidChains(leaf, `${valid.length} chains with incompatible key usage, ${invalidPolicies} chains with invalid policies`) };
  }
  // go 1.27 (verify.go Verify): each candidate chain must pass policies, key usage and the chain's name
  // constraints (constraints.go checkChainConstraints); the first constraint error is returned as is.
  let invalidPolicies = 0;
  let incompatible = 0;
  let constraintsError: X509Error | undefined;
  const chains = candidates.filter((c) => {
    if (!policiesValid(c)) {
      invalidPolicies++;
      return false;
    }
    if (!anyUsage && !checkChainForKeyUsage(c, usages)) {
      incompatible++;
      return false;
    }
    const err = checkChainConstraints(c);
    if (err !== undefined) {
      constraintsError ??= { kind: 'name_constraints', cert: leaf, message: `x509: a root or intermediate certificate is not authorized to sign for this name: ${err}` };
      return false;
    }
    return true;
  });
  if (chains.length > 0) return { ok: true, chains };
  if (constraintsError) return { ok: false, error: constraintsError };
  const details: string[] = [];
  if (incompatible > 0) {
    if (invalidPolicies === 0) return { ok: false, error: incompatibleUsage(leaf) };
    details.push(`${incompatible} candidate chains with incompatible key usage`);
  }
  if (invalidPolicies > 0) details.push(`${invalidPolicies} candidate chains with invalid policies`);
  return { ok: false, error: noValidChains(leaf, details.join(', ')) };
}

function incompatibleUsage(leaf: ParsedCertificate): X509Error {
  return { kind: 'incompatible_usage', message: 'x509: certificate specifies an incompatible key usage', cert: leaf };
}

/** CertificateInvalidError{c, NoValidChains, detail} (go 1.24+). */
function noValidChains(leaf: ParsedCertificate, detail: string): X509Error {
  return { kind: 'no_valid_chains', message: detail ? `x509: no valid chains built: ${detail}` : 'x509: no valid chains built', cert: leaf };
}

function expiryError(c: ParsedCertificate, now: Date): X509Error | undefined {
  if (now.getTime() < c.notBefore.getTime()) {
    return {
      kind: 'not_yet_valid',
      cert: c,
      message: `x509: certificate has expired or is not yet valid: current time ${formatRFC3339(now)} is before ${formatRFC3339(c.notBefore)}`,
    };
  }
  if (now.getTime() > c.notAfter.getTime()) {
    return {
      kind: 'expired',
      cert: c,
      message: `x509: certificate has expired or is not yet valid: current time ${formatRFC3339(now)} is after ${formatRFC3339(c.notAfter)}`,
    };
  }
  return undefined;
}

/** Certificate.isValid: what makes c unusable at its place in the chain. */
function isValid(c: ParsedCertificate, certType: CertType, currentChain: ParsedCertificate[], opts: VerifyOptions): X509Error | undefined {
  if (c.unhandledCriticalExtensions.length > 0) {
    return { kind: 'unhandled_critical', message: 'x509: unhandled critical extension', cert: c };
  }
  const child = currentChain[currentChain.length - 1];
  if (child && !child.rawIssuer.equals(c.rawSubject)) {
    return { kind: 'other', message: 'x509: issuer name does not match subject from issuing certificate', cert: c };
  }
  const expired = expiryError(c, opts.now);
  if (expired) return expired;

  // go 1.27 checks name constraints on whole chains after building them (constraints.go), not here.
  if (certType !== 'leaf' && c.nameConstraints && !(opts.rules?.chainConstraints ?? false)) {
    const err = checkChainAgainstConstraints(c, currentChain);
    if (err) return err;
  }
  if (certType === 'intermediate' && (!c.basicConstraintsValid || !c.isCA)) {
    return { kind: 'not_authorized_to_sign', message: 'x509: certificate is not authorized to sign other certificates', cert: c };
  }
  if (c.basicConstraintsValid && c.maxPathLen >= 0 && currentChain.length - 1 > c.maxPathLen) {
    return { kind: 'too_many_intermediates', message: 'x509: too many intermediates for path length constraint', cert: c };
  }
  return undefined;
}

/**
 * buildChains, including Go's quirk that the error of the last candidate that passed its signature
 * check (an expired intermediate, say) is returned as is rather than as an unknown authority.
 */
function buildChains(
  c: ParsedCertificate,
  currentChain: ParsedCertificate[],
  sigChecks: { n: number },
  opts: VerifyOptions,
  roots: RootPool,
): { chains: ParsedCertificate[][]; error?: X509Error } {
  let hint: { cert: ParsedCertificate; error: X509Error } | undefined;
  let err: X509Error | undefined;
  const chains: ParsedCertificate[][] = [];

  const consider = (certType: CertType, candidate: ParsedCertificate): void => {
    if (candidate.publicKeyAlgorithm === 'unknown' || alreadyInChain(candidate, currentChain)) return;
    sigChecks.n++;
    if (sigChecks.n > MAX_CHAIN_SIGNATURE_CHECKS) {
      err = { kind: 'other', message: 'x509: signature check attempts limit reached while verifying certificate chain' };
      return;
    }
    const sigErr = checkSignatureFrom(c, candidate, opts.sha1OverrideHint ?? true, opts.rules?.minRsaBits ?? 0);
    if (sigErr !== undefined) {
      hint ??= { cert: candidate, error: { kind: 'other', message: sigErr } };
      return;
    }
    err = isValid(candidate, certType, currentChain, opts);
    if (err) {
      hint ??= { cert: candidate, error: err };
      return;
    }
    if (certType === 'root') {
      chains.push([...currentChain, candidate]);
    } else {
      const child = buildChains(candidate, [...currentChain, candidate], sigChecks, opts, roots);
      err = child.error;
      chains.push(...child.chains);
    }
  };

  for (const root of roots.findPotentialParents(c)) consider('root', root);
  for (const inter of opts.intermediates.findPotentialParents(c)) consider('intermediate', inter);

  if (chains.length > 0) return { chains };
  if (err) return { chains, error: err };
  return { chains, error: unknownAuthority(c, hint) };
}

function unknownAuthority(c: ParsedCertificate, hint?: { cert: ParsedCertificate; error: X509Error }): X509Error {
  let message = 'x509: certificate signed by unknown authority';
  if (hint) {
    let name = hint.cert.subject.commonName;
    if (name.length === 0) {
      name = hint.cert.subject.organization[0] ?? `serial:${hint.cert.serial.toString(10)}`;
    }
    message += ` (possibly because of ${goQuote(hint.error.message)} while trying to verify candidate authority certificate ${goQuote(name)})`;
  }
  return { kind: 'unknown_authority', message, cert: c, ...(hint ? { hint } : {}) };
}

/** alreadyInChain: same subject, same key, and same SAN extension (or both without one). */
function alreadyInChain(candidate: ParsedCertificate, chain: ParsedCertificate[]): boolean {
  for (const cert of chain) {
    if (!candidate.rawSubject.equals(cert.rawSubject)) continue;
    if (!candidate.rawSPKI.equals(cert.rawSPKI)) continue;
    const a = candidate.sanExtensionValue;
    const b = cert.sanExtensionValue;
    if (a === undefined && b === undefined) return true;
    if (a === undefined || b === undefined) return false;
    if (a.equals(b)) return true;
  }
  return false;
}

const keyCache = new WeakMap<ParsedCertificate, KeyObject | null>();

function publicKeyOf(c: ParsedCertificate): KeyObject | undefined {
  let k = keyCache.get(c);
  if (k === undefined) {
    try {
      k = createPublicKey({ key: c.rawSPKI, format: 'der', type: 'spki' });
    } catch {
      k = null;
    }
    keyCache.set(c, k);
  }
  return k ?? undefined;
}

const GO_KEY_TYPE = { RSA: '*rsa.PublicKey', ECDSA: '*ecdsa.PublicKey', Ed25519: 'ed25519.PublicKey', DSA: '*dsa.PublicKey' };
const HASH_LEN = { md5: 16, sha1: 20, sha256: 32, sha384: 48, sha512: 64 } as const;

/** Certificate.CheckSignatureFrom(parent): undefined when parent signed child, else Go's error text. */
export function checkSignatureFrom(child: ParsedCertificate, parent: ParsedCertificate, sha1OverrideHint = true, minRsaBits = 0): string | undefined {
  if ((parent.version === 3 && !parent.basicConstraintsValid) || (parent.basicConstraintsValid && !parent.isCA)) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  if (parent.keyUsage !== 0 && (parent.keyUsage & KEY_USAGE_CERT_SIGN) === 0) {
    return 'x509: invalid signature: parent certificate cannot sign this kind of certificate';
  }
  if (parent.publicKeyAlgorithm === 'unknown') return 'x509: cannot verify signature: algorithm unimplemented';
  const alg = child.signatureAlgorithm;
  const unsupported = 'x509: cannot verify signature: algorithm unimplemented';
  if (alg.hash === undefined) {
    if (alg.pubKeyAlgo !== 'Ed25519') return unsupported;
  } else if (alg.hash === 'md5') {
    return `x509: cannot verify signature: insecure algorithm ${alg.name}`;
  } else if (alg.hash === 'sha1') {
    const override = sha1OverrideHint && (alg.name === 'SHA1-RSA' || alg.name === 'ECDSA-SHA1') ? ' (temporarily override with GODEBUG=x509sha1=1)' : '';
    return `x509: cannot verify signature: insecure algorithm ${alg.name}${override}`;
  }
  const keyAlgo = parent.publicKeyAlgorithm;
  if (keyAlgo === 'DSA') return unsupported;
  if (alg.pubKeyAlgo !== keyAlgo) {
    return `x509: signature algorithm specifies an ${alg.pubKeyAlgo} public key, but have public key of type ${GO_KEY_TYPE[keyAlgo]}`;
  }
  // crypto/rsa checkPublicKeySize (rsa1024min, go 1.24): before any arithmetic, for PKCS#1 v1.5 and PSS alike.
  if (keyAlgo === 'RSA' && parent.rsaBits !== undefined && parent.rsaBits < minRsaBits) {
    return `crypto/rsa: ${parent.rsaBits}-bit keys are insecure (see https://go.dev/pkg/crypto/rsa#hdr-Minimum_key_size)`;
  }
  const failure =
    keyAlgo === 'RSA' ? 'crypto/rsa: verification error' : keyAlgo === 'ECDSA' ? 'x509: ECDSA verification failure' : 'x509: Ed25519 verification failure';
  const key = publicKeyOf(parent);
  if (!key) return failure;
  try {
    let ok: boolean;
    if (keyAlgo === 'RSA') {
      const padding = alg.isRSAPSS ? constants.RSA_PKCS1_PSS_PADDING : constants.RSA_PKCS1_PADDING;
      ok = cryptoVerify(alg.hash!, child.rawTBS, { key, padding, saltLength: HASH_LEN[alg.hash!] }, child.signature);
    } else if (keyAlgo === 'ECDSA') {
      ok = cryptoVerify(alg.hash!, child.rawTBS, { key, dsaEncoding: 'der' }, child.signature);
    } else {
      ok = cryptoVerify(null, child.rawTBS, key, child.signature);
    }
    return ok ? undefined : failure;
  } catch {
    return failure;
  }
}

/** Did `parent`'s key sign `child`? Go's CA and key-usage preconditions left out. */
export function signedBy(child: ParsedCertificate, parent: ParsedCertificate): boolean {
  const relaxed: ParsedCertificate = { ...parent, version: 1, basicConstraintsValid: false, keyUsage: 0 };
  return checkSignatureFrom(child, relaxed) === undefined;
}

/** Same subject and issuer, and signed by its own key (whatever its CA flags say). */
export function isSelfSigned(c: ParsedCertificate): boolean {
  return c.rawIssuer.equals(c.rawSubject) && signedBy(c, c);
}

/** checkChainForKeyUsage: EKUs are enforced nested, from the root down. */
function checkChainForKeyUsage(chain: ParsedCertificate[], keyUsages: readonly string[]): boolean {
  const usages: (string | null)[] = [...keyUsages];
  let remaining = usages.length;
  for (let i = chain.length - 1; i >= 0; i--) {
    const cert = chain[i]!;
    if (cert.extKeyUsage.length === 0 && cert.unknownExtKeyUsage.length === 0) continue;
    if (cert.extKeyUsage.includes('any')) continue;
    for (let k = 0; k < usages.length; k++) {
      const requested = usages[k];
      if (requested === null || requested === undefined) continue;
      if (cert.extKeyUsage.includes(requested)) continue;
      usages[k] = null;
      remaining--;
      if (remaining === 0) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Name constraints (isValid's part for intermediates and roots)

function checkChainAgainstConstraints(ca: ParsedCertificate, currentChain: ParsedCertificate[]): X509Error | undefined {
  const nc = ca.nameConstraints!;
  const count = { n: 0 };
  const invalid = (detail: string): X509Error => ({
    kind: 'name_constraints',
    cert: ca,
    message: `x509: a root or intermediate certificate is not authorized to sign for this name: ${detail}`,
  });
  const plain = (message: string): X509Error => ({ kind: 'name_constraints', cert: ca, message });

  for (const sanCert of currentChain) {
    if (!sanCert.sanExtensionValue) continue;
    let err: X509Error | undefined;
    try {
      forEachSAN(sanCert.sanExtensionValue, (tag, data) => {
        if (err) return;
        const name = data.toString('latin1');
        switch (tag) {
          case 1: {
            const mailbox = parseMailbox(name);
            if (!mailbox) {
              err = plain('x509: cannot parse rfc822Name {"" ""}');
              return;
            }
            err = checkNameConstraints(count, 'email address', name, nc.permittedEmail, nc.excludedEmail, (c) =>
              matchEmailConstraint(mailbox, c), invalid);
            return;
          }
          case 2:
            if (!domainToReverseLabels(name)) {
              err = plain(`x509: cannot parse dnsName ${goQuote(name)}`);
              return;
            }
            err = checkNameConstraints(count, 'DNS name', name, nc.permittedDNS, nc.excludedDNS, (c) =>
              matchDomainConstraint(name, c), invalid);
            return;
          case 6:
            err = checkNameConstraints(count, 'URI', name, nc.permittedURI, nc.excludedURI, (c) =>
              matchURIConstraint(name, c), invalid);
            return;
          case 7:
            err = checkNameConstraints(count, 'IP address', formatNetIp(data), nc.permittedIP, nc.excludedIP, (c) =>
              ({ match: matchIPConstraint(data, c) }), invalid, formatIPNet);
            return;
        }
      });
    } catch (e) {
      return plain(e instanceof Error ? e.message : String(e));
    }
    if (err) return err;
  }
  return undefined;
}

type MatchResult = { match: boolean; error?: string };

function checkNameConstraints<T>(
  count: { n: number },
  nameType: string,
  name: string,
  permitted: readonly T[],
  excluded: readonly T[],
  match: (constraint: T) => MatchResult,
  invalid: (detail: string) => X509Error,
  show: (c: T) => string = (c) => String(c),
): X509Error | undefined {
  count.n += excluded.length;
  // TooManyConstraints has no case in CertificateInvalidError.Error(): Go prints "unknown error".
  if (count.n > MAX_CONSTRAINT_COMPARISONS) return { kind: 'name_constraints', message: 'x509: unknown error' };
  for (const c of excluded) {
    const r = match(c);
    if (r.error) return invalid(r.error);
    if (r.match) return invalid(`${nameType} ${goQuote(name)} is excluded by constraint ${goQuote(show(c))}`);
  }
  count.n += permitted.length;
  if (count.n > MAX_CONSTRAINT_COMPARISONS) return { kind: 'name_constraints', message: 'x509: unknown error' };
  let ok = true;
  for (const c of permitted) {
    const r = match(c);
    if (r.error) return invalid(r.error);
    ok = r.match;
    if (ok) break;
  }
  if (!ok) return invalid(`${nameType} ${goQuote(name)} is not permitted by any constraint`);
  return undefined;
}

function equalFold(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

export function matchDomainConstraint(domain: string, constraint: string): MatchResult {
  if (constraint.length === 0) return { match: true };
  const domainLabels = domainToReverseLabels(domain);
  if (!domainLabels) return { match: false, error: `x509: internal error: cannot parse domain ${goQuote(domain)}` };
  let mustHaveSubdomains = false;
  if (constraint.startsWith('.')) {
    mustHaveSubdomains = true;
    constraint = constraint.slice(1);
  }
  const constraintLabels = domainToReverseLabels(constraint);
  if (!constraintLabels) return { match: false, error: `x509: internal error: cannot parse domain ${goQuote(constraint)}` };
  if (domainLabels.length < constraintLabels.length || (mustHaveSubdomains && domainLabels.length === constraintLabels.length)) {
    return { match: false };
  }
  for (let i = 0; i < constraintLabels.length; i++) {
    if (!equalFold(constraintLabels[i]!, domainLabels[i]!)) return { match: false };
  }
  return { match: true };
}

function matchEmailConstraint(mailbox: { local: string; domain: string }, constraint: string): MatchResult {
  if (constraint.includes('@')) {
    const c = parseMailbox(constraint);
    if (!c) return { match: false, error: `x509: internal error: cannot parse constraint ${goQuote(constraint)}` };
    return { match: mailbox.local === c.local && equalFold(mailbox.domain, c.domain) };
  }
  return matchDomainConstraint(mailbox.domain, constraint);
}

function matchURIConstraint(uri: string, constraint: string): MatchResult {
  let host = uriHost(uri);
  if (host.length === 0) {
    return { match: false, error: `URI with empty host (${goQuote(uri)}) cannot be matched against constraints` };
  }
  if (host.includes(':') && !host.endsWith(']')) host = host.slice(0, host.lastIndexOf(':'));
  if (parseNetIp(host) || (host.startsWith('[') && host.endsWith(']'))) {
    return { match: false, error: `URI with IP (${goQuote(uri)}) cannot be matched against constraints` };
  }
  return matchDomainConstraint(host, constraint);
}

function matchIPConstraint(ip: Buffer, c: IpNet): boolean {
  if (ip.length !== c.ip.length) return false;
  for (let i = 0; i < ip.length; i++) if ((ip[i]! & c.mask[i]!) !== (c.ip[i]! & c.mask[i]!)) return false;
  return true;
}

/** net.IPNet.String(): masked address "/" prefix length (or the hex mask if not canonical). */
function formatIPNet(n: IpNet): string {
  const masked = Buffer.from(n.ip.map((b, i) => b & n.mask[i]!));
  let ones = 0;
  let canonical = true;
  let seenZero = false;
  for (const b of n.mask) {
    for (let bit = 7; bit >= 0; bit--) {
      if ((b >> bit) & 1) {
        if (seenZero) canonical = false;
        ones++;
      } else seenZero = true;
    }
  }
  return `${formatNetIp(masked)}/${canonical ? ones : n.mask.toString('hex')}`;
}
