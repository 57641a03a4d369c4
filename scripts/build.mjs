// Bundles the CLI into one self-contained ESM file so the runtime image needs no node_modules, with
// source maps and a CycloneDX SBOM beside it:
//
//   dist/gomodprobe.mjs             the bundle (the only file the image needs)
//   dist/gomodprobe.mjs.map         source map of the entry part
//   dist/gomodprobe.<unit>.js.map   source map of each lazily compiled unit (pipeline, undici)
//   dist/gomodprobe.cdx.json        CycloneDX SBOM of what is bundled (@cyclonedx/cyclonedx-esbuild)
//   dist/gomodprobe.<unit>.v8cache  V8 code cache of a unit (pipeline, undici), made by training runs of
//                                   the bundle with this node (or GMP_BUILD_TRAINING_NODE) and the
//                                   image's node flags (see the end)
//
// Start-up is part of every build pod's start, and V8 parses a whole module before running any of it:
// one ESM bundle of everything took ~75 ms more than `node -e 0` to print --version (measured, Node 20,
// 2 cores). So the code cli.ts imports lazily (the pipeline: stages, pino, reports, the demo, serve) is
// bundled on its own and embedded as a string, compiled with vm.compileFunction only when a probe, the
// demo or serve runs; undici (a third of the pipeline) is a unit of its own, compiled only when the
// first HTTP request is made, so a run without network hops never parses it. Node built-ins are
// required where they are first used instead of imported at the top (an ESM import of node:tls loads
// TLS, crypto and net before the first line runs).
//
// Readable once unpacked: identifiers, syntax and comments-free code as esbuild prints them, only whitespace
// removed inside the units; names kept. Each unit is stored brotli-compressed (base64): V8 scans the
// whole bundle at every start, and the units as text were ~1.3 MB of escaped string (callgrind, Node 20
// with the image's flags: --version 217M -> 196M instructions packed, a no-network run 742M -> 643M,
// unpacking the pipeline included). A stack frame in a unit reads `…/gomodprobe.mjs#pipeline:L:C`
// and src/stack.ts maps it to src/ with that unit's map (Node's --enable-source-maps cannot: it ignores
// code compiled by vm.compileFunction on Node 20, and costs ~65 ms at start-up when on).
//
// Compiling the pipeline unit from source cost ~40 ms of a ~250 ms no-network run (the image's flags,
// Node 20), and a run that reaches the network compiles much of undici and the pipeline's inner functions
// lazily on top. So each unit is compiled as a vm.Script (a function expression whose body starts on its
// second line, lineOffset -1: frames keep the unit's own line numbers) with the V8 code cache found
// beside the bundle, gomodprobe.<unit>.v8cache: a header line naming the unit and its source's SHA-256
// and length, the unit's source (so an accepted cache also saves unpacking the string), V8's data. The
// build makes the caches by running the bundle (a no-network run, then the demo) with the hidden switch
// GMP_BUILD_WRITE_CODE_CACHE=DIR, which writes script.createCachedData() of every unit compiled at exit
// (the functions the runs compiled, not only the top level). A cache from another build (header), another
// V8 or other V8 flags (V8's own check: cachedDataRejected) is not used: the unit compiles from source,
// and report.json's runtime.codeCache says what happened (src/runtime.ts).
import { build } from 'esbuild';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { createHash } from 'node:crypto';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The entry: runs the CLI whatever the bundle's file name (src/main.ts). */
const ENTRY = 'src/main.ts';
const SBOM = 'dist/gomodprobe.cdx.json';
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SRC = fileURLToPath(new URL('../src', import.meta.url));
/** What cli.ts imports lazily, and the one export it takes from each. */
const LAZY = { './run.js': 'probeOnce', './demo.js': 'runDemo', './serve/serve.js': 'runServe' };
/** Modules the pipeline imports dynamically that become units of their own: specifier -> unit name. */
const UNITS = {
  'undici/lib/dispatcher/agent.js': 'undici',
  // The ssh transport of the git hop (src/net/gitssh.ts): compiled only when a repository is reached over ssh.
  'ssh2/lib/client.js': 'ssh2',
  'ssh2/lib/protocol/keyParser.js': 'ssh2keys',
};
/** The parameters every unit is compiled with: CommonJS's, and the loader of other units. */
const UNIT_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__gmpUnit'];
/** The node flags of the image's ENTRYPOINT (test/ship/dockerfile.test.ts checks that the Dockerfile says the same). */
const IMAGE_NODE_FLAGS = JSON.parse(readFileSync(new URL('./image-node-flags.json', import.meta.url), 'utf8'));
/** The hidden switch of the training runs (not GOMODPROBE_*: the CLI refuses unknown variables of its own), the bundle writes its units' code caches into this directory at exit. */
const WRITE_CACHE_ENV = 'GMP_BUILD_WRITE_CODE_CACHE';
/**
 * The node the training runs use: this one, or the one GMP_BUILD_TRAINING_NODE names (the Dockerfile's build
 * stage names the runtime image's node, whose V8 version the caches must match).
 */
