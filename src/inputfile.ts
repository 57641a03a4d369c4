// The one way the probe reads a file it does not control: go.mod, go.sum, the `go env -w` file and
// GOROOT/go.env, .netrc, resolv.conf, hosts, nsswitch.conf, SSL_CERT_FILE and every file of SSL_CERT_DIR.
// In a pod these come from ConfigMaps, Secrets, hostPath mounts and images someone else built, so a path
// may turn out to be anything:
// - it is looked at (stat, following symlinks as go's open does) before it is opened: a FIFO, a socket or
//   a device (bar /dev/null) is refused with one line naming the path and what it is, since reading one
//   can block forever (a FIFO without a writer, a terminal) or never end (/dev/zero, /dev/urandom);
// - it is opened with O_NONBLOCK (a path swapped for a FIFO after the stat cannot block the open) and
//   checked again on the descriptor;
// - every call is asynchronous (libuv's thread pool), so a slow mount never stalls the event loop and the
//   run's deadline and signals still act;
// - at most the kind's cap is read: a larger file is refused (InputFileError 'EFBIG'), never truncated.
// What a refusal means (a config failure, a finding, or go's defaults) is decided by the caller, as go
// would treat that file.

import { close as fsClose, constants, fstat as fsFstat, open as fsOpen, read as fsRead, stat as fsStat, type Stats } from 'node:fs';
import { readdir, readlink } from 'node:fs/promises';

export type InputKind = 'go.mod' | 'go.sum' | 'go env file' | '.netrc' | 'resolv.conf' | 'hosts' | 'nsswitch.conf' | 'certificate file' | 'git config' | 'git credentials' | 'ssh config' | 'known_hosts' | 'ssh private key';

export interface InputLimit {
  /** The most bytes the probe reads of a file of this kind; a larger one is refused. */
  readonly maxBytes: number;
  /** What go itself does with a large file of this kind (for README and the refusal's text). */
  readonly go: string;
}

const KiB = 1024;
const MiB = 1024 * KiB;

export const INPUT_LIMITS: Readonly<Record<InputKind, InputLimit>> = Object.freeze({
  // Parsing costs ~80 bytes of memory per byte of go.mod (a statement per line): 256 KiB of
  // one-character lines took a run from 65 to 86 MB. The largest public go.mod files are tens of KB.
  'go.mod': { maxBytes: 256 * KiB, go: 'no limit for the main module\'s go.mod (modload reads it whole); 16 MiB for a dependency\'s (codehost.MaxGoMod)' },
  'go.sum': { maxBytes: 4 * MiB, go: 'no limit (modfetch reads go.sum whole)' },
  // The small files: real ones are a few hundred bytes. Every line of them can become a finding, a
  // .netrc password a secret to scrub from every output: 1 MiB of .netrc machines took a run to 150 MB.
  'go env file': { maxBytes: 64 * KiB, go: 'no limit (cfg.readEnvFile: os.ReadFile)' },
  '.netrc': { maxBytes: 64 * KiB, go: 'no limit (auth.readNetrc: os.ReadFile)' },
  'resolv.conf': { maxBytes: 64 * KiB, go: 'no limit; it stops at the first line longer than 64 KiB (net/parse.go)' },
  // A hosts table of 2 MiB of distinct names costs ~12 MB (4 MiB took a run to 89 MB).
  hosts: { maxBytes: 2 * MiB, go: 'no limit; it stops at the first line longer than 64 KiB (net/parse.go)' },
  'nsswitch.conf': { maxBytes: 64 * KiB, go: 'no limit; it stops at the first line longer than 64 KiB (net/parse.go)' },
  'certificate file': { maxBytes: 8 * MiB, go: 'no limit (crypto/x509 root_unix.go: os.ReadFile)' },
  // Not go's file but git's, which go runs for a direct fetch.
  'git config': { maxBytes: 1 * MiB, go: 'no limit (git reads its config files through stdio, config.c git_config_from_file)' },
  'git credentials': { maxBytes: 1 * MiB, go: 'no limit (git credential-store reads its file line by line, credential-store.c)' },
  // Not go's either: the OpenSSH client's, which git runs for an ssh repository.
  'ssh config': { maxBytes: 1 * MiB, go: 'no limit (ssh reads ssh_config line by line, readconf.c)' },
  'known_hosts': { maxBytes: 4 * MiB, go: 'no limit (ssh reads known_hosts line by line, hostfile.c)' },
  // An RSA 16384-bit key is ~13 KiB in OpenSSH's format.
  'ssh private key': { maxBytes: 64 * KiB, go: 'no limit; ssh refuses a key file over 1 MiB (authfile.c MAX_KEY_FILE_SIZE)' },
});

/** "1 MiB", "512 KiB", "300 bytes". */
export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= KiB && n % KiB === 0) return `${n / KiB} KiB`;
  return `${n} bytes`;
}

/**
 * Why a file was not read. `code` is the errno (ENOENT, EACCES, EISDIR, ELOOP, EIO, ...), 'ENOTREG' for a
 * FIFO, socket or device, or 'EFBIG' past the kind's cap. The message is one line naming the path.
 */
