// GOVCS as cmd/go reads it (vcs/vcs.go parseGOVCS, checkGOVCS): go's texts for refused values, the
// defaults (public: git|hg, private: all), the first matching rule deciding.

import { describe, expect, it } from 'vitest';
import { checkGovcs, parseGovcs } from '../../../src/goenv/govcs.js';

describe('GOVCS', () => {
  it('defaults: git and hg for public roots, everything for GOPRIVATE ones', () => {
    expect(checkGovcs('', '', 'git', 'example.com/a')).toBeUndefined();
    expect(checkGovcs('', '', 'svn', 'example.com/a')).toBe("GOVCS disallows using svn for public example.com/a; see 'go help vcs'");
    expect(checkGovcs('', 'example.com', 'svn', 'example.com/a')).toBeUndefined();
    expect(checkGovcs('', '', 'mod', 'example.com/a')).toBeUndefined();
  });
  it('the first matching rule decides; rules come before the defaults', () => {
    expect(checkGovcs('private:off', 'corp.example', 'git', 'corp.example/x')).toBe("GOVCS disallows using git for private corp.example/x; see 'go help vcs'");
    expect(checkGovcs('corp.example:git,*:off', '', 'git', 'corp.example/x')).toBeUndefined();
    expect(checkGovcs('corp.example:git,*:off', '', 'git', 'other.example/x')).toBe("GOVCS disallows using git for public other.example/x; see 'go help vcs'");
    expect(checkGovcs('public:all', '', 'bzr', 'example.com/a')).toBeUndefined();
  });
  it("go's errors for values it refuses", () => {
    expect(parseGovcs('a:git,,b:hg')).toEqual({ error: 'empty entry in GOVCS' });
    expect(parseGovcs('a')).toEqual({ error: 'malformed entry in GOVCS (missing colon): "a"' });
    expect(parseGovcs(':git')).toEqual({ error: 'empty pattern in GOVCS: ":git"' });
    expect(parseGovcs('a:')).toEqual({ error: 'empty VCS list in GOVCS: "a:"' });
    expect(parseGovcs('./x:git')).toEqual({ error: 'relative pattern not allowed in GOVCS: "./x"' });
    expect(parseGovcs('a:git,a:hg')).toEqual({ error: 'unreachable pattern in GOVCS: "a:hg" after "a:git"' });
    expect(parseGovcs('a:git||hg')).toEqual({ error: 'empty VCS name in GOVCS: "a:git||hg"' });
  });
});
