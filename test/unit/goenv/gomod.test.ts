import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ParseError } from '../../../src/errors.js';
import { isDirectoryPath, parseGoMod } from '../../../src/goenv/gomod.js';
import { GO_MOD } from './go123-expected.js';

describe('parseGoMod agrees with modfile.Parse of go 1.23 (nil version fixer)', () => {
  it.each(GO_MOD)('%j', (text, want, error) => {
    let got: unknown;
    try {
      const m = parseGoMod(text, 'go.mod');
      got = {
        module: m.module ?? null,
        go: m.go ?? null,
        requires: m.requires,
        replaces: m.replaces.map((r) => ({ oldPath: r.oldPath, oldVersion: r.oldVersion ?? '', newPath: r.newPath, newVersion: r.newVersion ?? '' })),
        excludes: m.excludes,
      };
    } catch (err) {
      expect(err).toBeInstanceOf(ParseError);
      expect((err as ParseError).code).toBe('gomod.syntax');
      got = (err as Error).message;
    }
    if (error !== null) expect(got).toBe(error);
    else expect(got).toEqual({ ...want, module: want!.module ?? null, go: want!.go ?? null });
  });
});

describe('go.mod details', () => {
  it('reads a typical file, with // indirect, replace kinds and toolchain', () => {
    const m = parseGoMod([
      'module example.com/app',
      '',
      'go 1.22.1',
      'toolchain go1.23.4',
      '',
      'require (',
      '\tgithub.com/Azure/azure-sdk-for-go v68.0.0+incompatible',
      '\tgolang.org/x/text v0.14.0 // indirect',
      ')',
      '',
      'replace example.com/fork => ../fork',
      'replace example.com/old v1.0.0 => example.com/new v1.1.0',
      'exclude golang.org/x/text v0.13.0',
      '',
    ].join('\n'), 'go.mod');
    expect(m).toEqual({
      module: 'example.com/app',
      go: '1.22.1',
      toolchain: 'go1.23.4',
      requires: [
        { path: 'github.com/Azure/azure-sdk-for-go', version: 'v68.0.0+incompatible', indirect: false },
        { path: 'golang.org/x/text', version: 'v0.14.0', indirect: true },
      ],
      replaces: [
        { oldPath: 'example.com/fork', newPath: '../fork', local: true },
        { oldPath: 'example.com/old', oldVersion: 'v1.0.0', newPath: 'example.com/new', newVersion: 'v1.1.0', local: false },
      ],
      excludes: [{ path: 'golang.org/x/text', version: 'v0.13.0' }],
    });
  });

  it('uses the file name given in its messages, and collects every directive error', () => {
    expect(() => parseGoMod('foo\nbar x\n', 'app/go.mod')).toThrow(new ParseError('gomod.syntax', 'app/go.mod:1: unknown directive: foo\napp/go.mod:2: unknown directive: bar'));
  });

  it('recognises directory replacements as modfile.IsDirectoryPath does', () => {
    for (const p of ['.', '..', './x', '../x', '/abs', '.\\x', '..\\x', '\\x', 'C:\\x', 'c:/x']) expect(isDirectoryPath(p)).toBe(true);
    for (const p of ['example.com/x', '.x', 'x/..', '']) expect(isDirectoryPath(p)).toBe(false);
  });

  it('refuses files over 16 MiB as too large', () => {
    expect(() => parseGoMod('//' + 'x'.repeat(16 << 20), 'go.mod')).toThrow(ParseError);
  });

  it('never throws anything but ParseError', () => {
    const frag = fc.constantFrom('module', 'require', 'replace', 'exclude', 'retract', 'go', 'toolchain', 'godebug', ' ', '\t', '\n', '(', ')',
      '[', ']', ',', '=>', '"', '`', '//', '/*', 'a.com/b', 'v1.0.0', 'v2', '1.21', '// indirect', '\r', '\\', 'é', '\u00a0', '\x00', '\ud800', 'k=v');
    fc.assert(fc.property(fc.array(frag, { maxLength: 40 }).map((a) => a.join('')), (text) => {
      try {
        parseGoMod(text, 'go.mod');
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 3000 });
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseGoMod(text, 'go.mod');
      } catch (err) {
        expect(err).toBeInstanceOf(ParseError);
      }
    }), { numRuns: 1000 });
  });
});
