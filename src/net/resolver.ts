// Go's pure-Go DNS resolver (src/net/dnsclient_unix.go, dnsclient.go, addrselect.go, Go 1.23),
// resolving one host the way `go mod download` does when it dials it: literal, /etc/hosts and DNS
// in nsswitch order, the ndots/search name list, A and AAAA per name, attempts x servers with
// rotate, UDP with TCP fallback, Go's choice of which error to report, and RFC 6724 ordering.
// Every exchange is recorded as evidence; the error carries the text Go would print.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';
import { ProbeError, sysCode } from '../errors.js';
import type { LayerCause } from '../causes.js';
import type { HostsTable } from './hosts.js';
import { formatNetIp, ipTo4, joinHostPort, parseIpLiteral, type IpAddr } from './netip.js';
import type { HostLookupOrder } from './nsswitch.js';
import type { ResolvConf } from './resolvconf.js';
import { usesDefaultNameservers } from './resolvconf.js';
import {
  Parser,
  RCODE_NAME_ERROR,
  RCODE_REFUSED,
  RCODE_SERVER_FAILURE,
  RCODE_SUCCESS,
  SECTION_DONE,
  TYPE_A,
  TYPE_AAAA,
  TYPE_CNAME,
  TYPE_OPT,
  buildQuery,
  describeAnswers,
  equalASCIIName,
  rcodeName,
  unpackableName,
} from './dnswire.js';
import type { Header } from './dnswire.js';

export interface DnsAnswer {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export type DnsQueryOutcome =
  | 'answer'
  | 'nxdomain'
  | 'nodata'
  | 'servfail'
  | 'refused'
  | 'rcode'
  | 'lame'
  | 'timeout'
  | 'unreachable'
  | 'malformed';

export interface DnsQueryRecord {
  name: string;
  type: 'A' | 'AAAA';
  /** ip:port */
  server: string;
  transport: 'udp' | 'tcp';
  rcode?: string;
  answers: DnsAnswer[];
  truncated: boolean;
  latencyMs: number;
  outcome: DnsQueryOutcome;
  detail?: string;
}

export interface LookupResult {
  host: string;
  source: 'literal' | 'hosts' | 'dns';
  /** In Go's order (RFC 6724, as sortByRFC6724 sorts). */
  addresses: string[];
  namesTried: string[];
  /** The fqdn that produced the answer. */
  answeredBy?: string;
  queries: DnsQueryRecord[];
  cname?: string;
}

export class DnsLookupError extends ProbeError {
  declare readonly code: LayerCause;
  /** The text Go would print, e.g. "lookup proxy.golang.org on 10.0.0.2:53: no such host". */
  readonly goError: string;
  /** The evidence: names tried and every query. */
  readonly result: Omit<LookupResult, 'addresses'>;
  constructor(code: LayerCause, goError: string, result: Omit<LookupResult, 'addresses'>, detail?: string) {
    super(code, detail ? `${goError} (${detail})` : goError);
    this.name = 'DnsLookupError';
    this.goError = goError;
    this.result = result;
  }
}

export interface ResolverOptions {
  conf: ResolvConf;
  hosts: HostsTable;
  order: HostLookupOrder;
  /** Nameserver port; Go always uses 53, tests and the demo use a high port. */
  port?: number;
  /** EDNS0 payload size advertised, and the UDP read buffer. Go: 1232. */
  maxUdpPayload?: number;
  /** The dial deadline DNS runs under in cmd/go (http.DefaultTransport's dialer): 30 s. */
  dialTimeoutMs?: number;
  /** net.Resolver.StrictErrors; cmd/go uses the default resolver, which leaves it off. */
  strictErrors?: boolean;
}

const GO_MAX_DNS_PACKET = 1232;
const GO_DIAL_TIMEOUT_MS = 30_000;
/** Node's timers overflow past 2^31-1 ms (and then fire at once); resolv.conf allows far more. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** TCP replies: the 2-byte length can announce at most 65535 bytes; never buffer more than that. */
const MAX_TCP_READ = 64 * 1024 + 2;

// ---------------------------------------------------------------------------------------------
// Names (dnsclient.go isDomainName, dnsclient_unix.go nameList/avoidDNS)

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

// ---------------------------------------------------------------------------------------------
// RFC 6724 destination address ordering (addrselect.go)

interface Ip {
  /** 4 or 16 bytes, as net.IP holds it. */
  readonly bytes: Uint8Array;
  readonly zone: string;
}

/** netip.AddrFromSlice: 4 bytes is IPv4, 16 bytes is IPv6 (an IPv4-mapped one stays IPv6). */
function as16(b: Uint8Array): Uint8Array {
  if (b.length === 16) return b;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(b, 12);
  return out;
}

interface IpAttr {
  scope: number;
  precedence: number;
  label: number;
}

const POLICY_TABLE: readonly { prefix: Uint8Array; bits: number; precedence: number; label: number }[] = [
  { prefix: bytes16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), bits: 128, precedence: 50, label: 0 },
  { prefix: bytes16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), bits: 96, precedence: 35, label: 4 },
  { prefix: bytes16([]), bits: 96, precedence: 1, label: 3 },
  { prefix: bytes16([0x20, 0x01]), bits: 32, precedence: 5, label: 5 },
  { prefix: bytes16([0x20, 0x02]), bits: 16, precedence: 30, label: 2 },
  { prefix: bytes16([0x3f, 0xfe]), bits: 16, precedence: 1, label: 12 },
  { prefix: bytes16([0xfe, 0xc0]), bits: 10, precedence: 1, label: 11 },
  { prefix: bytes16([0xfc]), bits: 7, precedence: 3, label: 13 },
  { prefix: bytes16([]), bits: 0, precedence: 40, label: 1 },
];

