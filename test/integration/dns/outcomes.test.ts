// Every outcome and cause of one lookup, against a real DNS server on loopback. Error texts are
// the ones go 1.23 printed for the same replies (checked in a private network namespace).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { DnsFixture } from '../../../src/lab/dns-server.js';
import { DnsLookupError } from '../../../src/net/resolver.js';
import { closedPort, lookupError, makeResolver, signal, startFixtures } from './helpers.js';

let fx: DnsFixture;
const rawQueries: Buffer[] = [];

beforeAll(async () => {
  fx = (await startFixtures(['127.0.0.1'], () => ({
    zone: {
      'proxy.golang.org': { a: ['142.250.1.1', '142.250.1.2'], ttl: 300 },
      'alias.example': { cname: 'proxy.golang.org' },
      'dangling.example': { cname: 'nowhere.example' },
      'nodata.example': { behaviour: 'nodata' },
      'servfail.example': { behaviour: 'servfail' },
      'refused.example': { behaviour: 'refused' },
      'lame.example': { behaviour: 'lame' },
      'silent.example': { behaviour: 'silent' },
      'v6.example': { aaaa: ['::1'] },
      'mixed.example': { a: ['127.0.0.5'], aaaa: ['::1'] },
      'half.example': { a: ['10.1.1.1'] },
    },
    raw: (q, ri) => {
      rawQueries.push(ri.raw);
      const m = Buffer.from(ri.raw);
      if (q.name === 'notimp.example.') {
        m[2] = m[2]! | 0x80;
        m[3] = (m[3]! & 0x70) | 0x80 | 4;
        return m;
      }
      if (q.name === 'half.example.' && q.type === 'AAAA') {
        m[2] = m[2]! | 0x80;
        m[3] = (m[3]! & 0x70) | 0x80 | 2;
        return m;
      }
      return undefined;
    },
  })))[0]!;
});
afterAll(async () => {
  await fx.close();
});

const resolver = (extra: { timeoutMs?: number; resolv?: string } = {}) =>
  makeResolver({ resolv: extra.resolv ?? 'nameserver 127.0.0.1\noptions attempts:1\n', port: fx.port, timeoutMs: extra.timeoutMs ?? 2000 });

describe('a lookup that succeeds', () => {
  it('returns the addresses with every query as evidence', async () => {
    const r = await resolver().lookup('proxy.golang.org', { signal: signal() });
    expect(r.source).toBe('dns');
    expect(r.addresses).toEqual(['142.250.1.1', '142.250.1.2']);
    expect(r.answeredBy).toBe('proxy.golang.org.');
    expect(r.namesTried).toEqual(['proxy.golang.org.']);
    expect(r.cname).toBeUndefined();
    const a = r.queries.find((q) => q.type === 'A')!;
    expect(a).toMatchObject({ name: 'proxy.golang.org.', server: `127.0.0.1:${fx.port}`, transport: 'udp', rcode: 'NOERROR', outcome: 'answer', truncated: false });
    expect(a.answers).toEqual([
      { name: 'proxy.golang.org.', type: 'A', ttl: 300, data: '142.250.1.1' },
      { name: 'proxy.golang.org.', type: 'A', ttl: 300, data: '142.250.1.2' },
    ]);
    expect(r.queries.find((q) => q.type === 'AAAA')).toMatchObject({ outcome: 'nodata', rcode: 'NOERROR' });
  });

  it('sends what Go sends: RD, no AD, EDNS0 advertising 1232 bytes, and AD with trust-ad', async () => {
    rawQueries.length = 0;
    await resolver().lookup('proxy.golang.org.', { signal: signal() });
    expect(rawQueries).toHaveLength(2);
    for (const raw of rawQueries) {
      const q = dnsPacket.decode(raw);
      expect(q.flags! & dnsPacket.RECURSION_DESIRED).toBeTruthy();
      expect(q.flags! & dnsPacket.AUTHENTIC_DATA).toBe(0);
      expect(q.additionals).toEqual([expect.objectContaining({ type: 'OPT', udpPayloadSize: 1232 })]);
    }
    rawQueries.length = 0;
    await resolver({ resolv: 'nameserver 127.0.0.1\noptions trust-ad\n' }).lookup('proxy.golang.org.', { signal: signal() });
    for (const raw of rawQueries) expect(dnsPacket.decode(raw).flags! & dnsPacket.AUTHENTIC_DATA).toBeTruthy();
  });

  it('takes every address after a CNAME in the same answer, and reports the canonical name', async () => {
    const r = await resolver().lookup('alias.example.', { signal: signal() });
    expect(r.addresses).toEqual(['142.250.1.1', '142.250.1.2']);
    expect(r.cname).toBe('proxy.golang.org.');
    expect(r.queries.find((q) => q.type === 'A')!.answers.map((a) => a.type)).toEqual(['CNAME', 'A', 'A']);
  });

  it('orders IPv6 loopback before IPv4 by RFC 6724 precedence, as go did', async () => {
    expect((await resolver().lookup('mixed.example.', { signal: signal() })).addresses).toEqual(['::1', '127.0.0.5']);
    expect((await resolver().lookup('v6.example.', { signal: signal() })).addresses).toEqual(['::1']);
  });

  it('keeps the A records when only AAAA fails (go does not report the AAAA error)', async () => {
    const r = await resolver().lookup('half.example.', { signal: signal() });
    expect(r.addresses).toEqual(['10.1.1.1']);
    expect(r.queries.find((q) => q.type === 'AAAA')).toMatchObject({ outcome: 'servfail', rcode: 'SERVFAIL' });
  });

  it('answers IP literals without DNS', async () => {
    const r = resolver();
    expect(await r.lookup('10.0.0.1', { signal: signal() })).toMatchObject({ source: 'literal', addresses: ['10.0.0.1'], queries: [] });
    expect((await r.lookup('::ffff:1.2.3.4', { signal: signal() })).addresses).toEqual(['1.2.3.4']);
    expect((await r.lookup('fe80::1%lo', { signal: signal() })).addresses).toEqual(['fe80::1%lo']);
  });
});

