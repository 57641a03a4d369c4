// The root certificates Go loads on Linux (crypto/x509 root_linux.go + root_unix.go, Go 1.23), not
// Node's bundled roots. Rules: SSL_CERT_FILE replaces the file list, and the first file that reads
// wins; SSL_CERT_DIR (':'-separated) replaces the directory list, and every directory is read;
// file and directories are a union; a symlink whose target has no '/' is skipped; missing files
// and directories are ignored; an empty pool after another read error is Go's SystemRootsError.

import { diskInputFs, errnoText, InputFileError, type DirEntry, type InputFs } from '../inputfile.js';
import { CertificateParseError, parseCertificate, type ParseRules, type ParsedCertificate } from './x509/parse.js';
import { DerInput, TAG, contextTag } from './der.js';
import { potentialParents, sha256Hex, type RootPool } from './x509/pool.js';

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
  /**
   * A store still being parsed (PendingTrustStore): settles when every certificate is; until then only
   * `refused`, `rules` and `error` may be read. Absent: everything is there.
   */
  readonly ready?: Promise<void>;
}

/** The store once every certificate of it is parsed (at once for a store that is). */
export async function parsedTrustStore(trust: TrustStore): Promise<TrustStore> {
  if (trust.ready) await trust.ready;
  return trust;
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
/** PEM text kept undecoded while reading (a Debian store is ~0.5 MB); more is decoded as it is read. */
const MAX_UNDECODED_BYTES = 16 * 1024 * 1024;
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
export function decodePem(data: string, decodeBody: (base64: string) => Buffer | undefined = decodeStdBase64): { block: PemBlock; rest: string } | undefined {
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

    const bytes = decodeBody(rest.slice(0, endIndex).replace(/[ \t]/g, ''));
    if (!bytes) continue;
    return {
      block: { type: typeLine, headers, bytes },
      rest: getLine(rest.slice(endIndex + PEM_END.length - 1))[1],
    };
  }
}

/**
 * One PEM block of a file as go's AppendCertsFromPEM meets it (block N of the file is item N-1): a
 * CERTIFICATE, as the index of its DER among the store's distinct ones (a Debian store holds every root
 * twice; an 8 MB file may hold 160,000 copies of one block), or skipped for what it is: the reason, or
 * UNRECORDED past the reasons a report keeps. A file without any block is one item, its reason.
 */
type PemItem = number | string;
const UNRECORDED = -1;

/**
 * One thing reading the store met, in go's order: a skip known from reading (an unreadable file, too many
 * entries), or a file read, whose PEM blocks are decoded when first needed.
 */
type ReadItem =
  | { readonly path: string; readonly reason: string }
  | FileItem;

/** A file read: its text until decoding starts, then what is left of it, and its blocks so far. */
interface FileItem {
  readonly path: string;
  readonly into: number;
  data: Buffer | undefined;
  rest: string | undefined;
  readonly decoded: PemItem[];
  /** Skips recorded as reasons so far. */
  reasons: number;
  /** Every block, once the file is decoded whole. */
  blocks: PemItem[] | undefined;
}

/** The distinct DER blocks of a store (as latin1 text), each parsed at most once. */
interface DerTable {
  readonly index: Map<string, number>;
  readonly ders: string[];
  /**
   * A block's base64 text -> its bytes (or undefined: not base64) and its DER index: a Debian store holds
   * every root three times (the bundle, its copy in /etc/ssl/certs, a file of its own), decoded once.
   */
  readonly bodies: Map<string, { bytes: Buffer | undefined; der?: number }>;
  /** The base64 text of the block decodePem last decoded (decodeSome's own decoder sets it). */
  lastBody: string;
}

/** What reading found, before any PEM block is decoded or certificate parsed. */
interface StoreRead {
  readonly items: ReadItem[];
  readonly table: DerTable;
  readonly loaded: { path: string; kind: 'file' | 'dir' }[];
  readonly refused: InputFileError[];
  readonly firstErr: string | undefined;
}

/**
 * Decodes up to `limit` more PEM blocks of a file (CertPool.AppendCertsFromPEM's walk, without the parse);
 * true once the file is decoded whole (its `blocks` set). A bundle of 150 roots is decoded a few blocks at
 * a time in idle time, so no step of it holds the event loop for long.
 */
