// /etc/hosts as Go's pure resolver reads it (src/net/hosts.go), plus what every file Go's net
// package reads shares: its line reader and field splitter (src/net/parse.go). resolvconf.ts,
// nsswitch.ts and resolver.ts import these so that all three files agree with Go byte for byte;
// IP literals come from netip.ts.

import { lowerASCII } from '../goenv/gostrings.js';
import { formatIpAddr, parseIpLiteral } from './netip.js';

// ---------------------------------------------------------------------------------------------
// Go's line reader

/** Go reads these files through a 64 KiB buffer (parse.go `open`). */
const GO_LINE_BUFFER = 64 * 1024;

function utf8Length(s: string): number {
  // Cheap exit: no UTF-16 unit encodes to more than 3 bytes.
  return s.length * 3 < GO_LINE_BUFFER ? s.length : Buffer.byteLength(s, 'utf8');
}

/**
 * The lines Go's `file.readLine` yields. A line that does not fit Go's 64 KiB buffer (65 535
 * bytes plus its newline) ends the file for Go: it and everything after it are never seen.
 * `stoppedAtLine` reports where that happened (1-based), for the parsers' notes.
 */
export function* goLines(text: string, stop?: { stoppedAtLine?: number }): Generator<string> {
  let start = 0;
  let lineNo = 0;
  while (start < text.length) {
    lineNo++;
    const nl = text.indexOf('\n', start);
    const line = nl === -1 ? text.slice(start) : text.slice(start, nl);
    if (utf8Length(line) > GO_LINE_BUFFER - 1) {
      if (stop) stop.stoppedAtLine = lineNo;
      return;
    }
    yield line;
    if (nl === -1) return;
    start = nl + 1;
  }
}

/** net's getFields (parse.go): split at space, \r, \t, \n only (not strings.Fields); empty fields dropped. */
export function goFields(s: string): string[] {
  return s.split(/[ \r\t\n]+/).filter((f) => f.length > 0);
}

/** absDomainName (dnsclient.go): names with a dot get a trailing dot; dotless names stay as they are. */
export function absDomainName(s: string): string {
  return s.includes('.') && !s.endsWith('.') ? s + '.' : s;
}

// ---------------------------------------------------------------------------------------------
// /etc/hosts

export interface HostsTable {
  /** Addresses for a name, in file order (lookupStaticHost): ASCII case-insensitive; see absDomainName for dots. */
  lookup(name: string): string[];
  /** The canonical name Go reports for a hosts hit: the first name on the first line that listed it. */
  canonicalName(name: string): string | undefined;
  /** Number of distinct names. */
  readonly size: number;
}

interface HostsEntry {
  addrs: string[];
  canonical: string;
}

function hostsKey(name: string): string {
  return absDomainName(lowerASCII(name));
}

export function parseHosts(text: string): HostsTable {
  const byName = new Map<string, HostsEntry>();
  for (let line of goLines(text)) {
    const hash = line.indexOf('#');
    if (hash >= 0) line = line.slice(0, hash);
    const f = goFields(line);
    if (f.length < 2) continue;
    const ip = parseIpLiteral(f[0]!);
    if (!ip) continue;
    const addr = formatIpAddr(ip);
    let canonical = '';
    for (let i = 1; i < f.length; i++) {
      const key = hostsKey(f[i]!);
      if (i === 1) canonical = key;
      const existing = byName.get(key);
      if (existing) existing.addrs.push(addr);
      else byName.set(key, { addrs: [addr], canonical });
    }
  }
  return {
    lookup(name: string): string[] {
      return [...(byName.get(hostsKey(name))?.addrs ?? [])];
    },
    canonicalName(name: string): string | undefined {
      return byName.get(hostsKey(name))?.canonical;
    },
    get size() {
      return byName.size;
    },
  };
}

