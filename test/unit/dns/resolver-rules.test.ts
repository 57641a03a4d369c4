// Go's name rules and RFC 6724 ordering, without the network. Vectors marked "go 1.23" were run
// through the real Go resolver (a throwaway program under /tmp, in a private network namespace).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Resolver } from '../../../src/net/resolver.js';
import { isDomainName, nameList } from '../../../src/net/dnsnames.js';
import { sortByRFC6724WithSources } from '../../../src/net/addrselect.js';
import { parseResolvConf } from '../../../src/net/resolvconf.js';
import { parseHosts } from '../../../src/net/hosts.js';
import { parseIpLiteral } from '../../../src/net/netip.js';

const K8S = { ndots: 5, search: ['default.svc.cluster.local.', 'svc.cluster.local.', 'cluster.local.'] };

describe('isDomainName', () => {
  it('accepts LDH and underscore labels and rejects the rest', () => {
    for (const ok of ['proxy.golang.org', 'proxy.golang.org.', 'under_score.example', 'a-b.c', '.', 'x', '1a', 'a.1', `${'a'.repeat(63)}.b`]) {
      expect(isDomainName(ok), ok).toBe(true);
    }
    for (const bad of ['', 'a..b', '-a.b', 'a-.b', 'a.b-', '1.2.3', '123', 'a b', 'a/b', 'é.example', `${'a'.repeat(64)}.b`, '.a', 'a%b']) {
      expect(isDomainName(bad), bad).toBe(false);
    }
    const n253 = `${'a'.repeat(61)}.`.repeat(4) + 'b'.repeat(5);
    expect(n253.length).toBe(253);
    expect(isDomainName(n253)).toBe(true);
    expect(isDomainName(n253 + 'c')).toBe(false);
    expect(isDomainName(n253 + '.')).toBe(true);
  });
});