function decodeSome(item: FileItem, table: DerTable, limit = Infinity): boolean {
  if (item.blocks) return true;
  if (item.rest === undefined) {
    item.rest = item.data!.toString('latin1');
    item.data = undefined;
  }
  const decodeBody = (base64: string): Buffer | undefined => {
    table.lastBody = base64;
    let known = table.bodies.get(base64);
    if (!known) table.bodies.set(base64, (known = { bytes: decodeStdBase64(base64) }));
    return known.bytes;
  };
  for (let k = 0; k < limit; k++) {
    const next = decodePem(item.rest, decodeBody);
    if (!next) {
      if (item.decoded.length === 0) item.decoded.push('no PEM data found');
      item.blocks = item.decoded;
      item.rest = undefined;
      return true;
    }
    item.rest = next.rest;
    const n = item.decoded.length + 1;
    const { block } = next;
    if (block.type !== 'CERTIFICATE' || Object.keys(block.headers).length !== 0) {
      // The report keeps the first MAX_SKIPPED_REPORTED skips of the whole store: no later one is shown.
      item.decoded.push(++item.reasons > MAX_SKIPPED_REPORTED ? UNRECORDED
        : block.type !== 'CERTIFICATE' ? `PEM block ${n} is a ${block.type}, not a CERTIFICATE` : `PEM block ${n} has headers`);
      continue;
    }
    const body = table.bodies.get(table.lastBody)!;
    if (body.der === undefined) {
      const der = block.bytes.toString('latin1');
      let i = table.index.get(der);
      if (i === undefined) {
        i = table.ders.push(der) - 1;
        table.index.set(der, i);
      }
      body.der = i;
      // The DER is in the table: the bytes need not be held twice (any Buffer tells decodePem "valid").
      body.bytes = DECODED;
    }
    item.decoded.push(body.der);
  }
  return false;
}

/** A file's PEM blocks, decoded whole. */
function pemItems(item: FileItem, table: DerTable): PemItem[] {
  decodeSome(item, table);
  return item.blocks!;
}

const isFileItem = (item: ReadItem): item is FileItem => 'into' in item;

/**
 * Read the roots go would load: every file and directory in go's order, nothing decoded or parsed yet
 * (PendingTrustStore does that, as far as asked, or in idle time). Never throws: problems become skips,
 * `refused` and the SystemRootsError.
 */
export async function readTrustStore(src: TrustStoreSources, fs: InputFs = diskInputFs, idleSliceMs = IDLE_SLICE_MS): Promise<PendingTrustStore> {
  const items: ReadItem[] = [];
  const table: DerTable = { index: new Map(), ders: [], bodies: new Map(), lastBody: '' };
  const r: { -readonly [K in keyof StoreRead]: StoreRead[K] } = { items, table, loaded: [], refused: [], firstErr: undefined };
  const skip = (path: string, reason: string): void => void items.push({ path, reason });
  // Files are kept as read until decoded, up to MAX_UNDECODED_BYTES; past that each is decoded as it is
  // read (its DER is held either way, as go's pool holds it).
  let undecoded = 0;
  const add = (path: string, into: number, data: Buffer): void => {
    const item: FileItem = { path, into, data, rest: undefined, decoded: [], reasons: 0, blocks: undefined };
    items.push(item);
    if ((undecoded += data.length) > MAX_UNDECODED_BYTES) pemItems(item, table);
  };
  const files = src.sslCertFile ? [src.sslCertFile] : (src.files ?? GO_CERT_FILES);
  for (const file of files) {
    let data: Buffer;
    try {
      data = await fs.readFile(file, 'certificate file');
    } catch (err) {
      const code = errnoOf(err);
      if (err instanceof InputFileError && err.refused) {
        r.refused.push(err);
        skip(file, err.message);
      } else if (code !== 'ENOENT') {
        const msg = goPathError(readOp(err), file, err);
        r.firstErr ??= msg;
        skip(file, msg);
      }
      continue;
    }
    r.loaded.push({ path: file, kind: 'file' });
    add(file, r.loaded.length - 1, data);
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
        r.firstErr ??= msg;
        skip(dir, msg);
      }
      continue;
    }
    // os.ReadDir sorts by name; only the first MAX_DIR_ENTRIES are read.
    entries.sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    if (entries.length > MAX_DIR_ENTRIES) {
      skip(dir, `${entries.length - MAX_DIR_ENTRIES} entries beyond the first ${MAX_DIR_ENTRIES} not read`);
      entries = entries.slice(0, MAX_DIR_ENTRIES);
    }
    r.loaded.push({ path: dir, kind: 'dir' });
    const into = r.loaded.length - 1;
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
    for (let i = 0; i < entries.length; i++) {
      const { path, data, err } = await window[i % DIR_READ_WINDOW]!;
      if (data) add(path, into, data);
      else if (err !== undefined) {
        // Go ignores unreadable directory entries (sub-directories, dangling links) silently; but on a
        // FIFO or device its os.ReadFile blocks or never ends.
        if (err instanceof InputFileError && err.refused) r.refused.push(err);
        if (errnoOf(err) !== 'EISDIR') skip(path, err instanceof InputFileError && err.refused ? err.message : goPathError(readOp(err), path, err));
      }
      if (i + DIR_READ_WINDOW < entries.length) window[i % DIR_READ_WINDOW] = entry(entries[i + DIR_READ_WINDOW]!);
    }
  }
  return new PendingTrustStore(r, src.rules ?? {}, idleSliceMs);
}

