// GOFLAGS as cmd/go reads it (Go 1.23): base.InitGOFLAGS splits the value with cmd/internal/quoted
// and rejects words that are not flags or not defined by *any* go command; base.SetFromGOFLAGS then
// applies the flags the running command defines and silently skips the rest. The command we
// predict is `go mod download`.

import { goQuote } from './gostrings.js';

export interface GoFlag {
  /** Without dashes or value: "mod" for "--mod=vendor". */
  readonly name: string;
  readonly value: string | undefined;
  readonly raw: string;
}

export interface GoFlagsFinding {
  readonly code: string;
  readonly severity: 'info' | 'warn';
  readonly message: string;
  readonly hint?: string;
}

export type GoFlagsResult =
  | {
    ok: true;
    flags: readonly GoFlag[];
    findings: readonly GoFlagsFinding[];
    /**
     * GOFLAGS sets -mod=vendor (the last -mod wins). Build commands (go build, test, list) then never
     * fetch modules ("module lookup disabled by -mod=vendor"). `go mod download` does not define
     * -mod, ignores it and still fetches: do not skip network checks for it because of this.
     */
    modVendor: boolean;
  }
  | { ok: false; error: string };

/**
 * Every flag some Go 1.23 command defines (hasFlag walks all commands). Collected by walking
 * base.Go's command tree in a build of cmd/go 1.23; vet's analyzer flags are not static and so are
 * unknown to GOFLAGS.
 */
export const KNOWN_GO_FLAGS: ReadonlySet<string> = new Set([
  'C', 'a', 'asan', 'asmflags', 'bench', 'benchmem', 'benchtime', 'blockprofile', 'blockprofilerate',
  'buildmode', 'buildvcs', 'c', 'cache', 'changed', 'compat', 'compiled', 'compiler', 'count', 'cover',
  'covermode', 'coverpkg', 'coverprofile', 'cpu', 'cpuprofile', 'd', 'debug-actiongraph',
  'debug-runtime-trace', 'debug-trace', 'deps', 'diff', 'dropexclude', 'dropgodebug', 'dropreplace',
  'droprequire', 'dropretract', 'dropuse', 'e', 'exclude', 'exec', 'export', 'f', 'failfast', 'find', 'fix',
  'fmt', 'fullpath', 'fuzz', 'fuzzcache', 'fuzzminimizetime', 'fuzztime', 'gccgoflags', 'gcflags', 'go',
  'godebug', 'i', 'insecure', 'installsuffix', 'json', 'ldflags', 'linkshared', 'list', 'm', 'memprofile',
  'memprofilerate', 'mod', 'modcache', 'modcacherw', 'modfile', 'module', 'msan', 'mutexprofile',
  'mutexprofilefraction', 'n', 'o', 'outputdir', 'overlay', 'p', 'parallel', 'pgo', 'pkgdir', 'print', 'r',
  'race', 'replace', 'require', 'retract', 'retracted', 'reuse', 'run', 'short', 'shuffle', 'skip', 't',
  'tags', 'test', 'test.bench', 'test.benchmem', 'test.benchtime', 'test.blockprofile',
  'test.blockprofilerate', 'test.count', 'test.coverprofile', 'test.cpu', 'test.cpuprofile', 'test.failfast',
  'test.fullpath', 'test.fuzz', 'test.fuzzminimizetime', 'test.fuzztime', 'test.list', 'test.memprofile',
  'test.memprofilerate', 'test.mutexprofile', 'test.mutexprofilefraction', 'test.outputdir', 'test.parallel',
  'test.run', 'test.short', 'test.shuffle', 'test.skip', 'test.timeout', 'test.trace', 'test.v', 'testcache',
  'timeout', 'toolchain', 'toolexec', 'trace', 'trimpath', 'u', 'use', 'v', 'vendor', 'versions', 'vet',
  'vettool', 'w', 'work', 'x',
]);

/**
 * The flags `go mod download` defines (modcmd/download.go): -x -json -reuse, -C (base.AddChdirFlag)
 * and base.AddModCommonFlags' -modcacherw -modfile -overlay. It inherits no build flags, so
 * -mod, -tags, -ldflags … in GOFLAGS are skipped by it.
 */
export const MOD_DOWNLOAD_FLAGS: Readonly<Record<string, 'bool' | 'string' | 'chdir'>> = Object.freeze({
  x: 'bool',
  json: 'bool',
  reuse: 'string',
  C: 'chdir',
  modcacherw: 'bool',
  modfile: 'string',
  overlay: 'string',
});

const SPACE_BYTES = ' \t\n\r';

