// Name constraints as go 1.27 checks them: on each built chain, after chain building (crypto/x509
// constraints.go checkChainConstraints, called from verify.go Verify), with constraints sorted, pruned and
// binary-searched instead of go ≤1.24's linear scan inside isValid (verify.go checkNameConstraints).
//
// What changes a verdict or a text against go ≤1.24:
//   - a wildcard SAN ("*.example.com") is excluded by an excluded constraint on one of the names it covers
//     ("a.example.com"): go ≤1.24 compared label by label and let it through;
//   - no comparison budget: go ≤1.24 failed a chain needing more than 250,000 name × constraint comparisons
//     (TooManyConstraints, printed "x509: unknown error");
//   - "not permitted" is checked before "excluded", and the excluded constraint named is the broadest one
//     left after pruning.

import { formatNetIp, parseIpLiteral, splitHostPort } from '../netip.js';
import { goQuote } from '../../goenv/gostrings.js';
import { parseMailbox, uriHost, type IpNet, type ParsedCertificate } from './parse.js';

/** domainNameValid (go 1.27 parser.go): printable ASCII labels, none empty, no trailing dot; "" is valid. */
export function domainNameValid(s: string, constraint: boolean): boolean {
  if (s.length === 0) return true;
  if (s.endsWith('.')) return false;
  if (constraint && s.startsWith('.')) s = s.slice(1);
  let lastDot = -1;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1;
    if (i < s.length && (c < 33 || c > 126)) return false;
    if (i === s.length || c === 0x2e) {
      const labelLen = lastDot >= 0 ? i - lastDot - 1 : i;
      if (labelLen === 0) return false;
      lastDot = i;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// nameConstraintsSet: sort, prune the subtrees covered by an earlier one, binary-search the nearest.

function sortAndPrune<T>(set: T[], cmp: (a: T, b: T) => number, subset: (a: T, b: T) => boolean): T[] {
  if (set.length < 2) return set;
  set.sort(cmp);
  const out = [set[0]!];
  for (let i = 1; i < set.length; i++) if (!subset(out[out.length - 1]!, set[i]!)) out.push(set[i]!);
  return out;
}

function search<T, V>(set: readonly T[], s: V, cmp: (c: T, v: V) => number, match: (c: T, v: V) => boolean): { constraint: T } | undefined {
  if (set.length === 0) return undefined;
  // slices.BinarySearchFunc: the first index whose constraint does not sort below s.
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(set[mid]!, s) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (lo < set.length && cmp(set[lo]!, s) === 0) return { constraint: set[lo]! };
  const constraint = lo === 0 ? set[0]! : set[lo - 1]!;
  return match(constraint, s) ? { constraint } : undefined;
}

function bytesCompare(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

// ---------------------------------------------------------------------------------------------
// IP ranges

/** net.IPNet.Contains for constraints of the SAN's own length (an IPv4 SAN is 4 bytes, an IPv6 one 16). */
function ipContains(n: IpNet, ip: Uint8Array): boolean {
  if (ip.length !== n.ip.length) return false;
  for (let i = 0; i < ip.length; i++) if ((n.ip[i]! & n.mask[i]!) !== (ip[i]! & n.mask[i]!)) return false;
  return true;
}

function ipSubset(a: IpNet, b: IpNet): boolean {
  if (!ipContains(a, b.ip)) return false;
  const broadcast = Buffer.from(b.ip.map((x, i) => x | (~b.mask[i]! & 0xff)));
  return ipContains(a, broadcast);
}

/** net.IPNet.String() of a constraint (masked address "/" prefix length). */
function formatIpNet(n: IpNet): string {
  let ones = 0;
  for (const b of n.mask) for (let bit = 7; bit >= 0; bit--) if ((b >> bit) & 1) ones++;
  return `${formatNetIp(n.ip)}/${ones}`;
}

type Query<V> = (v: V) => { constraint: string } | undefined;

function ipConstraints(list: readonly IpNet[]): Query<Uint8Array> | undefined {
  if (list.length === 0) return undefined;
  const v4: IpNet[] = [];
  const v6: IpNet[] = [];
  for (let n of list) {
    // Subtrees may carry host bits: sort and search on the masked network.
    const masked = Buffer.from(n.ip.map((x, i) => x & n.mask[i]!));
    if (!masked.equals(n.ip)) n = { ip: masked, mask: n.mask };
    (n.ip.length === 4 ? v4 : v6).push(n);
  }
  const cmp = (a: IpNet, b: IpNet): number => bytesCompare(a.ip, b.ip) || bytesCompare(a.mask, b.mask);
  const sets = { 4: sortAndPrune(v4, cmp, ipSubset), 16: sortAndPrune(v6, cmp, ipSubset) };
  return (ip) => {
    const hit = search(ip.length === 4 ? sets[4] : sets[16], ip, (c, t) => bytesCompare(c.ip, t), ipContains);
    return hit ? { constraint: formatIpNet(hit.constraint) } : undefined;
  };
}

// ---------------------------------------------------------------------------------------------
// DNS names (also the hosts of URIs and the domains of email addresses)

const lowerByte = (c: number): number => (c >= 0x41 && c <= 0x5a ? c + 0x20 : c);

/** dnsHasSuffix: b is a (case-insensitive) label suffix of constraint a; ".x" matches subdomains only. */
function dnsHasSuffix(a: string, b: string): boolean {
  const lenA = a.length;
  const lenB = b.length;
  if (lenA > lenB) return false;
  const offset = lenA - lenB;
  for (let i = lenA - 1; i >= 0; i--) {
    if (lowerByte(a.charCodeAt(i)) !== lowerByte(b.charCodeAt(i - offset))) return false;
  }
  return !(a[0] !== '.' && lenB > lenA && b[lenB - lenA - 1] !== '.');
}

/** dnsCompareTable: ASCII lower-cased, '.' sorts before everything (so "a.a.com" sorts before "a-a.com"). */
const dnsByte = (c: number): number => (c === 0x2e ? 0 : lowerByte(c));

/** dnsCompare: case-insensitive comparison from the end of the strings. */
function dnsCompare(a: string, b: string): number {
  let ia = a.length - 1;
  let ib = b.length - 1;
  while (ia >= 0 && ib >= 0) {
    const x = dnsByte(a.charCodeAt(ia));
    const y = dnsByte(b.charCodeAt(ib));
    if (x !== y) return x < y ? -1 : 1;
    ia--;
    ib--;
  }
  return ia < ib ? -1 : ib < ia ? 1 : 0;
}

function trimFirstLabel(name: string): string {
  const dot = name.indexOf('.');
  return dot < 0 ? '' : name.slice(dot);
}

function dnsConstraints(list: readonly string[], permitted: boolean): Query<string> | undefined {
  if (list.length === 0) return undefined;
  if (list.some((n) => n.length === 0)) return () => ({ constraint: '' });
  const set = sortAndPrune([...list], dnsCompare, dnsHasSuffix);
  // Excluded only: a wildcard SAN is excluded by an excluded name one label below it.
  const parents = new Map<string, string>();
  if (!permitted) {
    for (const c of set) {
      const name = c.toLowerCase();
      const trimmed = trimFirstLabel(name);
      if (trimmed !== '') parents.set(trimmed, name);
    }
  }
  return (s) => {
    const hit = search(set, s, dnsCompare, dnsHasSuffix);
    if (hit) return hit;
    if (!permitted && s.startsWith('*')) {
      const parent = parents.get(trimFirstLabel(s.toLowerCase()));
      if (parent !== undefined) return { constraint: parent };
    }
    return undefined;
  };
}

interface Mailbox {
  readonly local: string;
  readonly domain: string;
}

function emailConstraints(list: readonly string[], permitted: boolean): Query<Mailbox> | undefined {
  if (list.length === 0) return undefined;
  const exact = new Set<string>();
  const domains: string[] = [];
  for (const c of list) {
    if (!c.includes('@')) {
      domains.push(c);
      continue;
    }
    const m = parseMailbox(c);
    if (m) exact.add(`${m.local}@${m.domain.toLowerCase()}`);
  }
  const dns = domains.length > 0 ? dnsConstraints(domains, permitted) : undefined;
  return (m) => {
    const full = `${m.local}@${m.domain}`;
    if (exact.has(full)) return { constraint: full };
    return dns?.(m.domain);
  };
}

// ---------------------------------------------------------------------------------------------
// The chain

interface Constraints<V> {
  readonly type: string;
  readonly permitted: Query<V> | undefined;
  readonly excluded: Query<V> | undefined;
}

interface CaConstraints {
  readonly index: number;
  readonly ip: Constraints<Uint8Array>;
  readonly dns: Constraints<string>;
  readonly uri: Constraints<string>;
  readonly email: Constraints<Mailbox>;
}

function check<V>(c: Constraints<V>, s: V, shown: string): string | undefined {
  if (c.permitted && !c.permitted(s)) return `${c.type} ${goQuote(shown)} is not permitted by any constraint`;
  const hit = c.excluded?.(s);
  if (hit) return `${c.type} ${goQuote(shown)} is excluded by constraint ${goQuote(hit.constraint)}`;
  return undefined;
}

/**
 * checkChainConstraints(chain), leaf first: each certificate's SANs against the constraints of every CA
 * above it. Returns the error's detail (Verify prefixes CANotAuthorizedForThisName's text), or undefined.
 */
export function checkChainConstraints(chain: readonly ParsedCertificate[]): string | undefined {
  const cas: CaConstraints[] = [];
  chain.forEach((c, index) => {
    const nc = c.nameConstraints;
    if (!nc) return;
    cas.push({
      index,
      ip: { type: 'IP address', permitted: ipConstraints(nc.permittedIP), excluded: ipConstraints(nc.excludedIP) },
      dns: { type: 'DNS name', permitted: dnsConstraints(nc.permittedDNS, true), excluded: dnsConstraints(nc.excludedDNS, false) },
      uri: { type: 'URI', permitted: dnsConstraints(nc.permittedURI, true), excluded: dnsConstraints(nc.excludedURI, false) },
      email: { type: 'email address', permitted: emailConstraints(nc.permittedEmail, true), excluded: emailConstraints(nc.excludedEmail, false) },
    });
  });
  if (cas.length === 0) return undefined;

  let first = 0;
  for (let i = 0; i < chain.length; i++) {
    const c = chain[i]!;
    if (!c.hasSANExtension) continue;
    // Only the CAs above this certificate constrain it.
    while (cas[first]!.index <= i) {
      if (first + 1 >= cas.length) return undefined;
      first++;
    }
    const uris: { shown: string; domain: string }[] = [];
    for (const uri of c.uris) {
      const hostRaw = uriHost(uri);
      let host = hostRaw.toLowerCase();
      if (host.length === 0) return `URI with empty host (${goQuote(uri)}) cannot be matched against constraints`;
      if (host.includes(':') && !host.endsWith(']')) {
        const split = splitHostPort(hostRaw);
        if (!split) return `cannot parse URI host ${goQuote(hostRaw)}: address ${hostRaw}: too many colons in address`;
        host = split[0];
      }
      if (parseIpLiteral(host) !== undefined || (host.startsWith('[') && host.endsWith(']'))) {
        return `URI with IP (${goQuote(uri)}) cannot be matched against constraints`;
      }
      uris.push({ shown: uri, domain: host });
    }
    const emails: Mailbox[] = [];
    for (const e of c.emailAddresses) {
      const m = parseMailbox(e);
      if (!m) return `cannot parse rfc822Name ${goQuote(e)}`;
      emails.push({ local: m.local, domain: m.domain.toLowerCase() });
    }
    for (let k = first; k < cas.length; k++) {
      const ca = cas[k]!;
      for (const ip of c.ipAddresses) {
        const err = check(ca.ip, ip, formatNetIp(ip));
        if (err) return err;
      }
      for (const d of c.dnsNames) {
        if (!domainNameValid(d, false)) return `x509: cannot parse dnsName ${goQuote(d)}`;
        const err = check(ca.dns, d, d);
        if (err) return err;
      }
      for (const u of uris) {
        if (!domainNameValid(u.domain, false)) return `x509: internal error: URI SAN ${goQuote(u.shown)} failed to parse`;
        const err = check(ca.uri, u.domain, u.shown);
        if (err) return err;
      }
      for (const m of emails) {
        const shown = `${m.local}@${m.domain}`;
        if (!domainNameValid(m.domain, false)) return `x509: cannot parse rfc822Name ${goQuote(shown)}`;
        const err = check(ca.email, m, shown);
        if (err) return err;
      }
    }
  }
  return undefined;
}
