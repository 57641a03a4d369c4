// Records the go vectors of one go version: `npm run record-vectors -- --go /path/to/go [--go ...]` (or
// `npx tsx test/vectors/record.ts --go /path/to/go`) writes test/unit/goenv/vectors/go1.<minor>.json, which
// test/unit/goenv/go-versions.test.ts compares the probe's ports with, under that version's rules, and
// compares go 1.23's recording with the go 1.23 tables the ports were written from (go123-expected.ts,
// test/hostile/properties/location-go123.json): those tables are this program's output for go 1.23.
//
//   - test/vectors/record/main.go, run by that go in a module assembled here: its go line is that go's
//     (so GODEBUG defaults are cmd/go's own), golang.org/x/mod replaced by a copy of the go's vendored
//     $GOROOT/src/cmd/vendor/golang.org/x/mod, and cmd/go/internal/auth/netrc.go copied from $GOROOT
//     beside record/auth/auth_export.go. Standard library (url.Parse, url.PathEscape, strconv.Quote,
//     path.Match, a Location resolved as net/http does, http.ProxyFromEnvironment one process per
//     environment), x/mod (module paths and versions, semver, MatchPrefixPatterns, modfile.Parse),
//     cmd/go's .netrc parser;
//   - GODEBUG at start-up: `GODEBUG=<value> go version`, exit status and the fatal line (runtime);
//   - GOFLAGS: `go mod download` with GOPROXY=off in an empty module, go's GOFLAGS error or null.
//
// The inputs are those of the go 1.23 tables plus the ones that tell versions apart. Nothing reaches the
// network: GOPROXY=off, GOTOOLCHAIN=local, GOFLAGS=-mod=mod, a fresh HOME, GOCACHE and GOPATH.
//
// Not recorded here (no program in the repo can ask go for them yet): PROXY_LIST (cmd/go's proxyList is
// not reachable without patching cmd/go), test/unit/sumdb/gosumdb-go-vectors.json (cmd/go's dbDial) and
// test/unit/sumdb/tlog-go-vectors.json (x/mod sumdb/tlog, note, dirhash and zip over inputs the file does
// not keep). Toolchain decisions: test/e2e/lab/record-toolchain-vectors.ts; ClientHellos:
// test/e2e/lab/record-go-hellos.ts.

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHECK_IMPORT_PATH, CHECK_PATH, ESCAPE_PATH, ESCAPE_VERSION, GO_MOD, GOFLAGS, HTTP_PROXY, MATCH_PREFIX, NETRC, PATH_ESCAPE, PATH_MATCH, QUOTE,
  SEMVER, SEMVER_COMPARE, UNESCAPE_PATH, UNESCAPE_VERSION, URL_PARSE,
} from '../unit/goenv/go123-expected.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const VECTORS_DIR = resolve(HERE, '..', 'unit', 'goenv', 'vectors');
/** The Location table of the hostile suite (base, Location and go 1.23's result as hex bytes). */
export const LOCATION_GO123 = resolve(HERE, '..', 'hostile', 'properties', 'location-go123.json');
/** What every recording names as its maker. */
export const RECORDED_BY = 'test/vectors/record.ts (test/vectors/record/main.go)';

/** URLs whose parse changed between versions (net/url: urlstrictcolons, go 1.26). */
const EXTRA_URLS = ['https://a:b:443/', 'https://proxy.example:8443:1/x', 'http://::1/', 'https://[::1]:443/', 'http://a:1:2', 'file://a:b:c/p', 'https://h:/x'];

/** GODEBUG values: removed settings at old and new values, and how the runtime reads the list. */
export const GODEBUG_INPUTS = [
  'tlskyber=0', 'tlskyber=1', 'x509sha1=1', 'x509sha1=0', 'asynctimerchan=1', 'asynctimerchan=2', 'asynctimerchan=0',
  'tls3des=1', 'tlsrsakex=1', 'tls10server=1', 'tlsunsafeekm=1', 'gotypesalias=0', 'x509keypairleaf=0',
  'http2client=0,tlskyber=0', 'foo,tlskyber=0', 'tlskyber=0 ', ' tlskyber=0', 'tlskyber=0,tlskyber=1', 'http2client=0', 'tlsmlkem=0',
];

/** go's build cache, kept between recordings (the recorder builds net/http and x/mod: minutes on a loaded machine). */
const BUILD_CACHE = join(tmpdir(), 'gomodprobe-vectors-gocache');

/** The proxy variables http.ProxyFromEnvironment reads (all cleared, then a row's set). */
const PROXY_VARS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy', 'REQUEST_METHOD'];

