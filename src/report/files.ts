// Output files on the shared volume. Readers (the textfile collector, a sidecar, a CI step) may
// read at any moment, so regular files are replaced atomically: write a temp file in the same
// directory, fsync, rename over the target. Every failure is returned as text, never thrown:
// an unwritable volume must not cost the verdict on stdout.

import { closeSync, fsync, fsyncSync, lstatSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { errorMessage, sysCode } from '../errors.js';

export type WriteResult = { ok: true } | { ok: false; reason: string };

function describeFsError(err: unknown): string {
  const code = sysCode(err);
  const hints: Record<string, string> = {
    ENOENT: 'the parent directory does not exist',
    ENOTDIR: 'a parent of the path is a file, not a directory',
    EISDIR: 'the path is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
  };
  const hint = code ? hints[code] : undefined;
  return hint ? `${hint} (${code})` : errorMessage(err);
}

/** Writes every byte (writeSync may write fewer than asked). */
export function writeAllSync(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw new Error('write made no progress');
    off += n;
  }
}

function writeDirect(path: string, data: string): void {
  const fd = openSync(path, 'w', 0o644);
  try {
    writeAllSync(fd, data);
  } finally {
    closeSync(fd);
  }
}

/** A temp file beside `path`, written and not yet synced: finishReplace syncs (or not) and renames it over `path`. */
interface Replacement {
  readonly path: string;
  readonly tmp: string;
  readonly fd: number;
}

function removeQuietly(tmp: string): void {
  try {
    unlinkSync(tmp);
  } catch {
    // Already gone or never created: nothing to clean up.
  }
}

function startReplace(path: string, data: string): Replacement {
  // O_EXCL ('wx') refuses a name that exists, a planted symlink included; the random part keeps another
  // writer of the shared volume from taking the name first. Math.random, not node:crypto: loading crypto
  // costs a run that needs no TLS ~55M instructions (callgrind, Node 20 with the image's flags).
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 12)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeAllSync(fd, data);
  } catch (err) {
    closeSync(fd);
    removeQuietly(tmp);
    throw err;
  }
  return { path, tmp, fd };
}

/** Closes the temp file and renames it over its path, unless its fsync failed (`synced` holds the error). */
function finishReplace(r: Replacement, synced: unknown): void {
  try {
    closeSync(r.fd);
    // A full disk may only show at fsync; and the rename must not publish unwritten data.
    if (synced) throw synced;
    renameSync(r.tmp, r.path);
  } catch (err) {
    removeQuietly(r.tmp);
    throw err;
  }
}

function writeViaRename(path: string, data: string): void {
  const r = startReplace(path, data);
  let synced: unknown;
  try {
    fsyncSync(r.fd);
  } catch (err) {
    synced = err;
  }
  finishReplace(r, synced);
}

export interface WriteOptions {
  /**
   * Replace via temp file + rename. Only for regular files: a device, a FIFO or a bind-mounted
   * file (/dev/termination-log) is written in place.
   */
  readonly atomic: boolean;
}

/** How `path` is written: in place, by a temp file renamed over it, or not at all (a directory). */
function writeMode(path: string, opts: WriteOptions): 'in-place' | 'replace' | WriteResult {
  let link: ReturnType<typeof lstatSync> | undefined;
  try {
    link = lstatSync(path);
  } catch (err) {
    if (sysCode(err) !== 'ENOENT') throw err;
  }
  const target = link?.isSymbolicLink() ? statSync(path) : link;
  if (target?.isDirectory()) return { ok: false, reason: `${path}: the path is a directory` };
  // Symlinks are written through (in place) so that the link the user set up survives.
  const inPlace = !opts.atomic || (link !== undefined && (link.isSymbolicLink() || !link.isFile()));
  return inPlace ? 'in-place' : 'replace';
}

export function writeOutputFile(path: string, data: string, opts: WriteOptions): WriteResult {
  try {
    const mode = writeMode(path, opts);
    if (typeof mode === 'object') return mode;
    if (mode === 'in-place') writeDirect(path, data);
    else writeViaRename(path, data);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `${path}: ${describeFsError(err)}` };
  }
}

export interface OutputFile extends WriteOptions {
  readonly path: string;
  readonly data: string;
}

/**
 * Several output files at once, each as writeOutputFile writes it, with the fsyncs of the replaced ones
 * run at the same time (on libuv's threads) and the renames in the order given. A run ends with two
 * (report.json and metrics.prom): one after the other, each waited for the disk alone, ~1-3 ms each on a
 * quiet disk and up to ~95 ms each measured on a busy one (strace of the bench's healthy run).
 */
export async function writeOutputFiles(files: readonly OutputFile[]): Promise<WriteResult[]> {
  const results: WriteResult[] = [];
  const started: { index: number; replacement: Replacement }[] = [];
  for (const [index, f] of files.entries()) {
    try {
      const mode = writeMode(f.path, f);
      if (typeof mode === 'object') {
        results.push(mode);
      } else if (mode === 'in-place') {
        writeDirect(f.path, f.data);
        results.push({ ok: true });
      } else {
        started.push({ index, replacement: startReplace(f.path, f.data) });
        results.push({ ok: true });
      }
    } catch (err) {
      results.push({ ok: false, reason: `${f.path}: ${describeFsError(err)}` });
    }
  }
  const synced = await Promise.all(started.map(({ replacement }) => new Promise<unknown>((resolve) => fsync(replacement.fd, (err) => resolve(err ?? undefined)))));
  started.forEach(({ index, replacement }, i) => {
    try {
      finishReplace(replacement, synced[i]);
    } catch (err) {
      results[index] = { ok: false, reason: `${replacement.path}: ${describeFsError(err)}` };
    }
  });
  return results;
}

/**
 * Makes sure `dir` is a directory we can use, creating it (not its parents: a typo in a volume
 * path should not grow a new tree) when missing.
 */
export function prepareDirectory(dir: string): WriteResult {
  try {
    try {
      if (statSync(dir).isDirectory()) return { ok: true };
      return { ok: false, reason: `${dir}: the path is a file, not a directory` };
    } catch (err) {
      if (sysCode(err) !== 'ENOENT') throw err;
    }
    mkdirSync(dir, { mode: 0o755 });
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: `${dir}: ${describeFsError(err)}` };
  }
}
