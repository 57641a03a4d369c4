// One checksum-database lookup as cmd/go's sumdb.Client performs it on a first run (empty GOPATH, so
// no stored tree head and no cached tiles): fetch /lookup, open the signed tree note with the
// configured key, prove the record is in that tree through tiles of height 8, pick out the lines.
// Mirrors golang.org/x/mod/sumdb/client.go (Lookup, mergeLatestMem, checkRecord, readTile).

import { ParseError, ProbeError } from '../errors.js';
import { goQuote } from '../goenv/gostrings.js';
import { NoteError, UnverifiedNoteError, formatKeyId, openNote, type Verifier } from './note.js';
import {
  RemoteTileReader,
  TileHashReader,
  TlogError,
  hashEqual,
  hashToString,
  parseRecord,
  parseTree,
  recordHash,
  storedHashIndex,
  type Tree,
} from './tlog.js';

/**
 * Fetches `path` ("/lookup/..." or "/tile/...", relative to the database base URL and already escaped
 * the way Go puts it on the wire). Implementations throw their own typed errors on HTTP or network
 * failure (and cap the body size); those propagate unchanged.
 */
export interface SumdbFetch {
  (path: string, signal: AbortSignal): Promise<Uint8Array>;
}

export interface LookupVerified {
  recordId: number;
  /** The go.sum lines for exactly `version` (as Client.Lookup returns them). */
  lines: string[];
  /** Every line of the record text (the module's zip line and go.mod line). */
  recordLines: string[];
  tree: { n: number; hash: string };
  noteText: string;
  /** The key that signed the tree note, "name+hash8". */
  signedBy: string;
  /** Tile paths fetched, in completion order. */
  tilesFetched: string[];
  /**
   * Tiles that do not match their parent tile but that go's client never checks (see TileHashReader):
   * go accepts this answer; the database or a proxy cache is serving bad tiles.
   */
  unauthenticatedTiles: string[];
}

export interface LookupOptions {
  /** Reject every tile that fails authentication, including those go skips (default false: as go). */
  strictTiles?: boolean;
}

export type SumdbErrorCode = 'sumdb.bad_signature' | 'sumdb.bad_proof' | 'sumdb.bad_response';

/** Why a tree note was rejected, for hints: the key is wrong, or the text was changed. */
export type SignatureProblem =
  | 'unknown_signer' // no signature by the configured key (another key, or another name)
  | 'invalid_signature'; // the configured key's signature does not verify: tampered text or a forged key

export class SumdbError extends ProbeError {
  declare readonly code: SumdbErrorCode;
  readonly signatureProblem: SignatureProblem | undefined;
  /** Signatures by keys other than the configured one, "name+hash8". */
  readonly otherSigners: readonly string[];
  constructor(
    code: SumdbErrorCode,
    message: string,
    extra: { signatureProblem?: SignatureProblem; otherSigners?: readonly string[]; cause?: unknown } = {},
  ) {
    super(code, message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SumdbError';
    this.signatureProblem = extra.signatureProblem;
    this.otherSigners = extra.otherSigners ?? [];
  }
}

/** A module path or version Go refuses to look up (module.EscapePath / EscapeVersion). */
export class ModuleError extends ParseError {
  constructor(code: 'module.invalid_path' | 'module.invalid_version', message: string) {
    super(code, message);
    this.name = 'ModuleError';
  }
}

// ---- module.CheckPath / EscapePath / EscapeVersion (golang.org/x/mod/module) ----

const BAD_WINDOWS_NAMES = new Set([
  'CON', 'PRN', 'AUX', 'NUL',
  'COM1', 'COM2', 'COM3', 'COM4', 'COM5', 'COM6', 'COM7', 'COM8', 'COM9',
  'LPT1', 'LPT2', 'LPT3', 'LPT4', 'LPT5', 'LPT6', 'LPT7', 'LPT8', 'LPT9',
]);

const isAsciiAlnum = (c: string): boolean => /^[0-9A-Za-z]$/.test(c);
const modPathOK = (c: string): boolean => isAsciiAlnum(c) || '-._~'.includes(c);
const fileNameOK = (c: string): boolean =>
  c.codePointAt(0)! < 0x80 ? isAsciiAlnum(c) || "!#$%&()+,-.=@[]^_{}~ ".includes(c) : /^\p{L}$/u.test(c);

/** strconv.QuoteRune for the characters these messages show. */
function quoteRune(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c === "'" || c === '\\') return `'\\${c}'`;
  if (c === '\n') return "'\\n'";
  if (c === '\t') return "'\\t'";
  if (cp < 0x20 || cp === 0x7f) return `'\\x${cp.toString(16).padStart(2, '0')}'`;
  return `'${c}'`;
}

