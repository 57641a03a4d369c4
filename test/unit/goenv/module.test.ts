import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../../src/errors.js';
import {
  canonicalVersion, checkImportPath, checkPath, checkPathMajor, escapePath, escapeVersion, moduleErrorText,
  parseModuleSpec, splitPathVersion, unescapePath, unescapeVersion, wirePathEscape,
} from '../../../src/goenv/module.js';
import { CHECK_IMPORT_PATH, CHECK_PATH, ESCAPE_PATH, ESCAPE_VERSION, UNESCAPE_PATH, UNESCAPE_VERSION } from './go123-expected.js';

function attempt(f: () => string): [string, string | null] {
  try {
    return [f(), null];
  } catch (err) {
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).code).toBe('module.invalid');
    return ['', (err as Error).message];
  }
}

describe('module path checks agree with x/mod/module on go 1.23', () => {
  it.each(CHECK_PATH)('CheckPath(%j)', (path, error) => {
    expect(checkPath(path) ?? null).toBe(error);
  });
  it.each(CHECK_IMPORT_PATH)('CheckImportPath(%j)', (path, error) => {
    expect(checkImportPath(path) ?? null).toBe(error);
  });
  it('reports a lone surrogate as invalid UTF-8, as go does for invalid bytes', () => {
    expect(checkPath('x.com/\ud800')).toBe('malformed module path "x.com/\ud800": invalid UTF-8'.replace('\ud800', '\ufffd'));
  });
});

describe('case-escaping for the proxy protocol (§1.5)', () => {
  it.each(ESCAPE_PATH)('EscapePath(%j)', (path, escaped, error) => {
    expect(attempt(() => escapePath(path))).toEqual([escaped, error]);
  });
  it.each(UNESCAPE_PATH)('UnescapePath(%j)', (escaped, path, error) => {
    expect(attempt(() => unescapePath(escaped))).toEqual([path, error]);
  });
  it.each(ESCAPE_VERSION)('EscapeVersion(%j)', (v, escaped, error) => {
    expect(attempt(() => escapeVersion(v))).toEqual([escaped, error]);
  });
  it.each(UNESCAPE_VERSION)('UnescapeVersion(%j)', (escaped, v, error) => {
    expect(attempt(() => unescapeVersion(escaped))).toEqual([v, error]);
  });

  it('gives the examples of the semantics document', () => {
    expect(escapePath('github.com/Azure')).toBe('github.com/!azure');
    expect(escapeVersion('v1.0.0-RC1')).toBe('v1.0.0-!r!c1');
    expect(() => escapeVersion('v1!')).toThrow('version "v1!" invalid: disallowed version string');
  });

  it('round-trips every valid module path', () => {
    const elem = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_~-]{0,8}[A-Za-z0-9]$/);
    const path = fc.tuple(
      fc.stringMatching(/^[a-z0-9]{1,8}\.[a-z]{2,5}$/),
      fc.array(elem, { maxLength: 4 }),
    ).map(([host, rest]) => [host, ...rest].join('/')).filter((p) => checkPath(p) === undefined);
    fc.assert(fc.property(path, (p) => {
      const e = escapePath(p);
      expect(e).not.toMatch(/[A-Z]/);
      expect(unescapePath(e)).toBe(p);
    }), { numRuns: 500 });
  });

  it('round-trips versions', () => {
    fc.assert(fc.property(fc.stringMatching(/^v[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(-[A-Za-z0-9]{1,10})?$/), (v) => {
      expect(unescapeVersion(escapeVersion(v))).toBe(v);
    }), { numRuns: 300 });
  });
});

describe('wirePathEscape (cmd/go pathEscape)', () => {
  it('sends ! as %21 and keeps / + @ and the other sub-delims go leaves alone ([observed 1.19] request URIs)', () => {
    expect(wirePathEscape('github.com/!azure/azure-sdk-for-go/@v/list')).toBe('github.com/%21azure/azure-sdk-for-go/@v/list');
    expect(wirePathEscape('@v/v1.0.0-!r!c1.info')).toBe('@v/v1.0.0-%21r%21c1.info');
    expect(wirePathEscape('@v/v2.0.0+incompatible.zip')).toBe('@v/v2.0.0+incompatible.zip');
    expect(wirePathEscape("A-Za-z0-9-._~$&+:=@")).toBe("A-Za-z0-9-._~$&+:=@");
    expect(wirePathEscape("a b;c,d?é")).toBe('a%20b%3Bc%2Cd%3F%C3%A9');
  });
});

