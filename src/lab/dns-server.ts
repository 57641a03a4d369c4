// A real DNS server for tests, the demo and the e2e lab: UDP and TCP on one address and port,
// answering from a zone table like a small recursive resolver would (CNAMEs inside the zone are
// followed into the answer), with per-name misbehaviour and a hook for hostile raw replies.
// Every query it receives is recorded, so tests can assert what actually went on the wire.

import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

export type DnsBehaviour = 'answer' | 'nxdomain' | 'nodata' | 'refused' | 'servfail' | 'silent' | 'truncate' | 'lame';

export interface DnsZoneEntry {
  a?: string[];
  aaaa?: string[];
  cname?: string;
  ttl?: number;
  /**
   * answer (the default), nxdomain, nodata (NOERROR, no records), refused, servfail, silent (no
   * reply at all), truncate (TC and no records over UDP, the full answer over TCP), lame (NOERROR
   * without AA, RA, records or EDNS: a lame referral to Go).
   */
  behaviour?: DnsBehaviour;
}

export interface DnsFixtureQuery {
  /** The queried name, absolute (with a trailing dot), as it was on the wire. */
  readonly name: string;
  readonly type: string;
  readonly transport: 'udp' | 'tcp';
}

export interface DnsRawContext {
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
  /** The query exactly as received (without the TCP length prefix). */
  readonly raw: Buffer;
}

export interface DnsParsedQuery {
  readonly id: number;
  readonly name: string;
  readonly type: string;
  readonly flags: number;
  readonly edns: boolean;
}

export interface DnsFixtureOptions {
  zone: Record<string, DnsZoneEntry>;
  host?: string;
  port?: number;
  /** For names not in the zone. Default nxdomain. */
  defaultBehaviour?: 'nxdomain' | 'refused' | 'silent';
  /**
   * Hostile replies: return bytes to send instead of the normal reply (over UDP, one datagram
   * per buffer; over TCP, written to the stream as-is, so include the length prefix yourself: see
   * frameTcp), or undefined to answer normally. Over TCP, `{ bytes, close: true }` closes the
   * connection after writing, and an empty buffer closes it at once.
   */
  raw?: (q: DnsParsedQuery, rinfo: DnsRawContext) => DnsRawReply | undefined;
}

/** Bytes, several UDP datagrams sent in order (concatenated over TCP), or TCP bytes then a close. */
export type DnsRawReply = Buffer | Buffer[] | { bytes: Buffer; close?: boolean };

function rawBytes(raw: DnsRawReply): Buffer[] {
  if (Buffer.isBuffer(raw)) return [raw];
  if (Array.isArray(raw)) return raw;
  return [raw.bytes];
}

const DEFAULT_TTL = 60;
const MAX_CNAME_HOPS = 8;
const MAX_TCP_BUFFER = 64 * 1024 + 2;

/** Prefixes a DNS message with its 2-byte TCP length. */
export function frameTcp(msg: Buffer): Buffer {
  const out = Buffer.alloc(msg.length + 2);
  out.writeUInt16BE(msg.length & 0xffff, 0);
  msg.copy(out, 2);
  return out;
}