export class InputFileError extends Error {
  readonly code: string;
  readonly path: string;
  readonly kind: InputKind;
  /** The operation that failed, as go names it in an *fs.PathError ("open", "read"). */
  readonly syscall: 'open' | 'read';
  constructor(code: string, path: string, kind: InputKind, what: string, syscall: 'open' | 'read' = 'open') {
    super(`${path}: ${what}`);
    this.name = 'InputFileError';
    this.code = code;
    this.path = path;
    this.kind = kind;
    this.syscall = syscall;
  }

  /** Reading it could block forever or never end (a FIFO, socket or device), or it is past the cap: go would hang, or the probe cannot hold it. */
  get refused(): boolean {
    return this.code === 'ENOTREG' || this.code === 'EFBIG';
  }
}

/** The file operations of a run: disk by default; the demo lays its generated files over it. */
export interface DirEntry {
  readonly name: string;
  readonly symlink: boolean;
}

export interface InputFs {
  /** The whole file, or InputFileError. */
  readFile(path: string, kind: InputKind): Promise<Buffer>;
  /**
   * A directory's entries with whether each is a symbolic link, from the directory itself as go's
   * os.ReadDir reads it (the dirent's type; the file system is asked only when that is unknown). Errors
   * carry node's errno code.
   */
  readdir(path: string): Promise<DirEntry[]>;
  readlink(path: string): Promise<string>;
}

// strerror texts as go prints them (syscall.Errno.Error(), zerrors_linux).
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'file name too long',
  ENXIO: 'no such device or address',
  ENODEV: 'no such device',
  EINVAL: 'invalid argument',
};

export function errnoText(code: string): string {
  return ERRNO_TEXT[code] ?? code.toLowerCase();
}

/** /dev/null (character device 1:3): go reads it as an empty file, and so does the probe. */
function isDevNull(st: Stats): boolean {
  const major = (st.rdev >> 8) & 0xfff;
  const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
  return st.isCharacterDevice() && major === 1 && minor === 3;
}

/** What a path is when it is not a regular file, for the refusal's text. */
function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function fromErrno(err: unknown, path: string, kind: InputKind, syscall: 'open' | 'read'): InputFileError {
  const code = err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : 'EIO';
  const what = code === 'ELOOP' ? 'a symlink loop (too many levels of symbolic links)' : errnoText(code);
  return new InputFileError(code, path, kind, what, syscall);
}

const CHUNK = 64 * KiB;

/**
 * One file whole, bounded: stat, then (a regular file within the cap only) open non-blocking, fstat, read
 * to EOF, close. node:fs's callback API, each step chained to the last: the FileHandle promises cost about
 * twice the CPU per file (~300 files of /etc/ssl/certs before the first packet: 30-37 -> 18-23 ms, Node 20
 * with the image's V8 flags).
 */
function readDiskFile(path: string, kind: InputKind): Promise<Buffer> {
  const cap = INPUT_LIMITS[kind].maxBytes;
  const tooLarge = (): InputFileError =>
    new InputFileError('EFBIG', path, kind, `larger than ${formatBytes(cap)}, the most the probe reads of a ${kind} (go: ${INPUT_LIMITS[kind].go})`, 'read');
  const notRegularFile = (what: string): InputFileError =>
    new InputFileError('ENOTREG', path, kind, `is ${what}, not a regular file: the probe does not read it (reading one can block or never end)`);
  return new Promise<Buffer>((resolve, reject) => {
    // A path node refuses outright (a NUL byte) throws here: the same InputFileError as a failed stat.
    const statThen = (then: (err: NodeJS.ErrnoException | null, st: Stats) => void): void => {
      try {
        fsStat(path, then);
      } catch (err) {
        reject(fromErrno(err, path, kind, 'open'));
      }
    };
    statThen((statErr, st) => {
      if (statErr) return reject(fromErrno(statErr, path, kind, 'open'));
      if (isDevNull(st)) return resolve(Buffer.alloc(0));
      const kindOf = notRegular(st);
      if (kindOf === 'a directory') return reject(new InputFileError('EISDIR', path, kind, 'is a directory, not a file', 'read'));
      if (kindOf) return reject(notRegularFile(kindOf));
      if (st.size > cap) return reject(tooLarge());
      // O_NONBLOCK: if the path became a FIFO since the stat, open returns at once instead of waiting for a writer.
      fsOpen(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY, (openErr, fd) => {
        if (openErr) return reject(fromErrno(openErr, path, kind, 'open'));
        const finish = (err: InputFileError | undefined, data?: Buffer): void => {
          fsClose(fd, () => (err ? reject(err) : resolve(data!)));
        };
        fsFstat(fd, (fstatErr, fst) => {
          if (fstatErr) return finish(fromErrno(fstatErr, path, kind, 'read'));
          const swapped = notRegular(fst);
          if (swapped) return finish(notRegularFile(swapped));
          // The size is a hint (/proc files say 0, a file may grow): read until EOF, one byte past the cap at
          // most. A read that returns less than asked of a regular file has met its end: one read suffices
          // when the size is right.
          const chunks: Buffer[] = [];
          let total = 0;
          const next = (): void => {
            const want = Math.min(Math.max(fst.size + 1 - total, CHUNK), cap + 1 - total);
            if (want <= 0) return finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
            const buf = Buffer.allocUnsafe(want);
            fsRead(fd, buf, 0, want, null, (readErr, n) => {
              if (readErr) return finish(fromErrno(readErr, path, kind, 'read'));
              if (n > 0) {
                chunks.push(n === want ? buf : buf.subarray(0, n));
                total += n;
                if (total > cap) return finish(tooLarge());
              }
              if (n === 0 || (n < want && fst.size > 0)) return finish(undefined, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total));
              next();
            });
          };
          next();
        });
      });
    });
  });
}

