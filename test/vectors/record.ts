// Records the go vectors of one go version: `npm run record-vectors -- --go /path/to/go [--go ...]` (or
// `npx tsx test/vectors/record.ts --go /path/to/go`) writes, for go 1.<minor>:
//
//   - test/unit/goenv/vectors/go1.<minor>.json, which test/unit/goenv/go-versions.test.ts compares the
//     probe's ports with, under that version's rules, and whose go 1.23 recording must equal the go 1.23
//     tables the ports were written from (go123-expected.ts, test/hostile/properties/location-go123.json):
//     those tables are this program's output for go 1.23;
//   - test/unit/sumdb/vectors/tlog-go1.<minor>.json (x/mod's sumdb/tlog, note and dirhash, and
//     archive/zip), which test/unit/sumdb/*.test.ts compare the probe's sumdb code with;
//   - test/unit/goenv/vectors/toolchain-go1.<minor>.json: that go's toolchain decisions (`go mod download`
//     with an empty file:// GOPROXY, test/e2e/lab/record-toolchain-vectors.ts), which
//     test/unit/goenv/toolchain.test.ts checks the toolchain model against;
//   - test/unit/tls/vectors/truststore-go1.<minor>.json: the system roots crypto/x509 loads for each
//     SSL_CERT_FILE/SSL_CERT_DIR layout of test/unit/tls/truststore-fixtures.ts (record/truststore.go),
//     which test/unit/tls/truststore.test.ts checks loadTrustStore against;
//   - test/unit/tls/vectors/x509-go1.<minor>.json: crypto/x509's verdict (ParseCertificate, then Verify) on
//     each chain of test/unit/tls/verify-scenarios.ts and x509-version-scenarios.ts (record/x509verify.go),
//     which test/unit/tls/x509-versions.test.ts checks the probe's parser and Verify against under that
//     go's rules (and verify.test.ts, go 1.23's, the default rules); and, from record/x509parse.go,
//     ParseCertificate and Subject.String() on test/unit/tls/parse-cases.ts (der.test.ts), VerifyHostname on
//     test/unit/tls/hostname-cases.ts and net.ParseIP (hostname.test.ts).
//
// `--out DIR` writes the same files under DIR (same relative paths) instead of the repository:
// test/vectors/honest.test.ts records with each lab go that way and checks the committed files are
// byte-identical.
//
// What records them:
//   - test/vectors/record/main.go, run by that go in a module assembled here: its go line is that go's
//     (so GODEBUG defaults are cmd/go's own), golang.org/x/mod replaced by a copy of the go's vendored
//     $GOROOT/src/cmd/vendor/golang.org/x/mod, and cmd/go/internal/auth/netrc.go copied from $GOROOT
//     beside record/auth/auth_export.go. Standard library (url.Parse, url.PathEscape, strconv.Quote,
//     path.Match, a Location resolved as net/http does, http.ProxyFromEnvironment one process per
//     environment, through the x/net/http/httpproxy the go vendors, as net/http calls it), x/mod (module paths and versions, semver, MatchPrefixPatterns, modfile.Parse),
//     cmd/go's .netrc parser;
//   - cmd/go's proxyList/newProxyRepo (GOPROXY lists) and dbDial (GOSUMDB): record/extract copies those
//     declarations out of $GOROOT/src/cmd/go/internal/modfetch into the recorder's package modfetch,
//     with stand-ins for cmd/go's cfg and x/mod's sumdb client (record/modfetch);
//   - `recorder tlog` (record/tlog.go): x/mod's sumdb/tlog, note, dirhash, and archive/zip;
//   - GODEBUG at start-up: `GODEBUG=<value> go version`, exit status and the fatal line (runtime);
//   - GOFLAGS: `go mod download` with GOPROXY=off in an empty module, go's GOFLAGS error or null;
//   - GO_ENV: `go env -json NAMES` on the files and environments of test/unit/goenv/goenv-cases.ts;
//   - `recorder truststore` (record/truststore.go) once per trust-store layout, `recorder x509 DIR`
//     (record/x509verify.go) on the chains written under DIR, `recorder x509parse` (record/x509parse.go)
//     on the parse and host name cases.
//
// The inputs are those of the go 1.23 tables plus the ones that tell versions apart (GOSUMDB's in
// inputs.ts, tlog's in record/tlog.go). Nothing reaches the network: GOPROXY=off, GOTOOLCHAIN=local,
// GOFLAGS=-mod=mod, a fresh HOME and GOPATH (telemetry off in it), CGO_ENABLED=0.
//
// Not recorded to a file: go's ClientHellos. test/e2e/clienthello.test.ts captures each lab go's hello
// live (`go mod download` against a raw listener on loopback) and compares it with the probe's model and
// README's table; test/e2e/lab/record-go-hellos.ts prints README's rows from the same capture.

