// Servers, attempts, rotate, UDP->TCP, use-vc, deadlines. Several servers share one port on
// different loopback addresses, as resolv.conf servers all share port 53.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DnsFixture, DnsZoneEntry } from '../../../src/lab/dns-server.js';
import { lookupError, makeResolver, signal, startFixtures } from './helpers.js';

let servers: DnsFixture[];
beforeAll(async () => {
  const zone = (host: string): Record<string, DnsZoneEntry> =>
    host === '127.0.0.1'
      ? {
          'ok.example': { a: ['10.2.2.2'] },
          'trunc.example': { a: ['10.0.0.9'], aaaa: ['2001:db8::9'], behaviour: 'truncate' },
          'bad.example': { behaviour: 'servfail' },
        }
      : { 'bad.example': { behaviour: 'servfail' } };
  servers = await startFixtures(['127.0.0.1', '127.0.0.2', '127.0.0.3'], (host) => ({
    zone: zone(host),
    // 127.0.0.2 never answers anything.
    defaultBehaviour: host === '127.0.0.2' ? 'silent' : 'nxdomain',
  }));
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

const port = () => servers[0]!.port;
const reset = () => servers.forEach((s) => s.queries.splice(0));
const ns = (...ips: string[]) => ips.map((ip) => `nameserver ${ip}`).join('\n') + '\n';

describe('servers and attempts', () => {
  it('moves on from a silent first server to the second, recording the timeout', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.2', '127.0.0.1')}options attempts:2\n`, port: port(), timeoutMs: 300 });
    const res = await r.lookup('ok.example.', { signal: signal() });
    expect(res.addresses).toEqual(['10.2.2.2']);
    const a = res.queries.filter((q) => q.type === 'A');
    expect(a.map((q) => [q.server, q.outcome])).toEqual([
      [`127.0.0.2:${port()}`, 'timeout'],
      [`127.0.0.1:${port()}`, 'answer'],
    ]);
    expect(servers[1]!.queries.map((q) => q.name)).toEqual(['ok.example.', 'ok.example.']);
  });

  it('asks attempts x servers times when every server fails, ending with the last error', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.1', '127.0.0.3')}options attempts:3 single-request\n`, port: port(), timeoutMs: 2000 });
    const e = await lookupError(r, 'bad.example.');
    expect(e.code).toBe('dns.servfail');
    const a = e.result.queries.filter((q) => q.type === 'A').map((q) => q.server.split(':')[0]);
    expect(a).toEqual(['127.0.0.1', '127.0.0.3', '127.0.0.1', '127.0.0.3', '127.0.0.1', '127.0.0.3']);
    // A's error came first; a rooted name keeps it.
    expect(e.goError).toBe(`lookup bad.example. on 127.0.0.3:${port()}: server misbehaving`);
    expect(servers[0]!.queries).toHaveLength(6);
    expect(servers[2]!.queries).toHaveLength(6);
  });

  it('does not ask another server after NXDOMAIN', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.1', '127.0.0.3')}options attempts:2\n`, port: port(), timeoutMs: 2000 });
    const e = await lookupError(r, 'missing.example.');
    expect(e.code).toBe('dns.nxdomain');
    expect(servers[2]!.queries).toHaveLength(0);
    expect(e.result.queries).toHaveLength(2);
  });

  it('rotates the starting server once per query, across lookups (go 1.23)', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.1', '127.0.0.2', '127.0.0.3')}options rotate attempts:1 single-request\n`, port: port(), timeoutMs: 2000 });
    const first = await lookupError(r, 'bad.example.');
    const order = (e: typeof first) => e.result.queries.map((q) => `${q.type}@${q.server.split(':')[0]}`);
    // A starts at server 0, AAAA at server 1; the next lookup continues at 2 and 3 (mod 3).
    expect(order(first)).toEqual(['A@127.0.0.1', 'A@127.0.0.2', 'A@127.0.0.3', 'AAAA@127.0.0.2', 'AAAA@127.0.0.3', 'AAAA@127.0.0.1']);
    const second = await lookupError(r, 'bad.example.');
    expect(order(second)).toEqual(['A@127.0.0.3', 'A@127.0.0.1', 'A@127.0.0.2', 'AAAA@127.0.0.1', 'AAAA@127.0.0.2', 'AAAA@127.0.0.3']);
    // What go 1.23 printed for the same two lookups: A's last server each time.
    expect(first.goError).toBe(`lookup bad.example. on 127.0.0.3:${port()}: server misbehaving`);
    expect(second.goError).toBe(`lookup bad.example. on 127.0.0.2:${port()}: server misbehaving`);
  });

  it('without rotate always starts at the first server', async () => {
    const r = makeResolver({ resolv: `${ns('127.0.0.1', '127.0.0.3')}options attempts:1 single-request\n`, port: port(), timeoutMs: 2000 });
    for (let i = 0; i < 2; i++) {
      const e = await lookupError(r, 'bad.example.');
      expect(e.result.queries.map((q) => q.server.split(':')[0])).toEqual(['127.0.0.1', '127.0.0.3', '127.0.0.1', '127.0.0.3']);
    }
  });
});

