// Bundles the CLI into one self-contained ESM file so the runtime image needs no node_modules.
//
// Start-up is part of every build pod's start, and V8 compiles a whole module before running any of
// it: a single 700 KB bundle took ~25 ms more than `node -e 0` just to print --version. So the part
// cli.ts loads lazily (the pipeline: stages, undici, pino, reports, the demo) is bundled on its own and
// embedded as a string, compiled only when a probe or the demo runs; and Node built-ins are required
// where they are first used instead of imported at the top (an ESM import of node:tls loads TLS,
// crypto and net before the first line runs).
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { brotliCompressSync, constants as zlibConstants } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
/** The entry: runs the CLI whatever the bundle's file name (src/main.ts). */
const ENTRY = 'src/main.ts';
const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const SRC = fileURLToPath(new URL('../src', import.meta.url));
/** What cli.ts imports lazily, and the one export it takes from each. */
const LAZY = { './run.js': 'probeOnce', './demo.js': 'runDemo', './serve/serve.js': 'runServe' };

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20.18',
  define: { __GOMODPROBE_VERSION__: JSON.stringify(pkg.version) },
  legalComments: 'none',
  // Smaller source compiles faster.
  minify: true,
  keepNames: true,
  sourcemap: false,
  logLevel: 'warning',
};

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

/** Node built-ins as CommonJS shims: required when the importing module first runs, not at start-up. */
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      // The shim's own require() is the real one (left external by esbuild).
      if (!builtinModules.includes(name) || args.namespace === 'lazy-builtin') return undefined;
      return { path: name, namespace: 'lazy-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`, loader: 'js' }));
  },
};

/**
 * cli.ts's lazy imports become views of the pipeline, compiled on first use. The pipeline is stored
 * brotli-compressed (base64): every start reads and scans the string, --version included, and 260 KB
 * scan faster than 720 KB; unpacking costs a probe run ~2 ms.
 */
function lazyPipeline(code) {
  const packed = brotliCompressSync(Buffer.from(code, 'utf8'), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 11 } }).toString('base64');
  return {
    name: 'lazy-pipeline',
    setup(b) {
      b.onResolve({ filter: /^\.\/.*\.js$/ }, (args) => {
        if (args.importer !== CLI || args.kind !== 'dynamic-import' || !(args.path in LAZY)) return undefined;
        return { path: args.path, namespace: 'gmp-lazy' };
      });
      b.onLoad({ filter: /.*/, namespace: 'gmp-lazy' }, (args) => ({
        contents: `import { pipeline } from 'gmp-pipeline';\nexport const ${LAZY[args.path]} = pipeline().${LAZY[args.path]};\n`,
        loader: 'js',
        resolveDir: 'src',
      }));
      b.onResolve({ filter: /^gmp-pipeline$/ }, () => ({ path: 'pipeline', namespace: 'gmp-pipeline' }));
      b.onLoad({ filter: /.*/, namespace: 'gmp-pipeline' }, () => ({
        contents: `import { compileFunction } from 'node:vm';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
const PACKED = ${JSON.stringify(packed)};
let loaded;
export function pipeline() {
  if (loaded === undefined) {
    const filename = fileURLToPath(import.meta.url);
    const module = { exports: {} };
    const source = brotliDecompressSync(Buffer.from(PACKED, 'base64')).toString('utf8');
    const run = compileFunction(source, ['exports', 'require', 'module', '__filename', '__dirname'], { filename: filename + '#pipeline' });
    run(module.exports, require, module, filename, dirname(filename));
    loaded = module.exports;
  }
  return loaded;
}
`,
        loader: 'js',
        resolveDir: 'src',
      }));
    },
  };
}

// 1. The pipeline, as CommonJS text evaluated with the entry's require.
const pipeline = await build({
  ...common,
  stdin: {
    contents: Object.entries(LAZY).map(([path, name]) => `export { ${name} } from ${JSON.stringify(path)};`).join('\n'),
    resolveDir: 'src',
    sourcefile: 'pipeline.ts',
    loader: 'ts',
  },
  format: 'cjs',
  write: false,
  plugins: [noEntryInPipeline],
});
const code = pipeline.outputFiles[0].text;
if (/\bimport\(/.test(code)) throw new Error('the pipeline bundle has a dynamic import(), which code compiled from a string cannot run');

// 2. The entry: main.ts and cli.ts, the flags and --help, and the pipeline string.
await build({
  ...common,
  entryPoints: [ENTRY],
  outfile: 'dist/gomodprobe.mjs',
  format: 'esm',
  // CommonJS dependencies (undici, pino) call require() on Node built-ins: give the ESM bundle a real one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __gmpCreateRequire } from 'node:module';\nconst require = __gmpCreateRequire(import.meta.url);",
  },
  splitting: false,
  plugins: [lazyPipeline(code), lazyBuiltins],
});
chmodSync('dist/gomodprobe.mjs', 0o755);