const TRAINING_NODE = process.env.GMP_BUILD_TRAINING_NODE || process.execPath;
/** The largest cache file the bundle reads (the pipeline's is a few MB). */
const CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** A cache file's first line: the unit, its source's SHA-256 and byte length, so that a cache is used only with the exact source it was made from. */
const cacheHeader = (u) => `gomodprobe-v8cache 2 ${u.name} ${createHash('sha256').update(u.code).digest('hex')} ${Buffer.byteLength(u.code)}\n`;

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.18',
  define: { __GOMODPROBE_VERSION__: JSON.stringify(pkg.version) },
  legalComments: 'none',
  keepNames: true,
  sourcemap: 'external',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};
/** Inside the units: whitespace only (see the top). */
const unitMinify = { minifyWhitespace: true, minifyIdentifiers: false, minifySyntax: false };

/** The pipeline never imports cli.ts or main.ts: a copy of the entry inside it would be a second CLI. */
const noEntryInPipeline = {
  name: 'no-entry-in-pipeline',
  setup(b) {
    b.onResolve({ filter: /(^|\/)(cli|main)\.js$/ }, (args) => {
      if (args.resolveDir !== SRC && !args.resolveDir.startsWith(`${SRC}/`)) return undefined;
      throw new Error(`${args.importer} imports ${args.path}: the pipeline must not import the entry (src/run.ts holds what it shares)`);
    });
  },
};

/** A dynamic import of a unit's module becomes a call of the unit loader, when the import runs. */
const unitImports = {
  name: 'unit-imports',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (args) => (args.path in UNITS && args.kind === 'dynamic-import' ? { path: UNITS[args.path], namespace: 'gmp-unit' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'gmp-unit' }, (args) => ({ contents: `module.exports = __gmpUnit(${JSON.stringify(args.path)});`, loader: 'js' }));
  },
};

/**
 * ssh2's optional native parts (its sshcrypto.node ciphers and cpu-features) are left out: ssh2 requires
 * them inside try/catch and uses Node's crypto without them, so the bundle is the same pure JavaScript
 * whether or not npm built them on the machine that made it. The probe's ssh client never opens an SFTP
 * channel: SFTP.js (114 KB; client.js only names the class) stays out too.
 */
