// Bundles the CLI into one self-contained ESM file so the runtime image needs no node_modules.
import { build } from 'esbuild';
import { readFileSync, chmodSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/gomodprobe.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.18',
  // CommonJS dependencies (undici, pino) call require() on Node built-ins: give the ESM bundle a real one.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __gmpCreateRequire } from 'node:module';\nconst require = __gmpCreateRequire(import.meta.url);",
  },
  define: { __GOMODPROBE_VERSION__: JSON.stringify(pkg.version) },
  splitting: false,
  legalComments: 'none',
  // Smaller source compiles faster: start-up is part of every build pod's start.
  minify: true,
  keepNames: true,
  sourcemap: false,
  logLevel: 'warning',
});
chmodSync('dist/gomodprobe.mjs', 0o755);
