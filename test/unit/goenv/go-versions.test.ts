// The probe's ports against what each modelled go said (test/unit/goenv/vectors/go1.<minor>.json,
// recorded by `npm run record-vectors -- --go /path/to/go`, see test/vectors/record.ts), each under that
// go's rules: url.Parse (strict colons in hosts from go1.26), url.PathEscape, strconv.Quote, path.Match,
// a redirect's Location, x/mod's module path and version checks, semver, MatchPrefixPatterns,
// modfile.Parse, cmd/go's .netrc parser, cmd/go's GOPROXY list (proxyList) and GOSUMDB (dbDial; its
// %+v of a URL changed in go1.27), http.ProxyFromEnvironment, GODEBUG at start-up (removed settings
// fatal from go1.27), GOFLAGS as `go mod download` reads it. go1.23's recording must equal the go 1.23
// tables the ports were written from: those tables are that program's output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../../src/errors.js';
import { removedGodebug } from '../../../src/goenv/godebug.js';
import { parseGoFlags } from '../../../src/goenv/goflags.js';
import { parseGoMod } from '../../../src/goenv/gomod.js';
import { parseGoSumDB } from '../../../src/goenv/gosumdb.js';
import { goQuote } from '../../../src/goenv/gostrings.js';
import { goPathEscape, parseGoURL } from '../../../src/goenv/gourl.js';
import { parseGoVersion, rulesFor } from '../../../src/goenv/goversion.js';
import { proxyFor, readProxyEnv } from '../../../src/goenv/httpproxy.js';
import { canonicalVersion, checkImportPath, checkPath, escapePath, escapeVersion, unescapePath, unescapeVersion } from '../../../src/goenv/module.js';
import { parseNetrc } from '../../../src/goenv/netrc.js';
import { parseProxyList } from '../../../src/goenv/proxylist.js';
import { matchPrefixPatterns, pathMatch } from '../../../src/goenv/patterns.js';
import { build, canonical, compare, isPseudoVersion, isValid, major, prerelease } from '../../../src/goenv/semver.js';
import * as GO123 from './go123-expected.js';
import { LOCATION_GO123, RECORDED_BY, recordedGoVectors } from '../../vectors/record.js';

const RECORDED = recordedGoVectors();

it('vectors are recorded for go 1.23, 1.24 and 1.27 (the lab\'s gos)', () => {
  expect(RECORDED.map((r) => r.go.replace(/^(go1\.\d+).*/, '$1')).sort()).toEqual(['go1.23', 'go1.24', 'go1.27']);
});

it('every recording names the program that made it', () => {
  for (const r of RECORDED) expect(r.recordedBy).toBe(RECORDED_BY);
});

describe('go1.23\'s recording is the go 1.23 tables the ports were written from', () => {
  const go123 = RECORDED.find((r) => r.go.startsWith('go1.23.'))!;
  const TABLES = [
    'PATH_MATCH', 'QUOTE', 'PATH_ESCAPE', 'MATCH_PREFIX', 'CHECK_PATH', 'CHECK_IMPORT_PATH', 'ESCAPE_PATH', 'UNESCAPE_PATH', 'ESCAPE_VERSION',
    'UNESCAPE_VERSION', 'SEMVER', 'SEMVER_COMPARE', 'GO_MOD', 'NETRC', 'GOFLAGS', 'PROXY_LIST',
  ] as const;
  it.each(TABLES)('%s (go123-expected.ts)', (name) => {
    expect(go123[name]).toEqual(GO123[name]);
  });
  it('HTTP_PROXY (go123-expected.ts, then IPv6 in NO_PROXY and HTTPS_PROXY)', () => {
    expect(go123.HTTP_PROXY.slice(0, GO123.HTTP_PROXY.length)).toEqual(GO123.HTTP_PROXY);
  });
  it('URL_PARSE (go123-expected.ts, then the inputs that tell versions apart)', () => {
    expect(go123.URL_PARSE.slice(0, GO123.URL_PARSE.length)).toEqual(GO123.URL_PARSE);
  });
  it('LOCATION (test/hostile/properties/location-go123.json)', () => {
    const rows = JSON.parse(readFileSync(LOCATION_GO123, 'utf8')) as { base: string; loc: string; want?: string; err?: string }[];
    expect(go123.LOCATION).toEqual(rows.map((r) => [r.base, r.loc, r.want ?? null, r.err ?? null]));
  });
});

/**
 * go's proxy URL (URL.String()) as WHATWG URL writes it. An unbracketed IPv6 host with a port
 * ("http://2001:db8:1::13:3128", which go ≤1.25 accepts) is not a WHATWG URL: it is written as the host
 * and port net/url's Hostname and Port split it into at the last colon (net/url/url.go splitHostPort),
 * which is the address go dials.
 */