/** cmd/internal/quoted.Split: fields split on ASCII space; a field may be wholly '…' or "…" quoted. */
export function quotedSplit(s: string): { ok: true; words: string[] } | { ok: false; error: string } {
  const words: string[] = [];
  let i = 0;
  while (i < s.length) {
    while (i < s.length && SPACE_BYTES.includes(s[i]!)) i++;
    if (i >= s.length) break;
    const c = s[i]!;
    if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return { ok: false, error: `unterminated ${c} string` };
      words.push(s.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let j = i;
    while (j < s.length && !SPACE_BYTES.includes(s[j]!)) j++;
    words.push(s.slice(i, j));
    i = j;
  }
  return { ok: true, words };
}

const PARSE_BOOL = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);

function isNonFlag(f: string): boolean {
  return !f.startsWith('-') || f === '-' || f === '--' || f.startsWith('---') || f.startsWith('-=') || f.startsWith('--=');
}

/** The `go mod download` usage line go prints after a GOFLAGS value error (exit status 2). */
export const MOD_DOWNLOAD_USAGE = "usage: go mod download [-x] [-json] [-reuse=old.json] [modules]\nRun 'go help mod download' for details.";

/** SetFromGOFLAGS for the mod download flag set: go's message for the first bad value, if any. */
function applyToModDownload(words: readonly string[]): string | undefined {
  const where = '$GOFLAGS';
  for (const goflag of words) {
    const eq = goflag.indexOf('=');
    if (eq === 0) continue;
    let name = eq > 0 ? goflag.slice(0, eq) : goflag;
    const value = eq > 0 ? goflag.slice(eq + 1) : undefined;
    if (name.startsWith('--')) name = name.slice(1);
    const kind = MOD_DOWNLOAD_FLAGS[name.slice(1)];
    if (kind === undefined) continue;
    if (kind === 'bool') {
      if (value !== undefined && !PARSE_BOOL.has(value)) {
        return `go: invalid boolean value ${goQuote(value)} for flag ${name} (from ${where}): parse error`;
      }
      continue;
    }
    if (value === undefined) return `go: flag needs an argument: ${name} (from ${where})`;
    if (kind === 'chdir') {
      return `go: invalid value ${goQuote(value)} for flag ${name} (from ${where}): -C flag must be first flag on command line`;
    }
  }
  return undefined;
}

/**
 * Parse GOFLAGS as `go mod download` does. ok:false carries go's first error line, e.g.
 * "go: parsing $GOFLAGS: unknown flag -bogus" (exit 1) or "go: flag needs an argument: -modfile
 * (from $GOFLAGS)" (exit 2, followed by MOD_DOWNLOAD_USAGE).
 */
export function parseGoFlags(value: string): GoFlagsResult {
  const split = quotedSplit(value);
  if (!split.ok) return { ok: false, error: `go: parsing $GOFLAGS: ${split.error}` };
  const words = split.words;
  const flags: GoFlag[] = [];
  for (const f of words) {
    if (isNonFlag(f)) return { ok: false, error: `go: parsing $GOFLAGS: non-flag ${goQuote(f)}` };
    let name = f.slice(1);
    if (name[0] === '-') name = name.slice(1);
    const eq = name.indexOf('=');
    const flagName = eq >= 0 ? name.slice(0, eq) : name;
    if (!KNOWN_GO_FLAGS.has(flagName)) return { ok: false, error: `go: parsing $GOFLAGS: unknown flag -${flagName}` };
    flags.push({ name: flagName, value: eq >= 0 ? name.slice(eq + 1) : undefined, raw: f });
  }
  const applyError = applyToModDownload(words);
  if (applyError !== undefined) return { ok: false, error: applyError };

  const findings: GoFlagsFinding[] = [];
  // -insecure is judged with the other verification switches: VERIFICATION_RULES (verification-rules.ts).
  const ignored = flags.filter((f) => MOD_DOWNLOAD_FLAGS[f.name] === undefined && f.name !== 'insecure');
  if (ignored.length > 0) {
    findings.push({
      code: 'goflags.ignored',
      severity: 'info',
      message: `go mod download does not define ${ignored.map((f) => f.raw).join(' ')} and ignores ` +
        `${ignored.length === 1 ? 'it' : 'them'} (other go commands apply them)`,
    });
  }
  const modFlags = flags.filter((f) => f.name === 'mod');
  const modVendor = modFlags.length > 0 && modFlags[modFlags.length - 1]!.value === 'vendor';
  if (modVendor) {
    findings.push({
      code: 'goflags.mod_vendor',
      severity: 'info',
      message: 'GOFLAGS sets -mod=vendor: go build, go test and go list never fetch modules ("module lookup disabled by ' +
        '-mod=vendor"), but go mod download does not define -mod and still fetches',
    });
  }
  const modfile = [...flags].reverse().find((f) => f.name === 'modfile');
  if (modfile?.value !== undefined && modfile.value !== '') {
    findings.push({
      code: 'goflags.modfile',
      severity: 'info',
      message: `GOFLAGS sets -modfile=${modfile.value}: go mod download reads that file instead of go.mod`,
    });
  }
  return { ok: true, flags, findings, modVendor };
}
