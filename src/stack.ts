// Stack traces of the bundle, read back in src/: the internal-error path (src/main.ts's crash line, the
// 'internal error' log event of src/probe.ts) maps each frame `…/gomodprobe.mjs:L:C` or
// `…/gomodprobe.mjs#<unit>:L:C` (code compiled from a string by the bundle's unit loader,
// scripts/build.mjs) through the source maps the build writes beside the bundle, with Node's own
// SourceMap. Node's --enable-source-maps would do it for the entry only (it ignores code compiled by
// vm.compileFunction on Node 20) and costs ~65 ms at every start; this costs nothing until a bug.
// Run from source (tsx) there is no bundle in the trace and nothing to map.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The largest source map read (the pipeline's is under 1 MB). */
const MAX_MAP_BYTES = 16 * 1024 * 1024;

/** `/app/gomodprobe.mjs#pipeline:12:345` or `file:///app/gomodprobe.mjs:12:345` in a frame. */
const FRAME_LOCATION = /((?:file:\/\/)?\/[^\s():#]+\.mjs)(?:#([a-z]+))?:(\d+):(\d+)/g;

const maps = new Map<string, SourceMap | undefined>();

/** The map of the bundle at `bundle` (or of one of its units), beside it; undefined when there is none. */
function mapFor(bundle: string, unit: string | undefined): SourceMap | undefined {
  const file = unit === undefined ? `${bundle}.map` : join(dirname(bundle), `${basename(bundle, '.mjs')}.${unit}.js.map`);
  if (maps.has(file)) return maps.get(file);
  let map: SourceMap | undefined;
  try {
    map = new SourceMap(JSON.parse(readCapped(file)) as SourceMapPayload);
  } catch {
    map = undefined;
  }
  maps.set(file, map);
  return map;
}

function readCapped(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_MAP_BYTES) throw new Error(`${file}: not a regular file of at most ${MAX_MAP_BYTES} bytes`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, off);
      if (n === 0) break;
      off += n;
    }
    return buf.toString('utf8', 0, off);
  } finally {
    closeSync(fd);
  }
}

/** A map's source path relative to the repository: `../src/net/http.ts` -> `src/net/http.ts`. */
function sourcePath(source: string): string {
  return source.replace(/^(?:file:\/\/)?(?:\.\.\/)+/, '');
}

/** One location mapped to `src/…:line:column` (1-based, as stack traces count), or undefined. */
function mapLocation(path: string, unit: string | undefined, line: number, column: number): string | undefined {
  const bundle = path.startsWith('file://') ? fileURLToPath(path) : path;
  const entry = mapFor(bundle, unit)?.findEntry(line - 1, column - 1);
  if (!entry || !('originalSource' in entry) || typeof entry.originalSource !== 'string') return undefined;
  return `${sourcePath(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

/** The stack with every bundle location that has a map replaced by its place in src/ (or node_modules/). */
export function mapStack(stack: string): string {
  return stack.replace(FRAME_LOCATION, (whole, path: string, unit: string | undefined, line: string, column: string) => mapLocation(path, unit, Number(line), Number(column)) ?? whole);
}

/** The first frame of the error's stack that is in src/, mapped: where a bug was thrown in the probe's own code. */
export function firstSourceFrame(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== 'string') return undefined;
  for (const line of mapStack(err.stack).split('\n').slice(1)) {
    const m = /\b(src\/[^\s():]+:\d+:\d+)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