interface LocationRow {
  readonly base: string;
  readonly loc: string;
  readonly want?: string;
  readonly err?: string;
}

type Rows<T extends readonly unknown[]> = T[number][];

export interface RecordedVectors {
  /** The program that wrote this file. */
  readonly recordedBy: string;
  readonly go: string;
  readonly URL_PARSE: Rows<typeof URL_PARSE>;
  readonly PATH_ESCAPE: Rows<typeof PATH_ESCAPE>;
  readonly QUOTE: Rows<typeof QUOTE>;
  readonly PATH_MATCH: Rows<typeof PATH_MATCH>;
  /** base, Location, go's next request (scheme://host + RequestURI) or null, url's error or null; all but base as hex bytes. */
  readonly LOCATION: [base: string, locationHex: string, nextHex: string | null, errorHex: string | null][];
  readonly MATCH_PREFIX: Rows<typeof MATCH_PREFIX>;
  readonly CHECK_PATH: Rows<typeof CHECK_PATH>;
  readonly CHECK_IMPORT_PATH: Rows<typeof CHECK_IMPORT_PATH>;
  readonly ESCAPE_PATH: Rows<typeof ESCAPE_PATH>;
  readonly UNESCAPE_PATH: Rows<typeof UNESCAPE_PATH>;
  readonly ESCAPE_VERSION: Rows<typeof ESCAPE_VERSION>;
  readonly UNESCAPE_VERSION: Rows<typeof UNESCAPE_VERSION>;
  readonly SEMVER: Rows<typeof SEMVER>;
  readonly SEMVER_COMPARE: Rows<typeof SEMVER_COMPARE>;
  readonly GO_MOD: Rows<typeof GO_MOD>;
  readonly NETRC: Rows<typeof NETRC>;
  readonly HTTP_PROXY: Rows<typeof HTTP_PROXY>;
  /** GODEBUG value -> exit status of `go version`, and the fatal line when it exits 2. */
  readonly GODEBUG: [value: string, exitStatus: number, fatal: string | null][];
  /** GOFLAGS value -> go's GOFLAGS error (null: accepted) and exit status. */
  readonly GOFLAGS: [value: string, error: string | null, exitStatus: number][];
}

/** The Location inputs: base URL and the Location's bytes as hex (some are not UTF-8, which JSON cannot carry). */
export function locationInputs(): [base: string, locationHex: string][] {
  const rows = JSON.parse(readFileSync(LOCATION_GO123, 'utf8')) as LocationRow[];
  return rows.map((r) => [r.base, r.loc]);
}

