import { describe, expect, it } from 'vitest';
import { readGoEnv, STOCK_GO_ENV, type GoEnvName } from '../../../src/goenv/env.js';

// The files of each scenario below, and the values `go env` 1.23 printed for them (recorded with the
// real go binary: GOROOT pointing at a directory holding only this go.env).
const FILES: Record<string, string> = {
  '/groot/go.env': 'GOPROXY=https://distro.example\nGOPROXY=https://second.example\n# c\nGOSUMDB=off\nGOTOOLCHAIN=local\n',
  '/xdg/go/env': 'GOPRIVATE=corp.example\ngoproxy=x\nGOFLAGS=-mod=mod\nGOFLAGS=-x\nGOINSECURE=ins.example\r\nGOROOT=/groot\n',
  '/h2/.config/go/env': 'GOPROXY=\nGOSUMDB=sum.example+abc\n',
  '/custom/env': 'GOPROXY=https://custom.example|direct\nGONOSUMDB=nosum.example\nGOPRIVATE=priv.example\n',
};
const read = (p: string): string | undefined => FILES[p];

function values(env: Record<string, string>, names: GoEnvName[]): Record<string, string> {
  const e = readGoEnv(env, read);
  const out: Record<string, string> = {};
  for (const n of names) out[n] = e.vars[n].value;
  if (names.includes('GONOPROXY')) out['GONOPROXY'] = e.effectiveNoProxy;
  if (names.includes('GONOSUMDB')) out['GONOSUMDB'] = e.effectiveNoSumDB;
  return out;
}

describe('readGoEnv layers env, the go env -w file and GOROOT/go.env as go 1.23 does', () => {
  it('reads the user file from $XDG_CONFIG_HOME, finds GOROOT there, and lets go.env fill the rest (first line wins there)', () => {
    const env = { HOME: '/h2', XDG_CONFIG_HOME: '/xdg' };
    expect(values(env, ['GOENV', 'GOFLAGS', 'GOINSECURE', 'GOMODCACHE', 'GONOPROXY', 'GONOSUMDB', 'GOPATH', 'GOPRIVATE', 'GOPROXY', 'GOSUMDB', 'GOTOOLCHAIN', 'GOVCS'])).toEqual({
      GOENV: '/xdg/go/env', GOFLAGS: '-x', GOINSECURE: 'ins.example\r', GOMODCACHE: '/h2/go/pkg/mod', GONOPROXY: 'corp.example',
      GONOSUMDB: 'corp.example', GOPATH: '/h2/go', GOPRIVATE: 'corp.example', GOPROXY: 'https://distro.example', GOSUMDB: 'off',
      GOTOOLCHAIN: 'local', GOVCS: '',
    });
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
    expect(values({ HOME: '/h2' }, ['GOENV', 'GOPROXY', 'GOSUMDB', 'GOTOOLCHAIN'])).toEqual({
      GOENV: '/h2/.config/go/env', GOPROXY: '', GOSUMDB: 'sum.example+abc', GOTOOLCHAIN: 'auto',
    });
    expect(e.vars.GOPROXY).toEqual({ value: '', source: 'goenv-file' });
  });

  it('prefers the environment, and treats an empty environment value as unset', () => {
    expect(values({ HOME: '/h2', GOENV: 'off', GOPROXY: 'https://env.example' }, ['GOENV', 'GOPROXY', 'GOSUMDB'])).toEqual({
      GOENV: '', GOPROXY: 'https://env.example', GOSUMDB: 'sum.golang.org',
    });
    const e = readGoEnv({ HOME: '/h2', GOENV: '/custom/env', GOPROXY: '' }, read);
    expect(e.vars.GOPROXY).toEqual({ value: 'https://custom.example|direct', source: 'goenv-file' });
    expect(e.warnings).toContain('GOPROXY is set to the empty string, which go treats as unset: it is "https://custom.example|direct" (from the go env file)');
  });

  it('defaults GONOPROXY and GONOSUMDB to GOPRIVATE only when they are unset or empty', () => {
    expect(values({ HOME: '/h2', GOENV: '/custom/env' }, ['GONOPROXY', 'GONOSUMDB', 'GOPRIVATE'])).toEqual({
      GONOPROXY: 'priv.example', GONOSUMDB: 'nosum.example', GOPRIVATE: 'priv.example',
    });
    expect(values({ HOME: '/h2', GOENV: '/custom/env', GOPRIVATE: '', GONOPROXY: 'np.example' }, ['GONOPROXY', 'GONOSUMDB', 'GOPRIVATE'])).toEqual({
      GONOPROXY: 'np.example', GONOSUMDB: 'nosum.example', GOPRIVATE: 'priv.example',
    });
    expect(values({ HOME: '/h2', GOROOT: '/groot', GOPRIVATE: 'p.example', GONOSUMDB: 'ns.example' }, ['GONOPROXY', 'GONOSUMDB', 'GOPROXY'])).toEqual({
      GONOPROXY: 'p.example', GONOSUMDB: 'ns.example', GOPROXY: '',
    });
  });

  it('derives GOPATH and GOMODCACHE as go does', () => {
    expect(values({ HOME: '/h2', GOPATH: '/a:/b' }, ['GOPATH', 'GOMODCACHE'])).toEqual({ GOPATH: '/a:/b', GOMODCACHE: '/a/pkg/mod' });
    expect(values({ GOPATH: '/g' }, ['GOPATH', 'GOMODCACHE', 'GOENV'])).toEqual({ GOPATH: '/g', GOMODCACHE: '/g/pkg/mod', GOENV: '' });
    expect(values({ HOME: '/h2', GOMODCACHE: '/mc', GOPATH: '' }, ['GOPATH', 'GOMODCACHE'])).toEqual({ GOPATH: '/h2/go', GOMODCACHE: '/mc' });
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
