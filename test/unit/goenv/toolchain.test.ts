// The toolchain switch model against what go 1.23.5, 1.24.4 and 1.27.3 really did
// (vectors/toolchain-go1.<minor>.json, recorded by `npm run record-vectors -- --go /path/to/go` with
// test/e2e/lab/record-toolchain-vectors.ts: `go mod download` with an empty file:// GOPROXY, so a switch
// shows as go's "toolchain not available" for the toolchain it wanted).

import { describe, expect, it } from 'vitest';
import { parseGoVersion } from '../../../src/goenv/goversion.js';
import { compareGo, decideToolchain, fromToolchain, goModLookup, isLangVersion, type ToolchainDecision } from '../../../src/goenv/toolchain.js';
import type { ToolchainVector } from '../../e2e/lab/record-toolchain-vectors.js';
import { recordedToolchainVectors } from '../../vectors/record.js';

type Vector = ToolchainVector;

const vectors: Vector[] = recordedToolchainVectors().flatMap((r) => r.cases);

/** What go's output says it decided, in the model's terms. */
function observed(v: Vector): Record<string, string> {
  if (v.exit === 0) return { kind: 'local' };
  const lines = v.stderr.split('\n');
  const dl = /^go: downloading (\S+) \(linux\/amd64\)$/.exec(lines[0]!);
  if (dl && lines[1] === `go: download ${dl[1]} for linux/amd64: toolchain not available`) {
    return { kind: 'switch', toolchain: dl[1]!, moduleVersion: `v0.0.1-${dl[1]}.linux-amd64` };
  }
  if (dl) return { kind: 'fail', goError: lines[1]! };
  return { kind: 'fail', goError: v.stderr };
}

function modelled(d: ToolchainDecision): Record<string, string> {
  switch (d.kind) {
    case 'switch': return { kind: 'switch', toolchain: d.toolchain, moduleVersion: d.moduleVersion };
    case 'fail': return { kind: 'fail', goError: d.goError };
    default: return { kind: d.kind };
  }
}

describe('decideToolchain agrees with the real gos', () => {
  it('has vectors from three gos', () => {
    expect(new Set(vectors.map((v) => v.local))).toEqual(new Set(['go1.23.5', 'go1.24.4', 'go1.27.3']));
  });
  for (const v of vectors) {
    it(`${v.local}: ${v.name}`, () => {
      const d = decideToolchain({
        gotoolchain: v.env ?? v.file ?? 'auto',
        local: parseGoVersion(v.local),
        modFile: v.gowork !== undefined
          ? { name: 'go.work', text: [...v.gowork, ''].join('\n') }
          : { name: 'go.mod', text: ['module example.com/m', '', ...v.gomod, ''].join('\n') },
        goos: 'linux', goarch: 'amd64', go111module: '',
      });
      expect(modelled(d)).toEqual(observed(v));
    });
  }
});

describe('decideToolchain beyond the recorded cases', () => {
  const base = { goos: 'linux', goarch: 'arm64', go111module: '' };
  const mod = (lines: string): { name: string; text: string } => ({ name: 'go.mod', text: `module m\n${lines}\n` });

  it('names the platform in the module version', () => {
    const d = decideToolchain({ ...base, gotoolchain: 'auto', local: parseGoVersion('1.23.5'), modFile: mod('go 1.27.3') });
    expect(d).toMatchObject({ kind: 'switch', moduleVersion: 'v0.0.1-go1.27.3.linux-arm64', goVersion: '1.27.3' });
  });
  it('a go line naming the same minor is uncertain without the patch release', () => {
    const d = decideToolchain({ ...base, gotoolchain: 'auto', local: parseGoVersion('1.27'), modFile: mod('go 1.27.3') });
    expect(d.kind).toBe('uncertain');
    expect(decideToolchain({ ...base, gotoolchain: 'auto', local: parseGoVersion('1.27'), modFile: mod('go 1.24.0') }).kind).toBe('local');
  });
  it('GO111MODULE=off: no switch', () => {
    expect(decideToolchain({ ...base, go111module: 'off', gotoolchain: 'auto', local: parseGoVersion('1.23.5'), modFile: mod('go 1.27.3') }).kind).toBe('local');
  });
  it('a switch to a toolchain still older than the go line fails after it', () => {
    const d = decideToolchain({ ...base, gotoolchain: 'go1.24.4', local: parseGoVersion('1.23.5'), modFile: mod('go 1.27.3') });
    expect(d).toMatchObject({ kind: 'switch', toolchain: 'go1.24.4', thenFails: 'go: go.mod requires go >= 1.27.3 (running go 1.24.4; GOTOOLCHAIN=go1.24.4)' });
  });
  it('without a go.mod, only GOTOOLCHAIN decides', () => {
    expect(decideToolchain({ ...base, gotoolchain: 'go1.27.3', local: parseGoVersion('1.23.5') })).toMatchObject({ kind: 'switch', toolchain: 'go1.27.3' });
    expect(decideToolchain({ ...base, gotoolchain: 'auto', local: parseGoVersion('1.23.5') }).kind).toBe('local');
  });
});

describe('gover ports', () => {
  it('compares as internal/gover does', () => {
    expect(compareGo('1.27', '1.27.3')).toBe(-1);
    expect(compareGo('1.20', '1.20.0')).toBe(0);
    expect(compareGo('1.21rc1', '1.21.0')).toBe(-1);
    expect(compareGo('1.21rc1', '1.21')).toBe(1);
    expect(compareGo('', '1.21')).toBe(-1);
    expect(isLangVersion('1.22')).toBe(true);
    expect(isLangVersion('1.22.0')).toBe(false);
    expect(fromToolchain('go1.27.3-custom')).toBe('1.27.3');
    expect(fromToolchain('go1.27.3/x')).toBe('');
    expect(fromToolchain('1.27.3')).toBe('');
  });
  it('looks lines up as gover.GoModLookup does (first line, comments cut)', () => {
    expect(goModLookup('module m\n  go 1.22 // c\ngo 1.30\n', 'go')).toBe('1.22');
    expect(goModLookup('module m\ngodebug x=1\n', 'go')).toBe('');
  });
});
