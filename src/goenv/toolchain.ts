// The toolchain switch go makes before anything else (go 1.21+): which go ends up running the build,
// and which module it downloads to get it. Ported from cmd/go/internal/toolchain/select.go (Select,
// Exec), cmd/go/internal/gover (FromToolchain, GoModLookup, TooNewError) and internal/gover (Parse,
// Compare, IsLang). The rules are the same in go 1.23, 1.24 and 1.27 for `go mod download` (1.24 adds
// GODEBUG=toolchaintrace=1 output, 1.27 only restructures); test/unit/goenv/vectors/toolchain-go1.N.json hold
// what the three real gos decided, recorded by `npm run record-vectors` (test/e2e/lab/record-toolchain-vectors.ts).

import type { GoVersion } from './goversion.js';

/** The module a toolchain comes in (select.go gotoolchainModule, gotoolchainVersion). */
export const TOOLCHAIN_MODULE = 'golang.org/toolchain';
const TOOLCHAIN_MODULE_VERSION = 'v0.0.1';

interface Gover {
  major: string;
  minor: string;
  patch: string;
  kind: string;
  pre: string;
}

const EMPTY: Gover = { major: '', minor: '', patch: '', kind: '', pre: '' };

function cutInt(x: string): [string, string] | undefined {
  let i = 0;
  while (i < x.length && x[i]! >= '0' && x[i]! <= '9') i++;
  if (i === 0 || (x[0] === '0' && i !== 1)) return undefined; // no digits or an unnecessary leading zero
  return [x.slice(0, i), x.slice(i)];
}

function cmpInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

/** internal/gover Parse: "1.21" is a language version (no patch); "1.20" means 1.20.0; "1.21rc1". */
function parse(x: string): Gover {
  const v: Gover = { ...EMPTY };
  let c = cutInt(x);
  if (!c) return EMPTY;
  [v.major, x] = c;
  if (x === '') return { ...v, minor: '0', patch: '0' };
  if (x[0] !== '.') return EMPTY;
  c = cutInt(x.slice(1));
  if (!c) return EMPTY;
  [v.minor, x] = c;
  if (x === '') return cmpInt(v.minor, '21') < 0 ? { ...v, patch: '0' } : v;
  if (x[0] === '.') {
    c = cutInt(x.slice(1));
    if (!c || c[1] !== '') return EMPTY;
    return { ...v, patch: c[0] };
  }
  let i = 0;
  while (i < x.length && (x[i]! < '0' || x[i]! > '9')) {
    if (x[i]! < 'a' || x[i]! > 'z') return EMPTY;
    i++;
  }
  if (i === 0) return EMPTY;
  v.kind = x.slice(0, i);
  x = x.slice(i);
  if (x === '') return v;
  c = cutInt(x);
  if (!c || c[1] !== '') return EMPTY;
  return { ...v, pre: c[0] };
}

const isValid = (x: string): boolean => parse(x).major !== '';

/** internal/gover Compare: "" < alpha < beta < rc < release; an invalid version sorts first. */
export function compareGo(x: string, y: string): number {
  const a = parse(x);
  const b = parse(y);
  return cmpInt(a.major, b.major) || cmpInt(a.minor, b.minor) || cmpInt(a.patch, b.patch)
    || (a.kind === b.kind ? 0 : a.kind < b.kind ? -1 : 1) || cmpInt(a.pre, b.pre);
}

/** A language version such as "1.22": the name of no toolchain (golang/go#62278). */
export function isLangVersion(x: string): boolean {
  const v = parse(x);
  return v.major !== '' && v.patch === '' && v.kind === '' && v.pre === '';
}

/** cmd/go/internal/gover FromToolchain: "go1.2.3-bigcorp" → "1.2.3"; "" for what names no toolchain. */
export function fromToolchain(name: string): string {
  if (/[\\/]/.test(name) || !name.startsWith('go')) return '';
  let v = name.slice(2);
  const i = v.search(/[ \t-]/);
  if (i >= 0) v = v.slice(0, i);
  return isValid(v) ? v : '';
}

/** cmd/go/internal/gover GoModLookup: the first line starting with `key ` (not modfile's parser). */
export function goModLookup(text: string, key: string): string {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line.startsWith(key)) continue;
    const rest = line.slice(key.length);
    if (rest === '' || (rest[0] !== ' ' && rest[0] !== '\t')) continue;
    const i = rest.indexOf('//');
    return (i >= 0 ? rest.slice(0, i) : rest).trim();
  }
  return '';
}

