// Records the go vectors of one go version: `npm run record-vectors -- /path/to/go` (or `npx tsx
// test/vectors/record.ts /path/to/go`) writes test/unit/goenv/vectors/go1.<minor>.json, which
// test/unit/goenv/go-versions.test.ts compares the probe's ports with, under that version's rules.
//
//   - standard library answers (url.Parse, url.PathEscape, strconv.Quote, path.Match) from
//     test/vectors/record/main.go, run by that go in a module whose go line is that go's;
//   - GODEBUG at start-up: `GODEBUG=<value> go version`, exit status and the fatal line (runtime);
//   - GOFLAGS: `go mod download` with GOPROXY=off in an empty module, go's GOFLAGS error or null.
//
// The inputs are those of the go 1.23 tables (go123-expected.ts) plus the ones that tell versions apart.
// Nothing reaches the network: GOPROXY=off, GOTOOLCHAIN=local, a fresh HOME, GOCACHE and GOPATH.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GOFLAGS, PATH_ESCAPE, PATH_MATCH, QUOTE, URL_PARSE } from '../unit/goenv/go123-expected.js';

const HERE = dirname(fileURLToPath(import.meta.url));
export const VECTORS_DIR = resolve(HERE, '..', 'unit', 'goenv', 'vectors');

/** URLs whose parse changed between versions (net/url: urlstrictcolons, go 1.26). */
const EXTRA_URLS = ['https://a:b:443/', 'https://proxy.example:8443:1/x', 'http://::1/', 'https://[::1]:443/', 'http://a:1:2', 'file://a:b:c/p', 'https://h:/x'];

/** GODEBUG values: removed settings at old and new values, and how the runtime reads the list. */
export const GODEBUG_INPUTS = [
  'tlskyber=0', 'tlskyber=1', 'x509sha1=1', 'x509sha1=0', 'asynctimerchan=1', 'asynctimerchan=2', 'asynctimerchan=0',
  'tls3des=1', 'tlsrsakex=1', 'tls10server=1', 'tlsunsafeekm=1', 'gotypesalias=0', 'x509keypairleaf=0',
  'http2client=0,tlskyber=0', 'foo,tlskyber=0', 'tlskyber=0 ', ' tlskyber=0', 'tlskyber=0,tlskyber=1', 'http2client=0', 'tlsmlkem=0',
];

export interface RecordedVectors {
  readonly go: string;
  readonly URL_PARSE: (typeof URL_PARSE)[number][];
  readonly PATH_ESCAPE: (typeof PATH_ESCAPE)[number][];
  readonly QUOTE: (typeof QUOTE)[number][];
  readonly PATH_MATCH: (typeof PATH_MATCH)[number][];
  /** GODEBUG value -> exit status of `go version`, and the fatal line when it exits 2. */
  readonly GODEBUG: [value: string, exitStatus: number, fatal: string | null][];
  /** GOFLAGS value -> go's GOFLAGS error (null: accepted) and exit status. */
  readonly GOFLAGS: [value: string, error: string | null, exitStatus: number][];
}

function record(goBin: string): { minor: number; vectors: RecordedVectors } {
  const work = mkdtempSync(join(tmpdir(), 'gmp-vectors-'));
  try {
    const env = (extra: Record<string, string> = {}): Record<string, string> => ({
      PATH: '/usr/bin:/bin', HOME: join(work, 'home'), GOPATH: join(work, 'gopath'), GOCACHE: join(work, 'cache'), GOENV: 'off',
      GOTOOLCHAIN: 'local', GOPROXY: 'off', GOSUMDB: 'off', GOTELEMETRY: 'off', GOFLAGS: '', ...extra,
    });
    const run = (args: string[], opts: { cwd?: string; input?: string; env?: Record<string, string> } = {}) =>
      spawnSync(goBin, args, { cwd: opts.cwd ?? work, input: opts.input ?? '', env: opts.env ?? env(), encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });

    const version = run(['env', 'GOVERSION']).stdout.trim();
    const m = /^go1\.(\d+)/.exec(version);
    if (!m) throw new Error(`${goBin}: cannot read its version (${version})`);
    const minor = Number(m[1]);

    const prog = join(work, 'prog');
    mkdirSync(prog, { recursive: true });
    copyFileSync(join(HERE, 'record', 'main.go'), join(prog, 'main.go'));
    writeFileSync(join(prog, 'go.mod'), `module gomodprobe.vectors\n\ngo 1.${minor}\n`);
    const input = {
      urlParse: [...URL_PARSE.map((r) => r[0]), ...EXTRA_URLS],
      pathEscape: PATH_ESCAPE.map((r) => r[0]),
      quote: QUOTE.map((r) => r[0]),
      pathMatch: PATH_MATCH.map((r) => [r[0], r[1]]),
    };
    const r = run(['run', '.'], { cwd: prog, input: JSON.stringify(input) });
    if (r.status !== 0) throw new Error(`go run of the recorder failed (${r.status}): ${r.stderr}`);
    const lib = JSON.parse(r.stdout) as Omit<RecordedVectors, 'GODEBUG' | 'GOFLAGS'>;

    const GODEBUG = GODEBUG_INPUTS.map((value): [string, number, string | null] => {
      const g = run(['version'], { env: env({ GODEBUG: value }) });
      const fatal = g.stderr.split('\n').find((l) => l.startsWith('fatal error: ')) ?? null;
      return [value, g.status ?? -1, fatal];
    });

    const mod = join(work, 'mod');
    mkdirSync(mod, { recursive: true });
    // A requirement go cannot fetch (GOPROXY=off): an accepted GOFLAGS ends in that error, exit status 1.
    writeFileSync(join(mod, 'go.mod'), 'module example.com/m\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n');
    const GOFLAGS_ROWS = GOFLAGS.map(([value]): [string, string | null, number] => {
      const g = run(['mod', 'download'], { cwd: mod, env: env({ GOFLAGS: value }) });
      const line = g.stderr.split('\n')[0] ?? '';
      return [value, /\$GOFLAGS/.test(line) ? line : null, g.status ?? -1];
    });
    return { minor, vectors: { ...lib, go: version, GODEBUG, GOFLAGS: GOFLAGS_ROWS } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const goBins = process.argv.slice(2);
  if (goBins.length === 0) {
    process.stderr.write('usage: npm run record-vectors -- /path/to/go [/path/to/another/go ...]\n');
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