const sshClientOnly = {
  name: 'ssh-client-only',
  setup(b) {
    b.onResolve({ filter: /\.node$|^cpu-features$/ }, (args) => ({ path: args.path, namespace: 'no-native-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'no-native-addon' }, (args) => ({ contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled`)});`, loader: 'js' }));
    b.onResolve({ filter: /\/SFTP\.js$/ }, (args) => (args.resolveDir.includes('/ssh2/') ? { path: 'SFTP', namespace: 'no-sftp' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-sftp' }, () => ({ contents: 'class SFTP { constructor() { throw new Error("SFTP is not bundled"); } }\nmodule.exports = { SFTP };', loader: 'js' }));
  },
};

/**
 * Node built-ins imported by the project's own modules (src/, and the unit loader) are shims. The ones in
 * LAZY_BUILTINS load when first used, not when the importing module is initialised: the pipeline unit
 * initialises every module it holds, and a run without network hops would otherwise load TLS, crypto,
 * dgram, net and child_process for nothing (measured with callgrind, Node 20 with the image's flags, where
 * each built-in is compiled without Node's code cache: crypto alone ~55M instructions). Their shim is an
 * object of getters, one per export, that requires the built-in on the first read. The others (loaded by
 * Node's start-up anyway, or a function such as events) are required at once. Dependencies (CommonJS)
 * require the real module, unchanged.
 */
const nodeRequire = createRequire(import.meta.url);
const LAZY_BUILTINS = new Set(['child_process', 'cluster', 'crypto', 'dgram', 'dns', 'http', 'http2', 'https', 'net', 'tls', 'zlib']);
function builtinShim(name) {
  const load = `require(${JSON.stringify(`node:${name}`)})`;
  if (!LAZY_BUILTINS.has(name)) return `module.exports = ${load};`;
  const real = nodeRequire(`node:${name}`);
  const keys = Object.getOwnPropertyNames(real);
  const hidden = keys.filter((k) => !Object.getOwnPropertyDescriptor(real, k).enumerable);
  return [
    'let real;',
    `const load = () => (real ??= ${load});`,
    `const hidden = new Set(${JSON.stringify(hidden)});`,
    'module.exports = {};',
    `for (const key of ${JSON.stringify(keys)}) Object.defineProperty(module.exports, key, { get: () => load()[key], enumerable: !hidden.has(key) });`,
  ].join('\n');
}
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z0-9_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      // The shim's own require() is the real one (left external by esbuild).
      if (!builtinModules.includes(name) || args.namespace === 'lazy-builtin') return undefined;
      const own = args.namespace === 'gmp-units' || args.importer === SRC || args.importer.startsWith(`${SRC}/`);
      return own ? { path: name, namespace: 'lazy-builtin' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: builtinShim(args.path), loader: 'js' }));
  },
};

/** One unit: CommonJS text evaluated with the entry's require, and its source map. */
async function buildUnit(name, stdin, plugins) {
  const r = await build({
    ...common,
    ...unitMinify,
    stdin: { ...stdin, resolveDir: 'src', loader: 'ts' },
    outfile: `dist/gomodprobe.${name}.js`,
    format: 'cjs',
    write: false,
    plugins,
  });
  const code = r.outputFiles.find((f) => f.path.endsWith('.js')).text.replace(/\n\/\/# sourceMappingURL=\S+\n?$/, '\n');
  const map = r.outputFiles.find((f) => f.path.endsWith('.js.map')).text;
  // Code compiled from a string cannot import(): every dynamic import must have become a require or a unit.
  if (/\bimport\(/.test(code.replace(/\/\*[\s\S]*?\*\//g, ''))) throw new Error(`unit ${name} has a dynamic import(), which code compiled from a string cannot run`);
  return { name, code, map, metafile: r.metafile };
}

const units = [
  await buildUnit(
    'pipeline',
    // Each command's modules are initialised when the command first runs (esbuild turns a bundled dynamic
    // import into a call of the module's init): a probe run does not initialise serve (prom-client, with
    // node's http and https) or the demo's lab servers, which share the unit.
    {
      contents: Object.entries(LAZY)
        .map(([path, name]) => `export const ${name} = async (...args) => (await import(${JSON.stringify(path)})).${name}(...args);`)
        .join('\n'),
      sourcefile: 'pipeline.ts',
    },
    [noEntryInPipeline, unitImports, lazyBuiltins],
  ),
  ...(await Promise.all(
    Object.entries(UNITS).map(([specifier, name]) => buildUnit(name, { contents: `module.exports = require(${JSON.stringify(specifier)});`, sourcefile: `${name}.ts` }, [sshClientOnly])),
  )),
];

/** cli.ts's lazy imports become views of the pipeline unit; units are compiled on first use. */
const lazyPipeline = {
  name: 'lazy-pipeline',
  setup(b) {
    b.onResolve({ filter: /^\.\/.*\.js$/ }, (args) => {
      if (args.importer !== CLI || args.kind !== 'dynamic-import' || !(args.path in LAZY)) return undefined;
      return { path: args.path, namespace: 'gmp-lazy' };
    });
    b.onLoad({ filter: /.*/, namespace: 'gmp-lazy' }, (args) => ({
      contents: `import { unit } from 'gmp-units';\nexport const ${LAZY[args.path]} = unit('pipeline').${LAZY[args.path]};\n`,
      loader: 'js',
      resolveDir: 'src',
    }));
    b.onResolve({ filter: /^gmp-units$/ }, () => ({ path: 'units', namespace: 'gmp-units' }));
    b.onLoad({ filter: /.*/, namespace: 'gmp-units' }, () => ({
      contents: `import { Script } from 'node:vm';
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { basename, dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
// Each unit's code, CommonJS, brotli-compressed (base64), unpacked and compiled on first use
// (scripts/build.mjs); its source map is dist/gomodprobe.<unit>.js.map, its V8 code cache
// dist/gomodprobe.<unit>.v8cache, and its stack frames read <bundle>#<unit>:line:column (src/stack.ts).
const SOURCES = {
${units.map((u) => `  ${JSON.stringify(u.name)}: ${JSON.stringify(brotliCompressSync(Buffer.from(u.code, 'utf8'), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).toString('base64'))},`).join('\n')}
};
/**
 * A unit's cache file: this first line (the unit, its source's SHA-256 and length in bytes), the unit's
 * source (UTF-8), then V8's data. The header is compared, never computed: a cache is
 * used only with the bundle it was made for, and its source saves unpacking the unit's string.
 */
const CACHE_HEADERS = {
${units.map((u) => `  ${JSON.stringify(u.name)}: ${JSON.stringify(cacheHeader(u))},`).join('\n')}
};
const CACHE_MAX_BYTES = ${CACHE_MAX_BYTES};
/** Set by the build's training runs only: the directory the caches are written to at exit. */
const writeTo = process.env[${JSON.stringify(WRITE_CACHE_ENV)}];
const loaded = new Map();
const trained = new Map();
/** Per unit compiled: what became of its cache (absent, stale, rejected, accepted), its size and the time to read and compile it. */
const codeCache = {};
export function unit(name) {
  let exports = loaded.get(name);
  if (exports === undefined) {
    const t0 = performance.now();
    const filename = fileURLToPath(import.meta.url);
    const module = { exports: {} };
    const cache = readCache(join(dirname(filename), basename(filename, '.mjs') + '.' + name + '.v8cache'), CACHE_HEADERS[name]);
    const code = cache.source ?? brotliDecompressSync(Buffer.from(SOURCES[name], 'base64')).toString('utf8');
    // A function expression whose body starts on the second line: lineOffset -1 keeps the unit's own line numbers.
    const script = new Script('(function (${UNIT_PARAMS.join(', ')}) {\\n' + code + '\\n})', { filename: filename + '#' + name, lineOffset: -1, cachedData: cache.data });
    const run = script.runInThisContext();
    codeCache[name] = { cache: cache.data === undefined ? cache.state : script.cachedDataRejected ? 'rejected' : 'accepted', bytes: cache.bytes, ms: Math.round((performance.now() - t0) * 10) / 10 };
    if (writeTo !== undefined) {
      if (trained.size === 0) process.on('exit', writeCaches);
      trained.set(name, { script, code });
    }
    run(module.exports, require, module, filename, dirname(filename), unit);
    exports = module.exports;
    loaded.set(name, exports);
  }
  return exports;
}
/** What became of each unit's code cache so far (the pipeline reads it through its __gmpUnit parameter, src/runtime.ts). */
unit.codeCache = () => ({ ...codeCache });
/** The unit's source and V8 data from its cache file when the file was made for this bundle; else why not (absent: no file; stale: another build's, cut short, or no regular file of at most CACHE_MAX_BYTES). */
function readCache(file, header) {
  let fd;
  try {
    // Non-blocking: a FIFO in its place must not hang the run (fstat then finds it is no file).
    fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch {
    return { state: 'absent', bytes: 0 };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > CACHE_MAX_BYTES) return { state: 'stale', bytes: st.size };
    const buf = Buffer.allocUnsafe(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    const head = Buffer.from(header, 'latin1');
    const end = head.length + Number(header.slice(header.lastIndexOf(' ') + 1));
    if (off < end || !buf.subarray(0, head.length).equals(head)) return { state: 'stale', bytes: off };
    return { state: 'read', bytes: off, source: buf.toString('utf8', head.length, end), data: buf.subarray(end, off) };
  } catch {
    return { state: 'absent', bytes: 0 };
  } finally {
    closeSync(fd);
  }
}
/** The training runs' exit: every unit compiled, with the functions the run compiled, into writeTo. */
function writeCaches() {
  for (const [name, { script, code }] of trained) {
    writeFileSync(join(writeTo, 'gomodprobe.' + name + '.v8cache'), Buffer.concat([Buffer.from(CACHE_HEADERS[name], 'latin1'), Buffer.from(code, 'utf8'), script.createCachedData()]));
  }
}
`,
      loader: 'js',
      resolveDir: 'src',
    }));
  },
};

// The entry: main.ts and cli.ts, the flags and --help, and the units' strings. Not minified at all.
const entry = await build({
  ...common,
  entryPoints: [ENTRY],
  outfile: 'dist/gomodprobe.mjs',
  format: 'esm',
  // CommonJS dependencies (undici, pino) call require() on Node built-ins: give the ESM bundle a real one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __gmpCreateRequire } from 'node:module';\nconst require = __gmpCreateRequire(import.meta.url);",
  },
  splitting: false,
  plugins: [lazyPipeline, lazyBuiltins],
});
chmodSync('dist/gomodprobe.mjs', 0o755);
for (const u of units) writeFileSync(`dist/gomodprobe.${u.name}.js.map`, u.map);

// The SBOM, by CycloneDX's esbuild tool, from the metafiles of every part: the npm packages (name,
// version, purl, licence) whose code is in the bundle, not the whole lockfile (test/ship/sbom.test.ts
// compares it with package-lock.json).
const metafile = { inputs: {}, outputs: {} };
/** Files on disk only: the plugins' virtual modules (namespace:path) and the units' stdin are no components. */
const isFile = (path) => !/^[a-z-]+:/.test(path) && existsSync(join(ROOT, path));
for (const m of [entry.metafile, ...units.map((u) => u.metafile)]) {
  for (const [path, input] of Object.entries(m.inputs)) if (isFile(path)) metafile.inputs[path] = { ...input, imports: input.imports.filter((i) => isFile(i.path)) };
  for (const [path, output] of Object.entries(m.outputs)) {
    metafile.outputs[path] = { ...output, inputs: Object.fromEntries(Object.entries(output.inputs).filter(([p]) => isFile(p))) };
  }
}
const work = mkdtempSync(join(tmpdir(), 'gmp-build-'));
try {
  const metaPath = join(work, 'metafile.json');
  writeFileSync(metaPath, JSON.stringify(metafile));
  // The package exports only its plugin (one build's metafile); its CLI takes the merged metafile.
  const cli = join(dirname(createRequire(import.meta.url).resolve('@cyclonedx/cyclonedx-esbuild')), '..', 'bin', 'cyclonedx-esbuild-cli.js');
  mkdirSync('dist', { recursive: true });
  execFileSync(process.execPath, [cli, '--build-working-dir', ROOT, '--spec-version', '1.6', '--output-reproducible', '--mc-type', 'application', '--output-file', SBOM, metaPath], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, BOM_REPRODUCIBLE: '1' },
  });
} finally {
  rmSync(work, { recursive: true, force: true });
}
// The units' V8 code caches, made by the bundle itself: runs with TRAINING_NODE and the image's node flags
// (V8 accepts a cache only from its own version and flags), the hidden switch set, that write at exit what
// each unit compiled. A run without network hops first, then the demo (a healthy and a broken probe of
// the lab target on loopback: DNS, TLS, the proxy, the checksum database, the redirect), which starts
// from the first run's cache and adds what it compiled.
for (const f of readdirSync('dist')) if (f.endsWith('.v8cache')) rmSync(join('dist', f));
const train = mkdtempSync(join(tmpdir(), 'gmp-train-'));
const t0 = performance.now();
try {
  const runs = [
    { args: ['--module', 'example.com/m@v1.0.0', '--report-dir', join(train, 'offline'), '--format', 'json'], exit: 13 },
    { args: ['demo', '--report-dir', join(train, 'demo'), '--format', 'json'], exit: 0 },
  ];
  for (const run of runs) {
    const r = spawnSync(TRAINING_NODE, [...IMAGE_NODE_FLAGS, join(ROOT, 'dist', 'gomodprobe.mjs'), ...run.args], {
      cwd: train,
      encoding: 'utf8',
      timeout: 120_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: train, GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '', [WRITE_CACHE_ENV]: join(ROOT, 'dist') },
    });
    if (r.status !== run.exit) throw new Error(`the code cache's training run ${run.args.join(' ')} exited ${r.status ?? r.signal} (expected ${run.exit}): ${r.stderr}${r.stdout.slice(-2000)}`);
  }
} finally {
  rmSync(train, { recursive: true, force: true });
}
const caches = readdirSync('dist').filter((f) => f.endsWith('.v8cache')).sort();
process.stderr.write(`build: dist/gomodprobe.mjs, ${units.map((u) => `dist/gomodprobe.${u.name}.js.map`).join(', ')}, ${SBOM}, ${caches.map((f) => `dist/${f}`).join(', ')} (code caches by ${TRAINING_NODE === process.execPath ? 'this node' : TRAINING_NODE}: ${Math.round(performance.now() - t0)} ms)\n`);