import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CHECK_IMPORT_PATH, CHECK_PATH, ESCAPE_PATH, ESCAPE_VERSION, GO_MOD, GOFLAGS, HTTP_PROXY, MATCH_PREFIX, NETRC, PATH_ESCAPE, PATH_MATCH, PROXY_LIST,
  QUOTE, SEMVER, SEMVER_COMPARE, UNESCAPE_PATH, UNESCAPE_VERSION, URL_PARSE,
} from '../unit/goenv/go123-expected.js';
import { recordToolchainVectors, type ToolchainVector } from '../e2e/lab/record-toolchain-vectors.js';
import { telemetryOff } from '../e2e/lab/gos.js';
import { buildTrustFixtures } from '../unit/tls/truststore-fixtures.js';
import { x509Scenarios, type VerifyScenario } from '../unit/tls/x509-version-scenarios.js';
import { HOSTNAME_CASES, PARSE_IP_INPUTS } from '../unit/tls/hostname-cases.js';
import { parseCases } from '../unit/tls/parse-cases.js';
import { selfSignedCA } from '../../src/lab/pki.js';
import { GOSUMDB_INPUTS } from './inputs.js';
import { GO_ENV_FILES, GO_ENV_PATH_VARS, GO_ENV_SCENARIOS } from '../unit/goenv/goenv-cases.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root: recordings are written at their paths relative to it (or under --out). */
export const REPO_ROOT = resolve(HERE, '..', '..');
export const VECTORS_DIR = resolve(HERE, '..', 'unit', 'goenv', 'vectors');
export const TLOG_VECTORS_DIR = resolve(HERE, '..', 'unit', 'sumdb', 'vectors');
export const TRUST_VECTORS_DIR = resolve(HERE, '..', 'unit', 'tls', 'vectors');
/** The Location table of the hostile suite (base, Location and go 1.23's result as hex bytes). */
export const LOCATION_GO123 = resolve(HERE, '..', 'hostile', 'properties', 'location-go123.json');
/** What every recording names as its maker. */
export const RECORDED_BY = 'test/vectors/record.ts (test/vectors/record/main.go)';
/** What every toolchain recording names as its maker. */
export const TOOLCHAIN_RECORDED_BY = 'test/vectors/record.ts (test/e2e/lab/record-toolchain-vectors.ts)';
/** What every trust-store recording names as its maker. */
export const TRUST_RECORDED_BY = 'test/vectors/record.ts (test/vectors/record/truststore.go)';
/** What every crypto/x509 recording names as its maker. */
export const X509_RECORDED_BY = 'test/vectors/record.ts (test/vectors/record/x509verify.go)';
/** What every tlog recording names as its maker. */
export const TLOG_RECORDED_BY = 'test/vectors/record.ts (test/vectors/record/tlog.go)';

