import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseResolvConf, usesDefaultNameservers } from '../../../src/net/resolvconf.js';

const K8S = `nameserver 10.96.0.10
search default.svc.cluster.local svc.cluster.local cluster.local
options ndots:5
`;

describe('parseResolvConf (dnsReadConfig)', () => {
  it('reads the Kubernetes default', () => {
    const c = parseResolvConf(K8S, 'pod-abc');
    expect(c.servers).toEqual(['10.96.0.10']);
    expect(c.search).toEqual(['default.svc.cluster.local.', 'svc.cluster.local.', 'cluster.local.']);
    expect(c.ndots).toBe(5);
    expect(c.timeoutMs).toBe(5000);
    expect(c.attempts).toBe(2);
    expect(c.rotate).toBe(false);
    expect(c.defaultsUsed).toEqual([]);
    expect(c.skipped).toEqual([]);
  });

  it('uses 127.0.0.1 and ::1 and the hostname domain when the file is missing', () => {
    const c = parseResolvConf(undefined, 'pod.corp.example');
    expect(c.servers).toEqual(['127.0.0.1', '::1']);
    expect(c.search).toEqual(['corp.example.']);
    expect(c.ndots).toBe(1);
    expect(usesDefaultNameservers(c)).toBe(true);
    expect(c.defaultsUsed.join('\n')).toMatch(/no resolv.conf/);
  });

  it('takes the hostname domain only when something follows the first dot', () => {
    expect(parseResolvConf(undefined, 'pod').search).toEqual([]);
    expect(parseResolvConf(undefined, 'pod.').search).toEqual([]);
    expect(parseResolvConf(undefined, 'a.b.c').search).toEqual(['b.c.']);
    expect(parseResolvConf('nameserver 10.0.0.1\nsearch\n', 'a.b.c').search).toEqual(['b.c.']);
  });

  it('keeps at most three IP-literal nameservers, as written, and says what it skipped', () => {
    const c = parseResolvConf(
      [
        'nameserver dns.corp.example',
        'nameserver 010.0.0.1',
        'nameserver 10.0.0.2:53',
        'nameserver',
        'nameserver 10.0.0.1',
        'nameserver fe80::1%eth0',
        'nameserver 0:0::0:1',
        'nameserver 10.0.0.4',
      ].join('\n'),
      'pod',
    );
    expect(c.servers).toEqual(['10.0.0.1', 'fe80::1%eth0', '0:0::0:1']);
    expect(usesDefaultNameservers(c)).toBe(false);
    expect(c.skipped).toHaveLength(5);
    expect(c.skipped[0]).toMatch(/line 1: nameserver dns.corp.example: not an IP address/);
    expect(c.skipped[4]).toMatch(/line 8: .*first 3/);
  });

  it('falls back to Go\'s default nameservers when no nameserver line is usable', () => {
    const c = parseResolvConf('nameserver dns.example\nsearch corp.example\n', 'pod');
    expect(c.servers).toEqual(['127.0.0.1', '::1']);
    expect(c.search).toEqual(['corp.example.']);
    expect(usesDefaultNameservers(c)).toBe(true);
  });

  it('lets the last domain or search line win, drops ".", and keeps every other field as Go does', () => {
    expect(parseResolvConf('search a.example b.example\ndomain c.example\n', 'pod').search).toEqual(['c.example.']);
    expect(parseResolvConf('domain c.example\nsearch a.example. . b\n', 'pod').search).toEqual(['a.example.', 'b.']);
    // Only a line that starts with # or ; is a comment: inside a line, '#' is just another field.
    expect(parseResolvConf('search a.example # note\n', 'pod').search).toEqual(['a.example.', '#.', 'note.']);
    expect(parseResolvConf('# search x.example\n; search y.example\nsearch z.example\n', 'pod').search).toEqual(['z.example.']);
  });

  it('parses options with Go\'s clamps and dtoi', () => {
    const opt = (s: string) => parseResolvConf(`nameserver 10.0.0.1\noptions ${s}\n`, 'pod');
    expect(opt('ndots:20').ndots).toBe(15);
    expect(opt('ndots:-1').ndots).toBe(0);
    expect(opt('ndots:abc').ndots).toBe(0);
    expect(opt('ndots:3x').ndots).toBe(3);
    expect(opt('timeout:0').timeoutMs).toBe(1000);
    expect(opt('timeout:3').timeoutMs).toBe(3000);
    expect(opt('timeout:99999999999').timeoutMs).toBe(0xffffff * 1000);
    expect(opt('attempts:0').attempts).toBe(1);
    expect(opt('attempts:4').attempts).toBe(4);
    expect(opt('rotate').rotate).toBe(true);
    expect(opt('single-request-reopen').singleRequest).toBe(true);
    expect(opt('single-request').singleRequest).toBe(true);
    for (const vc of ['use-vc', 'usevc', 'tcp']) expect(opt(vc).useTCP).toBe(true);
    expect(opt('trust-ad').trustAD).toBe(true);
    const quiet = opt('edns0 no-reload');
    expect(quiet.unknownOptions).toEqual([]);
    expect(opt('inet6 debug ndots:2').unknownOptions).toEqual(['inet6', 'debug']);
    // Options accumulate across lines; a later value replaces an earlier one.
    const two = parseResolvConf('options ndots:2 rotate\noptions ndots:3\n', 'pod');
    expect([two.ndots, two.rotate]).toEqual([3, true]);
  });

  it('notes unknown keywords (which would push a cgo binary to libc) and ignores lookup', () => {
    const c = parseResolvConf('nameserver 10.0.0.1\nsortlist 10.0.0.0/8\nlookup file bind\n  # indented\n', 'pod');
    expect(c.unknownOptions).toEqual(['sortlist', '#']);
    expect(c.skipped.some((s) => s.startsWith('line 2: unknown keyword sortlist'))).toBe(true);
  });

  it('splits fields at spaces, tabs and carriage returns', () => {
    const c = parseResolvConf('nameserver\t10.0.0.1\r\nsearch a.example\tb.example\r\noptions\tndots:2\r\n', 'pod');
    expect(c.servers).toEqual(['10.0.0.1']);
    expect(c.search).toEqual(['a.example.', 'b.example.']);
    expect(c.ndots).toBe(2);
  });

  it('stops reading at a line longer than Go\'s 64 KiB buffer', () => {
    const long = 'search ' + 'a'.repeat(70_000);
    const c = parseResolvConf(`nameserver 10.0.0.1\n${long}\nnameserver 10.0.0.2\n`, 'pod');
    expect(c.servers).toEqual(['10.0.0.1']);
    expect(c.skipped.at(-1)).toMatch(/line 2: longer than go's 64 KiB line buffer/);
    // A line of exactly 65535 bytes still fits.
    const fits = 'options ' + 'x'.repeat(65535 - 8);
    expect(parseResolvConf(`${fits}\nnameserver 10.0.0.3\n`, 'pod').servers).toEqual(['10.0.0.3']);
  });

  it('handles a 100 KB file of 50 nameservers and options', () => {
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) lines.push(`nameserver 10.0.${i}.1`);
    while (lines.join('\n').length < 100_000) lines.push(`options ndots:${lines.length % 16} attempts:3`);
    const c = parseResolvConf(lines.join('\n'), 'pod');
    expect(c.servers).toEqual(['10.0.0.1', '10.0.1.1', '10.0.2.1']);
    expect(c.skipped.filter((s) => s.includes('first 3'))).toHaveLength(47);
    expect(c.attempts).toBe(3);
  });

  it('never throws on arbitrary text and always yields 1..3 servers', () => {
    const token = fc.constantFrom('nameserver', 'search', 'domain', 'options', 'ndots:', 'timeout:', 'attempts:', '10.0.0.1', '::1', '#', ';', ' ', '\t', '\n', '\r', 'x.example', '.', '%', ':');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.array(token, { maxLength: 200 }).map((a) => a.join(''))), fc.string({ maxLength: 30 }), (text, host) => {
        const c = parseResolvConf(text, host);
        expect(c.servers.length).toBeGreaterThanOrEqual(1);
        expect(c.servers.length).toBeLessThanOrEqual(3);
        expect(c.ndots).toBeGreaterThanOrEqual(0);
        expect(c.ndots).toBeLessThanOrEqual(15);
        expect(c.timeoutMs).toBeGreaterThanOrEqual(1000);
        for (const s of c.search) expect(s.endsWith('.')).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
