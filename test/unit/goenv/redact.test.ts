import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { goFields, goQuote, goQuoteRune, goTrimSpace } from '../../../src/goenv/gostrings.js';
import { goPathEscape, parseGoURL } from '../../../src/goenv/gourl.js';
import { redactURL, redactURLUncached } from '../../../src/goenv/redact.js';
import { PATH_ESCAPE, QUOTE, URL_PARSE } from './go123-expected.js';

describe('net/url ported from go 1.23', () => {
  it.each(URL_PARSE)('url.Parse(%j)', (raw, want, error) => {
    const r = parseGoURL(raw);
    if (want === null) {
      expect(r).toEqual({ ok: false, error });
      return;
    }
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const u = r.url;
    expect({
      scheme: u.schemeText, host: u.hostText, hostname: u.hostname, port: u.port, path: u.pathText,
      string: u.string(), redacted: u.redacted(), hasPassword: u.hasPassword,
    }).toEqual(want);
  });

  it.each(PATH_ESCAPE)('url.PathEscape(%j)', (s, want) => {
    expect(goPathEscape(s)).toBe(want);
  });
});

describe('redactURL (url.Redacted for every error text we produce)', () => {
  it('replaces only the password with xxxxx, as url.Redacted does', () => {
    expect(redactURL('https://user:s3cret@proxy.corp:8443/path')).toBe('https://user:xxxxx@proxy.corp:8443/path');
    expect(redactURL('https://user@proxy.corp')).toBe('https://user@proxy.corp');
    expect(redactURL('https://proxy.golang.org')).toBe('https://proxy.golang.org');
  });

  it('masks user:pass@ in text url.Parse rejects, and in go parse errors (go would print the password)', () => {
    expect(redactURL('https://u:s3cret@h:bad/')).toBe('https://u:xxxxx@h:bad/');
    expect(redactURL('user:s3cret@proxy:3128')).toBe('user:xxxxx@proxy:3128');
    expect(redactURL('//u:s3cret@h/x y%zz')).toBe('//u:xxxxx@h/x y%zz');
    const r = parseGoURL('https://u:s3cret@h:bad/');
    expect(r).toEqual({ ok: false, error: 'parse "https://u:xxxxx@h:bad/": invalid port ":bad" after host' });
  });

  it('never throws and never lets a password through', () => {
    const secret = 'S3cr3tPW';
    const url = fc.tuple(
      fc.constantFrom('https://', 'http://', '', '//', 'socks5://', 'HTTP://'),
      fc.stringMatching(/^[a-z]{1,6}$/),
      fc.constantFrom('h', 'proxy.corp:3128', 'h:bad', '[::1]:80', 'a b', '%zz', ''),
      fc.constantFrom('', '/x', '/a%2Fb?q#f', '/ é'),
    ).map(([scheme, user, host, rest]) => `${scheme}${user}:${secret}@${host}${rest}`);
    fc.assert(fc.property(url, (u) => {
      expect(redactURL(u)).not.toContain(secret);
    }), { numRuns: 1000 });
    fc.assert(fc.property(fc.string({ maxLength: 60 }), (s) => {
      expect(typeof redactURL(s)).toBe('string');
      const r = parseGoURL(s);
      if (r.ok) r.url.redacted();
    }), { numRuns: 2000 });
  });

  it('gives every text it returns unparsed the answer of the url.Parse port', () => {
    // The texts redactURL hands back as they are (PLAIN_URL) must be exactly what parsing gives.
    const plain = fc.tuple(
      fc.constantFrom('https://', 'http://'),
      fc.stringMatching(/^[a-z0-9.-]{1,20}$/),
      fc.constantFrom('', ':443', ':3128', ':0', ':99999'),
      fc.stringMatching(/^(\/[A-Za-z0-9._~!+@-]{0,12}){0,5}$/),
      fc.constantFrom('', '?', '?a=b&c=%2F', "?X-Amz-Signature=ab12&k=v;w=(x)*$!,:@/?'", '?%zz'),
    ).map((parts) => parts.join(''));
    fc.assert(fc.property(plain, (u) => {
      expect(redactURL(u)).toBe(redactURLUncached(u));
    }), { numRuns: 3000 });
    for (const u of ['https://proxy.golang.org/github.com/!azure/azure-sdk-for-go/@v/v1.0.0+incompatible.zip',
      'https://proxy.lab.test/sumdb/sum.lab.test/lookup/lab.test/bulk/m0001@v1.0.0', 'http://h//x', 'https://h', 'https://h/',
      'https://storage.lab.test/bucket/lab.test/hello/@v/v1.1.0.zip?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=0f1e']) {
      expect(redactURL(u)).toBe(redactURLUncached(u));
      expect(redactURL(u)).toBe(u);
    }
    // Not plain: parsed as go does (upper-case host, userinfo, query).
    expect(redactURL('https://u:p@h/x')).toBe('https://u:xxxxx@h/x');
  });
});

describe('strconv.Quote and strings.Fields', () => {
  it.each(QUOTE)('Quote(%j)', (s, want) => {
    expect(goQuote(s)).toBe(want);
  });
  it('quotes runes like %q', () => {
    expect(goQuoteRune(0x45)).toBe("'E'");
    expect(goQuoteRune(0x27)).toBe("'\\''");
    expect(goQuoteRune(0x01)).toBe("'\\x01'");
    expect(goQuoteRune(0xa0)).toBe("'\\u00a0'");
    expect(goQuoteRune(0xe9)).toBe("'é'");
  });
  it('splits and trims on Unicode white space (U+0085 and U+00A0 yes, U+FEFF no)', () => {
    expect(goFields(' a\tb\u0085c\u00a0d\u2028e\ufefff \r\n')).toEqual(['a', 'b', 'c', 'd', 'e\ufefff']);
    expect(goTrimSpace('\u00a0 x \u0085')).toBe('x');
  });
});