describe('UDP and TCP', () => {
  it('retries a truncated UDP reply over TCP to the same server', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.1')}options attempts:1 single-request\n`, port: port(), timeoutMs: 2000 });
    const res = await r.lookup('trunc.example.', { signal: signal() });
    expect(res.addresses.sort()).toEqual(['10.0.0.9', '2001:db8::9'].sort());
    expect(servers[0]!.queries.map((q) => `${q.transport} ${q.type}`)).toEqual(['udp A', 'tcp A', 'udp AAAA', 'tcp AAAA']);
    const a = res.queries.filter((q) => q.type === 'A');
    expect(a.map((q) => [q.transport, q.truncated, q.outcome])).toEqual([
      ['udp', true, 'answer'],
      ['tcp', false, 'answer'],
    ]);
    expect(a[0]!.detail).toMatch(/TC bit/);
  });

  it('uses TCP only with use-vc', async () => {
    reset();
    const r = makeResolver({ resolv: `${ns('127.0.0.1')}options use-vc attempts:1\n`, port: port(), timeoutMs: 2000 });
    expect((await r.lookup('ok.example.', { signal: signal() })).addresses).toEqual(['10.2.2.2']);
    expect(servers[0]!.queries.every((q) => q.transport === 'tcp')).toBe(true);
    expect(servers[0]!.queries).toHaveLength(2);
  });

  it('reports a TCP timeout in go\'s words', async () => {
    const r = makeResolver({ resolv: `${ns('127.0.0.2')}options use-vc attempts:1\n`, port: port(), timeoutMs: 300 });
    const e = await lookupError(r, 'ok.example.');
    expect(e.code).toBe('dns.timeout');
    expect(e.goError).toMatch(/: read tcp 127\.0\.0\.1:\d+->127\.0\.0\.2:\d+: i\/o timeout$/);
  });
});

describe('deadlines', () => {
  it('gives up at go\'s dial deadline with go\'s text, even with time left per server', async () => {
    const r = makeResolver({
      resolv: `${ns('127.0.0.2')}options attempts:5\n`,
      port: port(),
      timeoutMs: 300,
      extra: { dialTimeoutMs: 700 },
    });
    const e = await lookupError(r, 'ok.example.');
    expect(e.code).toBe('dns.timeout');
    // go 1.23 with the 30 s deadline: "dial tcp: lookup a.example.: i/o timeout" (no server named).
    expect(e.goError).toBe('lookup ok.example.: i/o timeout');
    expect(e.message).toMatch(/dial deadline/);
    expect(e.result.queries.length).toBeLessThan(10);
    expect(e.result.queries.at(-1)!.outcome).toBe('timeout');
  });

  it('stops when the caller\'s signal fires, with the evidence so far', async () => {
    const r = makeResolver({ resolv: `${ns('127.0.0.2')}options attempts:5\n`, port: port(), timeoutMs: 5000 });
    const ctl = new AbortController();
    const pending = lookupError(r, 'ok.example.', ctl.signal);
    setTimeout(() => ctl.abort(), 200);
    const e = await pending;
    expect(e.code).toBe('dns.timeout');
    // go's own walk would end inside its 30 s dial deadline, so go names the server of the last exchange.
    expect(e.goError).toMatch(/^lookup ok\.example\. on 127\.0\.0\.2:\d+: read udp 127\.0\.0\.1:\d+->127\.0\.0\.2:\d+: i\/o timeout$/);
    expect(e.message).toMatch(/probe's deadline/);
    expect(e.result.queries.map((q) => q.outcome)).toEqual(['timeout', 'timeout']);
    expect(e.result.queries[0]!.detail).toMatch(/abandoned/);
  });

  it('fails at once on an already aborted signal without sending anything', async () => {
    reset();
    const r = makeResolver({ resolv: ns('127.0.0.1'), port: port(), timeoutMs: 2000 });
    const e = await lookupError(r, 'ok.example.', AbortSignal.abort());
    expect(e.code).toBe('dns.timeout');
    expect(servers[0]!.queries).toHaveLength(0);
  });
});

// An answer that came in time must not lose to the read timer because this process's event loop was
// busy (net/dnstransport.ts readTimer): here the server, in the same process, answers both queries and
// then holds the loop for 4x the timeout. When the loop is free again the timer and the answer are both
// due; timers run first in a loop turn, so without the extra turn the query was called a timeout.
describe('an answer that arrived while the loop was busy', () => {
  it('is read before the timeout is declared', async () => {
    const dgram = await import('node:dgram');
    const dnsPacket = (await import('dns-packet')).default;
    const server = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.4', resolve));
    const timeoutMs = 100;
    let busy = true;
    server.on('message', (msg, rinfo) => {
      const q = dnsPacket.decode(msg);
      const question = q.questions![0]!;
      const answers = question.type === 'A' ? [{ type: 'A' as const, name: question.name, ttl: 60, data: '10.4.4.4' }] : [];
      server.send(dnsPacket.encode({ type: 'response', id: q.id!, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q.questions!, answers }), rinfo.port, rinfo.address);
      if (busy && q.questions!.length > 0) {
        busy = false;
        const until = performance.now() + 4 * timeoutMs;
        while (performance.now() < until) {
          // The answer is in the client's socket buffer by now; the client's timer falls due meanwhile.
        }
      }
    });
    try {
      const r = makeResolver({ resolv: `nameserver 127.0.0.4\noptions attempts:1\n`, port: (server.address() as { port: number }).port, timeoutMs });
      const res = await r.lookup('busy.example.', { signal: signal() });
      expect(res.addresses).toEqual(['10.4.4.4']);
      expect(res.queries.map((q) => q.outcome)).not.toContain('timeout');
    } finally {
      server.close();
    }
  });
});
