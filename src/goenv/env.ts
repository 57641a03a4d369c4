// The Go environment as cmd/go reads it (src/cmd/go/internal/cfg/cfg.go, Go 1.23): cfg.Getenv takes
// the process environment (an empty value counts as unset), then the `go env -w` file, then
// $GOROOT/go.env. Pure: the environment and a file reader are passed in.

import { pathClean, pathJoin } from './patterns.js';

export type GoEnvName = 'GOPROXY' | 'GOSUMDB' | 'GOPRIVATE' | 'GONOPROXY' | 'GONOSUMDB' | 'GOINSECURE' | 'GOFLAGS'
  | 'GOAUTH' | 'GOVCS' | 'GOTOOLCHAIN' | 'GOPATH' | 'GOMODCACHE' | 'NETRC' | 'GOENV';

export const GO_ENV_NAMES: readonly GoEnvName[] = ['GOPROXY', 'GOSUMDB', 'GOPRIVATE', 'GONOPROXY', 'GONOSUMDB',
  'GOINSECURE', 'GOFLAGS', 'GOAUTH', 'GOVCS', 'GOTOOLCHAIN', 'GOPATH', 'GOMODCACHE', 'NETRC', 'GOENV'];

export interface GoEnvVar {
  readonly value: string;
  /** env: the process environment; goenv-file: `go env -w`; default: $GOROOT/go.env or go's built-in default. */
  readonly source: 'env' | 'goenv-file' | 'default' | 'unset';
}

export interface GoEnv {
  readonly vars: Readonly<Record<GoEnvName, GoEnvVar>>;
  /** GONOPROXY/GONOSUMDB after defaulting to GOPRIVATE as cfg.go does */
  readonly effectiveNoProxy: string;
  readonly effectiveNoSumDB: string;
  /** The `go env -w` file go reads (whether or not it exists); absent with GOENV=off or no $HOME. */
  readonly goenvFile?: string;
  /** GOROOT when known (from the go env file or the environment); its go.env supplies the defaults. */
  readonly goroot?: string;
  readonly warnings: readonly string[];
}

/**
 * $GOROOT/go.env of the official Go 1.21+ distributions. Used when GOROOT is unknown here (the probe
 * usually runs without a Go installation), so that we predict a stock `go`.
 */
export const STOCK_GO_ENV: Readonly<Record<string, string>> = Object.freeze({
  GOPROXY: 'https://proxy.golang.org,direct',
  GOSUMDB: 'sum.golang.org',
  GOTOOLCHAIN: 'auto',
});

type Layer = Map<string, { value: string; source: 'goenv-file' | 'default' }>;

/** readEnvFile: KEY=value lines; lines without '=' or not starting with A-Z are ignored, silently. */
function readEnvFile(data: string, layer: Layer, source: 'goenv-file' | 'default'): void {
  for (const line of data.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0 || line[0]! < 'A' || line[0]! > 'Z') continue;
    const key = line.slice(0, i);
    // $GOROOT/go.env never overwrites a key already set (by the user's file or an earlier go.env
    // line); in the user's file the last line wins.
    if (source === 'default' && layer.has(key)) continue;
    layer.set(key, { value: line.slice(i + 1), source });
  }
}

function safeRead(readFile: (path: string) => string | undefined, path: string): string | undefined {
  try {
    return readFile(path);
  } catch {
    return undefined; // go ignores unreadable env files
  }
}

const PATTERN_VARS: readonly GoEnvName[] = ['GOPRIVATE', 'GONOPROXY', 'GONOSUMDB', 'GOINSECURE'];

