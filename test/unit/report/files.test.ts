import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeOutputFiles } from '../../../src/report/files.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gomodprobe-files-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeOutputFiles (the end of a run: its files written together, their fsyncs at once)', () => {
  it('replaces each atomic file, writes the others in place, and leaves no temp file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'report.json'), 'old report');
    const target = join(dir, 'elsewhere.txt');
    writeFileSync(target, 'old');
    symlinkSync(target, join(dir, 'linked.txt'));
    const results = await writeOutputFiles([
      { path: join(dir, 'report.json'), data: '{"new":true}\n', atomic: true },
      { path: join(dir, 'metrics.prom'), data: 'm 1\n', atomic: true },
      { path: join(dir, 'termination-log'), data: 'passed', atomic: false },
      { path: join(dir, 'linked.txt'), data: 'through the link', atomic: true },
    ]);
    expect(results).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
    expect(readFileSync(join(dir, 'report.json'), 'utf8')).toBe('{"new":true}\n');
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toBe('m 1\n');
    expect(readFileSync(join(dir, 'termination-log'), 'utf8')).toBe('passed');
    // A symlink the user set up survives: written through, not replaced.
    expect(readFileSync(target, 'utf8')).toBe('through the link');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports each failure at its own place and still writes the rest', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a-directory'));
    const results = await writeOutputFiles([
      { path: join(dir, 'a-directory'), data: 'x', atomic: true },
      { path: join(dir, 'missing', 'report.json'), data: 'x', atomic: true },
      { path: join(dir, 'metrics.prom'), data: 'm 1\n', atomic: true },
    ]);
    expect(results[0]).toEqual({ ok: false, reason: `${join(dir, 'a-directory')}: the path is a directory` });
    expect(results[1]).toEqual({ ok: false, reason: `${join(dir, 'missing', 'report.json')}: the parent directory does not exist (ENOENT)` });
    expect(results[2]).toEqual({ ok: true });
    expect(readFileSync(join(dir, 'metrics.prom'), 'utf8')).toBe('m 1\n');
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('reports a file that cannot be stored for want of space (/dev/full through a link)', async () => {
    // /dev/full fails every write with ENOSPC; through a symlink it is written in place, as the user's
    // link asks, so the failure is the write's and is reported, not swallowed.
    if (!existsSync('/dev/full')) throw new Error('this test needs /dev/full (Linux)');
    const dir = tempDir();
    symlinkSync('/dev/full', join(dir, 'full'));
    const results = await writeOutputFiles([{ path: join(dir, 'full'), data: 'x'.repeat(1 << 16), atomic: true }]);
    expect(results[0]).toEqual({ ok: false, reason: `${join(dir, 'full')}: no space left on the device (ENOSPC)` });
  });
});
