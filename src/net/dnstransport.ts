// One DNS exchange over UDP or TCP, as Go's resolver makes it (src/net/dnsclient_unix.go exchange,
// dnsPacketRoundTrip, dnsStreamRoundTrip, Go 1.23): a connected socket per query, replies from the
// wrong address or with the wrong id/question ignored (UDP) or fatal (TCP), reads cut at Go's buffer
// size, and every failure described with the text Go's *OpError would print.

import cluster from 'node:cluster';
import dgram from 'node:dgram';
import net from 'node:net';
import { sysCode } from '../errors.js';
import type { DnsCause } from '../causes.js';
import { formatNetIp, joinHostPort, parseIpLiteral, type IpAddr } from './netip.js';
import { Parser, equalASCIIName, type Header } from './dnswire.js';

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

/** Node's timers overflow past 2^31-1 ms (and then fire at once); resolv.conf allows far more. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** TCP replies: the 2-byte length can announce at most 65535 bytes; never buffer more than that. */
const MAX_TCP_READ = 64 * 1024 + 2;

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
export interface ExchangeFailure {
  /** The error text (DNSError.Err). */
  text: string;
  cause: DnsCause;
  outcome: DnsQueryOutcome;
  /** Go: any *OpError (socket-level) makes the DNSError temporary. */
  opError: boolean;
  timeout: boolean;
}

export interface Server {
  /** As the resolv.conf text names it, with the port: what Go prints after "on". */
  readonly name: string;
  readonly ip: IpAddr;
  readonly host: string;
  readonly port: number;
  /** The normalized remote address Go's OpError prints. */
  readonly remote: string;
}

export interface Reply {
  parser: Parser;
  header: Header;
  msg: Uint8Array;
}

/**
 * `sentAt` (performance.now()): when a UDP query's datagram was handed to the kernel, absent if it never
 * was; `readAt`: when the answer it returns was read off the socket (before the probe parses it).
 */
export type RoundTrip = ({ ok: true; reply: Reply; ignored: string[]; readAt?: number } | { ok: false; failure: ExchangeFailure; ignored: string[] }) & { sentAt?: number };

export interface QueryWire {
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

export function timerFor(ms: number, fn: () => void): NodeJS.Timeout {
  return setTimeout(fn, Math.max(0, Math.min(ms, MAX_TIMER_MS)));
}

/**
 * A query's read timeout: `onTimeout` runs one event-loop turn after the timer, so that an answer the
 * kernel already holds is read first (the poll phase comes between timers and setImmediate). With the
 * loop busy for longer than the timeout (a 500-module run on a loaded node), the timer and the answer
 * became due in the same turn and the timer won: a DNS answer that came in time was called a timeout
 * (seen: redirect.dns.timeout for the storage host). go reads the answer the moment it arrives.
 */
function readTimer(deadline: number, settled: () => boolean, onTimeout: () => void): NodeJS.Timeout {
  return timerFor(deadline - performance.now(), () => setImmediate(() => {
    if (!settled()) onTimeout();
  }));
}

/**
 * Loads what a process's first UDP query would load on its way out: node:dgram (with node:dns, for the
 * address its bind looks up) and node:cluster with child_process, which dgram's first bind asks whether
 * it runs in a worker. With the image's V8 flags Node compiles these built-ins from source (~5-15 ms),
 * and the dns stage's first query counted that as network latency (issue #17: the first answer's
 * latency is the link's round trip, not the probe's code loading).
 */
export function loadUdp(): void {
  void dgram.createSocket;
  void cluster.isPrimary;
}

export function udpRoundTrip(server: Server, q: QueryWire, deadline: number, signal: AbortSignal, maxRead: number): Promise<RoundTrip> {
  return new Promise<RoundTrip>((resolve) => {
    const ignored: string[] = [];
    let local = '';
    let settled = false;
    let sock: dgram.Socket | undefined;
    let timer: NodeJS.Timeout | undefined;
    let sentAt: number | undefined;
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
      resolve(sentAt === undefined ? r : { ...r, sentAt });
    };
    const fail = (text: string, cause: DnsCause, outcome: DnsQueryOutcome, timeout = false) =>
      finish({ ok: false, failure: { text, cause, outcome, opError: true, timeout }, ignored });
    const ioTimeout = () =>
      local
        ? fail(`read udp ${local}->${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true)
        : fail(`dial udp ${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true);
    const onAbort = () => ioTimeout();
    if (signal.aborted) return ioTimeout();
    signal.addEventListener('abort', onAbort, { once: true });
    // Datagrams read but not judged yet (see 'message' below): the read timer does not declare a timeout
    // over an answer that arrived in time; one that turns out unusable is judged against the deadline then.
    let queued = 0;
    timer = readTimer(deadline, () => settled || queued > 0, ioTimeout);

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
    // Each datagram is judged in the check phase after the poll that read it, not in its read callback:
    // go's A and AAAA answers arrive together, and judging the A (its first run compiles the reply path)
    // kept the AAAA's datagram waiting in its socket, 2-6 ms past its arrival in the bench's lab; libuv
    // reads every ready socket of one poll before the check phase.
    s.on('message', (raw: Buffer, rinfo: dgram.RemoteInfo) => {
      if (settled) return;
      const readAt = performance.now();
      queued++;
      setImmediate(() => {
        queued--;
        onReply(raw, rinfo, readAt);
        if (!settled && queued === 0 && performance.now() >= deadline) ioTimeout();
      });
    });
    const onReply = (raw: Buffer, rinfo: dgram.RemoteInfo, readAt: number): void => {
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
      finish({ ok: true, reply: { parser: p, header: st.header, msg }, ignored, readAt });
    };
    try {
      // Node hands a connect failure to this callback (typed without it), not to 'error'.
      s.connect(server.port, server.host, (...args: unknown[]) => {
        if (settled) return;
        if (args[0]) return fail(`dial udp ${server.remote}: connect: ${errnoText(args[0])}`, 'dns.unreachable', 'unreachable');
        local = localName(s);
        sentAt = performance.now();
        s.send(q.udp, (err) => {
          if (err) fail(`write udp ${local}->${server.remote}: write: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
        });
      });
    } catch (err) {
      fail(`dial udp ${server.remote}: connect: ${errnoText(err)}`, 'dns.unreachable', 'unreachable');
    }
  });
}

export function tcpRoundTrip(server: Server, q: QueryWire, deadline: number, signal: AbortSignal): Promise<RoundTrip> {
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
    const fail = (text: string, cause: DnsCause, outcome: DnsQueryOutcome, opError = true, timeout = false) =>
      finish({ ok: false, failure: { text, cause, outcome, opError, timeout }, ignored });
    const ioTimeout = () =>
      connected
        ? fail(`read tcp ${local}->${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true, true)
        : fail(`dial tcp ${server.remote}: i/o timeout`, 'dns.timeout', 'timeout', true, true);
    const onAbort = () => ioTimeout();
    if (signal.aborted) return ioTimeout();
    signal.addEventListener('abort', onAbort, { once: true });
    // Datagrams read but not judged yet (see 'message' below): the read timer does not declare a timeout
    // over an answer that arrived in time; one that turns out unusable is judged against the deadline then.
    let queued = 0;
    timer = readTimer(deadline, () => settled || queued > 0, ioTimeout);

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
