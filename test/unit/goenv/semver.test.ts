import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { canonicalVersion } from '../../../src/goenv/module.js';
import { build, canonical, compare, isPseudoVersion, isValid, major, majorMinor, max, prerelease, sortVersions } from '../../../src/goenv/semver.js';
import { SEMVER, SEMVER_COMPARE } from './go123-expected.js';

describe('semver agrees with golang.org/x/mod/semver on go 1.23', () => {
  it.each(SEMVER)('%j', (v, valid, canon, maj, pre, bld, pseudo, canonVersion) => {
    expect([isValid(v), canonical(v), major(v), prerelease(v), build(v), isPseudoVersion(v), canonicalVersion(v)])
      .toEqual([valid, canon, maj, pre, bld, pseudo, canonVersion]);
  });
  it.each(SEMVER_COMPARE)('Compare(%j, %j)', (v, w, cmp) => {
    expect(compare(v, w)).toBe(cmp);
    expect(compare(w, v)).toBe(cmp === 0 ? 0 : -cmp);
  });
});

describe('semver helpers', () => {
  it('majorMinor and max', () => {
    expect(majorMinor('v1.2.3')).toBe('v1.2');
    expect(majorMinor('v1')).toBe('v1.0');
    expect(majorMinor('bad')).toBe('');
    expect(max('v1.2', 'v1.10.0')).toBe('v1.10.0');
  });
  it('sorts as @v/list results are sorted', () => {
    expect(sortVersions(['v1.10.0', 'v1.2.0', 'v1.2.0-rc.1', 'v1.2', 'bad'])).toEqual(['bad', 'v1.2.0-rc.1', 'v1.2', 'v1.2.0', 'v1.10.0']);
  });
  it('orders consistently (antisymmetric, canonical forms equal)', () => {
    const v = fc.stringMatching(/^v(0|[1-9][0-9]?)(\.(0|[1-9][0-9]?)){0,2}(-[a-z0-9]{1,3}(\.[a-z0-9]{1,3})?)?$/);
    fc.assert(fc.property(v, v, (a, b) => {
      expect(compare(a, b) + compare(b, a)).toBe(0);
      expect(compare(a, canonical(a))).toBe(0);
    }), { numRuns: 500 });
  });
});