/** URLs whose parse changed between versions (net/url: urlstrictcolons, go 1.26). */
const EXTRA_URLS = [
  'https://a:b:443/', 'https://proxy.example:8443:1/x', 'http://::1/', 'https://[::1]:443/', 'http://a:1:2', 'file://a:b:c/p', 'https://h:/x',
  // GOPROXY values of test/integration/stages/ipv6-config.test.ts: an unbracketed IPv6 host, a port past 65535.
  'https://2001:db8:1::50', 'https://[2001:db8:1::50]:99999',
];

/** IPv6 targets for the proxy decisions below. */
const IPV6_TARGETS = [
  'https://[2001:db8:1::50]', 'https://[2001:db8:1::50]:8443', 'https://[2001:db8:2::1]', 'https://[2001:db8::1]', 'https://[::ffff:198.18.0.10]',
  'https://198.18.0.10', 'https://v6.example', 'https://[2001:db8:1::50]:443',
];

/**
 * Proxy environments beyond the go 1.23 table: IPv6 in NO_PROXY (CIDRs, [addr]:port, a bare address, an
 * IPv4-mapped CIDR) and IPv6 proxy addresses, bracketed or not.
 */
const EXTRA_HTTP_PROXY: [Record<string, string>, string[]][] = [
  ...['2001:db8:1::/64', '2001:db8::/32', '[2001:db8:1::50]:443', '[2001:db8:1::50]', '2001:db8:1::50', '::ffff:198.18.0.0/112', '198.18.0.0/15', '2001:DB8:1::/64,v6.example']
    .map((noProxy): [Record<string, string>, string[]] => [{ HTTPS_PROXY: 'http://egress:3128', NO_PROXY: noProxy }, IPV6_TARGETS]),
  // The last two unbracketed: go 1.26+ url.Parse refuses an http(s) one (urlstrictcolons), so httpproxy
  // ignores it and go goes direct; older gos dial [2001:db8:1::13]:3128.
  ...['http://[2001:db8:1::13]:3128', '[2001:db8:1::13]:3128', 'https://user:pw@[2001:db8:1::13]:8443', '2001:db8:1::13:3128', 'socks5://2001:db8:1::13:1080']
    .map((proxy): [Record<string, string>, string[]] => [{ HTTPS_PROXY: proxy }, ['https://proxy.example', 'https://[2001:db8:1::50]']]),
];

/** GODEBUG values: removed settings at old and new values, and how the runtime reads the list. */
export const GODEBUG_INPUTS = [
  'tlskyber=0', 'tlskyber=1', 'x509sha1=1', 'x509sha1=0', 'asynctimerchan=1', 'asynctimerchan=2', 'asynctimerchan=0',
  'tls3des=1', 'tlsrsakex=1', 'tls10server=1', 'tlsunsafeekm=1', 'gotypesalias=0', 'x509keypairleaf=0',
  'http2client=0,tlskyber=0', 'foo,tlskyber=0', 'tlskyber=0 ', ' tlskyber=0', 'tlskyber=0,tlskyber=1', 'http2client=0', 'tlsmlkem=0',
  'x509sha1=1,tlskyber=0', 'http2client=0,tls3des=1',
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
  /** cmd/go's proxyList for GOPROXY and GONOPROXY: entries ([url, fallBackOnError]) or null, and the error. */
  readonly PROXY_LIST: Rows<typeof PROXY_LIST>;
  /** cmd/go's dbDial for GOSUMDB: "OFF", "ERR: <error>", "PANIC: <crash>" or "OK <name> <key>[ <url>]". */
  readonly GOSUMDB: [value: string, result: string][];
  readonly HTTP_PROXY: Rows<typeof HTTP_PROXY>;
  /** GODEBUG value -> exit status of `go version`, and the fatal line when it exits 2. */
  readonly GODEBUG: [value: string, exitStatus: number, fatal: string | null][];
  /** GOFLAGS value -> go's GOFLAGS error (null: accepted) and exit status. */
  readonly GOFLAGS: [value: string, error: string | null, exitStatus: number][];
  /** `go env -json NAMES` in an environment (test/unit/goenv/goenv-cases.ts; paths relative to the files' root). */
  readonly GO_ENV: [env: Record<string, string>, values: Record<string, string>][];
}