function isWellFormed(s: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

function checkElem(elem: string, kind: 'module' | 'file'): string | undefined {
  if (elem === '') return 'empty path element';
  if ([...elem].every((c) => c === '.')) return `invalid path element ${goQuote(elem)}`;
  if (elem[0] === '.' && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const c of elem) {
    if (!(kind === 'module' ? modPathOK(c) : fileNameOK(c))) return `invalid char ${quoteRune(c)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  if (BAD_WINDOWS_NAMES.has(short.toUpperCase()) && /^[A-Za-z0-9]+$/.test(short)) {
    return `${goQuote(short)} disallowed as path element component on Windows`;
  }
  if (kind === 'file') return undefined;
  const tilde = short.lastIndexOf('~');
  if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1))) {
    return 'trailing tilde and digits in path element';
  }
  return undefined;
}

function checkPathElems(path: string, kind: 'module' | 'file'): string | undefined {
  if (!isWellFormed(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path[0] === '-' && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const err = checkElem(elem, kind);
    if (err !== undefined) return err;
  }
  return undefined;
}

function splitPathVersionOK(path: string): boolean {
  if (path.startsWith('gopkg.in/')) {
    let i = path.length;
    if (path.endsWith('-unstable')) i -= '-unstable'.length;
    while (i > 0 && path[i - 1]! >= '0' && path[i - 1]! <= '9') i--;
    if (i <= 1 || path[i - 1] !== 'v' || path[i - 2] !== '.') return false;
    const major = path.slice(i - 2);
    return !(major.length <= 2 || (major[2] === '0' && major !== '.v0'));
  }
  let i = path.length;
  let dot = false;
  while (i > 0 && ((path[i - 1]! >= '0' && path[i - 1]! <= '9') || path[i - 1] === '.')) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/') return true;
  const major = path.slice(i - 2);
  return !(dot || major.length <= 2 || major[2] === '0' || major === '/v1');
}

/** module.CheckPath: undefined when valid, else Go's error text. */
export function checkModulePath(path: string): string | undefined {
  const wrap = (e: string) => `malformed module path ${goQuote(path)}: ${e}`;
  const err = checkPathElems(path, 'module');
  if (err !== undefined) return wrap(err);
  let i = path.indexOf('/');
  if (i < 0) i = path.length;
  if (i === 0) return wrap('leading slash');
  const first = path.slice(0, i);
  if (!first.includes('.')) return wrap('missing dot in first path element');
  if (path[0] === '-') return wrap('leading dash in first path element');
  for (const c of first) {
    if (!/^[-.0-9a-z]$/.test(c)) return wrap(`invalid char ${quoteRune(c)} in first path element`);
  }
  if (!splitPathVersionOK(path)) return wrap('invalid version');
  return undefined;
}

function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

/** module.EscapePath: "github.com/Azure" -> "github.com/!azure". */
export function escapeModulePath(path: string): string {
  const err = checkModulePath(path);
  if (err !== undefined) throw new ModuleError('module.invalid_path', err);
  return escapeString(path);
}

/** module.EscapeVersion: "v1.0.0-RC1" -> "v1.0.0-!r!c1". */
export function escapeModuleVersion(version: string): string {
  if (!isWellFormed(version) || checkElem(version, 'file') !== undefined || version.includes('!')) {
    throw new ModuleError('module.invalid_version', `version ${goQuote(version)} invalid: disallowed version string`);
  }
  return escapeString(version);
}

// ---- The lookup ----

/**
 * The "h1:..." hash that lines give for modulePath at version ("v1.2.3" for the zip, "v1.2.3/go.mod"
 * for the go.mod file), as cmd/go's checkSumDB reads it; undefined when no line names it.
 */
export function findHash(lines: string[], modulePath: string, version: string): string | undefined {
  const prefix = `${modulePath} ${version} h1:`;
  for (const line of lines) {
    if (line.startsWith(prefix)) return line.slice(prefix.length - 'h1:'.length);
  }
  return undefined;
}

/**
 * Looks up modulePath@version (a trailing "/go.mod" is dropped for the request, as the client does)
 * and verifies the answer: the tree note must be signed by `verifier`, and the record must be proven
 * to be in that tree. Errors from `fetch` propagate unchanged; everything else is a SumdbError whose
 * message is the text Client.Lookup returns ("path@version: ..."), or a ModuleError for a path or
 * version Go would refuse before any request.
 */
export async function lookupAndVerify(
  fetch: SumdbFetch,
  verifier: Verifier,
  modulePath: string,
  version: string,
  signal: AbortSignal,
  opts: LookupOptions = {},
): Promise<LookupVerified> {
  signal.throwIfAborted();
  const at = `${modulePath}@${version}: `;
  const epath = escapeModulePath(modulePath);
  const evers = escapeModuleVersion(version.endsWith('/go.mod') ? version.slice(0, -'/go.mod'.length) : version);
  const data = await fetch(`/lookup/${epath}@${evers}`, signal);

  let record: ReturnType<typeof parseRecord>;
  try {
    record = parseRecord(data);
  } catch (err) {
    throw new SumdbError('sumdb.bad_response', at + (err as Error).message, { cause: err });
  }

  const tree = openTreeNote(record.rest, verifier, at);
  // With no stored tree head, mergeLatest accepts the new head as is (the tree of size 0 is a prefix of
  // every tree); an empty note leaves the client at size 0, so no record can be validated.
  const treeN = tree?.tree.n ?? 0;
  if (record.id < 0) {
    // cmd/go would crash here (tlog.SplitStoredHashIndex panics on a negative index).
    throw new SumdbError('sumdb.bad_response', `${at}malformed record data (negative record id ${record.id})`);
  }
  if (tree === undefined || record.id >= treeN) {
    throw new SumdbError('sumdb.bad_proof', `${at}cannot validate record ${record.id} in tree of size ${treeN}`);
  }

  const tiles = new RemoteTileReader(fetch, { height: 8 });
  const hashReader = new TileHashReader(tree.tree, tiles, { strict: opts.strictTiles ?? false });
  let leaf: Uint8Array;
  try {
    [leaf] = (await hashReader.readHashes([storedHashIndex(0, record.id)], signal)) as [Uint8Array];
  } catch (err) {
    if (!(err instanceof TlogError)) throw err; // the caller's fetch error, unchanged
    const code = err.code === 'tlog.inconsistent_tile' ? 'sumdb.bad_proof' : 'sumdb.bad_response';
    throw new SumdbError(code, at + err.message, { cause: err });
  }
  if (!hashEqual(leaf, recordHash(record.text))) {
    throw new SumdbError('sumdb.bad_proof', `${at}cannot authenticate record data in server response`);
  }

  // Client.Lookup scans the whole response, note included, for "path version " lines.
  const prefix = `${modulePath} ${version} `;
  const lines = Buffer.from(data)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith(prefix));
  const recordLines = Buffer.from(record.text).toString('utf8').split('\n').filter((l) => l !== '');
  if (lines.length === 0) {
    // cmd/go 1.23 accepts an answer without the line and adds the hash to go.sum unchecked (seen with
    // the lab server's omitRecord fault); later releases fail ("verifying module: checksum missing from
    // sumdb response" + SECURITY ERROR). Either way the server did not vouch for the module.
    throw new SumdbError('sumdb.bad_response', `${at}checksum missing from sumdb response`);
  }
  return {
    recordId: record.id,
    lines,
    recordLines,
    tree: { n: tree.tree.n, hash: hashToString(tree.tree.hash) },
    noteText: tree.text,
    signedBy: tree.signedBy,
    tilesFetched: [...tiles.fetched],
    unauthenticatedTiles: [...hashReader.unauthenticated],
  };
}

/** mergeLatestMem's parsing: open the note with the one configured key, then parse the tree. */
function openTreeNote(
  msg: Uint8Array,
  verifier: Verifier,
  at: string,
): { tree: Tree; text: string; signedBy: string } | undefined {
  if (msg.length === 0) return undefined; // "the unsigned, empty timeline"
  const msgText = Buffer.from(msg).toString('utf8');
  let opened: ReturnType<typeof openNote>;
  try {
    opened = openNote(msg, [verifier]);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    const text = `${at}reading tree note: ${err.message}\nnote:\n${msgText}`;
    if (err instanceof UnverifiedNoteError) {
      throw new SumdbError('sumdb.bad_signature', text, {
        signatureProblem: 'unknown_signer',
        otherSigners: err.unverified.map(formatKeyId),
        cause: err,
      });
    }
    if (err.code === 'note.invalid_signature') {
      throw new SumdbError('sumdb.bad_signature', text, { signatureProblem: 'invalid_signature', cause: err });
    }
    throw new SumdbError('sumdb.bad_response', text, { cause: err });
  }
  try {
    return { tree: parseTree(opened.text), text: opened.text, signedBy: formatKeyId(opened.sigs[0]!) };
  } catch (err) {
    if (!(err instanceof TlogError)) throw err;
    throw new SumdbError('sumdb.bad_response', `${at}reading tree: ${err.message}\ntree:\n${opened.text}`, { cause: err });
  }
}
