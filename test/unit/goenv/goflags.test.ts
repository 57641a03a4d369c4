import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { KNOWN_GO_FLAGS, MOD_DOWNLOAD_FLAGS, parseGoFlags, quotedSplit } from '../../../src/goenv/goflags.js';
import { GOFLAGS } from './go123-expected.js';
import { VERIFICATION_RULES } from '../../../src/goenv/verification-rules.js';

describe('parseGoFlags agrees with `go mod download` of go 1.23', () => {
  it.each(GOFLAGS)('GOFLAGS=%j', (value, error) => {
    const r = parseGoFlags(value);
    if (error === null) expect(r).toMatchObject({ ok: true });
    else expect(r).toEqual({ ok: false, error });
  });
});

describe('GOFLAGS rules (§5)', () => {
  it('splits like cmd/internal/quoted: whole words may be quoted, quotes inside a word are literal', () => {
    expect(quotedSplit(` -a 'b c' "d e"f\t`)).toEqual({ ok: true, words: ['-a', 'b c', 'd e', 'f'] });
    expect(quotedSplit('-ldflags="-s -w"')).toEqual({ ok: true, words: ['-ldflags="-s', '-w"'] });
    expect(quotedSplit(`'x`)).toEqual({ ok: false, error: "unterminated ' string" });
  });

  it('rejects flags no go command defines, with go\'s text', () => {
    expect(parseGoFlags('-bogus')).toEqual({ ok: false, error: 'go: parsing $GOFLAGS: unknown flag -bogus' });
    expect(parseGoFlags('-x=1 -bogus')).toEqual({ ok: false, error: 'go: parsing $GOFLAGS: unknown flag -bogus' });
  });

  it('keeps flags other commands define; go mod download ignores them (info finding)', () => {
    const r = parseGoFlags('-mod=mod -tags=a,b --x');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.flags).toEqual([
      { name: 'mod', value: 'mod', raw: '-mod=mod' },
      { name: 'tags', value: 'a,b', raw: '-tags=a,b' },
      { name: 'x', value: undefined, raw: '--x' },
    ]);
    expect(r.findings).toEqual([{ code: 'goflags.ignored', severity: 'info', message: 'go mod download does not define -mod=mod -tags=a,b and ignores them (other go commands apply them)' }]);
    expect(r.modVendor).toBe(false);
  });

  it('accepts -insecure (go get defines it) and leaves judging it to the verification rules', () => {
    const r = parseGoFlags('-insecure');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.flags).toEqual([{ name: 'insecure', value: undefined, raw: '-insecure' }]);
    expect(r.findings).toEqual([]);
    const rule = VERIFICATION_RULES.find((x) => x.variable === 'GOFLAGS')!;
    expect(rule.refuses('-insecure')).toBe(true);
    expect(rule.finding('-insecure')).toContain('"go: -insecure flag is no longer supported; use GOINSECURE instead"');
    expect(rule.fix).toMatch(/GOINSECURE/);
    expect(rule.fix).toMatch(/GOPRIVATE or GONOSUMDB/);
  });

  it('notes -mod=vendor, which build commands obey and go mod download ignores (last -mod wins)', () => {
    const r = parseGoFlags('-mod=readonly -mod=vendor');
    expect(r).toMatchObject({ ok: true, modVendor: true });
    if (r.ok) expect(r.findings.map((f) => f.code)).toEqual(['goflags.ignored', 'goflags.mod_vendor']);
    expect(parseGoFlags('-mod=vendor -mod=mod')).toMatchObject({ ok: true, modVendor: false });
  });

  it('validates the values of the flags go mod download defines', () => {
    expect(parseGoFlags('-json=maybe')).toEqual({ ok: false, error: 'go: invalid boolean value "maybe" for flag -json (from $GOFLAGS): parse error' });
    expect(parseGoFlags('--modfile')).toEqual({ ok: false, error: 'go: flag needs an argument: -modfile (from $GOFLAGS)' });
    expect(parseGoFlags('-C=/src')).toEqual({ ok: false, error: 'go: invalid value "/src" for flag -C (from $GOFLAGS): -C flag must be first flag on command line' });
    const mf = parseGoFlags('-modfile=alt.mod');
    expect(mf.ok && mf.findings.map((f) => f.code)).toEqual(['goflags.modfile']);
  });

  it('knows go 1.23\'s flags', () => {
    expect(KNOWN_GO_FLAGS.size).toBe(139);
    for (const f of Object.keys(MOD_DOWNLOAD_FLAGS)) expect(KNOWN_GO_FLAGS.has(f)).toBe(true);
    expect(KNOWN_GO_FLAGS.has('insecure')).toBe(true);
    expect(KNOWN_GO_FLAGS.has('printf')).toBe(false);
  });

  it('never throws', () => {
    const part = fc.constantFrom('-x', '--json', '-mod=vendor', '"', "'", ' ', '\t', '=', '-', 'a', '-C', '-insecure', '-bogus', '-modfile=');
    fc.assert(fc.property(fc.array(part, { maxLength: 10 }).map((a) => a.join('')), (v) => {
      const r = parseGoFlags(v);
      expect(typeof r.ok).toBe('boolean');
    }), { numRuns: 2000 });
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (v) => {
      parseGoFlags(v);
    }), { numRuns: 1000 });
  });
});
