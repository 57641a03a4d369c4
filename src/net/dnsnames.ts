// The names Go's resolver asks DNS for (src/net/dnsclient.go isDomainName, dnsclient_unix.go
// nameList and avoidDNS, Go 1.23): which strings are host names at all, and the ndots/search list
// that turns one name into the fqdns queried in order.

import type { ResolvConf } from './resolvconf.js';

/** isDomainName: LDH and underscore labels, at most 63 bytes each, 253 (254 with a trailing dot) in all, not all-numeric. */
export function isDomainName(s: string): boolean {
  if (s === '.') return true;
  const l = s.length;
  if (l === 0 || l > 254 || (l === 254 && s[l - 1] !== '.')) return false;
  let last = 0x2e;
  let nonNumeric = false;
  let partlen = 0;
  for (let i = 0; i < l; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f) {
      nonNumeric = true;
      partlen++;
    } else if (c >= 0x30 && c <= 0x39) {
      partlen++;
    } else if (c === 0x2d) {
      if (last === 0x2e) return false;
      partlen++;
      nonNumeric = true;
    } else if (c === 0x2e) {
      if (last === 0x2e || last === 0x2d) return false;
      if (partlen > 63 || partlen === 0) return false;
      partlen = 0;
    } else {
      return false;
    }
    last = c;
  }
  if (last === 0x2d || partlen > 63) return false;
  return nonNumeric;
}

function hasSuffixFold(s: string, suffix: string): boolean {
  return s.length >= suffix.length && s.slice(s.length - suffix.length).toLowerCase() === suffix;
}

/** avoidDNS: .onion names (RFC 7686) are never sent to DNS. */
function avoidDNS(name: string): boolean {
  if (name === '') return true;
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return hasSuffixFold(n, '.onion');
}

/** nameList: the fqdns Go queries for `name`, in order. */
export function nameList(name: string, conf: Pick<ResolvConf, 'ndots' | 'search'>): string[] {
  const l = name.length;
  const rooted = l > 0 && name[l - 1] === '.';
  if (l > 254 || (l === 254 && !rooted)) return [];
  if (rooted) return avoidDNS(name) ? [] : [name];
  let dots = 0;
  for (let i = 0; i < l; i++) if (name.charCodeAt(i) === 0x2e) dots++;
  const hasNdots = dots >= conf.ndots;
  const base = name + '.';
  const names: string[] = [];
  if (hasNdots && !avoidDNS(base)) names.push(base);
  for (const suffix of conf.search) {
    const fqdn = base + suffix;
    if (!avoidDNS(fqdn) && Buffer.byteLength(fqdn, 'utf8') <= 254) names.push(fqdn);
  }
  if (!hasNdots && !avoidDNS(base)) names.push(base);
  return names;
}
