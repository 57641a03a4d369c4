// GOSUMDB parsing against cmd/go's dbDial: test/unit/goenv/vectors/go1.<minor>.json (GOSUMDB) holds each
// input and what that go's dbDial, copied from its $GOROOT (test/vectors/record/extract), returned for it
// (`npm run record-vectors`, test/vectors/record.ts; the inputs are test/vectors/inputs.ts). Each go's
// table is checked under that go's rules: go 1.27 formats the URL in "invalid sumdb name" in another
// field order (GoRules.urlFieldsReordered).
import { describe, expect, it } from 'vitest';
import { SUM_GOLANG_ORG_KEY, parseGoSumDB } from '../../../src/goenv/gosumdb.js';
import { parseGoURL } from '../../../src/goenv/gourl.js';
import { parseGoVersion, rulesFor } from '../../../src/goenv/goversion.js';
import { recordedGoVectors } from '../../vectors/record.js';

describe.each(recordedGoVectors())('parseGoSumDB agrees with dbDial of $go', ({ go, GOSUMDB }) => {
  const rules = rulesFor(parseGoVersion(go));
  it.each(GOSUMDB)('%j -> %s', (input, want) => {
    const got = parseGoSumDB(input, { strictColons: rules.urlStrictColons, fieldsReordered: rules.urlFieldsReordered });
    if (want === 'OFF') {
      expect(got).toEqual({ ok: true, db: { kind: 'off' } });
    } else if (want.startsWith('ERR: ')) {
      expect(got).toEqual({ ok: false, error: want.slice(5) });
    } else if (want.startsWith('PANIC: ')) {
      // cmd/go dereferences a nil URL here and crashes; we report the name instead.
      expect(got.ok).toBe(false);
      const name = input.slice(0, input.indexOf('+'));
      expect(!got.ok && got.error).toContain(`invalid sumdb name (must be host[/path]): ${name} (go crashes`);
    } else {
      const [, name, key, url] = want.split(' ');
      expect(got).toEqual({
        ok: true,
        db: { kind: 'db', name, verifierKey: key, url, directUrl: `https://${name}` },
      });
    }
  });
});

describe('parseGoSumDB', () => {
  it('a name that is an Object.prototype key is not a known database', () => {
    expect(parseGoSumDB('toString')).toEqual({ ok: false, error: 'invalid GOSUMDB: malformed verifier id' });
    expect(parseGoSumDB('__proto__ https://x')).toEqual({ ok: false, error: 'invalid GOSUMDB: malformed verifier id' });
  });

  it('the default and the China alias use the sum.golang.org key', () => {
    expect(parseGoSumDB('sum.golang.google.cn')).toEqual({
      ok: true,
      db: {
        kind: 'db',
        name: 'sum.golang.org',
        verifierKey: SUM_GOLANG_ORG_KEY,
        url: 'https://sum.golang.google.cn',
        directUrl: 'https://sum.golang.org',
      },
    });
  });
});

describe('parseGoURL', () => {
  it('splits a URL the way net/url does', () => {
    const u = parseGoURL('http://user:p%40ss@[::1]:8080/a%2Fb/c?q=1#frag');
    expect(u).toMatchObject({
      ok: true,
      url: { scheme: 'http', host: '[::1]:8080', path: '/a/b/c', rawPath: '/a%2Fb/c', rawQuery: 'q=1', fragment: 'frag' },
    });
    expect(parseGoURL('http://x\u0001')).toEqual({
      ok: false,
      error: 'parse "http://x\\x01": net/url: invalid control character in URL',
    });
  });
});
