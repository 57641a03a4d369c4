// Inputs of the go env layering table: files (the go env -w file, GOROOT/go.env) and environments, each
// with the variables `go env` is asked for. test/vectors/record.ts runs `go env -json NAMES` with each lab
// go on these files (under a scratch root: every path below is relative to it), and env.test.ts checks
// readGoEnv against each go's answers (GO_ENV in vectors/go1.<minor>.json).

/** The files, by absolute path under the scratch root. */
export const GO_ENV_FILES: Readonly<Record<string, string>> = {
  '/groot/go.env': 'GOPROXY=https://distro.example\nGOPROXY=https://second.example\n# c\nGOSUMDB=off\nGOTOOLCHAIN=local\n',
  '/xdg/go/env': 'GOPRIVATE=corp.example\ngoproxy=x\nGOFLAGS=-mod=mod\nGOFLAGS=-x\nGOINSECURE=ins.example\r\nGOROOT=/groot\n',
  '/h2/.config/go/env': 'GOPROXY=\nGOSUMDB=sum.example+abc\n',
  '/custom/env': 'GOPROXY=https://custom.example|direct\nGONOSUMDB=nosum.example\nGOPRIVATE=priv.example\n',
};

/** The variables whose values are paths (under the scratch root when recorded). */
export const GO_ENV_PATH_VARS: readonly string[] = ['HOME', 'XDG_CONFIG_HOME', 'GOENV', 'GOROOT', 'GOPATH', 'GOMODCACHE'];

/**
 * Environments (nothing else is set: no GOROOT means the go's own GOROOT, whose go.env is the stock one)
 * and the variables asked for.
 */
export const GO_ENV_SCENARIOS: readonly (readonly [env: Readonly<Record<string, string>>, names: readonly string[]])[] = [
  [{ HOME: '/h2', XDG_CONFIG_HOME: '/xdg' }, ['GOENV', 'GOFLAGS', 'GOINSECURE', 'GOMODCACHE', 'GONOPROXY', 'GONOSUMDB', 'GOPATH', 'GOPRIVATE', 'GOPROXY', 'GOSUMDB', 'GOTOOLCHAIN', 'GOVCS']],
  [{ HOME: '/h2' }, ['GOENV', 'GOPROXY', 'GOSUMDB', 'GOTOOLCHAIN']],
  [{ HOME: '/h2', GOENV: 'off', GOPROXY: 'https://env.example' }, ['GOENV', 'GOPROXY', 'GOSUMDB']],
  [{ HOME: '/h2', GOENV: '/custom/env', GOPROXY: '' }, ['GOPROXY']],
  [{ HOME: '/h2', GOENV: '/custom/env' }, ['GONOPROXY', 'GONOSUMDB', 'GOPRIVATE']],
  [{ HOME: '/h2', GOENV: '/custom/env', GOPRIVATE: '', GONOPROXY: 'np.example' }, ['GONOPROXY', 'GONOSUMDB', 'GOPRIVATE']],
  [{ HOME: '/h2', GOROOT: '/groot', GOPRIVATE: 'p.example', GONOSUMDB: 'ns.example' }, ['GONOPROXY', 'GONOSUMDB', 'GOPROXY']],
  [{ HOME: '/h2', GOPATH: '/a:/b' }, ['GOPATH', 'GOMODCACHE']],
  [{ GOPATH: '/g' }, ['GOPATH', 'GOMODCACHE', 'GOENV']],
  [{ HOME: '/h2', GOMODCACHE: '/mc', GOPATH: '' }, ['GOPATH', 'GOMODCACHE']],
];