function bytes16(head: number[]): Uint8Array {
  const b = new Uint8Array(16);
  b.set(head);
  return b;
}

function prefixContains(prefix: Uint8Array, bits: number, ip: Uint8Array): boolean {
  for (let i = 0; i < 16 && bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((prefix[i]! & mask) !== (ip[i]! & mask)) return false;
  }
  return true;
}

function classifyScope(b: Uint8Array): number {
  const v4 = ipTo4(b);
  if (v4) {
    if (v4[0] === 127 || (v4[0] === 169 && v4[1] === 254)) return 0x2;
    return 0xe;
  }
  const loopback = b.every((x, i) => x === (i === 15 ? 1 : 0));
  const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
  if (loopback || linkLocal) return 0x2;
  if (b[0] === 0xff) return b[1]! & 0xf;
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return 0x5;
  return 0xe;
}

function ipAttrOf(b: Uint8Array | undefined): IpAttr {
  if (!b) return { scope: 0, precedence: 0, label: 0 };
  const ip16 = as16(b);
  const ent = POLICY_TABLE.find((e) => prefixContains(e.prefix, e.bits, ip16));
  return { scope: classifyScope(b), precedence: ent?.precedence ?? 0, label: ent?.label ?? 0 };
}

function commonPrefixLen(src: Uint8Array, dst: Uint8Array): number {
  const b = ipTo4(dst) ?? dst;
  const a = src;
  if (a.length !== b.length) return 0;
  const n = a.length > 8 ? 8 : a.length;
  let cpl = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) {
      cpl += 8;
      continue;
    }
    let ab = a[i]!;
    let bb = b[i]!;
    let bits = 8;
    for (;;) {
      ab >>= 1;
      bb >>= 1;
      bits--;
      if (ab === bb) return cpl + bits;
    }
  }
  return cpl;
}

/**
 * sortByRFC6724withSrcs: Go's rules 1, 2, 5, 6, 8 and 9 (IPv6 only), applied with sort.Stable's
 * exact algorithm so that even a comparator that is not a strict order gives Go's result.
 * `srcs[i]` is the source address the kernel would use for `addrs[i]`, undefined if unroutable.
 */
export function sortByRFC6724WithSources<T extends { bytes: Uint8Array }>(addrs: T[], srcs: (Uint8Array | undefined)[]): void {
  if (addrs.length !== srcs.length) throw new RangeError('addrs and srcs differ in length');
  const addrAttr = addrs.map((a) => ipAttrOf(a.bytes));
  const srcAttr = srcs.map((s) => ipAttrOf(s));
  const swap = (i: number, j: number) => {
    [addrs[i], addrs[j]] = [addrs[j]!, addrs[i]!];
    [srcs[i], srcs[j]] = [srcs[j], srcs[i]];
    [addrAttr[i], addrAttr[j]] = [addrAttr[j]!, addrAttr[i]!];
    [srcAttr[i], srcAttr[j]] = [srcAttr[j]!, srcAttr[i]!];
  };
  const less = (i: number, j: number): boolean => {
    const DA = addrs[i]!.bytes;
    const DB = addrs[j]!.bytes;
    const SourceDA = srcs[i];
    const SourceDB = srcs[j];
    const aDA = addrAttr[i]!;
    const aDB = addrAttr[j]!;
    const aSDA = srcAttr[i]!;
    const aSDB = srcAttr[j]!;
    // Rule 1: avoid unusable destinations.
    if (!SourceDA && !SourceDB) return false;
    if (!SourceDB) return true;
    if (!SourceDA) return false;
    // Rule 2: prefer matching scope.
    if (aDA.scope === aSDA.scope && aDB.scope !== aSDB.scope) return true;
    if (aDA.scope !== aSDA.scope && aDB.scope === aSDB.scope) return false;
    // Rule 5: prefer matching label.
    if (aSDA.label === aDA.label && aSDB.label !== aDB.label) return true;
    if (aSDA.label !== aDA.label && aSDB.label === aDB.label) return false;
    // Rule 6: prefer higher precedence.
    if (aDA.precedence > aDB.precedence) return true;
    if (aDA.precedence < aDB.precedence) return false;
    // Rule 8: prefer smaller scope.
    if (aDA.scope < aDB.scope) return true;
    if (aDA.scope > aDB.scope) return false;
    // Rule 9: longest matching prefix, IPv6 only (Go issues 13283, 18518).
    if (!ipTo4(DA) && !ipTo4(DB)) {
      const commonA = commonPrefixLen(SourceDA, DA);
      const commonB = commonPrefixLen(SourceDB, DB);
      if (commonA > commonB) return true;
      if (commonA < commonB) return false;
    }
    return false;
  };
  goSortStable(addrs.length, less, swap);
}