/** x/mod's sumdb answers (record/tlog.go); the tests read them by name. */
export interface RecordedTlogVectors {
  readonly recordedBy: string;
  readonly go: string;
  readonly recordHash0: string;
  /** tree size -> TreeHash */
  readonly treeHash: Record<string, string>;
  /** tree size -> StoredHashCount */
  readonly storedHashCount: Record<string, number>;
  readonly storedHashIndex: [level: number, n: number, index: number][];
  readonly split: [index: number, level: number, n: number][];
  readonly tileForIndex: [index: number, path: string][];
  readonly tilePath: [h: number, l: number, n: number, w: number, path: string][];
  /** the tile [H, L, N, W], or ParseTilePath's error */
  readonly parseTilePath: [path: string, tile: [number, number, number, number] | string][];
  readonly newTiles: [oldSize: number, newSize: number, paths: string[]][];
  /** the tiles TileHashReader reads, in order, to return record id's hash from a tree of size n */
  readonly tileReads: [n: number, id: number, paths: string[]][];
  readonly proveRecord: [t: number, n: number, proof: string[]][];
  readonly proveTree: [t: number, n: number, proof: string[]][];
  readonly formatTree5: string;
  readonly formatRecord3: string;
  readonly signedTree5: string;
  readonly hash1: string;
  readonly hashGoMod: string;
  /** a module zip written by archive/zip, base64 */
  readonly goZip: string;
  readonly goZipHash: string;
  readonly 'hashZip:a.zip': string;
  readonly 'hashZip:b.zip': string;
  readonly 'hashZip:dup.zip': string;
}

function readRecordings<T>(dir: string, name: RegExp): T[] {
  return readdirSync(dir)
    .filter((f) => name.test(f))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}

/** The committed go vectors, one per recorded go (test/unit/goenv/vectors/go1.<minor>.json). */
export function recordedGoVectors(): RecordedVectors[] {
  return readRecordings<RecordedVectors>(VECTORS_DIR, /^go1\.\d+\.json$/);
}

/** The committed toolchain decisions, one file per recorded go (test/unit/goenv/vectors/toolchain-go1.<minor>.json). */
export function recordedToolchainVectors(): RecordedToolchainVectors[] {
  return readRecordings<RecordedToolchainVectors>(VECTORS_DIR, /^toolchain-go1\.\d+\.json$/);
}

/** The committed trust-store answers, one file per recorded go (test/unit/tls/vectors/truststore-go1.<minor>.json). */
export function recordedTrustVectors(): RecordedTrustVectors[] {
  return readRecordings<RecordedTrustVectors>(TRUST_VECTORS_DIR, /^truststore-go1\.\d+\.json$/);
}

/** The committed sumdb vectors, one per recorded go (test/unit/sumdb/vectors/tlog-go1.<minor>.json). */
export function recordedTlogVectors(): RecordedTlogVectors[] {
  return readRecordings<RecordedTlogVectors>(TLOG_VECTORS_DIR, /^tlog-go1\.\d+\.json$/);
}

/** The committed crypto/x509 verdicts, one file per recorded go (test/unit/tls/vectors/x509-go1.<minor>.json). */
export function recordedX509Vectors(): RecordedX509Vectors[] {
  return readRecordings<RecordedX509Vectors>(TRUST_VECTORS_DIR, /^x509-go1\.\d+\.json$/);
}