/** Load the roots Go would use, every certificate parsed. Never throws: problems go to `skipped`, `refused` and `error`. */
export async function loadTrustStore(src: TrustStoreSources, fs: InputFs = diskInputFs): Promise<TrustStore> {
  return (await readTrustStore(src, fs)).parseAll();
}

/** How the event loop is given back between certificates parsed in idle time. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
/** Idle-time work between two turns of the event loop, at most (one certificate parse may take longer). */
const IDLE_SLICE_MS = 0.5;
/** What a base64 text whose DER is in the table decodes to, for decodePem (which only needs "valid"). */
const DECODED = Buffer.alloc(0);
/** PEM blocks decoded in one step of idle-time work. */
const DECODE_STEP_BLOCKS = 4;

/**
 * A store that is read but not yet parsed. go's AppendCertsFromPEM parses every block to decide whether
 * it joins the pool (~150 roots for a Debian store, each in the bundle and in a file of its own: 100-200 ms
 * of CPU with the image's V8 flags), but the config stage's verdicts need only whether some root parses
 * and whether SSL_CERT_FILE holds one: those decode and parse until the first success. The rest is done
 * in idle time (`ready`: one file decoded or one certificate parsed per turn of the event loop, so an
 * answer that arrives is read at most one certificate late) while the first network waits run; what
 * depends on every certificate (`certs`, `pems`, `fingerprints`, the counts in `loaded`, `skipped`) may be
 * read only after `ready` settles, and throws before.
 */
export class PendingTrustStore implements TrustStore {
  readonly rules: ParseRules;
  readonly refused: readonly InputFileError[];
  readonly #read: StoreRead;
  /** Per distinct DER (the table's index): its certificate, or go's parse error; undefined until parsed. */
  readonly #parsed: (ParsedCertificate | string | undefined)[] = [];
  #anyRoot: boolean | undefined;
  #done: LoadedTrustStore | undefined;
  #work: { indexed: Promise<void>; done: Promise<void> } | undefined;
  /** Raw subject (latin1) -> the distinct DERs with that subject, in go's order: the pool's index. */
  readonly #subjects = new Map<string, number[]>();
  /** How far the index is built: the item and block next, and the DERs already filed. */
  readonly #indexAt = { item: 0, block: 0, seen: new Set<number>() };

  readonly #sliceMs: number;

  constructor(read: StoreRead, rules: ParseRules, idleSliceMs: number) {
    this.#read = read;
    this.#sliceMs = idleSliceMs;
    this.rules = rules;
    this.refused = read.refused;
  }

  /** The files and directories read (go's order), without the counts that need every certificate parsed. */
  get read(): readonly { path: string; kind: 'file' | 'dir' }[] {
    return this.#read.loaded;
  }