export const diskInputFs: InputFs = {
  readFile: readDiskFile,
  readdir: async (path) => (await readdir(path, { withFileTypes: true })).map((d) => ({ name: d.name, symlink: d.isSymbolicLink() })),
  readlink: (path) => readlink(path, 'utf8'),
};

/**
 * `files` (path -> text) laid over `under` (default: nothing, every other path is missing): the demo
 * serves its generated inputs from memory this way, and tests their fixtures. The caps hold here too.
 */
export function overlayInputFs(files: Readonly<Record<string, string>>, under?: InputFs): InputFs {
  const has = (path: string): boolean => Object.hasOwn(files, path);
  const errno = (code: string, syscall: string, path: string): Error =>
    Object.assign(new Error(`${code}: ${syscall} ${path}`), { code, syscall, path });
  return {
    async readFile(path, kind) {
      if (!has(path)) {
        if (under) return under.readFile(path, kind);
        throw new InputFileError('ENOENT', path, kind, errnoText('ENOENT'));
      }
      const data = Buffer.from(files[path]!, 'utf8');
      const cap = INPUT_LIMITS[kind].maxBytes;
      if (data.length > cap) throw new InputFileError('EFBIG', path, kind, `larger than ${formatBytes(cap)}, the most the probe reads of a ${kind}`, 'read');
      return data;
    },
    async readdir(path) {
      const prefix = path.endsWith('/') ? path : `${path}/`;
      const names = Object.keys(files)
        .filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/'))
        .map((p) => ({ name: p.slice(prefix.length), symlink: false }));
      if (names.length > 0) return names;
      if (under) return under.readdir(path);
      throw errno('ENOENT', 'scandir', path);
    },
    async readlink(path) {
      if (!has(path) && under) return under.readlink(path);
      throw errno(has(path) ? 'EINVAL' : 'ENOENT', 'readlink', path);
    },
  };
}

/** The outcome of reading one input: its text (UTF-8), or why it was not read. */
export type InputText = { readonly text: string } | { readonly error: InputFileError };

/**
 * The files of one run, read once each. Parsers are synchronous: read what they need first (`load`), then
 * hand them `lookup`. `run` does both for a parser that finds its paths as it goes (go env files).
 */
export class InputFiles {
  readonly #fs: InputFs;
  readonly #read = new Map<string, InputText>();

  constructor(fs: InputFs = diskInputFs) {
    this.#fs = fs;
  }

  get fs(): InputFs {
    return this.#fs;
  }

  async load(path: string, kind: InputKind): Promise<InputText> {
    const known = this.#read.get(path);
    if (known) return known;
    let out: InputText;
    try {
      out = { text: (await this.#fs.readFile(path, kind)).toString('utf8') };
    } catch (err) {
      out = { error: err instanceof InputFileError ? err : fromErrno(err, path, kind, 'open') };
    }
    this.#read.set(path, out);
    return out;
  }

  /** What `load` found for a path read before, or undefined when it was not read. */
  get(path: string): InputText | undefined {
    return this.#read.get(path);
  }

  /** The reads of one kind that failed, in the order they were asked for. */
  failed(kind: InputKind): InputFileError[] {
    return [...this.#read.values()].flatMap((r) => ('error' in r && r.error.kind === kind ? [r.error] : []));
  }

  /** A read for parsers that want text or nothing: the text, or undefined when the file was not read or not readable. */
  readonly lookup = (path: string): string | undefined => {
    const r = this.#read.get(path);
    return r && 'text' in r ? r.text : undefined;
  };

  /**
   * Runs a synchronous parser that reads files as it goes (its paths depend on what it read), reading every
   * path it asked for and running it again, until it asks for nothing new.
   */
  async run<T>(kind: InputKind, parse: (read: (path: string) => string | undefined) => T): Promise<T> {
    for (let round = 0; ; round++) {
      const missing: string[] = [];
      const result = parse((path) => {
        if (!this.#read.has(path)) missing.push(path);
        return this.lookup(path);
      });
      if (missing.length === 0 || round >= 8) return result;
      await Promise.all(missing.map((p) => this.load(p, kind)));
    }
  }
}