/** One go's crypto/x509 and net answers (record/x509verify.go, record/x509parse.go). */
export interface RecordedX509Vectors {
  readonly recordedBy: string;
  readonly go: string;
  /** Verify: scenario name -> "ok: CN > CN > ...", Verify's error, or "parse: " and ParseCertificate's error. */
  readonly verdicts: Record<string, string>;
  /** ParseCertificate: parse case -> "ok: cn=<JSON> nb=<RFC 3339> na=<RFC 3339> unhandled=<n>" or "error: <error>". */
  readonly parse: Record<string, string>;
  /** pkix.Name.String() of each parse case's subject that parses. */
  readonly subject: Record<string, string>;
  /** VerifyHostname: per certificate of hostname-cases.ts, [host, "ok" or the error]. */
  readonly hostname: { sans: string[]; cn: string; checks: [host: string, result: string][] }[];
  /** net.ParseIP: [input, IP.String() or null for nil]. */
  readonly parseIP: [input: string, ip: string | null][];
}

/**
 * Writes each chain as record/x509verify.go reads it: DIR/<name>/leaf.der, inter-NN.der, root-NN.der,
 * host and now (RFC 3339, seconds). The keys are new on every run; no verdict depends on their bytes.
 */
function writeX509Scenarios(dir: string, scenarios: readonly VerifyScenario[]): void {
  for (const s of scenarios) {
    const d = join(dir, s.name);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'leaf.der'), s.leaf);
    s.intermediates.forEach((c, i) => writeFileSync(join(d, `inter-${String(i).padStart(2, '0')}.der`), c));
    s.roots.forEach((c, i) => writeFileSync(join(d, `root-${String(i).padStart(2, '0')}.der`), c));
    writeFileSync(join(d, 'host'), s.dnsName);
    writeFileSync(join(d, 'now'), s.now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
  }
}

/** One go's toolchain decisions. */
export interface RecordedToolchainVectors {
  readonly recordedBy: string;
  readonly go: string;
  readonly cases: ToolchainVector[];
}

/** One go's system roots per trust-store layout: the fixtures' names in its pool, and Verify's SystemRootsError ($B: the fixtures' directory). */
export interface RecordedTrustVectors {
  readonly recordedBy: string;
  readonly go: string;
  readonly layouts: Record<string, { certs: string[]; error: string | null }>;
}

/** A recording: where it goes (relative to the repository) and its text. */
export interface Recording {
  readonly path: string;
  readonly text: string;
}

/** The Location inputs: base URL and the Location's bytes as hex (some are not UTF-8, which JSON cannot carry). */
export function locationInputs(): [base: string, locationHex: string][] {
  const rows = JSON.parse(readFileSync(LOCATION_GO123, 'utf8')) as LocationRow[];
  return rows.map((r) => [r.base, r.loc]);
}