  #parse(i: number): ParsedCertificate | string {
    let out = this.#parsed[i];
    if (out === undefined) {
      try {
        // cert_pool.go AppendCertsFromPEM: the block joins the pool only if ParseCertificate reads it.
        out = parseCertificate(Buffer.from(this.#read.table.ders[i]!, 'latin1'), this.rules);
      } catch (err) {
        out = err instanceof CertificateParseError ? err.message : String(err);
      }
      this.#parsed[i] = out;
    }
    return out;
  }

  #blocks(item: FileItem): PemItem[] {
    return pemItems(item, this.#read.table);
  }

  /** Whether any root joins the pool: decodes and parses in go's order until the first that does. */
  hasRoots(): boolean {
    if (this.#anyRoot === undefined) {
      this.#anyRoot = this.#read.items.some((item) => isFileItem(item) && this.#blocks(item).some((b) => typeof b === 'number' && b >= 0 && typeof this.#parse(b) !== 'string'));
    }
    return this.#anyRoot;
  }

  /**
   * What go made of one file of the store (SSL_CERT_FILE): whether it was read, whether a certificate of it
   * joins the pool (parsed until the first that does), and the first reason a part of it was skipped,
   * exact whenever none joins (then every block of it was parsed).
   */
  file(path: string): { read: boolean; certs: boolean; firstSkip?: string } {
    const into = this.#read.loaded.findIndex((l) => l.path === path && l.kind === 'file');
    let firstSkip: string | undefined;
    for (const item of this.#read.items) {
      if (item.path !== path) continue;
      if (!isFileItem(item)) {
        firstSkip ??= item.reason;
        continue;
      }
      if (item.into !== into) continue;
      for (const [n, b] of this.#blocks(item).entries()) {
        if (typeof b === 'string') {
          firstSkip ??= b;
          continue;
        }
        if (b === UNRECORDED) continue;
        const parsed = this.#parse(b);
        if (typeof parsed !== 'string') return { read: true, certs: true, ...(firstSkip !== undefined ? { firstSkip } : {}) };
        firstSkip ??= `PEM block ${n + 1}: ${parsed}`;
      }
    }
    return { read: into >= 0, certs: false, ...(firstSkip !== undefined ? { firstSkip } : {}) };
  }

  /** go's SystemRootsError: no root loaded after a read error. Parses until the first root. */
  get error(): string | undefined {
    if (this.#read.firstErr === undefined || this.hasRoots()) return undefined;
    return `x509: failed to load system roots and no roots provided; ${this.#read.firstErr}`;
  }

  /** Every certificate parsed now, without yielding (a caller that needs all of it at once). */
  parseAll(): LoadedTrustStore {
    return (this.#done ??= this.#settle());
  }

  /**
   * Settles when every certificate is parsed; started on first use. The work is done in slices of at most
   * about IDLE_SLICE_MS (readTrustStore's idleSliceMs), each in a turn of the event loop of its own: every
   * file decoded first (then `indexed` settles), then every certificate parsed.
   */
  get ready(): Promise<void> {
    return this.#idleWork().done;
  }

  /**
   * Settles when every file is decoded and the roots are indexed by subject (a walk of each DER to its
   * subject, no parse): from then on `pool()` answers the verifier, parsing only the roots it asks for.
   */
  get indexed(): Promise<void> {
    return this.#idleWork().indexed;
  }

  #idleWork(): { indexed: Promise<void>; done: Promise<void> } {
    if (this.#work) return this.#work;
    let indexedNow!: () => void;
    let indexFailed!: (err: unknown) => void;
    const indexed = new Promise<void>((resolve, reject) => {
      indexedNow = resolve;
      indexFailed = reject;
    });
    const done = (async () => {
      let since = performance.now();
      const slice = async (): Promise<void> => {
        if (performance.now() - since < this.#sliceMs) return;
        await yieldToLoop();
        since = performance.now();
      };
      try {
        await yieldToLoop();
        since = performance.now();
        while (!this.#indexSome(DECODE_STEP_BLOCKS)) await slice();
      } catch (err) {
        indexFailed(err);
        throw err;
      }
      indexedNow();
      for (const item of this.#read.items) {
        if (this.#done) return;
        if (!isFileItem(item)) continue;
        for (const b of item.blocks!) {
          if (typeof b === 'string' || b === UNRECORDED || this.#parsed[b] !== undefined) continue;
          this.#parse(b);
          await slice();
        }
      }
      this.parseAll();
    })();
    // Whoever awaits them sees a failure; nobody has to.
    indexed.catch(() => undefined);
    done.catch(() => undefined);
    return (this.#work = { indexed, done });
  }

  /**
   * Decodes and indexes up to about `limit` more PEM blocks, in go's order: each distinct DER filed under
   * its subject, in the order go's pool adds them. True once every file is done.
   */
  #indexSome(limit: number): boolean {
    const at = this.#indexAt;
    const items = this.#read.items;
    while (at.item < items.length) {
      const item = items[at.item]!;
      if (!isFileItem(item)) {
        at.item++;
        continue;
      }
      if (!decodeSome(item, this.#read.table, limit)) return false;
      const blocks = item.blocks!;
      while (at.block < blocks.length) {
        if (limit-- <= 0) return false;
        const b = blocks[at.block++]!;
        if (typeof b === 'string' || b === UNRECORDED || at.seen.has(b)) continue;
        at.seen.add(b);
        let subject = rawSubjectOf(Buffer.from(this.#read.table.ders[b]!, 'latin1'));
        if (subject === undefined) {
          // Not even the outline of a certificate: parsed now (go's parse fails it too, or says where it sits).
          const parsed = this.#parse(b);
          if (typeof parsed === 'string') continue;
          subject = parsed.rawSubject;
        }
        const key = subject.toString('latin1');
        const list = this.#subjects.get(key);
        if (list) list.push(b);
        else this.#subjects.set(key, [b]);
      }
      at.item++;
      at.block = 0;
    }
    return true;
  }

  /** The subject index, finished now if the idle-time work has not finished it. */
  #index(): Map<string, number[]> {
    this.#indexSome(Infinity);
    return this.#subjects;
  }

  /**
   * The roots as the verifier's pool, parsed only as it asks for them (by subject, or whether it holds a
   * certificate); a root that does not parse is not in it, as AppendCertsFromPEM left it out. Decodes every
   * file now if `indexed` has not settled.
   */
  pool(): RootPool {
    const index = this.#index();
    const table = this.#read.table;
    const inPool = (i: number | undefined): ParsedCertificate | undefined => {
      if (i === undefined) return undefined;
      const parsed = this.#parse(i);
      return typeof parsed === 'string' ? undefined : parsed;
    };
    const bySubject = (rawName: Buffer): ParsedCertificate[] =>
      (index.get(rawName.toString('latin1')) ?? []).flatMap((i) => inPool(i) ?? []);
    return {
      contains: (cert) => this.holds(cert.raw),
      bySubject,
      findPotentialParents: (cert) => potentialParents(bySubject(cert.rawIssuer), cert),
    };
  }

  /** Whether a certificate with exactly these bytes is in the pool. */
  holds(der: Buffer): boolean {
    this.#index();
    const i = this.#read.table.index.get(der.toString('latin1'));
    return i !== undefined && typeof this.#parse(i) !== 'string';
  }

  /** The parsed store; throws before `ready` settled (reading it early is a bug). */
  get parsed(): LoadedTrustStore {
    if (!this.#done) throw new Error('trust store read before its certificates were parsed (await its ready first)');
    return this.#done;
  }

  get pems(): readonly string[] {
    return this.parsed.pems;
  }
  get certs(): readonly ParsedCertificate[] {
    return this.parsed.certs;
  }
  get fingerprints(): ReadonlySet<string> {
    return this.parsed.fingerprints;
  }
  get loaded(): TrustStore['loaded'] {
    return this.parsed.loaded;
  }
  get skipped(): TrustStore['skipped'] {
    return this.parsed.skipped;
  }

  /** Every block decoded and parsed, in go's order: the pool, the counts and the skips. */
  #settle(): LoadedTrustStore {
    const certs: ParsedCertificate[] = [];
    const inPool = new Set<number>();
    const skipped: { path: string; reason: string }[] = [];
    let dropped = 0;
    const skip = (path: string, reason: string): void => {
      if (skipped.length < MAX_SKIPPED_REPORTED) skipped.push({ path, reason });
      else dropped++;
    };
    const counts = this.#read.loaded.map(() => 0);
    for (const item of this.#read.items) {
      if (!isFileItem(item)) {
        skip(item.path, item.reason);
        continue;
      }
      for (const [n, b] of this.#blocks(item).entries()) {
        if (typeof b === 'string' || b === UNRECORDED) {
          skip(item.path, b === UNRECORDED ? '' : b);
          continue;
        }
        const parsed = this.#parse(b);
        if (typeof parsed === 'string') {
          skip(item.path, `PEM block ${n + 1}: ${parsed}`);
          continue;
        }
        counts[item.into]!++;
        if (!inPool.has(b)) {
          inPool.add(b);
          certs.push(parsed);
        }
      }
    }
    if (dropped > 0) skipped.push({ path: '', reason: `${dropped} more skipped entries not listed` });
    const firstErr = this.#read.firstErr;
    return new LoadedTrustStore(certs, this.rules, {
      loaded: this.#read.loaded.map((l, i) => ({ ...l, certs: counts[i]! })),
      skipped,
      refused: this.refused,
      ...(certs.length === 0 && firstErr !== undefined ? { error: `x509: failed to load system roots and no roots provided; ${firstErr}` } : {}),
    });
  }
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

/** What a parsed store holds, as report.json's trustStore and the tls stage's evidence show it. */
export type TrustStoreSummary =
  | { notRead: string }
  | { loaded: TrustStore['loaded']; roots: number; skipped: TrustStore['skipped']; error?: string };

export function trustStoreSummary(trust: TrustStore): TrustStoreSummary {
  if (trust.notRead !== undefined) return { notRead: trust.notRead };
  return { loaded: trust.loaded, roots: rootCount(trust), skipped: trust.skipped, ...(trust.error ? { error: trust.error } : {}) };
}

/**
 * A certificate's raw subject by walking its DER to it (Certificate, TBSCertificate, version, serial,
 * signature algorithm, issuer, validity, subject), without parsing anything: undefined if that outline is
 * not there.
 */
function rawSubjectOf(der: Buffer): Buffer | undefined {
  const raw = new DerInput(der).readElement(TAG.SEQUENCE);
  const certContent = raw && new DerInput(raw).read(TAG.SEQUENCE);
  const tbsContent = certContent && new DerInput(certContent).read(TAG.SEQUENCE);
  if (!tbsContent) return undefined;
  const tbs = new DerInput(tbsContent);
  if (!tbs.readOptional(contextTag(0, true))) return undefined;
  if (!tbs.read(TAG.INTEGER) || !tbs.read(TAG.SEQUENCE) || !tbs.read(TAG.SEQUENCE) || !tbs.read(TAG.SEQUENCE)) return undefined;
  return tbs.readElement(TAG.SEQUENCE);
}

/**
 * What a stage decided on (config, tls): the files and directories read and whether a root parses. Every
 * root is parsed in idle time: the counts are report.json's trustStore (trustStoreSummary).
 */
export function trustStoreRead(trust: TrustStore): { notRead: string } | { read: { path: string; kind: 'file' | 'dir' }[]; hasRoots: boolean } {
  if (trust.notRead !== undefined) return { notRead: trust.notRead };
  const read = trust instanceof PendingTrustStore ? [...trust.read] : trust.loaded.map(({ path, kind }) => ({ path, kind }));
  return { read, hasRoots: storeHasRoots(trust) };
}

/** Settles when the store can answer the verifier: a pending store once indexed (its roots parsed as asked), others once parsed. */
export async function rootsIndexed(trust: TrustStore): Promise<void> {
  if (trust instanceof PendingTrustStore) await trust.indexed;
  else if (trust.ready) await trust.ready;
}

/** Whether any root is in the pool (a pending store parses until the first that is). */
export function storeHasRoots(trust: TrustStore): boolean {
  return trust instanceof PendingTrustStore ? trust.hasRoots() : rootCount(trust) > 0;
}

/** The files and directories the store was read from. */
export function storePaths(trust: TrustStore): string[] {
  return (trust instanceof PendingTrustStore ? trust.read : trust.loaded).map((l) => l.path);
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
  if (trust instanceof PendingTrustStore) return trust.holds(der);
  if (!trust.certs) return trust.fingerprints.has(sha256);
  let held = heldDers.get(trust);
  if (!held) heldDers.set(trust, (held = new Set(trust.certs.map((c) => c.raw.toString('latin1')))));
  return held.has(der.toString('latin1'));
}