export function readGoEnv(
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string | undefined,
): GoEnv {
  const osGet = (k: string): string => env[k] ?? '';
  const warnings: string[] = [];
  const layer: Layer = new Map();

  // EnvFile(): $GOENV (read from the process environment only), else os.UserConfigDir()/go/env.
  let goenvVar: GoEnvVar;
  let goenvFile: string | undefined;
  if (osGet('GOENV') !== '') {
    // GOENV=off: no file, and `go env GOENV` prints "".
    const off = osGet('GOENV') === 'off';
    goenvVar = { value: off ? '' : osGet('GOENV'), source: 'env' };
    if (!off) goenvFile = osGet('GOENV');
  } else {
    let dir = osGet('XDG_CONFIG_HOME');
    if (dir === '' && osGet('HOME') !== '') dir = osGet('HOME') + '/.config';
    if (dir === '') {
      warnings.push('neither $XDG_CONFIG_HOME nor $HOME is set: go reads no `go env -w` file');
      goenvVar = { value: '', source: 'unset' };
    } else {
      goenvFile = pathJoin(dir, 'go/env');
      goenvVar = { value: goenvFile, source: 'default' };
    }
  }
  if (goenvFile !== undefined) {
    const data = safeRead(readFile, goenvFile);
    if (data !== undefined) readEnvFile(data, layer, 'goenv-file');
  }

  // findGOROOT: GOROOT from the user's file wins over the environment when locating go.env.
  const gorootRaw = layer.get('GOROOT')?.value || osGet('GOROOT');
  const goroot = gorootRaw !== '' ? pathClean(gorootRaw) : undefined;
  const stock = (): void => readEnvFile(Object.entries(STOCK_GO_ENV).map(([k, v]) => `${k}=${v}`).join('\n'), layer, 'default');
  if (goroot !== undefined) {
    const goEnvPath = pathJoin(goroot, 'go.env');
    const data = safeRead(readFile, goEnvPath);
    if (data !== undefined) {
      readEnvFile(data, layer, 'default');
    } else {
      warnings.push(`${goEnvPath} is not readable here; assuming the stock defaults (a go whose GOROOT lacks go.env has empty GOPROXY and GOSUMDB and fails every fetch)`);
      stock();
    }
  } else {
    stock();
  }

  const getenv = (k: string): GoEnvVar => {
    if (osGet(k) !== '') return { value: osGet(k), source: 'env' };
    const v = layer.get(k);
    return v ? { value: v.value, source: v.source } : { value: '', source: 'unset' };
  };
  const home = osGet('HOME');

  const gopath = ((): GoEnvVar => {
    const v = getenv('GOPATH');
    if (v.value !== '') return v;
    // go/build's defaultGOPATH: $HOME/go, unless that is GOROOT.
    if (home === '') return { value: '', source: 'unset' };
    const def = pathJoin(home, 'go');
    if (goroot !== undefined && pathClean(def) === goroot) return { value: '', source: 'unset' };
    return { value: def, source: 'default' };
  })();

  const gomodcache = ((): GoEnvVar => {
    const v = getenv('GOMODCACHE');
    if (v.value !== '') return v;
    const first = gopath.value.split(':')[0] ?? '';
    if (first === '') return { value: '', source: 'unset' };
    return { value: pathJoin(first, 'pkg/mod'), source: 'default' };
  })();

  // auth/netrc.go reads $NETRC with os.Getenv, so a `go env -w NETRC=` setting has no effect.
  const netrc: GoEnvVar = osGet('NETRC') !== ''
    ? { value: osGet('NETRC'), source: 'env' }
    : home !== '' ? { value: pathJoin(home, '.netrc'), source: 'default' } : { value: '', source: 'unset' };

  // GOAUTH exists from Go 1.24 on, with default "netrc"; Go 1.23 reads only .netrc.
  const goauthRaw = getenv('GOAUTH');
  const goauth: GoEnvVar = goauthRaw.value !== '' ? goauthRaw : { value: 'netrc', source: 'default' };

  const vars: Record<GoEnvName, GoEnvVar> = {
    GOPROXY: getenv('GOPROXY'),
    GOSUMDB: getenv('GOSUMDB'),
    GOPRIVATE: getenv('GOPRIVATE'),
    GONOPROXY: getenv('GONOPROXY'),
    GONOSUMDB: getenv('GONOSUMDB'),
    GOINSECURE: getenv('GOINSECURE'),
    GOFLAGS: getenv('GOFLAGS'),
    GOAUTH: goauth,
    GOVCS: getenv('GOVCS'),
    GOTOOLCHAIN: getenv('GOTOOLCHAIN'),
    GOPATH: gopath,
    GOMODCACHE: gomodcache,
    NETRC: netrc,
    GOENV: goenvVar,
  };

  for (const name of GO_ENV_NAMES) {
    if (name === 'GOENV' || env[name] !== '') continue;
    const v = vars[name];
    // Only a surprise when something else fills the gap (GOPROXY= still means proxy.golang.org).
    if (v.value === '') continue;
    warnings.push(`${name} is set to the empty string, which go treats as unset: it is ${JSON.stringify(v.value)} (from ${v.source === 'goenv-file' ? 'the go env file' : 'the defaults'})`);
  }
  for (const name of GO_ENV_NAMES) {
    if (vars[name].value.includes('\r')) {
      warnings.push(`${name} contains a carriage return (\\r), which go keeps as part of the value (a go env file with CRLF line ends?)`);
    }
  }
  for (const name of PATTERN_VARS) {
    for (const glob of vars[name].value.split(',')) {
      const trimmed = glob.replace(/^[ \t]+|[ \t]+$/g, '');
      if (glob !== trimmed && trimmed !== '') {
        warnings.push(`${name} entry ${JSON.stringify(glob)} has white space around it; go does not trim pattern entries, so it never matches`);
      }
    }
  }
  const effectiveNoProxy = vars.GONOPROXY.value !== '' ? vars.GONOPROXY.value : vars.GOPRIVATE.value;
  const effectiveNoSumDB = vars.GONOSUMDB.value !== '' ? vars.GONOSUMDB.value : vars.GOPRIVATE.value;

  return {
    vars: Object.freeze(vars),
    effectiveNoProxy,
    effectiveNoSumDB,
    ...(goenvFile !== undefined ? { goenvFile } : {}),
    ...(goroot !== undefined ? { goroot } : {}),
    warnings,
  };
}
