import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../../src/errors.js';
import { EMPTY_GO_MOD_HASH, parseGoSum } from '../../../src/goenv/gosum.js';
import { netrcLookup, parseNetrc } from '../../../src/goenv/netrc.js';
import { NETRC } from './go123-expected.js';

describe('parseGoSum (readGoSum)', () => {
  it('keys lines by "path version" and "path version/go.mod"', () => {
    const sums = parseGoSum([
      'rsc.io/quote v1.5.2 h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y=',
      'rsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=',
      '',
      '  \t',
      `old.example/m v1.0.0/go.mod ${EMPTY_GO_MOD_HASH}`,
      'rsc.io/quote v1.5.2 h2:future-algorithm',
      'x.example/m v1.0.0 h2:only-unknown',
      'rsc.io/quote v1.5.2 h1:second-one-never-decides=',
    ].join('\n'), 'go.sum');
    expect([...sums]).toEqual([
      ['rsc.io/quote v1.5.2', 'h1:w5fcysjrx7yqtD/aO+QwRjYZOKnaM9Uh2b40tElTs3Y='],
      ['rsc.io/quote v1.5.2/go.mod', 'h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0='],
    ]);
  });

  it('fails on a wrong number of fields with go\'s fatal text and line number', () => {
    expect(() => parseGoSum('a v1 h1:x\r\n\nb v1\n', 'go.sum')).toThrow(new ParseError('gosum.malformed', 'malformed go.sum:\ngo.sum:3: wrong number of fields 2\n'));
    expect(() => parseGoSum('a v1 h1:x extra', '/src/go.sum')).toThrow('malformed go.sum:\n/src/go.sum:1: wrong number of fields 4\n');
  });

  it('never throws anything but ParseError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (t) => {
      try {
        parseGoSum(t, 'go.sum');
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 1000 });
  });
});

describe('parseNetrc agrees with cmd/go 1.23 (§6.6)', () => {
  it.each(NETRC)('%j', (text, entries) => {
    expect(parseNetrc(text)).toEqual(entries);
  });

  it('needs machine, login and password; skips macdef bodies; stops at a trailing default', () => {
    expect(parseNetrc('machine a login u\nmachine b login v password w\n')).toEqual([{ machine: 'b', login: 'v', password: 'w' }]);
    expect(parseNetrc('machine a login u password p macdef m\nmachine evil login x password y\n\nmachine c login u password p\n'))
      .toEqual([{ machine: 'a', login: 'u', password: 'p' }, { machine: 'c', login: 'u', password: 'p' }]);
    expect(parseNetrc('machine a login u password p\ndefault\nmachine b login u password p\n')).toEqual([{ machine: 'a', login: 'u', password: 'p' }]);
  });

  it('matches the request Host as written, port included, for https only (auth.AddCredentials)', () => {
    const entries = parseNetrc('machine proxy.corp login a password 1\nmachine proxy.corp:8443 login b password 2\n');
    expect(netrcLookup(entries, 'https://proxy.corp/x')?.login).toBe('a');
    expect(netrcLookup(entries, 'https://proxy.corp:8443/x')?.login).toBe('b');
    expect(netrcLookup(entries, 'https://proxy.corp:/x')?.login).toBe('a');
    expect(netrcLookup(entries, 'https://proxy.corp:443/x')).toBeUndefined();
    expect(netrcLookup(entries, 'https://PROXY.corp/x')).toBeUndefined();
    expect(netrcLookup(entries, 'http://proxy.corp/x')).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (t) => {
      expect(Array.isArray(parseNetrc(t))).toBe(true);
    }), { numRuns: 1000 });
  });
});