describe('a lookup that fails', () => {
  const port = () => fx.port;
  const cases: [string, string, string, string][] = [
    ['nope.example', 'dns.nxdomain', 'no such host', 'nxdomain'],
    ['nodata.example', 'dns.nodata', 'no such host', 'nodata'],
    ['dangling.example', 'dns.nodata', 'no such host', 'nodata'],
    ['servfail.example', 'dns.servfail', 'server misbehaving', 'servfail'],
    ['refused.example', 'dns.refused', 'server misbehaving', 'refused'],
    ['lame.example', 'dns.server_misbehaving', 'lame referral', 'lame'],
    ['notimp.example', 'dns.server_misbehaving', 'server misbehaving', 'rcode'],
  ];
  for (const [host, code, text, outcome] of cases) {
    it(`${host}: ${code} with go's "${text}"`, async () => {
      const e = await lookupError(resolver(), `${host}.`);
      expect(e).toBeInstanceOf(DnsLookupError);
      expect(e.code).toBe(code);
      expect(e.goError).toBe(`lookup ${host}. on 127.0.0.1:${port()}: ${text}`);
      expect(e.result.namesTried).toEqual([`${host}.`]);
      expect(e.result.queries.map((q) => q.outcome)).toContain(outcome);
    });
  }

  it('times out on a silent server with go\'s read error', async () => {
    const e = await lookupError(resolver({ timeoutMs: 300 }), 'silent.example.');
    expect(e.code).toBe('dns.timeout');
    expect(e.goError).toMatch(new RegExp(`^lookup silent\\.example\\. on 127\\.0\\.0\\.1:${fx.port}: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${fx.port}: i/o timeout$`));
    expect(e.result.queries.map((q) => q.outcome)).toEqual(['timeout', 'timeout']);
  });

  it('reports a closed port as unreachable with go\'s "connection refused"', async () => {
    const p = await closedPort();
    const r = makeResolver({ resolv: 'nameserver 127.0.0.1\noptions attempts:1\n', port: p, timeoutMs: 2000 });
    const e = await lookupError(r, 'a.example.');
    expect(e.code).toBe('dns.unreachable');
    expect(e.goError).toMatch(new RegExp(`^lookup a\\.example\\. on 127\\.0\\.0\\.1:${p}: read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${p}: read: connection refused$`));
    expect(e.result.queries.every((q) => q.outcome === 'unreachable')).toBe(true);
  });

  it('says no_nameserver when go fell back to 127.0.0.1 and ::1 and nothing answers there', async () => {
    const p = await closedPort();
    const r = makeResolver({ resolv: 'nameserver dns.corp.example\noptions attempts:1\n', port: p, timeoutMs: 500 });
    const e = await lookupError(r, 'a.example.');
    expect(e.code).toBe('dns.no_nameserver');
    expect(e.result.queries.map((q) => q.server)).toEqual(expect.arrayContaining([`127.0.0.1:${p}`, `[::1]:${p}`]));
  });

  it('rejects names that are not domain names without any query', async () => {
    for (const bad of ['a..b', '-x.example', 'bad name']) {
      const e = await lookupError(resolver(), bad);
      expect(e.code).toBe('dns.nxdomain');
      expect(e.goError).toBe(`lookup ${bad}: no such host`);
      expect(e.result.queries).toEqual([]);
    }
  });

  it('sends nothing for .onion and fails the way go\'s dialer does', async () => {
    const before = fx.queries.length;
    const e = await lookupError(resolver(), 'hidden.onion.');
    expect(e.goError).toBe('address hidden.onion.: no suitable address found');
    expect(fx.queries.length).toBe(before);
  });

  it('keeps the evidence on the error', async () => {
    const e = await lookupError(resolver(), 'nope.example.');
    expect(e.result.host).toBe('nope.example.');
    expect(e.result.queries).toHaveLength(2);
    expect(e.message).toContain('no such host');
  });
});
