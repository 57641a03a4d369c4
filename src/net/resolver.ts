// Go's pure-Go DNS resolver (src/net/dnsclient_unix.go, dnsclient.go, Go 1.23), resolving one host
// the way `go mod download` does when it dials it: literal, /etc/hosts and DNS in nsswitch order,
// A and AAAA per name of the search list (dnsnames.ts), attempts x servers with rotate, UDP with TCP
// fallback (dnstransport.ts), Go's choice of which error to report, and RFC 6724 ordering
// (addrselect.ts). Every exchange is recorded as evidence; the error carries the text Go would print.

import { randomInt } from 'node:crypto';
import { ProbeError } from '../errors.js';
import type { DnsCause } from '../causes.js';
import type { HostsTable } from './hosts.js';
import { formatNetIp, joinHostPort, parseIpLiteral } from './netip.js';
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
import { isDomainName, nameList } from './dnsnames.js';
import { as16, sortByRFC6724, type Ip } from './addrselect.js';
import { tcpRoundTrip, timerFor, udpRoundTrip, type DnsQueryOutcome, type ExchangeFailure, type QueryWire, type Server } from './dnstransport.js';

export interface DnsAnswer {
  name: string;
  type: string;
  ttl: number;
  data: string;
}

export interface DnsQueryRecord {
  name: string;
  type: 'A' | 'AAAA';
  /** ip:port */
  server: string;
  transport: 'udp' | 'tcp';
  rcode?: string;
  answers: DnsAnswer[];
  truncated: boolean;
  /**
   * From the query leaving (a UDP datagram handed to the kernel; a TCP query's connect) to its answer read
   * off the socket, or to the failure: the server's and the network's time (and any wait for the event
   * loop), not the probe's own socket set-up or its parsing of the answer.
   */
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
  declare readonly code: DnsCause;
  /** The text Go would print, e.g. "lookup proxy.golang.org on 10.0.0.2:53: no such host". */
  readonly goError: string;
  /** The evidence: names tried and every query. */
  readonly result: Omit<LookupResult, 'addresses'>;
  constructor(code: DnsCause, goError: string, result: Omit<LookupResult, 'addresses'>, detail?: string) {
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

// ---------------------------------------------------------------------------------------------
// Go's error value and the per-name state

interface GoDnsError {
  err: string;
  name: string;
  server: string;
  isTimeout: boolean;
  isTemporary: boolean;
  isNotFound: boolean;
  cause: DnsCause;
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
  | { kind: 'fail'; text: string; temporary: boolean; cause: DnsCause; outcome: DnsQueryOutcome; rcode: number };

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

  /**
   * A caller that stopped waiting for the same lookup started by another caller (RunResolver): its own
   * signal ended first. The lookup itself goes on for the others, as go's singleflight lets it.
   */
  protected waitAbandoned(host: string): DnsLookupError {
    const cause: DnsCause = usesDefaultNameservers(this.conf) ? 'dns.no_nameserver' : 'dns.timeout';
    return new DnsLookupError(cause, `lookup ${host}: i/o timeout`, { host, source: 'dns', namesTried: [], queries: [] },
      'the probe\'s deadline ended the wait for this lookup, which another connection started (its queries are in that connection\'s evidence)');
  }

  private timeoutError(st: LookupState, evidence: (st?: LookupState) => Omit<LookupResult, 'addresses'>, callerSignal: AbortSignal): DnsLookupError {
    const detail = callerSignal.aborted
      ? `the probe's deadline ended the lookup; go would wait up to ${this.goGiveUpMs(st.host)} ms`
      : `go's ${this.dialTimeoutMs} ms dial deadline passed`;
    const cause: DnsCause = usesDefaultNameservers(this.conf) ? 'dns.no_nameserver' : 'dns.timeout';
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
        latencyMs: Math.round(((rt.ok && rt.readAt !== undefined ? rt.readAt : performance.now()) - (rt.sentAt ?? t0)) * 10) / 10,
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

