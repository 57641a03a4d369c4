import { describe, expect, it } from 'vitest';
import { readGoEnv, STOCK_GO_ENV, type GoEnvName } from '../../../src/goenv/env.js';
import { recordedGoVectors } from '../../vectors/record.js';
import { GO_ENV_FILES, GO_ENV_SCENARIOS } from './goenv-cases.js';

// The files of each scenario (goenv-cases.ts), and the values `go env -json` of each lab go printed for
// them: GO_ENV in vectors/go1.<minor>.json, recorded by `npm run record-vectors` (test/vectors/record.ts,
// with the files under a scratch root and GOROOT pointing at the one holding only /groot/go.env).
const read = (p: string): string | undefined => GO_ENV_FILES[p];

function values(env: Record<string, string>, names: GoEnvName[]): Record<string, string> {
  const e = readGoEnv(env, read);
  const out: Record<string, string> = {};
  for (const n of names) out[n] = e.vars[n].value;
  if (names.includes('GONOPROXY')) out['GONOPROXY'] = e.effectiveNoProxy;
  if (names.includes('GONOSUMDB')) out['GONOSUMDB'] = e.effectiveNoSumDB;
  return out;
}

describe.each(recordedGoVectors())('readGoEnv gives what `go env` of $go printed', ({ GO_ENV }) => {
  it('for every scenario of goenv-cases.ts', () => {
    expect(GO_ENV.map(([env]) => env)).toEqual(GO_ENV_SCENARIOS.map(([env]) => env));
  });
  it.each(GO_ENV)('%j', (env, goValues) => {
    expect(values(env, Object.keys(goValues) as GoEnvName[])).toEqual(goValues);
  });
});

describe('readGoEnv layers env, the go env -w file and GOROOT/go.env as go does', () => {
  it('reads the user file from $XDG_CONFIG_HOME, finds GOROOT there, and lets go.env fill the rest (first line wins there)', () => {
    const env = { HOME: '/h2', XDG_CONFIG_HOME: '/xdg' };
    const e = readGoEnv(env, read);
    expect(e.goroot).toBe('/groot');
    expect(e.goenvFile).toBe('/xdg/go/env');
    expect(e.vars.GOPROXY.source).toBe('default');
    expect(e.vars.GOFLAGS.source).toBe('goenv-file');
    expect(e.vars.GOVCS.source).toBe('unset');
    expect(e.warnings.some((w) => w.includes('GOINSECURE contains a carriage return'))).toBe(true);
  });

  it('lets an empty value in the user file override the go.env default (GOPROXY= gives "")', () => {
    const e = readGoEnv({ HOME: '/h2' }, read);
    expect(e.vars.GOPROXY).toEqual({ value: '', source: 'goenv-file' });
  });

  it('prefers the environment, and treats an empty environment value as unset', () => {
    const e = readGoEnv({ HOME: '/h2', GOENV: '/custom/env', GOPROXY: '' }, read);
    expect(e.vars.GOPROXY).toEqual({ value: 'https://custom.example|direct', source: 'goenv-file' });
    expect(e.warnings).toContain('GOPROXY is set to the empty string, which go treats as unset: it is "https://custom.example|direct" (from the go env file)');
  });

  // GONOPROXY and GONOSUMDB default to GOPRIVATE only when unset or empty, and GOPATH and GOMODCACHE
  // derive as go derives them: checked against go by the recorded scenarios above.
  it('derives GOPATH and GOMODCACHE as go does', () => {
    // $HOME/go is not used as GOPATH when it is GOROOT.
    expect(readGoEnv({ HOME: '/usr/local', GOROOT: '/usr/local/go', GOENV: 'off' }, () => undefined).vars.GOPATH).toEqual({ value: '', source: 'unset' });
  });

  it('uses the stock go.env when GOROOT is unknown, and warns when GOROOT/go.env is unreadable', () => {
    const stock = readGoEnv({}, () => undefined);
    expect(stock.vars.GOPROXY).toEqual({ value: STOCK_GO_ENV['GOPROXY'], source: 'default' });
    expect(stock.vars.GOSUMDB.value).toBe('sum.golang.org');
    expect(stock.vars.GOTOOLCHAIN.value).toBe('auto');
    expect(stock.warnings).toContain('neither $XDG_CONFIG_HOME nor $HOME is set: go reads no `go env -w` file');
    const missing = readGoEnv({ GOROOT: '/nowhere/' }, () => undefined);
    expect(missing.goroot).toBe('/nowhere');
    expect(missing.vars.GOPROXY.value).toBe('https://proxy.golang.org,direct');
    expect(missing.warnings.some((w) => w.startsWith('/nowhere/go.env is not readable here'))).toBe(true);
  });

  it('reads NETRC from the process environment only, and GOAUTH defaults to netrc', () => {
    const e = readGoEnv({ HOME: '/home/u', GOENV: '/f' }, (p) => (p === '/f' ? 'NETRC=/ignored\nGOAUTH=off\n' : undefined));
    expect(e.vars.NETRC).toEqual({ value: '/home/u/.netrc', source: 'default' });
    expect(e.vars.GOAUTH).toEqual({ value: 'off', source: 'goenv-file' });
    expect(readGoEnv({ NETRC: '/n' }, () => undefined).vars.NETRC).toEqual({ value: '/n', source: 'env' });
    expect(readGoEnv({}, () => undefined).vars.GOAUTH).toEqual({ value: 'netrc', source: 'default' });
  });

  it('ignores malformed lines, and survives a reader that throws', () => {
    const e = readGoEnv({ GOENV: '/f' }, (p) => (p === '/f' ? '\n=x\n#GOPROXY=a\ngoproxy=b\nGOPROXY\nGOPROXY=ok=1\n' : (() => { throw new Error('EACCES'); })()));
    expect(e.vars.GOPROXY).toEqual({ value: 'ok=1', source: 'goenv-file' });
  });

  it('warns about pattern entries with spaces, which never match', () => {
    const e = readGoEnv({ GOPRIVATE: 'a.com, b.com' }, () => undefined);
    expect(e.warnings).toContain('GOPRIVATE entry " b.com" has white space around it; go does not trim pattern entries, so it never matches');
  });
});