export interface ToolchainInput {
  /** GOTOOLCHAIN as cfg.Getenv gives it (environment, `go env -w` file, $GOROOT/go.env). */
  readonly gotoolchain: string;
  /** The go the build image runs. A version without patch makes some decisions uncertain. */
  readonly local: GoVersion;
  /** The main module's go.mod (or go.work) as text, and the name go shows for it ("go.mod"). */
  readonly modFile?: { readonly name: string; readonly text: string };
  /** GOOS/GOARCH of the build image's go (its GOHOSTOS/GOHOSTARCH). */
  readonly goos: string;
  readonly goarch: string;
  /** GO111MODULE: anything but on/auto/"" turns modules off, and with them the switch. */
  readonly go111module: string;
}

export type ToolchainDecision =
  /** The build image's go runs the build itself. */
  | { readonly kind: 'local'; readonly reason: string }
  /** go downloads golang.org/toolchain@version and re-executes it. */
  | {
      readonly kind: 'switch';
      readonly toolchain: string;
      /** "v0.0.1-go1.27.3.linux-amd64" */
      readonly moduleVersion: string;
      /** The go version the switched-to toolchain is ("1.27.3"). */
      readonly goVersion: string;
      readonly reason: string;
      /**
       * go's error after the new toolchain starts, when it still is too old for the go line
       * (GOTOOLCHAIN=go1.24.4 with `go 1.27.3`): the switch happens, then the build fails.
       */
      readonly thenFails?: string;
    }
  /** go stops before any network use (or after a download that cannot succeed), with goError. */
  | { readonly kind: 'fail'; readonly reason: string; readonly goError: string; readonly why: 'too_old' | 'invalid' | 'not_in_path' | 'language_version' }
  /** The answer depends on the patch release of the build image's go, which is not known. */
  | { readonly kind: 'uncertain'; readonly reason: string };

/** Decides as go's toolchain.Select (and Exec, up to the download) does. */
export function decideToolchain(input: ToolchainInput): ToolchainDecision {
  if (input.local.patch !== undefined) return decideFor(input, `1.${input.local.minor}.${input.local.patch}`);
  // Without the patch release, decide for the first and a late one: when they differ, say so.
  const low = decideFor(input, `1.${input.local.minor}.0`);
  const high = decideFor(input, `1.${input.local.minor}.99`);
  const { reason: _low, ...lowKey } = low;
  const { reason: _high, ...highKey } = high;
  if (JSON.stringify(lowKey) === JSON.stringify(highKey)) return { ...low, reason: low.reason.replace(`go1.${input.local.minor}.0`, `go1.${input.local.minor}.x`) } as ToolchainDecision;
  return {
    kind: 'uncertain',
    reason: `whether go1.${input.local.minor}.x switches toolchains depends on its patch release (go1.${input.local.minor}.0: ${low.reason}; a later go1.${input.local.minor}.x: ${high.reason})`,
  };
}

