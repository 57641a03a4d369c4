// Bundles the CLI into one self-contained ESM file so the runtime image needs no node_modules, with
// source maps and a CycloneDX SBOM beside it:
//
//   dist/gomodprobe.mjs             the bundle (the only file the image needs)
//   dist/gomodprobe.mjs.map         source map of the entry part
//   dist/gomodprobe.<unit>.js.map   source map of each lazily compiled unit (pipeline, undici)
//   dist/gomodprobe.cdx.json        CycloneDX SBOM of what is bundled (@cyclonedx/cyclonedx-esbuild)
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
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';

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
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
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
      contents: `import { compileFunction } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
// Each unit's code, CommonJS, brotli-compressed (base64), unpacked and compiled on first use
// (scripts/build.mjs); its source map is
// dist/gomodprobe.<unit>.js.map, and its stack frames read <bundle>#<unit>:line:column (src/stack.ts).
const SOURCES = {
${units.map((u) => `  ${JSON.stringify(u.name)}: ${JSON.stringify(brotliCompressSync(Buffer.from(u.code, 'utf8'), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).toString('base64'))},`).join('\n')}
};
const loaded = new Map();
export function unit(name) {
  let exports = loaded.get(name);
  if (exports === undefined) {
    const filename = fileURLToPath(import.meta.url);
    const module = { exports: {} };
    const source = brotliDecompressSync(Buffer.from(SOURCES[name], 'base64')).toString('utf8');
    const run = compileFunction(source, ${JSON.stringify(UNIT_PARAMS)}, { filename: filename + '#' + name });
    run(module.exports, require, module, filename, dirname(filename), unit);
    exports = module.exports;
    loaded.set(name, exports);
  }
  return exports;
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
process.stderr.write(`build: dist/gomodprobe.mjs, ${units.map((u) => `dist/gomodprobe.${u.name}.js.map`).join(', ')}, ${SBOM}\n`);
