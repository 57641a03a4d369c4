// The one reader of input files (src/inputfile.ts): what a path is decides whether it is read at all, a
// read never blocks the event loop, and no kind of file is read past its cap. The whole probe with each
// input and each bad kind is in test/hostile/input-files.test.ts.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskInputFs, InputFileError, InputFiles, INPUT_LIMITS, overlayInputFs } from '../../src/inputfile.js';

let dir: string;
let socketServer: Server;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gmp-inputfile-'));
  execFileSync('mkfifo', [join(dir, 'fifo')]);
  symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
  symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
  mkdirSync(join(dir, 'dir'));
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(dir, 'socket'), resolve));
});

afterAll(async () => {
  await new Promise((resolve) => socketServer.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function refusal(path: string, kind: Parameters<typeof diskInputFs.readFile>[1] = 'resolv.conf'): Promise<InputFileError> {
  try {
    await diskInputFs.readFile(path, kind);
  } catch (err) {
    expect(err).toBeInstanceOf(InputFileError);
    return err as InputFileError;
  }
  throw new Error(`${path} was read`);
}

describe('diskInputFs.readFile: what a path is, before it is opened', () => {
  it('refuses a FIFO without a writer at once (opening one would wait for a writer forever)', async () => {
    const started = performance.now();
    const err = await refusal(join(dir, 'fifo'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(err.code).toBe('ENOTREG');
    expect(err.refused).toBe(true);
    expect(err.message).toBe(`${join(dir, 'fifo')}: is a FIFO (named pipe), not a regular file: the probe does not read it (reading one can block or never end)`);
  });

  it('refuses a socket, a character device and a block device, naming what each is', async () => {
    expect((await refusal(join(dir, 'socket'))).message).toMatch(/: is a socket, not a regular file/);
    expect((await refusal('/dev/zero')).message).toBe('/dev/zero: is a character device, not a regular file: the probe does not read it (reading one can block or never end)');
    expect((await refusal('/dev/urandom')).code).toBe('ENOTREG');
  });

  it('reads /dev/null as the empty file go reads there', async () => {
    expect((await diskInputFs.readFile('/dev/null', 'hosts')).length).toBe(0);
  });

  it('reports a directory, a symlink loop and a missing path with go\'s errno, not as refused', async () => {
    const d = await refusal(join(dir, 'dir'));
    expect([d.code, d.syscall, d.refused]).toEqual(['EISDIR', 'read', false]);
    const loop = await refusal(join(dir, 'loop-a'));
    expect([loop.code, loop.refused]).toEqual(['ELOOP', false]);
    expect(loop.message).toBe(`${join(dir, 'loop-a')}: a symlink loop (too many levels of symbolic links)`);
    const missing = await refusal(join(dir, 'no-such-file'));
    expect([missing.code, missing.syscall, missing.message]).toEqual(['ENOENT', 'open', `${join(dir, 'no-such-file')}: no such file or directory`]);
  });
});

describe('diskInputFs.readFile: the cap of each kind', () => {
  it('reads a file of exactly the cap whole, and refuses one byte more without reading it', async () => {
    const cap = INPUT_LIMITS['nsswitch.conf'].maxBytes;
    const at = join(dir, 'at-cap');
    writeFileSync(at, Buffer.alloc(cap, 'x'));
    expect((await diskInputFs.readFile(at, 'nsswitch.conf')).length).toBe(cap);
    writeFileSync(at, Buffer.alloc(cap + 1, 'x'));
    const err = await refusal(at, 'nsswitch.conf');
    expect([err.code, err.refused]).toEqual(['EFBIG', true]);
    expect(err.message).toBe(`${at}: larger than 64 KiB, the most the probe reads of a nsswitch.conf (go: ${INPUT_LIMITS['nsswitch.conf'].go})`);
  });

  it('reads a file whose size says 0 (procfs) to its end', async () => {
    const text = (await diskInputFs.readFile('/proc/self/status', 'hosts')).toString('utf8');
    expect(text).toMatch(/^Name:/);
    expect(text).toMatch(/VmHWM:/);
  });

  it('gives every kind a cap, each documented with what go does', () => {
    for (const [kind, limit] of Object.entries(INPUT_LIMITS)) {
      expect(limit.maxBytes, kind).toBeGreaterThanOrEqual(64 * 1024);
      expect(limit.maxBytes, kind).toBeLessThanOrEqual(8 * 1024 * 1024);
      expect(limit.go, kind).toMatch(/limit/);
    }
  });
});

describe('InputFiles', () => {
  it('reads each path once, and runs a parser that finds its paths as it goes until it asks for nothing new', async () => {
    const reads: string[] = [];
    const files = { '/user/env': 'GOROOT=/goroot\n', '/goroot/go.env': 'GOPROXY=https://proxy.example\n' };
    const fs = overlayInputFs(files);
    const spy = { ...fs, readFile: (p: string, k: Parameters<typeof fs.readFile>[1]) => (reads.push(p), fs.readFile(p, k)) };
    const inputs = new InputFiles(spy);
    // A parser like readGoEnv: the user's file names GOROOT, whose go.env it reads next.
    const parse = (read: (path: string) => string | undefined): string | undefined => {
      const goroot = /GOROOT=(.*)/.exec(read('/user/env') ?? '')?.[1];
      return goroot ? read(`${goroot}/go.env`) : undefined;
    };
    expect(await inputs.run('go env file', parse)).toBe('GOPROXY=https://proxy.example\n');
    expect(await inputs.run('go env file', parse)).toBe('GOPROXY=https://proxy.example\n');
    expect(reads).toEqual(['/user/env', '/goroot/go.env']);
  });

  it('keeps why a file was not read, by kind', async () => {
    const inputs = new InputFiles();
    await inputs.load('/dev/zero', 'go env file');
    await inputs.load(join(dir, 'no-such-file'), '.netrc');
    expect(inputs.failed('go env file').map((e) => e.code)).toEqual(['ENOTREG']);
    expect(inputs.failed('.netrc').map((e) => e.code)).toEqual(['ENOENT']);
    expect(inputs.lookup('/dev/zero')).toBeUndefined();
  });

  it('applies the caps to files served from memory too', async () => {
    const fs = overlayInputFs({ '/big': 'x'.repeat(INPUT_LIMITS['go env file'].maxBytes + 1) });
    await expect(fs.readFile('/big', 'go env file')).rejects.toMatchObject({ code: 'EFBIG' });
    await expect(fs.readFile('/none', 'go env file')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