function decideFor(input: ToolchainInput, localVers: string): ToolchainDecision {
  const localToolchain = `go${localVers}`;
  const raw = input.gotoolchain;
  const m111 = input.go111module;
  if (m111 !== '' && m111 !== 'on' && !(m111 === 'auto' && input.modFile)) {
    return { kind: 'local', reason: `GO111MODULE=${m111}: modules are off, and with them toolchain switching` };
  }
  if (raw === '') return { kind: 'local', reason: 'GOTOOLCHAIN is empty (no $GOROOT/go.env line): go runs itself' };
  const invalid = (goError: string): ToolchainDecision => ({ kind: 'fail', why: 'invalid', goError, reason: `go rejects GOTOOLCHAIN=${raw}` });

  let minToolchain = localToolchain;
  let minVers = localVers;
  let mode: string;
  if (raw === 'auto' || raw === 'path') {
    mode = raw;
  } else {
    const plus = raw.indexOf('+');
    const min = plus >= 0 ? raw.slice(0, plus) : raw;
    const suffix = plus >= 0 ? raw.slice(plus + 1) : '';
    if (min !== 'local') {
      const v = fromToolchain(min);
      if (v === '') return invalid(plus >= 0 ? `go: invalid GOTOOLCHAIN "${raw}": invalid minimum toolchain "${min}"` : `go: invalid GOTOOLCHAIN "${raw}"`);
      minToolchain = min;
      minVers = v;
    }
    if (plus >= 0 && suffix !== 'auto' && suffix !== 'path') return invalid(`go: invalid GOTOOLCHAIN "${raw}": only version suffixes are +auto and +path`);
    mode = suffix;
  }

  let chosen = minToolchain;
  let why = min(raw, minToolchain, localToolchain);
  // What TooNewError.Error adds to "requires go >= X (running go Y": cmd/go/internal/gover/toolchain.go.
  let autoGo = '';
  let autoToolchain = '';
  const file = input.modFile;
  const goLine = file ? goModLookup(file.text, 'go') : '';
  if ((mode === 'auto' || mode === 'path') && file) {
    const toolchainLine = goModLookup(file.text, 'toolchain');
    if (toolchainLine === 'default') {
      autoToolchain = 'default';
      why = `${file.name} says "toolchain default": ${why}`;
    } else {
      if (toolchainLine !== '') {
        const toolVers = fromToolchain(toolchainLine);
        if (toolVers === '' || (!toolchainLine.startsWith('go') && !toolchainLine.includes('-go'))) {
          return { kind: 'fail', why: 'invalid', goError: `go: invalid toolchain "${toolchainLine}" in ${file.name}`, reason: `${file.name}'s toolchain line names no toolchain` };
        }
        if (compareGo(toolVers, minVers) > 0) {
          chosen = toolchainLine;
          minVers = toolVers;
          autoToolchain = toolchainLine;
          why = `${file.name} says "toolchain ${toolchainLine}", newer than ${minToolchain === localToolchain ? `the build image's go${localVers}` : minToolchain}`;
        }
      }
      if (compareGo(goLine, minVers) > 0) {
        chosen = `go${goLine}`;
        // Since go 1.21 a release is named with its .0: "go 1.22" asks for go1.22.0 (golang/go#62278).
        if (isLangVersion(goLine) && compareGo(goLine, '1.21') >= 0) chosen += '.0';
        autoGo = goLine;
        autoToolchain = '';
        why = `${file.name} says "go ${goLine}", newer than ${minVers === localVers ? `the build image's go${localVers}` : `go${minVers}`}`;
      }
    }
  }

  const tooNew = (running: string): string | undefined => {
    if (!file || goLine === '' || compareGo(goLine, running) <= 0) return undefined;
    let explain = raw !== 'auto' ? `; GOTOOLCHAIN=${raw}` : '';
    if ((mode === 'auto' || mode === 'path') && (autoGo !== '' || autoToolchain !== '')) {
      explain += `; ${file.name} sets ${autoToolchain !== '' ? `toolchain ${autoToolchain}` : `go ${autoGo}`}`;
    }
    return `go: ${file.name} requires go >= ${goLine} (running go ${running}${explain})`;
  };

  if (chosen === 'local' || chosen === localToolchain) {
    const goError = tooNew(localVers);
    if (goError) {
      return { kind: 'fail', why: 'too_old', goError, reason: `${why}; go${localVers} is older than ${file!.name}'s "go ${goLine}" and GOTOOLCHAIN=${raw} does not let it switch` };
    }
    return { kind: 'local', reason: why };
  }
  if (!chosen.startsWith('go1') && !chosen.includes('-go1')) return invalid(`go: invalid GOTOOLCHAIN "${chosen}"`);
  // Exec: a goX.Y.Z binary in PATH would be used first; a build image has none (the probe cannot see
  // the build's PATH, so this assumes it).
  if (raw === 'path' || raw.endsWith('+path')) {
    return { kind: 'fail', why: 'not_in_path', goError: `go: cannot find "${chosen}" in PATH`, reason: `${why}; GOTOOLCHAIN=${raw} only looks for ${chosen} in PATH, and a build image has none` };
  }
  const version = fromToolchain(chosen);
  if (isLangVersion(version) && compareGo(version, '1.21') >= 0) {
    // No proxy serves v0.0.1-go1.25.linux-amd64; go says so after its download fails (select.go Exec).
    return { kind: 'fail', why: 'language_version', goError: `go: invalid toolchain: ${chosen} is a language version but not a toolchain version (${chosen}.x)`, reason: `${why}; ${chosen} is a language version, not a toolchain` };
  }
  const thenFails = tooNew(version);
  return {
    kind: 'switch',
    toolchain: chosen,
    moduleVersion: `${TOOLCHAIN_MODULE_VERSION}-${chosen}.${input.goos}-${input.goarch}`,
    goVersion: version,
    reason: why,
    ...(thenFails ? { thenFails } : {}),
  };
}

function min(raw: string, minToolchain: string, localToolchain: string): string {
  if (minToolchain === localToolchain) return `GOTOOLCHAIN=${raw}: the build image's ${localToolchain} unless go.mod asks for newer`;
  return `GOTOOLCHAIN=${raw} names ${minToolchain} as the minimum`;
}

/** GOOS/GOARCH of a Node process.arch, as go names them. */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return map[nodeArch] ?? nodeArch;
}