function record(goBin: string): { minor: number; vectors: RecordedVectors } {
  const work = mkdtempSync(join(tmpdir(), 'gmp-vectors-'));
  try {
    const env = (extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: '/usr/bin:/bin', HOME: join(work, 'home'), GOPATH: join(work, 'gopath'), GOCACHE: BUILD_CACHE, GOENV: 'off',
      GOTOOLCHAIN: 'local', GOPROXY: 'off', GOSUMDB: 'off', GOTELEMETRY: 'off', GOFLAGS: '', ...extra,
    });
    const run = (cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) =>
      spawnSync(cmd, args, { cwd: opts.cwd ?? work, input: Buffer.from(opts.input ?? '', 'utf8'), env: opts.env ?? env(), encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });

    const version = run(goBin, ['env', 'GOVERSION']).stdout.trim();
    const m = /^go1\.(\d+)/.exec(version);
    if (!m) throw new Error(`${goBin}: cannot read its version (${version})`);
    const minor = Number(m[1]);
    const goroot = run(goBin, ['env', 'GOROOT']).stdout.trim();

    // The recorder's module: main.go, x/mod as this go vendors it, and this go's .netrc parser.
    const xmod = join(work, 'xmod');
    cpSync(join(goroot, 'src', 'cmd', 'vendor', 'golang.org', 'x', 'mod'), xmod, { recursive: true });
    writeFileSync(join(xmod, 'go.mod'), `module golang.org/x/mod\n\ngo 1.${minor}\n`);
    const prog = join(work, 'prog');
    mkdirSync(join(prog, 'auth'), { recursive: true });
    copyFileSync(join(HERE, 'record', 'main.go'), join(prog, 'main.go'));
    copyFileSync(join(HERE, 'record', 'auth', 'auth_export.go'), join(prog, 'auth', 'auth_export.go'));
    copyFileSync(join(goroot, 'src', 'cmd', 'go', 'internal', 'auth', 'netrc.go'), join(prog, 'auth', 'netrc.go'));
    writeFileSync(join(prog, 'go.mod'), `module gomodprobe.vectors\n\ngo 1.${minor}\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ../xmod\n`);
    const bin = join(work, 'recorder');
    const build = run(goBin, ['build', '-o', bin, '.'], { cwd: prog, env: env({ GOFLAGS: '-mod=mod' }) });
    if (build.status !== 0) throw new Error(`go build of the recorder failed (${build.status}): ${build.stderr}`);

    const input = {
      urlParse: [...URL_PARSE.map((r) => r[0]), ...EXTRA_URLS],
      pathEscape: PATH_ESCAPE.map((r) => r[0]),
      quote: QUOTE.map((r) => r[0]),
      pathMatch: PATH_MATCH.map((r) => [r[0], r[1]]),
      location: locationInputs(),
      matchPrefix: MATCH_PREFIX.map((r) => [r[0], r[1]]),
      checkPath: CHECK_PATH.map((r) => r[0]),
      checkImportPath: CHECK_IMPORT_PATH.map((r) => r[0]),
      escapePath: ESCAPE_PATH.map((r) => r[0]),
      unescapePath: UNESCAPE_PATH.map((r) => r[0]),
      escapeVersion: ESCAPE_VERSION.map((r) => r[0]),
      unescapeVersion: UNESCAPE_VERSION.map((r) => r[0]),
      semver: SEMVER.map((r) => r[0]),
      semverCompare: SEMVER_COMPARE.map((r) => [r[0], r[1]]),
      goMod: GO_MOD.map((r) => r[0]),
      netrc: NETRC.map((r) => r[0]),
    };
    const r = run(bin, [], { cwd: prog, input: JSON.stringify(input) });
    if (r.status !== 0) throw new Error(`the recorder failed (${r.status}): ${r.stderr}`);
    const lib = JSON.parse(r.stdout) as Omit<RecordedVectors, 'recordedBy' | 'GODEBUG' | 'GOFLAGS' | 'HTTP_PROXY'>;

    const HTTP_PROXY_ROWS = HTTP_PROXY.map(([vars, decisions]) => {
      const e = env();
      for (const k of PROXY_VARS) delete e[k];
      const p = run(bin, ['httpproxy'], { cwd: prog, env: { ...e, ...vars }, input: JSON.stringify(decisions.map((d) => d[0])) });
      if (p.status !== 0) throw new Error(`the recorder's httpproxy failed (${p.status}): ${p.stderr}`);
      return [vars, JSON.parse(p.stdout)] as RecordedVectors['HTTP_PROXY'][number];
    });

    const GODEBUG = GODEBUG_INPUTS.map((value): [string, number, string | null] => {
      const g = run(goBin, ['version'], { env: env({ GODEBUG: value }) });
      const fatal = g.stderr.split('\n').find((l) => l.startsWith('fatal error: ')) ?? null;
      return [value, g.status ?? -1, fatal];
    });

    const mod = join(work, 'mod');
    mkdirSync(mod, { recursive: true });
    // A requirement go cannot fetch (GOPROXY=off): an accepted GOFLAGS ends in that error, exit status 1.
    writeFileSync(join(mod, 'go.mod'), 'module example.com/m\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n');
    const GOFLAGS_ROWS = GOFLAGS.map(([value]): [string, string | null, number] => {
      const g = run(goBin, ['mod', 'download'], { cwd: mod, env: env({ GOFLAGS: value }) });
      const line = g.stderr.split('\n')[0] ?? '';
      return [value, /\$GOFLAGS/.test(line) ? line : null, g.status ?? -1];
    });
    return { minor, vectors: { recordedBy: RECORDED_BY, ...lib, go: version, HTTP_PROXY: HTTP_PROXY_ROWS, GODEBUG, GOFLAGS: GOFLAGS_ROWS } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `--go PATH` (repeatable), or bare paths as before. */
function goBinsFrom(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--go') {
      const v = argv[++i];
      if (!v) throw new Error('--go needs a path to a go binary');
      out.push(v);
    } else if (a.startsWith('--go=')) out.push(a.slice(5));
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else out.push(a);
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const goBins = goBinsFrom(process.argv.slice(2));
  if (goBins.length === 0) {
    process.stderr.write('usage: npm run record-vectors -- --go /path/to/go [--go /path/to/another/go ...]\n');
    process.exit(2);
  }
  mkdirSync(VECTORS_DIR, { recursive: true });
  for (const goBin of goBins) {
    const { minor, vectors } = record(goBin);
    const file = join(VECTORS_DIR, `go1.${minor}.json`);
    writeFileSync(file, `${JSON.stringify(vectors, null, 1)}\n`);
    process.stdout.write(`${vectors.go}: ${file}\n`);
  }
}