function key(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function rcodeFlags(rcode: number): number {
  return rcode & 0xf;
}

export class DnsFixture {
  readonly host: string;
  readonly port: number;
  readonly queries: DnsFixtureQuery[] = [];
  private readonly zone = new Map<string, DnsZoneEntry>();
  private readonly udp: dgram.Socket;
  private readonly tcp: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly defaultBehaviour: 'nxdomain' | 'refused' | 'silent';
  private readonly raw: DnsFixtureOptions['raw'];

  private constructor(opts: DnsFixtureOptions, udp: dgram.Socket, tcp: net.Server, host: string, port: number) {
    this.udp = udp;
    this.tcp = tcp;
    this.host = host;
    this.port = port;
    this.defaultBehaviour = opts.defaultBehaviour ?? 'nxdomain';
    this.raw = opts.raw;
    for (const [name, entry] of Object.entries(opts.zone)) this.set(name, entry);
    udp.on('message', (msg, rinfo) => this.onUdp(msg, rinfo));
    tcp.on('connection', (s) => this.onTcp(s));
  }

  static async start(opts: DnsFixtureOptions): Promise<DnsFixture> {
    const host = opts.host ?? '127.0.0.1';
    const family = net.isIPv6(host) ? 'udp6' : 'udp4';
    // UDP and TCP must share the port number: with port 0, retry until the kernel's UDP choice is free on TCP.
    for (let attempt = 0; attempt < 20; attempt++) {
      const udp = dgram.createSocket(family);
      const port = await new Promise<number>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(opts.port ?? 0, host, () => {
          udp.removeListener('error', reject);
          resolve(udp.address().port);
        });
      });
      const tcp = net.createServer();
      const ok = await new Promise<boolean>((resolve, reject) => {
        tcp.once('error', (err: NodeJS.ErrnoException) => {
          if (err.code === 'EADDRINUSE' && opts.port === undefined) resolve(false);
          else reject(err);
        });
        tcp.listen(port, host, () => resolve(true));
      }).catch((err: unknown) => {
        udp.close();
        throw err;
      });
      if (ok) return new DnsFixture(opts, udp, tcp, host, port);
      udp.close();
    }
    throw new Error(`DnsFixture: no port free for both UDP and TCP on ${host}`);
  }

  set(name: string, entry: DnsZoneEntry): void {
    this.zone.set(key(name), entry);
  }

  /** Queries received for one name (trailing dot optional), in order. */
  queriesFor(name: string): DnsFixtureQuery[] {
    return this.queries.filter((q) => key(q.name) === key(name));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all([
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
      new Promise<void>((resolve) => this.tcp.close(() => resolve())),
    ]);
  }

  private parse(raw: Buffer): (DnsParsedQuery & { packet: dnsPacket.Packet }) | undefined {
    try {
      const packet = dnsPacket.decode(raw);
      const q = packet.questions?.[0];
      if (!q) return undefined;
      return {
        id: packet.id ?? 0,
        name: q.name.endsWith('.') ? q.name : `${q.name}.`,
        type: q.type,
        flags: packet.flags ?? 0,
        edns: (packet.additionals ?? []).some((a) => a.type === 'OPT'),
        packet,
      };
    } catch {
      return undefined;
    }
  }

  private onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = this.parse(msg);
    if (!q) return;
    this.queries.push({ name: q.name, type: q.type, transport: 'udp' });
    const raw = this.raw?.(q, { address: rinfo.address, port: rinfo.port, transport: 'udp', raw: msg });
    const out = raw === undefined ? [this.answer(q, 'udp')] : rawBytes(raw);
    for (const b of out) if (b) this.udp.send(b, rinfo.port, rinfo.address);
  }

  private onTcp(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => s.destroy());
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length > MAX_TCP_BUFFER) {
        s.destroy();
        return;
      }
      while (buf.length >= 2) {
        const l = buf.readUInt16BE(0);
        if (buf.length < 2 + l) return;
        const msg = buf.subarray(2, 2 + l);
        buf = buf.subarray(2 + l);
        const q = this.parse(msg);
        if (!q) {
          s.destroy();
          return;
        }
        this.queries.push({ name: q.name, type: q.type, transport: 'tcp' });
        const raw = this.raw?.(q, { address: s.remoteAddress ?? '', port: s.remotePort ?? 0, transport: 'tcp', raw: msg });
        if (raw !== undefined) {
          const bytes = Buffer.concat(rawBytes(raw));
          const close = bytes.length === 0 || (!Buffer.isBuffer(raw) && !Array.isArray(raw) && raw.close === true);
          if (bytes.length > 0) s.write(bytes);
          if (close) {
            s.end();
            return;
          }
          continue;
        }
        const out = this.answer(q, 'tcp');
        if (out) s.write(frameTcp(out));
      }
    });
  }

  /** The reply for one query, or undefined to stay silent. */
  private answer(q: DnsParsedQuery & { packet: dnsPacket.Packet }, transport: 'udp' | 'tcp'): Buffer | undefined {
    const entry = this.zone.get(key(q.name));
    const behaviour: DnsBehaviour = entry ? (entry.behaviour ?? 'answer') : this.defaultBehaviour;
    const rd = q.flags & dnsPacket.RECURSION_DESIRED;
    const base = {
      type: 'response' as const,
      id: q.id,
      questions: q.packet.questions ?? [],
      // Echo EDNS0 like real resolvers do (a lame referral is the one reply without it).
      additionals: q.edns ? [{ type: 'OPT' as const, name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
    };
    const reply = (rcode: number, answers: dnsPacket.Answer[], extraFlags = 0): Buffer =>
      dnsPacket.encode({ ...base, flags: rd | dnsPacket.RECURSION_AVAILABLE | rcodeFlags(rcode) | extraFlags, answers });
    switch (behaviour) {
      case 'silent':
        return undefined;
      case 'nxdomain':
        return reply(3, []);
      case 'refused':
        return reply(5, []);
      case 'servfail':
        return reply(2, []);
      case 'nodata':
        return reply(0, []);
      case 'lame':
        return dnsPacket.encode({ ...base, additionals: [], flags: rd, answers: [] });
      case 'truncate':
        if (transport === 'udp') return reply(0, [], dnsPacket.TRUNCATED_RESPONSE);
        return reply(0, this.records(q.name, q.type));
      case 'answer':
        return reply(0, this.records(q.name, q.type));
    }
  }

  /** The answer section: CNAMEs inside the zone followed (at most 8 hops), then the records of the asked type. */
  private records(name: string, type: string): dnsPacket.Answer[] {
    const out: dnsPacket.Answer[] = [];
    let owner = name.replace(/\.$/, '');
    for (let hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
      const entry = this.zone.get(key(owner));
      if (!entry) return out;
      const ttl = entry.ttl ?? DEFAULT_TTL;
      if (entry.cname && type !== 'CNAME') {
        const target = entry.cname.replace(/\.$/, '');
        out.push({ type: 'CNAME', name: owner, ttl, class: 'IN', data: target });
        owner = target;
        continue;
      }
      if (type === 'A') for (const ip of entry.a ?? []) out.push({ type: 'A', name: owner, ttl, class: 'IN', data: ip });
      if (type === 'AAAA') for (const ip of entry.aaaa ?? []) out.push({ type: 'AAAA', name: owner, ttl, class: 'IN', data: ip });
      return out;
    }
    return out;
  }
}