describe('major versions', () => {
  it('splits /vN and gopkg.in .vN suffixes', () => {
    expect(splitPathVersion('example.com/m/v2')).toEqual(['example.com/m', '/v2', true]);
    expect(splitPathVersion('example.com/m')).toEqual(['example.com/m', '', true]);
    expect(splitPathVersion('example.com/m/v1')).toEqual(['example.com/m/v1', '', false]);
    expect(splitPathVersion('gopkg.in/yaml.v3')).toEqual(['gopkg.in/yaml', '.v3', true]);
  });
  it('checks a version against the path suffix', () => {
    expect(checkPathMajor('v2.0.0', '/v2')).toBeUndefined();
    expect(checkPathMajor('v1.0.0', '/v2')).toBe('version "v1.0.0" invalid: should be v2, not v1');
    expect(checkPathMajor('v2.0.0', '')).toBe('version "v2.0.0" invalid: should be v0 or v1, not v2');
    expect(checkPathMajor('v2.0.0+incompatible', '')).toBeUndefined();
    expect(checkPathMajor('v0.0.0-20200101000000-abcdefabcdef', '.v1')).toBeUndefined();
  });
  it('keeps +incompatible in canonical versions', () => {
    expect(canonicalVersion('v2.0.0+incompatible')).toBe('v2.0.0+incompatible');
    expect(canonicalVersion('v1.2.3+meta')).toBe('v1.2.3');
    expect(canonicalVersion('v1.2')).toBe('v1.2.0');
    expect(canonicalVersion('v1.2+meta')).toBe('');
  });
});

describe('moduleErrorText (ModuleError / proxyRepo.versionError)', () => {
  it('formats like go', () => {
    expect(moduleErrorText('example.com/mod', 'v1.0.0', 'module lookup disabled by GOPROXY=off'))
      .toBe('example.com/mod@v1.0.0: module lookup disabled by GOPROXY=off');
    expect(moduleErrorText('example.com/mod', undefined, 'x')).toBe('module example.com/mod: x');
    expect(moduleErrorText('example.com/m', 'master', 'y')).toBe('example.com/m@master: invalid version: y');
    expect(moduleErrorText('example.com/m', 'v1.2', 'y')).toBe('example.com/m@v1.2: invalid version: y');
    expect(moduleErrorText('example.com/m', 'v1.2.4-0.20191109021931-daa7c04131f5+x', 'y'))
      .toBe('example.com/m@v1.2.4-0.20191109021931-daa7c04131f5+x: invalid pseudo-version: y');
  });
});

describe('parseModuleSpec (go mod download arguments, checked with go 1.23 and a file:// GOPROXY)', () => {
  it('accepts path@version, path@latest and path', () => {
    expect(parseModuleSpec('rsc.io/quote@v1.5.2')).toEqual({ path: 'rsc.io/quote', version: 'v1.5.2' });
    expect(parseModuleSpec('rsc.io/quote@latest')).toEqual({ path: 'rsc.io/quote', version: undefined });
    expect(parseModuleSpec('rsc.io/quote')).toEqual({ path: 'rsc.io/quote', version: undefined });
    // Queries go resolves on the proxy are accepted as they are.
    expect(parseModuleSpec('example.com/m@master').version).toBe('master');
    expect(parseModuleSpec('example.com/m@v1.2').version).toBe('v1.2');
    expect(parseModuleSpec('toolchain@go1.21.0')).toEqual({ path: 'toolchain', version: 'go1.21.0' });
  });

  it.each([
    ['example/m@v1.0.0', 'example/m@v1.0.0: malformed module path "example/m": missing dot in first path element'],
    ['Example.com/m', 'malformed module path "Example.com/m": invalid char \'E\' in first path element'],
    ['example.com/m@v1!x', 'example.com/m@v1!x: invalid version: version "v1!x" invalid: disallowed version string'],
    ['example.com/m@', 'example.com/m@: invalid version: disallowed version string'],
    ['example.com/m@a/b', 'example.com/m@a/b: invalid version: version "a/b" invalid: disallowed version string'],
    ['example.com/m@..', 'example.com/m@..: invalid version: version ".." invalid: disallowed version string'],
    ['example.com/m@é', 'example.com/m@é: invalid version: internal error: inconsistency in EscapePath'],
    ['a\\b@v1.0.0', 'module paths never use backslash'],
    ['./x@v1', 'cannot use relative path ./x@v1 to specify module'],
  ])('rejects %j as go does', (spec, message) => {
    expect(() => parseModuleSpec(spec)).toThrow(new ParseError('module.invalid', message));
    try {
      parseModuleSpec(spec);
    } catch (err) {
      expect((err as ParseError).code).toBe('module.invalid');
    }
  });

  it('never throws anything but ParseError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        parseModuleSpec(s);
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 1000 });
  });
});
