// /etc/resolv.conf exactly as Go's pure resolver reads it (dnsReadConfig, src/net/dnsconfig_unix.go).
// Besides the values, it keeps notes on what Go silently skipped or defaulted, for the report.

import { goFields, goLines } from './hosts.js';
import { parseIpLiteral } from './netip.js';

export interface ResolvConf {
  /** IP literals as written in the file (Go keeps the text), at most 3, in file order. */
  readonly servers: readonly string[];
  /** Absolute, with a trailing dot. */
  readonly search: readonly string[];
  readonly ndots: number;
  readonly timeoutMs: number;
  readonly attempts: number;
  readonly rotate: boolean;
  readonly singleRequest: boolean;
  readonly useTCP: boolean;
  readonly trustAD: boolean;
  /** Options and keywords Go does not know: only a cgo-enabled binary would care (it would switch to libc). */
  readonly unknownOptions: readonly string[];
  /** Defaults Go filled in, in words. */
  readonly defaultsUsed: readonly string[];
  /** Lines (or parts) Go skips, in words with their line numbers. */
  readonly skipped: readonly string[];
}

/** Go's defaultNS (dnsconfig.go), without the ":53". */
export const GO_DEFAULT_NAMESERVERS: readonly string[] = Object.freeze(['127.0.0.1', '::1']);

const NOTE_NO_FILE = 'no resolv.conf: using nameservers 127.0.0.1 and ::1 as go does';
const NOTE_NO_SERVERS = 'no usable nameserver lines: using 127.0.0.1 and ::1 as go does';

/** dtoi (parse.go): leading decimal digits, saturating at 0xFFFFFF; no digits gives 0. */
function dtoi(s: string): number {
  const big = 0xffffff;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    n = n * 10 + (c - 0x30);
    if (n >= big) return big;
  }
  return n;
}

function ensureRooted(s: string): string {
  return s.endsWith('.') ? s : s + '.';
}

/** dnsDefaultSearch: the part of the hostname after its first dot, if any follows. */
function defaultSearch(hostname: string): string[] {
  const i = hostname.indexOf('.');
  if (i >= 0 && i < hostname.length - 1) return [ensureRooted(hostname.slice(i + 1))];
  return [];
}

/**
 * Parses resolv.conf text as Go does. `text` undefined means the file is missing (or unreadable),
 * in which case Go uses 127.0.0.1 and ::1 and the hostname's domain. `hostname` is os.Hostname().
 */
export function parseResolvConf(text: string | undefined, hostname: string): ResolvConf {
  const servers: string[] = [];
  let search: string[] = [];
  let ndots = 1;
  let timeoutSec = 5;
  let attempts = 2;
  let rotate = false;
  let singleRequest = false;
  let useTCP = false;
  let trustAD = false;
  const unknownOptions: string[] = [];
  const defaultsUsed: string[] = [];
  const skipped: string[] = [];

  if (text === undefined) {
    defaultsUsed.push(NOTE_NO_FILE);
  } else {
    const stop: { stoppedAtLine?: number } = {};
    let lineNo = 0;
    for (const line of goLines(text, stop)) {
      lineNo++;
      if (line.length > 0 && (line[0] === ';' || line[0] === '#')) continue;
      const f = goFields(line);
      if (f.length < 1) continue;
      const at = `line ${lineNo}`;
      switch (f[0]) {
        case 'nameserver': {
          const addr = f[1];
          if (addr === undefined) {
            skipped.push(`${at}: nameserver without an address`);
          } else if (servers.length >= 3) {
            skipped.push(`${at}: nameserver ${addr}: go uses only the first 3 nameservers`);
          } else if (!parseIpLiteral(addr)) {
            skipped.push(`${at}: nameserver ${addr}: not an IP address, go skips it`);
          } else {
            servers.push(addr);
          }
          break;
        }
        case 'domain':
          if (f.length > 1) search = [ensureRooted(f[1]!)];
          else skipped.push(`${at}: domain without a name`);
          break;
        case 'search':
          search = [];
          for (const s of f.slice(1)) {
            const name = ensureRooted(s);
            if (name !== '.') search.push(name);
          }
          break;
        case 'options':
          for (const s of f.slice(1)) {
            if (s.startsWith('ndots:')) ndots = Math.min(15, Math.max(0, dtoi(s.slice(6))));
            else if (s.startsWith('timeout:')) timeoutSec = Math.max(1, dtoi(s.slice(8)));
            else if (s.startsWith('attempts:')) attempts = Math.max(1, dtoi(s.slice(9)));
            else if (s === 'rotate') rotate = true;
            else if (s === 'single-request' || s === 'single-request-reopen') singleRequest = true;
            else if (s === 'use-vc' || s === 'usevc' || s === 'tcp') useTCP = true;
            else if (s === 'trust-ad') trustAD = true;
            else if (s === 'edns0' || s === 'no-reload') {
              // edns0: Go always sends EDNS0. no-reload: only affects rereading the file.
            } else unknownOptions.push(s);
          }
          break;
        case 'lookup':
          // OpenBSD only; Linux ignores it.
          break;
        default:
          unknownOptions.push(f[0]!);
          skipped.push(`${at}: unknown keyword ${f[0]}: go ignores the line`);
      }
    }
    if (stop.stoppedAtLine !== undefined) {
      skipped.push(`line ${stop.stoppedAtLine}: longer than go's 64 KiB line buffer: go stops reading the file here`);
    }
    if (servers.length === 0) {
      defaultsUsed.push(NOTE_NO_SERVERS);
    }
  }
  const usedServers = servers.length > 0 ? servers : [...GO_DEFAULT_NAMESERVERS];
  if (search.length === 0) {
    search = defaultSearch(hostname);
    if (search.length > 0) defaultsUsed.push(`no search list: using the hostname's domain ${search[0]} as go does`);
  }
  return Object.freeze({
    servers: Object.freeze(usedServers),
    search: Object.freeze(search),
    ndots,
    timeoutMs: timeoutSec * 1000,
    attempts,
    rotate,
    singleRequest,
    useTCP,
    trustAD,
    unknownOptions: Object.freeze(unknownOptions),
    defaultsUsed: Object.freeze(defaultsUsed),
    skipped: Object.freeze(skipped),
  });
}

/** True when Go fell back to its built-in nameservers (nothing usable in the file). */
export function usesDefaultNameservers(conf: ResolvConf): boolean {
  return conf.defaultsUsed.includes(NOTE_NO_FILE) || conf.defaultsUsed.includes(NOTE_NO_SERVERS);
}