/** Records everything one go says, as the files to write. */
export async function record(goBin: string): Promise<Recording[]> {
  const work = mkdtempSync(join(tmpdir(), 'gmp-vectors-'));
  telemetryOff(join(work, 'home', '.config'));
  try {
    const env = (extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: '/usr/bin:/bin', HOME: join(work, 'home'), GOPATH: join(work, 'gopath'), GOCACHE: BUILD_CACHE, GOENV: 'off',
      GOTOOLCHAIN: 'local', GOPROXY: 'off', GOSUMDB: 'off', GOTELEMETRY: 'off', CGO_ENABLED: '0', GOFLAGS: '', ...extra,
    });
    // Ten minutes a command: a go build with a cold build cache on a loaded 2-core machine has taken
    // over five (measured: 173 s for go 1.27's at load 14, and over 300 s for one at load ~25).
    const run = (cmd: string, args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) =>
      spawnSync(cmd, args, { cwd: opts.cwd ?? work, input: Buffer.from(opts.input ?? '', 'utf8'), env: opts.env ?? env(), encoding: 'utf8', timeout: 600_000, maxBuffer: 64 << 20 });

    const version = run(goBin, ['env', 'GOVERSION']).stdout.trim();
    const m = /^go1\.(\d+)/.exec(version);
    if (!m) throw new Error(`${goBin}: cannot read its version (${version})`);
    const minor = Number(m[1]);
    const goroot = run(goBin, ['env', 'GOROOT']).stdout.trim();

    // The recorder's module: record/, x/mod as this go vendors it, this go's .netrc parser, and the
    // declarations of cmd/go/internal/modfetch it ports, extracted from this go's source.
    const xmod = join(work, 'xmod');
    cpSync(join(goroot, 'src', 'cmd', 'vendor', 'golang.org', 'x', 'mod'), xmod, { recursive: true });
    writeFileSync(join(xmod, 'go.mod'), `module golang.org/x/mod\n\ngo 1.${minor}\n`);
    // golang.org/x/net (http/httpproxy, which net/http's ProxyFromEnvironment calls) and the x/text it
    // needs, as this go vendors them for the standard library.
    for (const [name, dir] of [['net', 'xnet'], ['text', 'xtext']] as const) {
      cpSync(join(goroot, 'src', 'vendor', 'golang.org', 'x', name), join(work, dir), { recursive: true });
      writeFileSync(join(work, dir, 'go.mod'), `module golang.org/x/${name}\n\ngo 1.${minor}\n`);
    }
    const prog = join(work, 'prog');
    cpSync(join(HERE, 'record'), prog, { recursive: true });
    copyFileSync(join(goroot, 'src', 'cmd', 'go', 'internal', 'auth', 'netrc.go'), join(prog, 'auth', 'netrc.go'));
    writeFileSync(join(prog, 'go.mod'), [
      'module gomodprobe.vectors', '', `go 1.${minor}`, '',
      'require (', '\tgolang.org/x/mod v0.0.0', '\tgolang.org/x/net v0.0.0', '\tgolang.org/x/text v0.0.0', ')', '',
      'replace (', '\tgolang.org/x/mod => ../xmod', '\tgolang.org/x/net => ../xnet', '\tgolang.org/x/text => ../xtext', ')', '',
    ].join('\n'));
    const build = (out: string, pkg: string): void => {
      const b = run(goBin, ['build', '-o', out, pkg], { cwd: prog, env: env({ GOFLAGS: '-mod=mod' }) });
      if (b.status !== 0) throw new Error(`go build ${pkg} failed (${b.status}): ${b.stderr}`);
    };
    const extract = join(work, 'extract');
    build(extract, './extract');
    const modfetch = join(goroot, 'src', 'cmd', 'go', 'internal', 'modfetch');
    const ex = run(extract, [
      '-pkg', 'modfetch', '-o', join(prog, 'modfetch', 'extracted.go'),
      '-rewrite', 'cmd/go/internal/cfg=gomodprobe.vectors/modfetch/cfg', '-rewrite', 'golang.org/x/mod/sumdb=gomodprobe.vectors/modfetch/sumdb',
      `${join(modfetch, 'proxy.go')}:proxyOnce,proxySpec,proxyList,proxyRepo,newProxyRepo,pathEscape`,
      `${join(modfetch, 'sumdb.go')}:dbDial`,
      `${join(modfetch, 'key.go')}:knownGOSUMDB`,
    ]);
    if (ex.status !== 0) throw new Error(`extracting cmd/go's modfetch code failed (${ex.status}): ${ex.stderr}`);
    const bin = join(work, 'recorder');
    build(bin, '.');

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
      proxyList: PROXY_LIST.map((r) => [r[0], r[1]]),
      gosumdb: GOSUMDB_INPUTS,
    };
    const r = run(bin, [], { cwd: prog, input: JSON.stringify(input) });
    if (r.status !== 0) throw new Error(`the recorder failed (${r.status}): ${r.stderr}`);
    const lib = JSON.parse(r.stdout) as Omit<RecordedVectors, 'recordedBy' | 'GODEBUG' | 'GOFLAGS' | 'HTTP_PROXY'>;

    const httpProxyInputs: [Record<string, string>, string[]][] = [...HTTP_PROXY.map(([vars, decisions]): [Record<string, string>, string[]] => [vars, decisions.map((d) => d[0])]), ...EXTRA_HTTP_PROXY];
    const HTTP_PROXY_ROWS = httpProxyInputs.map(([vars, targets]) => {
      const e = env();
      for (const k of PROXY_VARS) delete e[k];
      const p = run(bin, ['httpproxy'], { cwd: prog, env: { ...e, ...vars }, input: JSON.stringify(targets) });
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
    // go env's layering: the environment, the go env -w file, $GOROOT/go.env. Only the scenario's variables
    // (and PATH) are set; its paths, and GOROOT= in the files, point under envRoot, which the answers lose again.
    const envRoot = join(work, 'goenv-root');
    for (const [path, text] of Object.entries(GO_ENV_FILES)) {
      mkdirSync(dirname(join(envRoot, path)), { recursive: true });
      writeFileSync(join(envRoot, path), text.replace(/^GOROOT=\//gm, `GOROOT=${envRoot}/`));
    }
    // The scenarios' own config directories ($HOME/.config, $XDG_CONFIG_HOME).
    for (const [vars] of GO_ENV_SCENARIOS) {
      const configDir = vars['XDG_CONFIG_HOME'] ?? (vars['HOME'] !== undefined ? `${vars['HOME']}/.config` : undefined);
      if (configDir !== undefined) telemetryOff(join(envRoot, configDir));
    }
    const GO_ENV = GO_ENV_SCENARIOS.map(([vars, names]): RecordedVectors['GO_ENV'][number] => {
      const rooted = Object.fromEntries(Object.entries(vars).map(([k, v]) =>
        [k, GO_ENV_PATH_VARS.includes(k) ? v.split(':').map((p) => (p.startsWith('/') ? envRoot + p : p)).join(':') : v]));
      const g = run(goBin, ['env', '-json', ...names], { cwd: envRoot, env: { PATH: '/usr/bin:/bin', ...rooted } });
      if (g.status !== 0) throw new Error(`go env ${JSON.stringify(vars)} failed (${g.status}): ${g.stderr}`);
      return [{ ...vars }, JSON.parse(g.stdout.replaceAll(envRoot, '')) as Record<string, string>];
    });
    const vectors: RecordedVectors = { recordedBy: RECORDED_BY, ...lib, go: version, HTTP_PROXY: HTTP_PROXY_ROWS, GODEBUG, GOFLAGS: GOFLAGS_ROWS, GO_ENV };

    const t = run(bin, ['tlog'], { cwd: prog });
    if (t.status !== 0) throw new Error(`the recorder's tlog failed (${t.status}): ${t.stderr}`);
    const tlogOut = JSON.parse(t.stdout) as Record<string, unknown>;
    if (tlogOut['go'] !== version) throw new Error(`the tlog recorder ran as ${String(tlogOut['go'])}, not ${version}`);
    const tlog = { recordedBy: TLOG_RECORDED_BY, ...tlogOut, go: version } as unknown as RecordedTlogVectors;

    const toolchain: RecordedToolchainVectors = { recordedBy: TOOLCHAIN_RECORDED_BY, go: version, cases: await recordToolchainVectors(goBin, version) };

    const trustBase = join(work, 'trust');
    mkdirSync(trustBase);
    const fx = buildTrustFixtures(trustBase);
    const nameOfCN = new Map(Object.entries(fx.certs).map(([name, c]) => [name.toUpperCase(), name]));
    const layouts: RecordedTrustVectors['layouts'] = {};
    for (const l of fx.layouts) {
      const vars: Record<string, string> = {};
      if (l.sslCertFile !== undefined) vars['SSL_CERT_FILE'] = l.sslCertFile;
      if (l.sslCertDir !== undefined) vars['SSL_CERT_DIR'] = l.sslCertDir;
      const p = run(bin, ['truststore'], { cwd: prog, env: env(vars), input: fx.certs.probe.certPem });
      if (p.status !== 0) throw new Error(`the recorder's truststore failed (${p.status}): ${p.stderr}`);
      const got = JSON.parse(p.stdout) as { certs: string[]; error: string | null };
      layouts[l.name] = {
        certs: got.certs.map((cn) => nameOfCN.get(cn.toUpperCase()) ?? `unknown certificate ${cn}`),
        error: got.error === null ? null : got.error.replaceAll(trustBase, '$B'),
      };
    }
    const trust: RecordedTrustVectors = { recordedBy: TRUST_RECORDED_BY, go: version, layouts };

    const chains = join(work, 'x509');
    writeX509Scenarios(chains, x509Scenarios());
    const xv = run(bin, ['x509', chains], { cwd: prog });
    if (xv.status !== 0) throw new Error(`the recorder's x509 failed (${xv.status}): ${xv.stderr}`);
    const parseInput = {
      parse: Object.fromEntries(Object.entries(parseCases()).map(([name, der]) => [name, der.toString('base64')])),
      hostname: HOSTNAME_CASES.map((c) => ({ der: selfSignedCA({ commonName: c.cn, sans: [...c.sans], isCA: false }).der.toString('base64'), hosts: c.hosts })),
      parseIP: PARSE_IP_INPUTS,
    };
    const xp = run(bin, ['x509parse'], { cwd: prog, input: JSON.stringify(parseInput) });
    if (xp.status !== 0) throw new Error(`the recorder's x509parse failed (${xp.status}): ${xp.stderr}`);
    const parsed = JSON.parse(xp.stdout) as { parse: RecordedX509Vectors['parse']; subject: RecordedX509Vectors['subject']; hostname: [string, string][][]; parseIP: RecordedX509Vectors['parseIP'] };
    const x509: RecordedX509Vectors = {
      recordedBy: X509_RECORDED_BY,
      go: version,
      verdicts: JSON.parse(xv.stdout) as Record<string, string>,
      parse: parsed.parse,
      subject: parsed.subject,
      hostname: HOSTNAME_CASES.map((c, i) => ({ sans: [...c.sans], cn: c.cn, checks: parsed.hostname[i]! })),
      parseIP: parsed.parseIP,
    };

    const rel = (abs: string): string => relative(REPO_ROOT, abs);
    return [
      { path: rel(join(TRUST_VECTORS_DIR, `truststore-go1.${minor}.json`)), text: `${JSON.stringify(trust, null, 1)}\n` },
      { path: rel(join(TRUST_VECTORS_DIR, `x509-go1.${minor}.json`)), text: `${JSON.stringify(x509, null, 1)}\n` },
      { path: rel(join(VECTORS_DIR, `toolchain-go1.${minor}.json`)), text: `${JSON.stringify(toolchain, null, 1)}\n` },
      { path: rel(join(VECTORS_DIR, `go1.${minor}.json`)), text: `${JSON.stringify(vectors, null, 1)}\n` },
      { path: rel(join(TLOG_VECTORS_DIR, `tlog-go1.${minor}.json`)), text: `${JSON.stringify(tlog, null, 1)}\n` },
    ];
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `--go PATH` (repeatable; bare paths too) and `--out DIR`. */
function parseArgs(argv: readonly string[]): { goBins: string[]; out: string } {
  const goBins: string[] = [];
  let out = REPO_ROOT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (flag: string): string => {
      const v = argv[++i];
      if (!v) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (a === '--go') goBins.push(value(a));
    else if (a.startsWith('--go=')) goBins.push(a.slice(5));
    else if (a === '--out') out = resolve(value(a));
    else if (a.startsWith('--out=')) out = resolve(a.slice(6));
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else goBins.push(a);
  }
  return { goBins, out };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { goBins, out } = parseArgs(process.argv.slice(2));
  if (goBins.length === 0) {
    process.stderr.write('usage: npm run record-vectors -- --go /path/to/go [--go /path/to/another/go ...] [--out DIR]\n');
    process.exit(2);
  }
  for (const goBin of goBins) {
    for (const r of await record(goBin)) {
      const file = join(out, r.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, r.text);
      process.stdout.write(`${goBin}: ${file}\n`);
    }
  }
}