describe('nameList', () => {
  it('puts the search list first below ndots (Kubernetes ndots:5, go 1.23)', () => {
    expect(nameList('proxy.golang.org', K8S)).toEqual([
      'proxy.golang.org.default.svc.cluster.local.',
      'proxy.golang.org.svc.cluster.local.',
      'proxy.golang.org.cluster.local.',
      'proxy.golang.org.',
    ]);
  });

  it('tries the name itself first at or above ndots (go 1.23)', () => {
    expect(nameList('a.b.c.d.e.f', K8S)[0]).toBe('a.b.c.d.e.f.');
    // Four dots is still below ndots:5.
    expect(nameList('a.b.c.d.e', K8S).at(-1)).toBe('a.b.c.d.e.');
    expect(nameList('db', { ndots: 0, search: ['corp.example.'] })).toEqual(['db.', 'db.corp.example.']);
    expect(nameList('db', { ndots: 1, search: [] })).toEqual(['db.']);
  });

  it('queries a rooted name as is', () => {
    expect(nameList('proxy.golang.org.', K8S)).toEqual(['proxy.golang.org.']);
  });

  it('never queries .onion names, but does query their search expansions (go 1.23)', () => {
    expect(nameList('x.onion.', K8S)).toEqual([]);
    expect(nameList('x.ONION', K8S)).toEqual(['x.ONION.default.svc.cluster.local.', 'x.ONION.svc.cluster.local.', 'x.ONION.cluster.local.']);
  });

  it('drops candidates over 254 bytes (go 1.23)', () => {
    const longSuffix = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.example.`;
    expect(nameList('short', { ndots: 3, search: [longSuffix] })).toEqual([`short.${longSuffix}`, 'short.']);
    expect(nameList(`muchlongername-${'y'.repeat(40)}`, { ndots: 3, search: [longSuffix] })).toEqual([`muchlongername-${'y'.repeat(40)}.`]);
    expect(nameList('a'.repeat(254), K8S)).toEqual([]);
    expect(nameList('a'.repeat(253) + '.', K8S)).toHaveLength(1);
  });

  it('always ends every candidate with a dot and never grows past search+1', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.nat(15), fc.array(fc.constantFrom('a.', 'corp.example.', 'x.onion.'), { maxLength: 6 }), (name, ndots, search) => {
        const names = nameList(name, { ndots, search });
        expect(names.length).toBeLessThanOrEqual(search.length + 1);
        for (const n of names) expect(n.endsWith('.')).toBe(true);
      }),
    );
  });
});

describe('sortByRFC6724WithSources (addrselect.go)', () => {
  const ip = (s: string) => ({ bytes: parseIpLiteral(s)!.bytes, s });
  const sortStrings = (addrs: string[], srcs: (string | undefined)[]) => {
    const a = addrs.map(ip);
    sortByRFC6724WithSources(
      a,
      srcs.map((s) => (s === undefined ? undefined : parseIpLiteral(s)!.bytes)),
    );
    return a.map((x) => x.s);
  };

  // Go's own TestSortByRFC6724 vectors, both directions where Go checks both.
  const vectors: { in: string[]; srcs: string[]; want: string[]; reverse: boolean }[] = [
    { in: ['2001:db8:1::1', '198.51.100.121'], srcs: ['2001:db8:1::2', '169.254.13.78'], want: ['2001:db8:1::1', '198.51.100.121'], reverse: true },
    { in: ['2001:db8:1::1', '198.51.100.121'], srcs: ['fe80::1', '198.51.100.117'], want: ['198.51.100.121', '2001:db8:1::1'], reverse: true },
    { in: ['2001:db8:1::1', '10.1.2.3'], srcs: ['2001:db8:1::2', '10.1.2.4'], want: ['2001:db8:1::1', '10.1.2.3'], reverse: true },
    { in: ['2001:db8:1::1', 'fe80::1'], srcs: ['2001:db8:1::2', 'fe80::2'], want: ['fe80::1', '2001:db8:1::1'], reverse: true },
    {
      in: ['54.83.193.112', '184.72.238.214', '23.23.172.185', '75.101.148.21', '23.23.134.56', '23.21.50.150'],
      srcs: Array(6).fill('10.2.3.4'),
      want: ['54.83.193.112', '184.72.238.214', '23.23.172.185', '75.101.148.21', '23.23.134.56', '23.21.50.150'],
      reverse: false,
    },
  ];
  it('matches Go\'s test vectors', () => {
    for (const v of vectors) {
      expect(sortStrings(v.in, v.srcs)).toEqual(v.want);
      if (v.reverse) expect(sortStrings([...v.in].reverse(), [...v.srcs].reverse())).toEqual(v.want);
    }
  });

  it('puts unroutable destinations last, keeping their order', () => {
    expect(sortStrings(['2001:db8::1', '10.0.0.1', '10.0.0.2'], [undefined, '10.0.0.9', '10.0.0.9'])).toEqual(['10.0.0.1', '10.0.0.2', '2001:db8::1']);
    expect(sortStrings(['10.0.0.1', '2001:db8::1'], [undefined, undefined])).toEqual(['10.0.0.1', '2001:db8::1']);
  });

  it('orders 49 mixed addresses exactly as go 1.23 did (sort.Stable past its 20-element blocks)', () => {
    const a = ['10.1.2.3', '23.23.172.185', '54.83.193.112', '127.0.0.9', '169.254.1.1', '192.168.1.1', '10.200.0.1', '11.0.0.1', '224.0.0.1',
      ...Array.from({ length: 16 }, (_, i) => `10.9.0.${i + 1}`)];
    const aaaa = ['2001:db8:1::1', '2001:db8:2::1', 'fd00::1', 'fe80::1', '2002::1', '2001::1', '::1', 'ff02::1', '3ffe::1', 'fec0::1', '::ffff:10.1.2.9', '64:ff9b::1',
      ...Array.from({ length: 12 }, (_, i) => `2001:db8:1::${(i + 16).toString(16)}`)];
    // The sources the kernel chose in that namespace (lo with 127/8, ::1, 10.1.2.4/8, 2001:db8:1::2/64, fd00::5/64).
    const src = (s: string): string | undefined => {
      if (s === '::1') return '::1';
      if (s.startsWith('2001:db8:1::')) return '2001:db8:1::2';
      if (s === 'fd00::1') return 'fd00::5';
      if (s.startsWith('127.')) return '127.0.0.1';
      if (s.startsWith('10.') || s === '::ffff:10.1.2.9') return '10.1.2.4';
      return undefined;
    };
    const input = [...a, ...aaaa];
    const got = sortStrings(input, input.map(src)).map((s) => (s === '::ffff:10.1.2.9' ? '10.1.2.9' : s));
    expect(got).toEqual([
      '::1', '2001:db8:1::1', '2001:db8:1::10', '2001:db8:1::11', '2001:db8:1::12', '2001:db8:1::13', '2001:db8:1::14', '2001:db8:1::15',
      '2001:db8:1::16', '2001:db8:1::17', '2001:db8:1::18', '2001:db8:1::19', '2001:db8:1::1a', '2001:db8:1::1b', '127.0.0.9', '10.1.2.3',
      '10.200.0.1', '10.9.0.1', '10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6', '10.9.0.7', '10.9.0.8', '10.9.0.9', '10.9.0.10',
      '10.9.0.11', '10.9.0.12', '10.9.0.13', '10.9.0.14', '10.9.0.15', '10.9.0.16', '10.1.2.9', 'fd00::1', '23.23.172.185', '54.83.193.112',
      '169.254.1.1', '192.168.1.1', '11.0.0.1', '224.0.0.1', '2001:db8:2::1', 'fe80::1', '2002::1', '2001::1', 'ff02::1', '3ffe::1', 'fec0::1',
      '64:ff9b::1',
    ]);
  });
});

describe('Resolver.goGiveUpMs', () => {
  const make = (resolv: string, hosts = '', order: 'files,dns' | 'dns' | 'files' = 'files,dns') =>
    new Resolver({ conf: parseResolvConf(resolv, 'pod'), hosts: parseHosts(hosts), order });

  it('multiplies names, attempts, servers and timeout, capped by the 30 s dial timeout', () => {
    expect(make('nameserver 10.0.0.1\noptions timeout:1 attempts:2\n').goGiveUpMs('proxy.golang.org.')).toBe(2000);
    expect(make('nameserver 10.0.0.1\nnameserver 10.0.0.2\noptions timeout:1 attempts:2 single-request\n').goGiveUpMs('a.example.')).toBe(8000);
    // Kubernetes defaults: 4 names x 2 attempts x 1 server x 5 s = 40 s, cut to 30 s.
    expect(make('nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n').goGiveUpMs('proxy.golang.org')).toBe(30_000);
  });

  it('is zero when go does not ask DNS at all', () => {
    const r = make('nameserver 10.0.0.1\n', '10.0.0.5 proxy.corp.example\n');
    expect(r.goGiveUpMs('10.1.1.1')).toBe(0);
    expect(r.goGiveUpMs('proxy.corp.example')).toBe(0);
    expect(r.goGiveUpMs('a..b')).toBe(0);
    expect(r.goGiveUpMs('x.onion.')).toBe(0);
    expect(make('nameserver 10.0.0.1\n', '', 'files').goGiveUpMs('a.example')).toBe(0);
    expect(make('nameserver 10.0.0.1\n', '10.0.0.5 a.example\n', 'dns').goGiveUpMs('a.example')).toBe(10_000);
  });
});
