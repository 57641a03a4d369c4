import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { goLines, parseHosts } from '../../../src/net/hosts.js';
import { formatIpAddr, formatNetIp, parseIpLiteral } from '../../../src/net/netip.js';

describe('parseIpLiteral (netip.ParseAddr) and formatting', () => {
  it('accepts what netip accepts and prints it as netip does', () => {
    const cases: [string, string][] = [
      ['192.168.0.1', '192.168.0.1'],
      ['0.0.0.0', '0.0.0.0'],
      ['::', '::'],
      ['::1', '::1'],
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['fe80::1%eth0', 'fe80::1%eth0'],
      ['::ffff:192.168.1.1', '::ffff:192.168.1.1'],
      ['::ffff:c0a8:101', '::ffff:192.168.1.1'],
      ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4'],
      ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
      ['::1.2.3.4', '::102:304'],
      ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
    ];
    for (const [input, want] of cases) {
      const ip = parseIpLiteral(input);
      expect(ip, input).toBeDefined();
      expect(formatIpAddr(ip!), input).toBe(want);
    }
  });

  it('rejects what netip rejects', () => {
    for (const bad of [
      '', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.256', '1..2.3', '.1.2.3', '1.2.3.4%eth0', '%eth0', 'fe80::1%', ':::',
      '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::1', '::1.2.3', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:7:8::', 'localhost',
      ' 1.2.3.4', '1.2.3.4 ', '[::1]', '1:2:3:4:5:6:7:', '::ffff:1.2.3.4.5',
    ]) {
      expect(parseIpLiteral(bad), bad).toBeUndefined();
    }
  });

  it('prints net.IP the way Go does: IPv4-mapped as dotted quad', () => {
    expect(formatNetIp(parseIpLiteral('::ffff:10.0.0.1')!.bytes)).toBe('10.0.0.1');
    expect(formatNetIp(new Uint8Array([10, 0, 0, 1]))).toBe('10.0.0.1');
    expect(formatNetIp(parseIpLiteral('fe80::1')!.bytes, 'lo')).toBe('fe80::1%lo');
  });
});

describe('goLines', () => {
  it('yields lines like Go\'s readLine, stopping at one that overflows the 64 KiB buffer', () => {
    expect([...goLines('a\nb\n\nc')]).toEqual(['a', 'b', '', 'c']);
    expect([...goLines('a\n')]).toEqual(['a']);
    expect([...goLines('')]).toEqual([]);
    const stop: { stoppedAtLine?: number } = {};
    expect([...goLines(`a\n${'x'.repeat(65536)}\nb`, stop)]).toEqual(['a']);
    expect(stop.stoppedAtLine).toBe(2);
    expect([...goLines(`${'x'.repeat(65535)}\nb`)]).toHaveLength(2);
    // Multi-byte characters count in bytes, as Go reads bytes.
    expect([...goLines(`${'é'.repeat(32768)}\nb`)]).toEqual([]);
  });
});

describe('parseHosts (hosts.go)', () => {
  const table = parseHosts(
    [
      '# comment line',
      '127.0.0.1\tlocalhost localhost.localdomain',
      '10.0.0.1 Proxy.Corp.Example proxy # trailing comment',
      '10.0.0.2 proxy.corp.example',
      '::1 ip6-localhost',
      '::ffff:10.0.0.3 mapped.example',
      'fe80::1%eth0 linklocal.example',
      'not-an-ip bogus.example',
      '10.0.0.9',
      '010.0.0.4 leadingzero.example',
      '10.0.0.5 dotted.example.',
    ].join('\n'),
  );

  it('matches names case-insensitively, in file order across lines', () => {
    expect(table.lookup('proxy.corp.example')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(table.lookup('PROXY.CORP.EXAMPLE')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(table.canonicalName('proxy.corp.example')).toBe('proxy.corp.example.');
    expect(table.canonicalName('proxy')).toBe('proxy.corp.example.');
  });

  it('ignores a trailing dot only on names that contain a dot (absDomainName), as Go does', () => {
    expect(table.lookup('proxy.corp.example.')).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(table.lookup('dotted.example')).toEqual(['10.0.0.5']);
    expect(table.lookup('localhost')).toEqual(['127.0.0.1']);
    // Confirmed against go 1.23: "localhost." does not match the hosts entry "localhost".
    expect(table.lookup('localhost.')).toEqual([]);
    expect(table.lookup('proxy.')).toEqual([]);
  });

  it('normalizes addresses as netip prints them and skips lines without a valid IP', () => {
    expect(table.lookup('mapped.example')).toEqual(['::ffff:10.0.0.3']);
    expect(table.lookup('linklocal.example')).toEqual(['fe80::1%eth0']);
    expect(table.lookup('bogus.example')).toEqual([]);
    expect(table.lookup('leadingzero.example')).toEqual([]);
    expect(table.lookup('comment')).toEqual([]);
    expect(table.lookup('#')).toEqual([]);
  });

  it('returns copies', () => {
    table.lookup('localhost').push('1.1.1.1');
    expect(table.lookup('localhost')).toEqual(['127.0.0.1']);
  });

  it('handles a 100 KB file and refuses a huge one', () => {
    const lines: string[] = [];
    for (let i = 0; lines.join('\n').length < 100_000; i++) lines.push(`10.${(i >> 8) & 255}.${i & 255}.1 host${i}.example alias${i}`);
    const big = parseHosts(lines.join('\n'));
    expect(big.lookup('host1000.example')).toEqual(['10.3.232.1']);
  });

  it('never throws on arbitrary text', () => {
    const token = fc.constantFrom('127.0.0.1', '::1', 'fe80::1%x', 'a.example', 'A.EXAMPLE.', '#', ' ', '\t', '\n', '\r', '%', '.', '__proto__', 'constructor');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(token, { maxLength: 200 }).map((a) => a.join(''))), fc.string({ maxLength: 20 }), (text, q) => {
        const t = parseHosts(text);
        for (const a of t.lookup(q)) expect(parseIpLiteral(a)).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});