function goProxyHref(goURL: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?)([^/@[\]]*:[^/@[\]]*:[^/@[\]]*)(\/.*)?$/i.exec(goURL);
  const colon = m ? m[2]!.lastIndexOf(':') : -1;
  if (m && /^:\d+$/.test(m[2]!.slice(colon))) return new URL(`${m[1]}[${m[2]!.slice(0, colon)}]${m[2]!.slice(colon)}${m[3] ?? ''}`).href;
  return new URL(goURL).href;
}

/** A port's answer as [value, error text]: ParseError becomes its message. */
function attempt(f: () => string): [string, string | null] {
  try {
    return [f(), null];
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    return ['', (err as Error).message];
  }
}

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
    it.each(rec.MATCH_PREFIX)('MatchPrefixPatterns(%j, %j)', (globs, target, matched) => expect(matchPrefixPatterns(globs, target)).toBe(matched));
    it.each(rec.CHECK_PATH)('module.CheckPath(%j)', (p, error) => expect(checkPath(p) ?? null).toBe(error));
    it.each(rec.CHECK_IMPORT_PATH)('module.CheckImportPath(%j)', (p, error) => expect(checkImportPath(p) ?? null).toBe(error));
    it.each(rec.ESCAPE_PATH)('module.EscapePath(%j)', (p, escaped, error) => expect(attempt(() => escapePath(p))).toEqual([escaped, error]));
    it.each(rec.UNESCAPE_PATH)('module.UnescapePath(%j)', (e, p, error) => expect(attempt(() => unescapePath(e))).toEqual([p, error]));
    it.each(rec.ESCAPE_VERSION)('module.EscapeVersion(%j)', (v, escaped, error) => expect(attempt(() => escapeVersion(v))).toEqual([escaped, error]));
    it.each(rec.UNESCAPE_VERSION)('module.UnescapeVersion(%j)', (e, v, error) => expect(attempt(() => unescapeVersion(e))).toEqual([v, error]));
    it.each(rec.SEMVER)('semver(%j)', (v, valid, canon, maj, pre, bld, pseudo, canonVersion) =>
      expect([isValid(v), canonical(v), major(v), prerelease(v), build(v), isPseudoVersion(v), canonicalVersion(v)]).toEqual([valid, canon, maj, pre, bld, pseudo, canonVersion]));
    it.each(rec.SEMVER_COMPARE)('semver.Compare(%j, %j)', (v, w, cmp) => expect(compare(v, w)).toBe(cmp));
    it.each(rec.NETRC)('parseNetrc(%j)', (text, entries) => expect(parseNetrc(text)).toEqual(entries));
    it.each(rec.GO_MOD)('modfile.Parse(%j)', (text, want, error) => {
      let got: unknown;
      try {
        const m = parseGoMod(text, 'go.mod');
        got = {
          module: m.module ?? null, go: m.go ?? null, requires: m.requires,
          replaces: m.replaces.map((r) => ({ oldPath: r.oldPath, oldVersion: r.oldVersion ?? '', newPath: r.newPath, newVersion: r.newVersion ?? '' })),
          excludes: m.excludes,
        };
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
        got = (err as Error).message;
      }
      expect(got).toEqual(error ?? want);
    });
    it.each(rec.PROXY_LIST)('proxyList with GOPROXY=%j GONOPROXY=%j', (goproxy, gonoproxy, entries, error) => {
      const r = parseProxyList(goproxy, gonoproxy, { strictColons: rules.urlStrictColons });
      // cmd/go keeps the entries before the one it rejects; the probe stops at the error (go does too).
      if (error !== null) expect(r).toEqual({ ok: false, error });
      else expect(r.ok && r.entries.map((e) => [e.kind === 'url' ? e.url : e.kind, e.fallBackOnAnyError])).toEqual(entries);
    });
    it.each(rec.HTTP_PROXY)('http.ProxyFromEnvironment with %j', (env, decisions) => {
      const pe = readProxyEnv(env, { strictColons: rules.urlStrictColons, noProxyNamesMatchIps: rules.noProxyNamesMatchIps });
      for (const [target, proxy, error] of decisions) {
        const d = proxyFor(pe, new URL(target));
        const got = d.error !== undefined ? `error: ${d.error}` : d.proxy ? d.proxy.href : 'direct';
        const want = error !== null ? `error: ${error}` : proxy !== null ? goProxyHref(proxy) : 'direct';
        expect(`${target} -> ${got}`).toBe(`${target} -> ${want}`);
      }
    });
    // The port (net/goweb.ts resolveLocation) is checked against go 1.23's table, with its documented
    // divergences, by test/hostile/properties/location.test.ts; here: no later go resolves differently.
    it('a redirect\'s Location resolves as go 1.23 resolves it', () => {
      const go123 = RECORDED.find((r) => r.go.startsWith('go1.23.'))!;
      expect(rec.LOCATION).toEqual(go123.LOCATION);
    });
    it.each(rec.GOFLAGS)('GOFLAGS=%j', (value, error) => {
      const r = parseGoFlags(value);
      if (error === null) expect(r).toMatchObject({ ok: true });
      else expect(r).toEqual({ ok: false, error });
    });
  });
}
