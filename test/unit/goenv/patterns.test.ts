import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { matchingPattern, matchPrefixPatterns, pathClean, pathJoin, pathMatch } from '../../../src/goenv/patterns.js';
import { MATCH_PREFIX, PATH_MATCH } from './go123-expected.js';

describe('path.Match agrees with go 1.23, malformed patterns included', () => {
  it.each(PATH_MATCH)('Match(%j, %j)', (pattern, name, matched, malformed) => {
    expect(pathMatch(pattern, name)).toEqual({ matched, malformed });
  });
});

describe('module.MatchPrefixPatterns (§4)', () => {
  it.each(MATCH_PREFIX)('MatchPrefixPatterns(%j, %j)', (globs, target, matched) => {
    expect(matchPrefixPatterns(globs, target)).toBe(matched);
  });

  it('follows the rules of the semantics document', () => {
    expect(matchPrefixPatterns('*.corp.example.com', 'git.corp.example.com/x/y')).toBe(true);
    expect(matchPrefixPatterns('rsc.io/private', 'rsc.io/private')).toBe(true);
    expect(matchPrefixPatterns('rsc.io/private', 'rsc.io/private/quux')).toBe(true);
    expect(matchPrefixPatterns('rsc.io/private', 'rsc.io/privateer')).toBe(false);
    expect(matchPrefixPatterns('corp.example.com', 'corp.example.com/x')).toBe(true);
    expect(matchPrefixPatterns('corp.example.com', 'sub.corp.example.com/x')).toBe(false);
    // Entries are not trimmed.
    expect(matchPrefixPatterns('a.com, b.com', 'b.com/x')).toBe(false);
    // One trailing slash is dropped; empty entries are skipped.
    expect(matchPrefixPatterns('a.com/', 'a.com/x')).toBe(true);
    expect(matchPrefixPatterns(',,', 'a.com')).toBe(false);
    // Fewer elements than the glob has: no match.
    expect(matchPrefixPatterns('a.com/b/c', 'a.com/b')).toBe(false);
    // Case-sensitive; a malformed glob is silently no match but does not stop the list.
    expect(matchPrefixPatterns('Corp.example.com', 'corp.example.com')).toBe(false);
    expect(matchPrefixPatterns('[,corp.example.com', 'corp.example.com')).toBe(true);
    // GONOPROXY=none is just a glob for the path "none".
    expect(matchPrefixPatterns('none', 'example.com/m')).toBe(false);
  });

  it('names the matching glob', () => {
    expect(matchingPattern('a.com,*.corp', 'x.corp/y')).toBe('*.corp');
    expect(matchingPattern('a.com', 'b.com')).toBeUndefined();
  });

  it('never throws, whatever the input', () => {
    fc.assert(fc.property(fc.string({ maxLength: 30 }), fc.string({ maxLength: 30 }), (g, t) => {
      expect(typeof matchPrefixPatterns(g, t)).toBe('boolean');
      expect(typeof pathMatch(g, t).matched).toBe('boolean');
    }), { numRuns: 2000 });
    const globby = fc.array(fc.constantFrom('*', '?', '[', ']', '^', '-', '\\', '/', ',', 'a', 'é', '.'), { maxLength: 20 }).map((a) => a.join(''));
    fc.assert(fc.property(globby, globby, (g, t) => {
      matchPrefixPatterns(g, t);
      pathMatch(g, t);
    }), { numRuns: 2000 });
  });
});

describe('path.Clean and path.Join', () => {
  it.each([
    ['', '.'], ['abc', 'abc'], ['abc/', 'abc'], ['a//c', 'a/c'], ['a/./c', 'a/c'], ['a/b/../c', 'a/c'], ['../../a', '../../a'],
    ['/../a', '/a'], ['/', '/'], ['a/..', '.'], ['a/../..', '..'], ['/a/b/./../c/', '/a/c'],
  ])('Clean(%j) = %j', (p, want) => {
    expect(pathClean(p)).toBe(want);
  });
  it('joins and cleans', () => {
    expect(pathJoin('/base/github.com/!azure/x', '@v/list')).toBe('/base/github.com/!azure/x/@v/list');
    expect(pathJoin('', '')).toBe('');
    expect(pathJoin('', 'a')).toBe('a');
    expect(pathJoin('a/', '/b')).toBe('a/b');
  });
});
