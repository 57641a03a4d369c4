// The probe's ports against what each modelled go said (test/unit/goenv/vectors/go1.<minor>.json,
// recorded by `npm run record-vectors -- /path/to/go`, see test/vectors/record.ts), each under that
// go's rules: url.Parse (strict colons in hosts from go1.26), url.PathEscape, strconv.Quote, path.Match,
// GODEBUG at start-up (removed settings fatal from go1.27), GOFLAGS as `go mod download` reads it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removedGodebug } from '../../../src/goenv/godebug.js';
import { parseGoFlags } from '../../../src/goenv/goflags.js';
import { goQuote } from '../../../src/goenv/gostrings.js';
import { goPathEscape, parseGoURL } from '../../../src/goenv/gourl.js';
import { parseGoVersion, rulesFor } from '../../../src/goenv/goversion.js';
import { pathMatch } from '../../../src/goenv/patterns.js';
import { GOFLAGS, PATH_MATCH, QUOTE, URL_PARSE } from './go123-expected.js';
import type { RecordedVectors } from '../../vectors/record.js';

const DIR = join(import.meta.dirname, 'vectors');
const RECORDED = readdirSync(DIR)
  .filter((f) => /^go1\.\d+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as RecordedVectors);

it('vectors are recorded for go 1.23, 1.24 and 1.27 (the lab\'s gos)', () => {
  expect(RECORDED.map((r) => r.go.replace(/^(go1\.\d+).*/, '$1')).sort()).toEqual(['go1.23', 'go1.24', 'go1.27']);
});

it('go1.23\'s recording agrees with the go 1.23 tables the ports were written from', () => {
  const go123 = RECORDED.find((r) => r.go.startsWith('go1.23.'))!;
  expect(go123.URL_PARSE.slice(0, URL_PARSE.length)).toEqual(URL_PARSE);
  expect(go123.QUOTE).toEqual(QUOTE);
  expect(go123.PATH_MATCH).toEqual(PATH_MATCH);
  expect(go123.GOFLAGS).toEqual(GOFLAGS);
});

for (const rec of RECORDED) {
  const rules = rulesFor(parseGoVersion(rec.go));
  describe(`${rec.go}`, () => {
    it.each(rec.URL_PARSE)('url.Parse(%j)', (raw, want, error) => {
      const r = parseGoURL(raw, { strictColons: rules.urlStrictColons });
      if (want === null) {
        expect(r).toEqual({ ok: false, error });
        return;
      }
      expect(r.ok, JSON.stringify(r)).toBe(true);
      if (!r.ok) return;
      const u = r.url;
      expect({ scheme: u.schemeText, host: u.hostText, hostname: u.hostname, port: u.port, path: u.pathText, string: u.string(), redacted: u.redacted(), hasPassword: u.hasPassword }).toEqual(want);
    });
    it.each(rec.PATH_ESCAPE)('url.PathEscape(%j)', (s, want) => expect(goPathEscape(s)).toBe(want));
    it.each(rec.QUOTE)('strconv.Quote(%j)', (s, want) => expect(goQuote(s)).toBe(want));
    it.each(rec.PATH_MATCH)('path.Match(%j, %j)', (p, n, matched, malformed) => expect(pathMatch(p, n)).toEqual({ matched, malformed }));
    it.each(rec.GODEBUG)('GODEBUG=%j at start-up', (value, exitStatus, fatal) => {
      const hit = removedGodebug(value, rules);
      expect(hit?.goError ?? null).toBe(fatal);
      expect(exitStatus).toBe(hit ? 2 : 0);
    });
    it.each(rec.GOFLAGS)('GOFLAGS=%j', (value, error) => {
      const r = parseGoFlags(value);
      if (error === null) expect(r).toMatchObject({ ok: true });
      else expect(r).toEqual({ ok: false, error });
    });
  });
}