/** sort.Stable (Go 1.23 zsortinterface.go): insertion sort in blocks of 20, then SymMerge. */
function goSortStable(n: number, less: (i: number, j: number) => boolean, swap: (i: number, j: number) => void): void {
  const insertionSort = (a: number, b: number) => {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && less(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (a: number, b: number, k: number) => {
    for (let i = 0; i < k; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number) => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (less(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!less(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!less(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };
  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}

/** srcAddrs: the source address a UDP connect() picks for each destination (no packet is sent). */
async function sourceAddresses(addrs: readonly Ip[]): Promise<(Uint8Array | undefined)[]> {
  return Promise.all(
    addrs.map(
      (a) =>
        new Promise<Uint8Array | undefined>((resolve) => {
          const v4 = ipTo4(a.bytes);
          let sock: dgram.Socket;
          try {
            sock = dgram.createSocket(v4 ? 'udp4' : 'udp6');
          } catch {
            resolve(undefined);
            return;
          }
          const done = (v: Uint8Array | undefined) => {
            try {
              sock.close();
            } catch {
              // already closed
            }
            resolve(v);
          };
          sock.on('error', () => done(undefined));
          const host = v4 ? formatNetIp(v4) : formatNetIp(a.bytes, a.zone);
          try {
            // Node hands a connect failure (ENETUNREACH, EINVAL) to this callback, typed without it.
            sock.connect(53, host, (...args: unknown[]) => {
              if (args[0]) return done(undefined);
              try {
                const local = parseIpLiteral(sock.address().address);
                done(local?.bytes);
              } catch {
                done(undefined);
              }
            });
          } catch {
            done(undefined);
          }
        }),
    ),
  );
}

async function sortByRFC6724<T extends Ip>(addrs: T[]): Promise<void> {
  if (addrs.length < 2) return;
  sortByRFC6724WithSources(addrs, await sourceAddresses(addrs));
}

// ---------------------------------------------------------------------------------------------
// One exchange (exchange, dnsPacketRoundTrip, dnsStreamRoundTrip)

/** syscall.Errno texts on Linux, for Go's OpError strings. */
const ERRNO_TEXT: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  ENETUNREACH: 'network is unreachable',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EADDRNOTAVAIL: 'cannot assign requested address',
  EAFNOSUPPORT: 'address family not supported by protocol',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'broken pipe',
  EINVAL: 'invalid argument',
  EMSGSIZE: 'message too long',
  ENOBUFS: 'no buffer space available',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in system',
};

function errnoText(err: unknown): string {
  const code = sysCode(err);
  if (code && ERRNO_TEXT[code]) return ERRNO_TEXT[code]!;
  return err instanceof Error ? err.message : String(err);
}

/** A failure inside one exchange, as Go's error value would describe it. */
interface ExchangeFailure {
  /** The error text (DNSError.Err). */
  text: string;
  cause: LayerCause;
  outcome: DnsQueryOutcome;
  /** Go: any *OpError (socket-level) makes the DNSError temporary. */
  opError: boolean;
  timeout: boolean;
}

interface Server {
  /** As the resolv.conf text names it, with the port: what Go prints after "on". */
  readonly name: string;
  readonly ip: IpAddr;
  readonly host: string;
  readonly port: number;
  /** The normalized remote address Go's OpError prints. */
  readonly remote: string;
}

interface Reply {
  parser: Parser;
  header: Header;
  msg: Uint8Array;
}

type RoundTrip = { ok: true; reply: Reply; ignored: string[] } | { ok: false; failure: ExchangeFailure; ignored: string[] };

interface QueryWire {
  id: number;
  name: string;
  qtype: number;
  udp: Buffer;
  tcp: Buffer;
}

function checkResponse(q: QueryWire, h: Header, respName: string, respType: number, respClass: number): string | undefined {
  if (!h.response) return 'QR bit not set';
  if (h.id !== q.id) return `id ${h.id} != ${q.id}`;
  if (respType !== q.qtype || respClass !== 1 || !equalASCIIName(q.name, respName)) return `question ${respName} type ${respType} does not match`;
  return undefined;
}

function localName(sock: { address(): unknown }): string {
  try {
    const a = sock.address() as { address?: string; port?: number };
    if (!a || typeof a.address !== 'string') return '';
    const ip = parseIpLiteral(a.address);
    return joinHostPort(ip ? formatNetIp(ip.bytes, ip.zone) : a.address, a.port ?? 0);
  } catch {
    return '';
  }
}

function timerFor(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
}

function udpRoundTrip(server: Server, q: QueryWire, deadline: number, signal: AbortSignal, maxRead: number): Promise<RoundTrip> {
  return new Promise<RoundTrip>((resolve) => {
    const ignored: string[] = [];
    let local = '';
    let settled = false;
    let sock: dgram.Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: RoundTrip) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      try {
        sock?.close();
      } catch {
        // not running
      }
      resolve(r);
    };
    const fail = (text: string, cause: LayerCause, outcome: DnsQueryOutcome, timeout = false) =>
      finish({ ok: false, failure: { text, cause, outcome, opError: true, timeout }, ignored });
    const ioTimeout = () =>
      local
        ? fail(`read udp ${local}->${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true)
        : fail(`dial udp ${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true);
    const onAbort = () => ioTimeout();
    if (signal.aborted) return ioTimeout();
    signal.addEventListener('abort', onAbort, { once: true });
    timer = timerFor(deadline - performance.now(), ioTimeout);

    try {
      sock = dgram.createSocket(server.ip.family === 4 ? 'udp4' : 'udp6');
    } catch (err) {
      return fail(`dial udp ${server.remote}: socket: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
    }
    const s = sock;
    s.on('error', (err: unknown) => {
      // Before connect() the socket itself failed (no IPv6, no free port): Go says "socket:".
      if (!local) return fail(`dial udp ${server.remote}: socket: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
      const timedOut = sysCode(err) === 'ETIMEDOUT';
      fail(`read udp ${local}->${server.remote}: read: ${errnoText(err)}`, timedOut ? 'dns.timeout' : 'dns.unreachable', timedOut ? 'timeout' : 'unreachable');
    });
    s.on('message', (raw: Buffer, rinfo: dgram.RemoteInfo) => {
      if (settled) return;
      // connect() already filters in the kernel; this keeps the rule explicit.
      const from = parseIpLiteral(rinfo.address.split('%')[0]!);
      if (rinfo.port !== server.port || !from || formatNetIp(from.bytes) !== formatNetIp(server.ip.bytes)) {
        ignored.push(`reply from ${joinHostPort(rinfo.address, rinfo.port)}`);
        return;
      }
      // Go reads into a maxDNSPacketSize buffer: anything longer is cut off, not rejected.
      const msg = new Uint8Array(raw.subarray(0, maxRead));
      const p = new Parser();
      const st = p.start(msg);
      if (!st.ok) {
        ignored.push(`unparsable reply (${st.error})`);
        return;
      }
      const qq = p.question();
      if (!qq.ok) {
        ignored.push(`reply without a readable question (${qq.error})`);
        return;
      }
      const mismatch = checkResponse(q, st.header, qq.question.name, qq.question.type, qq.question.class);
      if (mismatch) {
        ignored.push(`reply ignored: ${mismatch}`);
        return;
      }
      finish({ ok: true, reply: { parser: p, header: st.header, msg }, ignored });
    });
    try {
      // Node hands a connect failure to this callback (typed without it), not to 'error'.
      s.connect(server.port, server.host, (...args: unknown[]) => {
        if (settled) return;
        if (args[0]) return fail(`dial udp ${server.remote}: connect: ${errnoText(args[0])}`, 'dns.unreachable', 'unreachable');
        local = localName(s);
        s.send(q.udp, (err) => {
          if (err) fail(`write udp ${local}->${server.remote}: write: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
        });
      });
    } catch (err) {
      fail(`dial udp ${server.remote}: connect: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
    }
  });
}

function tcpRoundTrip(server: Server, q: QueryWire, deadline: number, signal: AbortSignal): Promise<RoundTrip> {
  return new Promise<RoundTrip>((resolve) => {
    const ignored: string[] = [];
    let settled = false;
    let connected = false;
    let local = '';
    let timer: NodeJS.Timeout | undefined;
    let sock: net.Socket | undefined;
    const chunks: Buffer[] = [];
    let have = 0;
    const finish = (r: RoundTrip) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      sock?.destroy();
      resolve(r);
    };
    const fail = (text: string, cause: LayerCause, outcome: DnsQueryOutcome, opError = true, timeout = false) =>
      finish({ ok: false, failure: { text, cause, outcome, opError, timeout }, ignored });
    const ioTimeout = () =>
      connected
        ? fail(`read tcp ${local}->${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true, true)
        : fail(`dial tcp ${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true, true);
    const onAbort = () => ioTimeout();
    if (signal.aborted) return ioTimeout();
    signal.addEventListener('abort', onAbort, { once: true });
    timer = timerFor(deadline - performance.now(), ioTimeout);

    const tryParse = () => {
      if (have < 2) return;
      const all = Buffer.concat(chunks, have);
      const l = all.readUInt16BE(0);
      if (have < 2 + l) return;
      const msg = new Uint8Array(all.subarray(2, 2 + l));
      const p = new Parser();
      const st = p.start(msg);
      if (!st.ok) return fail('cannot unmarshal DNS message', 'dns.malformed', 'malformed', false);
      const qq = p.question();
      if (!qq.ok) return fail('cannot unmarshal DNS message', 'dns.malformed', 'malformed', false);
      const mismatch = checkResponse(q, st.header, qq.question.name, qq.question.type, qq.question.class);
      if (mismatch) {
        ignored.push(mismatch);
        return fail('invalid DNS response', 'dns.malformed', 'malformed', false);
      }
      finish({ ok: true, reply: { parser: p, header: st.header, msg }, ignored });
    };
    try {
      sock = net.connect({ host: server.host, port: server.port, family: server.ip.family });
    } catch (err) {
      return fail(`dial tcp ${server.remote}: connect: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
    }
    const s = sock;
    s.on('connect', () => {
      connected = true;
      local = localName(s);
      s.write(q.tcp);
    });
    s.on('data', (d: Buffer) => {
      if (settled) return;
      const room = MAX_TCP_READ - have;
      const part = d.length > room ? d.subarray(0, room) : d;
      chunks.push(part);
      have += part.length;
      tryParse();
    });
    s.on('end', () => {
      if (settled) return;
      // io.ReadFull: EOF when nothing of the current read arrived, else unexpected EOF.
      if (have === 0) return fail('EOF', 'dns.unreachable', 'unreachable', false);
      if (have < 2) return fail('unexpected EOF', 'dns.malformed', 'malformed', false);
      const l = Buffer.concat(chunks, have).readUInt16BE(0);
      if (have === 2 && l > 0) return fail('EOF', 'dns.malformed', 'malformed', false);
      fail('unexpected EOF', 'dns.malformed', 'malformed', false);
    });
    s.on('error', (err: unknown) => {
      if (!connected) {
        const code = sysCode(err);
        fail(`dial tcp ${server.remote}: connect: ${errnoText(err)}`, code === 'ETIMEDOUT' ? 'dns.timeout' : 'dns.unreachable', code === 'ETIMEDOUT' ? 'timeout' : 'unreachable');
      } else {
        fail(`read tcp ${local}->${server.remote}: read: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
      }
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Go's error value and the per-name state

interface GoDnsError {
  err: string;
  name: string;
  server: string;
  isTimeout: boolean;
  isTemporary: boolean;
  isNotFound: boolean;
  cause: LayerCause;
}

function goErrorText(e: GoDnsError): string {
  return `lookup ${e.name}${e.server ? ` on ${e.server}` : ''}: ${e.err}`;
}

type TryResult = { ok: true; parser: Parser; server: string } | { ok: false; error: GoDnsError | undefined };

const NO_SUCH_HOST = 'no such host';
const CANNOT_UNMARSHAL = 'cannot unmarshal DNS message';
const SERVER_MISBEHAVING = 'server misbehaving';

function extendedRcode(p: Parser, h: Header): { rcode: number; hasAdd: boolean } {
  p.skipAllAnswers();
  p.skipAllAuthorities();
  let hasAdd = false;
  // Each pass consumes a record or ends; the count caps it at 65535.
  for (;;) {
    const a = p.additionalHeader();
    if (!a.ok) return { rcode: h.rcode, hasAdd };
    hasAdd = true;
    if (a.header.type === TYPE_OPT) {
      const ttl = a.header.ttl;
      if ((ttl & 0x00ff0000) === 0) return { rcode: (((ttl >>> 24) << 4) | h.rcode) & 0xffff, hasAdd };
      return { rcode: h.rcode, hasAdd };
    }
    if (p.skipAdditional() !== undefined) return { rcode: h.rcode, hasAdd };
  }
}

type HeaderVerdict =
  | { kind: 'ok' }
  | { kind: 'nxdomain' }
  | { kind: 'fail'; text: string; temporary: boolean; cause: LayerCause; outcome: DnsQueryOutcome; rcode: number };

/** checkHeader. */
function checkHeader(p: Parser, h: Header): HeaderVerdict {
  const { rcode, hasAdd } = extendedRcode(p.clone(), h);
  if (rcode === RCODE_NAME_ERROR) return { kind: 'nxdomain' };
  const a = p.answerHeader();
  const err = a.ok ? undefined : a.error;
  if (err !== undefined && err !== SECTION_DONE) {
    return { kind: 'fail', text: CANNOT_UNMARSHAL, temporary: false, cause: 'dns.malformed', outcome: 'malformed', rcode };
  }
  if (rcode === RCODE_SUCCESS && !h.authoritative && !h.recursionAvailable && err === SECTION_DONE && !hasAdd) {
    return { kind: 'fail', text: 'lame referral', temporary: false, cause: 'dns.server_misbehaving', outcome: 'lame', rcode };
  }
  if (rcode !== RCODE_SUCCESS && rcode !== RCODE_NAME_ERROR) {
    if (rcode === RCODE_SERVER_FAILURE) {
      return { kind: 'fail', text: SERVER_MISBEHAVING, temporary: true, cause: 'dns.servfail', outcome: 'servfail', rcode };
    }
    if (rcode === RCODE_REFUSED) {
      return { kind: 'fail', text: SERVER_MISBEHAVING, temporary: false, cause: 'dns.refused', outcome: 'refused', rcode };
    }
    return { kind: 'fail', text: SERVER_MISBEHAVING, temporary: false, cause: 'dns.server_misbehaving', outcome: 'rcode', rcode };
  }
  return { kind: 'ok' };
}

/** skipToAnswer: 'ok' leaves the parser on the first record of the asked type. */
function skipToAnswer(p: Parser, qtype: number): 'ok' | 'nodata' | 'malformed' {
  for (;;) {
    const h = p.answerHeader();
    if (!h.ok) return h.error === SECTION_DONE ? 'nodata' : 'malformed';
    if (h.header.type === qtype) return 'ok';
    if (p.skipAnswer() !== undefined) return 'malformed';
  }
}

// ---------------------------------------------------------------------------------------------
// The resolver

interface LookupState {
  host: string;
  queries: DnsQueryRecord[];
  namesTried: string[];
  signal: AbortSignal;
  deadline: number;
}

export class Resolver {
  private readonly conf: ResolvConf;
  private readonly hosts: HostsTable;
  private readonly order: HostLookupOrder;
  private readonly port: number;
  private readonly maxUdpPayload: number;
  private readonly dialTimeoutMs: number;
  private readonly strictErrors: boolean;
  private readonly servers: readonly Server[];
  /** dnsConfig.soffset: advances once per tryOneName when rotate is on. */
  private soffset = 0;

  constructor(opts: ResolverOptions) {
    this.conf = opts.conf;
    this.hosts = opts.hosts;
    this.order = opts.order;
    this.port = opts.port ?? 53;
    this.maxUdpPayload = opts.maxUdpPayload ?? GO_MAX_DNS_PACKET;
    this.dialTimeoutMs = opts.dialTimeoutMs ?? GO_DIAL_TIMEOUT_MS;
    this.strictErrors = opts.strictErrors ?? false;
    const servers: Server[] = [];
    for (const text of this.conf.servers) {
      const ip = parseIpLiteral(text);
      if (!ip) continue; // parseResolvConf only keeps literals; a hand-built conf may not
      const host = ip.family === 4 ? formatNetIp(ip.bytes) : formatNetIp(ip.bytes, ip.zone);
      servers.push({ name: joinHostPort(text, this.port), ip, host, port: this.port, remote: joinHostPort(host, this.port) });
    }
    this.servers = servers;
  }

  private serverOffset(): number {
    if (!this.conf.rotate) return 0;
    return this.soffset++;
  }

  /** How long go would spend on this lookup before giving up (every server silent), capped by the 30 s dial timeout. */
  goGiveUpMs(host: string): number {
    if (host === '' || parseIpLiteral(host)) return 0;
    if (this.order !== 'dns,files' && this.order !== 'dns' && this.hosts.lookup(host).length > 0) return 0;
    if (this.order === 'files' || !isDomainName(host)) return 0;
    const names = nameList(host, this.conf).length;
    const perQuery = this.conf.attempts * this.servers.length * this.conf.timeoutMs;
    const perName = this.conf.singleRequest ? 2 * perQuery : perQuery;
    return Math.min(names * perName, this.dialTimeoutMs);
  }

  async lookup(host: string, opts: { signal: AbortSignal }): Promise<LookupResult> {
    const literal = parseIpLiteral(host);
    if (literal) {
      return { host, source: 'literal', addresses: [formatNetIp(literal.bytes, literal.zone)], namesTried: [], queries: [] };
    }
    const evidence = (st?: LookupState): Omit<LookupResult, 'addresses'> => ({
      host,
      source: 'dns',
      namesTried: st ? [...st.namesTried] : [],
      queries: st ? [...st.queries] : [],
    });
    if (host === '') {
      throw new DnsLookupError('dns.nxdomain', goErrorText(this.noSuchHost(host)), evidence());
    }
    if (this.order === 'files,dns' || this.order === 'files') {
      const hit = await this.fromHosts(host);
      if (hit) return hit;
      if (this.order === 'files') {
        throw new DnsLookupError('dns.hosts_only', goErrorText(this.noSuchHost(host)), { ...evidence(), source: 'hosts' },
          'nsswitch.conf says hosts: files and the name is not in /etc/hosts');
      }
    }
    if (!isDomainName(host)) {
      throw new DnsLookupError('dns.nxdomain', goErrorText(this.noSuchHost(host)), evidence(), 'not a valid domain name: go does not query DNS');
    }

    // DNS runs inside the dial's deadline; the caller's signal may end it sooner.
    const started = performance.now();
    const deadlineCtl = new AbortController();
    const dialTimer = timerFor(this.dialTimeoutMs, () => deadlineCtl.abort());
    const onCallerAbort = () => deadlineCtl.abort();
    if (opts.signal.aborted) deadlineCtl.abort();
    else opts.signal.addEventListener('abort', onCallerAbort, { once: true });
    const st: LookupState = {
      host,
      queries: [],
      namesTried: [],
      signal: deadlineCtl.signal,
      deadline: started + this.dialTimeoutMs,
    };
    try {
      return await this.lookupDNS(st, evidence, opts.signal);
    } finally {
      clearTimeout(dialTimer);
      opts.signal.removeEventListener('abort', onCallerAbort);
    }
  }

  private noSuchHost(name: string, server = ''): GoDnsError {
    return { err: NO_SUCH_HOST, name, server, isTimeout: false, isTemporary: false, isNotFound: true, cause: 'dns.nxdomain' };
  }

  private async fromHosts(host: string): Promise<LookupResult | undefined> {
    const strs = this.hosts.lookup(host);
    const ips: Ip[] = [];
    for (const s of strs) {
      const pct = s.lastIndexOf('%');
      const addr = pct > 0 ? s.slice(0, pct) : s;
      const zone = pct > 0 ? s.slice(pct + 1) : '';
      const ip = parseIpLiteral(addr);
      if (!ip || ip.zone) continue;
      // net.ParseIP always gives 16 bytes.
      ips.push({ bytes: as16(ip.bytes), zone });
    }
    if (ips.length === 0) return undefined;
    await sortByRFC6724(ips);
    const canonical = this.hosts.canonicalName(host);
    return {
      host,
      source: 'hosts',
      addresses: ips.map((ip) => formatNetIp(ip.bytes, ip.zone)),
      namesTried: [],
      queries: [],
      ...(canonical ? { cname: canonical } : {}),
    };
  }

  private timeoutError(st: LookupState, evidence: (st?: LookupState) => Omit<LookupResult, 'addresses'>, callerSignal: AbortSignal): DnsLookupError {
    const detail = callerSignal.aborted
      ? `the probe's deadline ended the lookup; go would wait up to ${this.goGiveUpMs(st.host)} ms`
      : `go's ${this.dialTimeoutMs} ms dial deadline passed`;
    const cause: LayerCause = usesDefaultNameservers(this.conf) ? 'dns.no_nameserver' : 'dns.timeout';
    const ev = evidence(st);
    let goError = `lookup ${st.host}: i/o timeout`;
    // Cut short by the probe while go would finish its own walk inside the dial deadline: go then prints
    // the bare name's last exchange error, which names the server ("lookup h on 10.0.0.10:53: read udp ...").
    if (callerSignal.aborted && this.goGiveUpMs(st.host) < this.dialTimeoutMs) {
      const last = [...ev.queries].reverse().find((q) => q.outcome === 'timeout' && q.detail?.includes('i/o timeout'));
      if (last?.detail) goError = `lookup ${st.host} on ${last.server}: ${last.detail.replace(/;.*$/, '')}`;
    }
    return new DnsLookupError(cause, goError, ev, detail);
  }

  private async lookupDNS(
    st: LookupState,
    evidence: (st?: LookupState) => Omit<LookupResult, 'addresses'>,
    callerSignal: AbortSignal,
  ): Promise<LookupResult> {
    const name = st.host;
    if (this.servers.length === 0) {
      // Go's tryOneName with no servers returns an empty parser, which then fails to unmarshal.
      throw new DnsLookupError('dns.no_nameserver', `lookup ${name}: ${CANNOT_UNMARSHAL}`, evidence(st), 'no nameserver configured');
    }
    const qtypes = [TYPE_A, TYPE_AAAA];
    let lastErr: GoDnsError | undefined;
    const addrs: Ip[] = [];
    let cname = '';
    let answeredBy: string | undefined;
    for (const fqdn of nameList(name, this.conf)) {
      if (st.signal.aborted) throw this.timeoutError(st, evidence, callerSignal);
      st.namesTried.push(fqdn);
      const arrivals: { qtype: number; r: TryResult }[] = [];
      if (this.conf.singleRequest) {
        for (const qtype of qtypes) arrivals.push({ qtype, r: await this.tryOneName(st, fqdn, qtype) });
      } else {
        await Promise.all(
          qtypes.map((qtype) => {
            const offset = this.serverOffset();
            return this.tryOneName(st, fqdn, qtype, offset).then((r) => {
              arrivals.push({ qtype, r });
            });
          }),
        );
      }
      if (st.signal.aborted) throw this.timeoutError(st, evidence, callerSignal);
      let hitStrictError = false;
      const before = addrs.length;
      for (const { r } of arrivals) {
        if (!r.ok) {
          const e = r.error;
          if (e && (e.isTimeout || e.isTemporary) && this.strictErrors) {
            hitStrictError = true;
            lastErr = e;
          } else if (lastErr === undefined || fqdn === name + '.') {
            // Prefer the error for the name as given.
            lastErr = e;
          }
          continue;
        }
        const p = r.parser;
        const unmarshal = (): GoDnsError => ({
          err: CANNOT_UNMARSHAL, name, server: r.server, isTimeout: false, isTemporary: false, isNotFound: false, cause: 'dns.malformed',
        });
        // Every A/AAAA record from the first one of the asked type on counts, whatever its owner
        // name: Go trusts the recursive server to have followed the CNAMEs.
        for (;;) {
          const h = p.answerHeader();
          if (!h.ok) {
            if (h.error !== SECTION_DONE) lastErr = unmarshal();
            break;
          }
          const t = h.header.type;
          if (t === TYPE_A || t === TYPE_AAAA) {
            const res = t === TYPE_A ? p.aResource() : p.aaaaResource();
            if (!res.ok) {
              lastErr = unmarshal();
              break;
            }
            addrs.push({ bytes: res.bytes, zone: '' });
            if (cname === '') cname = h.header.name;
          } else if (t === TYPE_CNAME) {
            const res = p.cnameResource();
            if (!res.ok) {
              lastErr = unmarshal();
              break;
            }
            if (cname === '' && res.cname.length > 0) cname = res.cname;
          } else if (p.skipAnswer() !== undefined) {
            lastErr = unmarshal();
            break;
          }
        }
      }
      if (hitStrictError) {
        addrs.length = 0;
        break;
      }
      if (addrs.length > before) answeredBy = fqdn;
      if (addrs.length > 0) break;
    }
    if (lastErr) lastErr = { ...lastErr, name };
    await sortByRFC6724(addrs);
    if (st.signal.aborted) throw this.timeoutError(st, evidence, callerSignal);
    if (addrs.length === 0) {
      if (this.order === 'dns,files') {
        const hit = await this.fromHosts(name);
        if (hit) return { ...hit, namesTried: [...st.namesTried], queries: [...st.queries] };
      }
      if (lastErr) {
        let cause = lastErr.cause;
        if ((cause === 'dns.unreachable' || cause === 'dns.timeout') && usesDefaultNameservers(this.conf)) cause = 'dns.no_nameserver';
        throw new DnsLookupError(cause, goErrorText(lastErr), evidence(st));
      }
      // Nothing was queried (.onion, or every candidate too long): Go's dialer then has no address.
      throw new DnsLookupError('dns.nxdomain', `address ${name}: no suitable address found`, evidence(st), 'go sends no DNS query for this name');
    }
    return {
      host: name,
      source: 'dns',
      addresses: addrs.map((a) => formatNetIp(a.bytes)),
      namesTried: [...st.namesTried],
      ...(answeredBy ? { answeredBy } : {}),
      queries: [...st.queries],
      ...(cname && !(answeredBy && equalASCIIName(cname, answeredBy)) ? { cname } : {}),
    };
  }

  /** tryOneName: attempts x servers, starting at the rotate offset; NXDOMAIN or no records ends it. */
  private async tryOneName(st: LookupState, fqdn: string, qtype: number, offset = this.serverOffset()): Promise<TryResult> {
    const sLen = this.servers.length;
    let lastErr: GoDnsError | undefined;
    for (let i = 0; i < this.conf.attempts; i++) {
      for (let j = 0; j < sLen; j++) {
        if (st.signal.aborted) return { ok: false, error: lastErr };
        const server = this.servers[(offset + j) % sLen]!;
        const ex = await this.exchange(st, server, fqdn, qtype);
        if (!ex.ok) {
          const f = ex.failure;
          lastErr = { err: f.text, name: fqdn, server: server.name, isTimeout: f.timeout, isTemporary: f.opError, isNotFound: false, cause: f.cause };
          continue;
        }
        const { parser: p, header: h, record } = ex;
        const verdict = checkHeader(p, h);
        if (verdict.kind === 'nxdomain') {
          record.outcome = 'nxdomain';
          return { ok: false, error: this.noSuchHost(fqdn, server.name) };
        }
        if (verdict.kind === 'fail') {
          record.outcome = verdict.outcome;
          record.rcode = rcodeName(verdict.rcode);
          lastErr = { err: verdict.text, name: fqdn, server: server.name, isTimeout: false, isTemporary: verdict.temporary, isNotFound: false, cause: verdict.cause };
          continue;
        }
        const skip = skipToAnswer(p, qtype);
        if (skip === 'nodata') {
          record.outcome = 'nodata';
          return { ok: false, error: { ...this.noSuchHost(fqdn, server.name), cause: 'dns.nodata' } };
        }
        if (skip === 'malformed') {
          record.outcome = 'malformed';
          lastErr = { err: CANNOT_UNMARSHAL, name: fqdn, server: server.name, isTimeout: false, isTemporary: false, isNotFound: false, cause: 'dns.malformed' };
          continue;
        }
        record.outcome = 'answer';
        return { ok: true, parser: p, server: server.name };
      }
    }
    return { ok: false, error: lastErr };
  }

  /** exchange: UDP (then TCP when the reply is truncated), or TCP only with use-vc; each try gets a fresh timeout. */
  private async exchange(
    st: LookupState,
    server: Server,
    fqdn: string,
    qtype: number,
  ): Promise<{ ok: true; parser: Parser; header: Header; record: DnsQueryRecord } | { ok: false; failure: ExchangeFailure }> {
    const typeName = qtype === TYPE_A ? 'A' : 'AAAA';
    const unpackable = unpackableName(fqdn);
    if (unpackable) {
      st.queries.push({
        name: fqdn, type: typeName, server: server.name, transport: this.conf.useTCP ? 'tcp' : 'udp', answers: [], truncated: false,
        latencyMs: 0, outcome: 'malformed', detail: `not sent: go cannot encode the name (${unpackable})`,
      });
      return { ok: false, failure: { text: 'cannot marshal DNS message', cause: 'dns.malformed', outcome: 'malformed', opError: false, timeout: false } };
    }
    const wire = buildQuery({ id: randomInt(0, 0x10000), name: fqdn, type: typeName, trustAD: this.conf.trustAD, udpPayload: this.maxUdpPayload });
    const q: QueryWire = { id: wire.udp.readUInt16BE(0), name: fqdn, qtype, udp: wire.udp, tcp: wire.tcp };
    const transports: ('udp' | 'tcp')[] = this.conf.useTCP ? ['tcp'] : ['udp', 'tcp'];
    for (const transport of transports) {
      const t0 = performance.now();
      const deadline = Math.min(t0 + this.conf.timeoutMs, st.deadline);
      const rt = transport === 'udp'
        ? await udpRoundTrip(server, q, deadline, st.signal, this.maxUdpPayload)
        : await tcpRoundTrip(server, q, deadline, st.signal);
      const record: DnsQueryRecord = {
        name: fqdn,
        type: typeName,
        server: server.name,
        transport,
        answers: [],
        truncated: false,
        latencyMs: Math.round((performance.now() - t0) * 10) / 10,
        outcome: 'timeout',
      };
      st.queries.push(record);
      const notes = rt.ignored.length > 0 ? [`ignored ${rt.ignored.length} repl${rt.ignored.length === 1 ? 'y' : 'ies'}: ${rt.ignored.slice(0, 3).join('; ')}`] : [];
      if (!rt.ok) {
        record.outcome = rt.failure.outcome;
        if (st.signal.aborted && rt.failure.outcome === 'timeout') notes.push('abandoned at the lookup deadline');
        record.detail = [rt.failure.text, ...notes].join('; ');
        return { ok: false, failure: rt.failure };
      }
      const { parser: p, header: h, msg } = rt.reply;
      record.rcode = rcodeName(h.rcode);
      record.truncated = h.truncated;
      record.answers = describeAnswers(msg);
      if (notes.length > 0) record.detail = notes.join('; ');
      if (p.skipQuestion() !== SECTION_DONE) {
        record.outcome = 'malformed';
        record.detail = ['invalid DNS response: more than one question', ...notes].join('; ');
        return { ok: false, failure: { text: 'invalid DNS response', cause: 'dns.malformed', outcome: 'malformed', opError: false, timeout: false } };
      }
      if (h.truncated && transport === 'udp') {
        record.outcome = h.rcode === RCODE_SUCCESS ? 'answer' : rcodeOutcome(h.rcode);
        record.detail = ['TC bit set: go retries over TCP', ...notes].join('; ');
        continue;
      }
      // The caller refines the outcome once it has read the header and answers as Go does.
      record.outcome = 'answer';
      return { ok: true, parser: p, header: h, record };
    }
    return { ok: false, failure: { text: 'no answer from DNS server', cause: 'dns.server_misbehaving', outcome: 'malformed', opError: false, timeout: false } };
  }
}

function rcodeOutcome(rcode: number): DnsQueryOutcome {
  switch (rcode) {
    case RCODE_NAME_ERROR:
      return 'nxdomain';
    case RCODE_SERVER_FAILURE:
      return 'servfail';
    case RCODE_REFUSED:
      return 'refused';
    default:
      return 'rcode';
  }
}

