// The root certificates Go loads on Linux (crypto/x509 root_linux.go + root_unix.go, Go 1.23), not
// Node's bundled roots. Rules: SSL_CERT_FILE replaces the file list, and the first file that reads
// wins; SSL_CERT_DIR (':'-separated) replaces the directory list, and every directory is read;
// file and directories are a union; a symlink whose target has no '/' is skipped; missing files
// and directories are ignored; an empty pool after another read error is Go's SystemRootsError.

import { diskInputFs, errnoText, InputFileError, type DirEntry, type InputFs } from '../inputfile.js';
import { CertificateParseError, parseCertificate, type ParseRules, type ParsedCertificate } from './x509/parse.js';
import { sha256Hex } from './x509/pool.js';

export interface TrustStoreSources {
  /** The value of SSL_CERT_FILE ('' or undefined: not set). */
  sslCertFile?: string;
  /** The value of SSL_CERT_DIR ('' or undefined: not set). */
  sslCertDir?: string;
  /** The built-in file list (default: Go's certFiles for Linux). */
  files?: readonly string[];
  /** The built-in directory list (default: Go's certDirectories for Linux). */
  dirs?: readonly string[];
  /** GoRules.readDirOpensDirectory: how go words a directory entry that is a file (go 1.24+: "open"). */
  readDirOpensDirectory?: boolean;
  /**
   * The modelled go's parser rules (default: go 1.23's): AppendCertsFromPEM keeps a block only if that go's
   * ParseCertificate reads it, so a root go 1.27 reads and go 1.23 does not is in go 1.27's pool only.
   */
  rules?: ParseRules;
}

export interface TrustStore {
  /**
   * The roots as PEM. A loaded store encodes them only when asked (TLS to an https:// egress proxy, whose
   * certificate Node's own checks judge): the count is `certs.length`, and nothing else needs the text.
   */
  readonly pems: readonly string[];
  /**
   * The certificates of `pems`, in the same order, as loading parsed them with `rules` (go's
   * AppendCertsFromPEM parses each to decide whether it joins the pool): the TLS verifier's pool indexes
   * them by subject as they are. Absent in a store built by hand; then the pool parses `pems`.
   */
  readonly certs?: readonly ParsedCertificate[];
  /** The rules `certs` were parsed with (the pool of a run under other rules parses them again). */
  readonly rules?: ParseRules;
  /** SHA-256 of each root; a loaded store computes them when first asked. */
  readonly fingerprints: ReadonlySet<string>;
  readonly loaded: readonly { path: string; kind: 'file' | 'dir'; certs: number }[];
  readonly skipped: readonly { path: string; reason: string }[];
  /**
   * Files go would read but the probe refuses (InputFileError.refused): a FIFO, socket or device, on
   * which go's os.ReadFile blocks or never ends, or a file past the probe's cap.
   */
  readonly refused: readonly InputFileError[];
  readonly error?: string;
  /**
   * Why the store was not read: no hop of the run can reach a TLS server (GOPROXY=off or file:// only,
   * GOSUMDB=off), so go never loads its roots either (crypto/x509 root.go: systemRoots is loaded by a
   * sync.Once on the first Verify). Such a store holds nothing, and using it for TLS is a bug.
   */
  readonly notRead?: string;
}

/** The store of a run that cannot verify a TLS chain: nothing is read (see TrustStore.notRead). */
export function unreadTrustStore(reason: string): TrustStore {
  return { pems: [], certs: [], fingerprints: new Set(), loaded: [], skipped: [], refused: [], notRead: reason };
}

export const GO_CERT_FILES: readonly string[] = Object.freeze([
  '/etc/ssl/certs/ca-certificates.crt', // Debian/Ubuntu/Gentoo etc.
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora/RHEL 6
  '/etc/ssl/ca-bundle.pem', // OpenSUSE
  '/etc/pki/tls/cacert.pem', // OpenELEC
  '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem', // CentOS/RHEL 7
  '/etc/ssl/cert.pem', // Alpine Linux
]);

export const GO_CERT_DIRECTORIES: readonly string[] = Object.freeze(['/etc/ssl/certs', '/etc/pki/tls/certs']);

/** Entries read per directory (a CA directory holds a few hundred). */
export const MAX_DIR_ENTRIES = 10_000;
/** Entries of a directory read at once (libuv's pool has 4 threads). */
const DIR_READ_WINDOW = 4;
/** Skip reasons kept, so a directory full of junk cannot flood the report. */
const MAX_SKIPPED_REPORTED = 200;

function errnoOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

/** The operation go's *fs.PathError names: "read" when the open worked and the read failed (a directory, EIO). */
function readOp(err: unknown): 'open' | 'read' {
  return err instanceof InputFileError ? err.syscall : 'open';
}

/** An *fs.PathError text: "open /etc/ssl/cert.pem: permission denied". */
function goPathError(op: string, path: string, err: unknown): string {
  const code = errnoOf(err);
  const text = code ? errnoText(code) : err instanceof Error ? err.message : String(err);
  return `${op} ${path}: ${text}`;
}

/** encoding/pem.Encode of one block without headers: base64 in 64-column lines. */
export function derToPem(type: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** One PEM block as encoding/pem.Decode returns it. */
export interface PemBlock {
  type: string;
  headers: Record<string, string>;
  bytes: Buffer;
}

const PEM_START = '\n-----BEGIN ';
const PEM_END = '\n-----END ';
const PEM_END_OF_LINE = '-----';

function getLine(data: string): [string, string] {
  let i = data.indexOf('\n');
  let j: number;
  if (i < 0) {
    i = data.length;
    j = i;
  } else {
    j = i + 1;
    if (i > 0 && data[i - 1] === '\r') i--;
  }
  return [data.slice(0, i).replace(/[ \t]+$/, ''), data.slice(j)];
}

/** base64.StdEncoding.Decode: padded alphabet, '\r' and '\n' ignored, anything else an error. */
function decodeStdBase64(s: string): Buffer | undefined {
  const clean = s.replace(/[\r\n]/g, '');
  if (clean.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(clean, 'base64');
  // Text that encodes back to itself is valid (the usual case: a certificate's body, ~5 ms less for a
  // Debian store than the pattern below); Go also accepts non-zero bits after the last byte, which do not.
  if (bytes.toString('base64') === clean) return bytes;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(clean) ? bytes : undefined;
}

/**
 * encoding/pem.Decode: the next block and the rest, or undefined. Data is latin1 so that byte
 * offsets equal string offsets. Bounded: every iteration consumes input.
 */
export function decodePem(data: string): { block: PemBlock; rest: string } | undefined {
  let rest = data;
  for (;;) {
    if (rest.startsWith(PEM_START.slice(1))) {
      rest = rest.slice(PEM_START.length - 1);
    } else {
      const at = rest.indexOf(PEM_START);
      if (at < 0) return undefined;
      rest = rest.slice(at + PEM_START.length);
    }
    let typeLine: string;
    [typeLine, rest] = getLine(rest);
    if (!typeLine.endsWith(PEM_END_OF_LINE)) continue;
    typeLine = typeLine.slice(0, -PEM_END_OF_LINE.length);

    const headers: Record<string, string> = {};
    let headerCount = 0;
    let exhausted = false;
    for (;;) {
      if (rest.length === 0) {
        exhausted = true;
        break;
      }
      const [line, next] = getLine(rest);
      const colon = line.indexOf(':');
      if (colon < 0) break;
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
      headerCount++;
      rest = next;
    }
    if (exhausted) return undefined;

    let endIndex: number;
    let endTrailerIndex: number;
    if (headerCount === 0 && rest.startsWith(PEM_END.slice(1))) {
      endIndex = 0;
      endTrailerIndex = PEM_END.length - 1;
    } else {
      endIndex = rest.indexOf(PEM_END);
      endTrailerIndex = endIndex + PEM_END.length;
    }
    if (endIndex < 0) continue;

    let endTrailer = rest.slice(endTrailerIndex);
    const endTrailerLen = typeLine.length + PEM_END_OF_LINE.length;
    if (endTrailer.length < endTrailerLen) continue;
    const restOfEndLine = endTrailer.slice(endTrailerLen);
    endTrailer = endTrailer.slice(0, endTrailerLen);
    if (!endTrailer.startsWith(typeLine) || !endTrailer.endsWith(PEM_END_OF_LINE)) continue;
    if (getLine(restOfEndLine)[0].length !== 0) continue;

    const bytes = decodeStdBase64(rest.slice(0, endIndex).replace(/[ \t]/g, ''));
    if (!bytes) continue;
    return {
      block: { type: typeLine, headers, bytes },
      rest: getLine(rest.slice(endIndex + PEM_END.length - 1))[1],
    };
  }
}

interface PoolBuilder {
  rules: ParseRules;
  certs: ParsedCertificate[];
  skipped: { path: string; reason: string }[];
  skippedDropped: number;
  /**
   * DER blocks already parsed -> undefined (a certificate) or why they failed. A Debian /etc/ssl/certs
   * holds every root twice (the bundle and one file per root): parse each block once. The key is the
   * DER itself (as latin1 text): the pool dedupes by the bytes (go by their SHA-224), and a hash per
   * block would cost more than the map.
   */
  parsed: Map<string, string | undefined>;
}

function skip(b: PoolBuilder, path: string, reason: string): void {
  if (b.skipped.length < MAX_SKIPPED_REPORTED) b.skipped.push({ path, reason });
  else b.skippedDropped++;
}

/** CertPool.AppendCertsFromPEM: returns how many certificates parsed (duplicates included). */
function appendCertsFromPem(b: PoolBuilder, path: string, data: Buffer): number {
  let rest = data.toString('latin1');
  let parsed = 0;
  let blocks = 0;
  for (;;) {
    const next = decodePem(rest);
    if (!next) break;
    rest = next.rest;
    blocks++;
    const { block } = next;
    if (block.type !== 'CERTIFICATE' || Object.keys(block.headers).length !== 0) {
      skip(b, path, block.type !== 'CERTIFICATE' ? `PEM block ${blocks} is a ${block.type}, not a CERTIFICATE` : `PEM block ${blocks} has headers`);
      continue;
    }
    const key = block.bytes.toString('latin1');
    if (b.parsed.has(key)) {
      const failed = b.parsed.get(key);
      if (failed === undefined) parsed++;
      else skip(b, path, `PEM block ${blocks}: ${failed}`);
      continue;
    }
    try {
      // cert_pool.go AppendCertsFromPEM: the block joins the pool only if ParseCertificate reads it.
      const cert = parseCertificate(block.bytes, b.rules);
      parsed++;
      b.parsed.set(key, undefined);
      b.certs.push(cert);
    } catch (err) {
      const reason = err instanceof CertificateParseError ? err.message : String(err);
      b.parsed.set(key, reason);
      skip(b, path, `PEM block ${blocks}: ${reason}`);
    }
  }
  if (blocks === 0) skip(b, path, 'no PEM data found');
  return parsed;
}

/** Load the roots Go would use. Never throws: problems go to `skipped`, `refused` and `error`. */
export async function loadTrustStore(src: TrustStoreSources, fs: InputFs = diskInputFs): Promise<TrustStore> {
  const b: PoolBuilder = { rules: src.rules ?? {}, certs: [], skipped: [], skippedDropped: 0, parsed: new Map() };
  const refused: InputFileError[] = [];
  const loaded: { path: string; kind: 'file' | 'dir'; certs: number }[] = [];
  let firstErr: string | undefined;

  const files = src.sslCertFile ? [src.sslCertFile] : (src.files ?? GO_CERT_FILES);
  for (const file of files) {
    let data: Buffer;
    try {
      data = await fs.readFile(file, 'certificate file');
    } catch (err) {
      const code = errnoOf(err);
      if (err instanceof InputFileError && err.refused) {
        refused.push(err);
        skip(b, file, err.message);
      } else if (code !== 'ENOENT') {
        const msg = goPathError(readOp(err), file, err);
        firstErr ??= msg;
        skip(b, file, msg);
      }
      continue;
    }
    loaded.push({ path: file, kind: 'file', certs: appendCertsFromPem(b, file, data) });
    break;
  }

  const dirs = src.sslCertDir ? src.sslCertDir.split(':') : (src.dirs ?? GO_CERT_DIRECTORIES);
  for (const dir of dirs) {
    let entries: DirEntry[];
    try {
      entries = await fs.readdir(dir);
    } catch (err) {
      const code = errnoOf(err);
      if (code !== 'ENOENT') {
        const op = code === 'ENOTDIR' && !src.readDirOpensDirectory ? 'readdirent' : 'open';
        const msg = goPathError(op, dir, err);
        firstErr ??= msg;
        skip(b, dir, msg);
      }
      continue;
    }
    // os.ReadDir sorts by name; only the first MAX_DIR_ENTRIES are read.
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    if (entries.length > MAX_DIR_ENTRIES) {
      skip(b, dir, `${entries.length - MAX_DIR_ENTRIES} entries beyond the first ${MAX_DIR_ENTRIES} not read`);
      entries = entries.slice(0, MAX_DIR_ENTRIES);
    }
    // A Debian /etc/ssl/certs holds ~300 entries, each a few file system calls on libuv's pool: read
    // DIR_READ_WINDOW of them at a time, and add them in go's (sorted) order. At most that many files
    // are held at once, so memory stays bounded by the window times the cap.
    const entry = async ({ name, symlink }: DirEntry): Promise<{ path: string; data?: Buffer; err?: unknown }> => {
      const path = `${dir}/${name}`;
      if (symlink && (await isSameDirSymlink(fs, path))) return { path };
      try {
        return { path, data: await fs.readFile(path, 'certificate file') };
      } catch (err) {
        return { path, err };
      }
    };
    const window: Promise<{ path: string; data?: Buffer; err?: unknown }>[] = entries.slice(0, DIR_READ_WINDOW).map(entry);
    let certs = 0;
    for (let i = 0; i < entries.length; i++) {
      const { path, data, err } = await window[i % DIR_READ_WINDOW]!;
      if (data) certs += appendCertsFromPem(b, path, data);
      else if (err !== undefined) {
        // Go ignores unreadable directory entries (sub-directories, dangling links) silently; but on a
        // FIFO or device its os.ReadFile blocks or never ends.
        if (err instanceof InputFileError && err.refused) refused.push(err);
        if (errnoOf(err) !== 'EISDIR') skip(b, path, err instanceof InputFileError && err.refused ? err.message : goPathError(readOp(err), path, err));
      }
      if (i + DIR_READ_WINDOW < entries.length) window[i % DIR_READ_WINDOW] = entry(entries[i + DIR_READ_WINDOW]!);
    }
    loaded.push({ path: dir, kind: 'dir', certs });
  }

  if (b.skippedDropped > 0) b.skipped.push({ path: '', reason: `${b.skippedDropped} more skipped entries not listed` });
  return new LoadedTrustStore(b.certs, b.rules, {
    loaded,
    skipped: b.skipped,
    refused,
    ...(b.certs.length === 0 && firstErr !== undefined ? { error: `x509: failed to load system roots and no roots provided; ${firstErr}` } : {}),
  });
}

/**
 * A store loadTrustStore read: the parsed roots, and their PEM text and fingerprints made only when first
 * asked (a run whose TLS stays with the origins never needs them: encoding 150 roots and hashing them
 * was a few ms of the config stage, in front of the first query).
 */
class LoadedTrustStore implements TrustStore {
  readonly certs: readonly ParsedCertificate[];
  readonly rules: ParseRules;
  readonly loaded: TrustStore['loaded'];
  readonly skipped: TrustStore['skipped'];
  readonly refused: TrustStore['refused'];
  readonly error?: string;
  #pems: readonly string[] | undefined;
  #fingerprints: ReadonlySet<string> | undefined;

  constructor(certs: readonly ParsedCertificate[], rules: ParseRules, facts: Pick<TrustStore, 'loaded' | 'skipped' | 'refused' | 'error'>) {
    this.certs = certs;
    this.rules = rules;
    this.loaded = facts.loaded;
    this.skipped = facts.skipped;
    this.refused = facts.refused;
    if (facts.error !== undefined) this.error = facts.error;
  }

  get pems(): readonly string[] {
    return (this.#pems ??= this.certs.map((c) => derToPem('CERTIFICATE', c.raw)));
  }

  get fingerprints(): ReadonlySet<string> {
    return (this.#fingerprints ??= new Set(this.certs.map((c) => sha256Hex(c.raw))));
  }
}

/** How many roots a store holds (the pool's size: PEM text is not needed to count them). */
export function rootCount(trust: TrustStore): number {
  return trust.certs?.length ?? trust.pems.length;
}

/**
 * readUniqueDirectoryEntries (root_unix.go): a symlink to a name in the same directory is a duplicate.
 * Only entries the directory lists as symlinks are asked (isSameDirSymlink: f.Type()&fs.ModeSymlink).
 */
async function isSameDirSymlink(fs: InputFs, path: string): Promise<boolean> {
  try {
    return !(await fs.readlink(path)).includes('/');
  } catch {
    return false;
  }
}

const heldDers = new WeakMap<TrustStore, ReadonlySet<string>>();

/** Whether the store holds this certificate (by its bytes; `sha256` for a store built by hand). */
export function holdsCertificate(trust: TrustStore, der: Buffer, sha256: string): boolean {
  if (!trust.certs) return trust.fingerprints.has(sha256);
  let held = heldDers.get(trust);
  if (!held) heldDers.set(trust, (held = new Set(trust.certs.map((c) => c.raw.toString('latin1')))));
  return held.has(der.toString('latin1'));
}
