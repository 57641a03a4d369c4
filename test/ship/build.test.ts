// The honest build (scripts/build.mjs): dist/gomodprobe.mjs keeps the names of the code it holds, source
// maps beside it point into src/ and node_modules/, and a bug's one-line report names the place in
// src/ where it was thrown, read through those maps (src/stack.ts). `npm test` builds dist/ first.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_DIR } from './image-plan.js';

const DIST = join(REPO_DIR, 'dist');
const BUNDLE = join(DIST, 'gomodprobe.mjs');
/** The entry's map and one per lazily compiled unit (scripts/build.mjs UNITS), by unit name. */
const MAPS: Record<string, string> = {
  entry: `${BUNDLE}.map`,
  ...Object.fromEntries(
    readdirSync(DIST)
      .map((f) => /^gomodprobe\.([a-z0-9]+)\.js\.map$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, join(DIST, m[0])]),
  ),
};
const work = mkdtempSync(join(tmpdir(), 'gmp-build-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A bundle run without network hops (GOPROXY=off), its own HOME, one module preloaded with --import. */
function runOffline(preload: string, bundle: string, args: readonly string[] = []): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['--import', preload, bundle, '--module', 'example.com/m@v1.0.0', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: '/usr/bin:/bin', HOME: work, GOPROXY: 'off', GOSUMDB: 'off', GOFLAGS: '' },
  });
}

function sourcesOf(map: string): string[] {
  return (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources;
}

describe('the bundle', () => {
  it('has a source map beside it for the entry and for each lazily compiled unit, naming real files', () => {
    for (const [part, map] of Object.entries(MAPS)) {
      // Not files: the build's virtual modules (namespace:path) and each unit's generated entry (its stdin).
      const files = sourcesOf(map).filter((s) => !/^[a-z-]+:/.test(s) && !Object.keys(MAPS).some((unit) => s === `../src/${unit}.ts`));
      expect(files.length, part).toBeGreaterThan(0);
      for (const s of files) {
        expect(s, `${part}: ${s}`).toMatch(/^\.\.\/(src|node_modules)\//);
        // A package's own source map may name its TypeScript sources, which npm does not ship: its directory is there.
        const file = s.startsWith('../src/') ? s : /^\.\.\/node_modules\/(?:@[^/]+\/)?[^/]+/.exec(s)![0];
        expect(existsSync(join(DIST, file)), `${part}: ${s}`).toBe(true);
      }
    }
    expect(Object.keys(MAPS)).toEqual(expect.arrayContaining(['entry', 'pipeline', 'undici']));
    expect(sourcesOf(MAPS['entry']!)).toContain('../src/cli.ts');
    expect(sourcesOf(MAPS['pipeline']!)).toContain('../src/probe.ts');
    expect(sourcesOf(MAPS['undici']!).some((s) => s.startsWith('../node_modules/undici/'))).toBe(true);
  });

  it('keeps the source names (not minified beyond whitespace)', () => {
    // The entry as text, and each unit as the bundle stores it: brotli-compressed base64 in SOURCES.
    const bundle = readFileSync(BUNDLE, 'utf8');
    const units = [...bundle.matchAll(/^\s+"([a-z0-9]+)": "([A-Za-z0-9+/=]+)",?$/gm)];
    expect(units.map((m) => m[1]).sort()).toEqual(Object.keys(MAPS).filter((k) => k !== 'entry').sort());
    const text = [bundle, ...units.map((m) => brotliDecompressSync(Buffer.from(m[2]!, 'base64')).toString('utf8'))].join('\n');
    // A function of the entry, one of the pipeline unit and a class of undici's, by their names in src/ and
    // node_modules/ (includes(): a failure must not print a 1 MB bundle).
    for (const name of ['async function main(argv, env)', 'function loadTrustStore(', '__name(this,"Agent")']) expect(text.includes(name), name).toBe(true);
  });
});

describe("the bundle's built-ins", () => {
  it('a run without network hops loads none of the network ones (the lazy shims of scripts/build.mjs, node:http2 included)', () => {
    // process.moduleLoadList names every built-in node compiled; printed at exit by a preloaded hook.
    const hook = 'data:text/javascript,process.on("exit", () => process.stderr.write("LOADED " + JSON.stringify(process.moduleLoadList) + "\\n"));';
    const r = runOffline(hook, BUNDLE, ['--report-dir', join(work, 'builtins')]);
    expect(r.status, r.stderr).toBe(13);
    const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    expect(line, r.stderr).toBeDefined();
    const loaded = (JSON.parse(line!.slice('LOADED '.length)) as string[]).filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    // The check can fail: node's own start-up and the run's files load these.
    expect(loaded).toEqual(expect.arrayContaining(['fs', 'path', 'vm']));
    for (const name of ['http', 'http2', 'https', 'tls', 'crypto', 'dgram', 'child_process', 'cluster']) expect(loaded, name).not.toContain(name);
  });
});

describe('a bug in the bundle', () => {
  it("ends as one line that names where in src/ it was thrown, mapped through the pipeline unit's source map", () => {
    // os.hostname() throwing is a bug the probe cannot expect: pino calls it when the run's logger is made
    // (src/report/logger.ts, in the pipeline unit compiled from a string).
    const inject = 'data:text/javascript,import os from "node:os"; os.hostname = () => { throw new TypeError("injected by the build test") };';
    const r = runOffline(inject, BUNDLE, ['--report-dir', join(work, 'report')]);
    expect(r.status, r.stderr).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const m = /^gomodprobe: internal error: injected by the build test \(at (src\/[^:]+\.ts):(\d+):(\d+)\)$/.exec(lines[0]!);
    expect(m, lines[0]).not.toBeNull();
    const [, file, line] = m!;
    expect(file).toBe('src/report/logger.ts');
    // The line exists in that file and is the import of pino (whose loading called os.hostname()).
    const src = readFileSync(join(REPO_DIR, file!), 'utf8').split('\n');
    expect(src[Number(line) - 1]).toMatch(/from 'pino'/);
  });

  it('names no src/ place when the maps are not beside the bundle (a copy on its own), and still ends as one line', () => {
    const copy = join(work, 'alone.mjs');
    const text = readFileSync(BUNDLE);
    writeFileSync(copy, text);
    const inject = 'data:text/javascript,import os from "node:os"; os.hostname = () => { throw new TypeError("injected") };';
    const r = runOffline(inject, copy);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('gomodprobe: internal error: injected\n');
  });
});
