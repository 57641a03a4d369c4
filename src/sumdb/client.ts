// One checksum-database lookup as cmd/go's sumdb.Client performs it on a first run (empty GOPATH, so
// no stored tree head and no cached tiles): fetch /lookup, open the signed tree note with the
// configured key, prove the record is in that tree through tiles of height 8, pick out the lines.
// Mirrors golang.org/x/mod/sumdb/client.go (Lookup, mergeLatestMem, checkRecord, readTile).

import { ParseError, ProbeError } from '../errors.js';
import { escapePath, escapeVersion } from '../goenv/module.js';
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

/**
 * Client.Lookup's error: go wraps what went wrong as "path@version: <reason>" (client.go Lookup). The
 * message is that whole text; `reason` is what is inside the wrapping, which cmd/go prints after its own
 * "path@version: verifying go.mod: path@version/go.mod: " prefix.
 */
export class SumdbError extends ProbeError {
  declare readonly code: SumdbErrorCode;
  /** The text inside Client.Lookup's "path@version: " wrapping. */
  readonly reason: string;
  readonly signatureProblem: SignatureProblem | undefined;
  /** Signatures by keys other than the configured one, "name+hash8". */
  readonly otherSigners: readonly string[];
  constructor(
    code: SumdbErrorCode,
    moduleVersion: string,
    reason: string,
    extra: { signatureProblem?: SignatureProblem; otherSigners?: readonly string[]; cause?: unknown } = {},
  ) {
    super(code, `${moduleVersion}: ${reason}`, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.name = 'SumdbError';
    this.reason = reason;
    this.signatureProblem = extra.signatureProblem;
    this.otherSigners = extra.otherSigners ?? [];
  }
}

/** A module path or version Go refuses to look up (module.EscapePath / EscapeVersion, go's text). */
export class ModuleError extends ParseError {
  constructor(code: 'module.invalid_path' | 'module.invalid_version', message: string) {
    super(code, message);
    this.name = 'ModuleError';
  }
}

/**
 * module.EscapePath and EscapeVersion (goenv/module.ts) as Client.Lookup applies them, with the error
 * told apart by code: a bad path is 'module.invalid_path', a bad version 'module.invalid_version'.
 */
function escapeForLookup(path: string, version: string): [epath: string, evers: string] {
  const rethrow = (code: 'module.invalid_path' | 'module.invalid_version', err: unknown): never => {
    if (err instanceof ParseError) throw new ModuleError(code, err.message);
    throw err;
  };
  let epath: string;
  try {
    epath = escapePath(path);
  } catch (err) {
    return rethrow('module.invalid_path', err);
  }
  try {
    return [epath, escapeVersion(version)];
  } catch (err) {
    return rethrow('module.invalid_version', err);
  }
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
  const at = `${modulePath}@${version}`;
  const [epath, evers] = escapeForLookup(modulePath, version.endsWith('/go.mod') ? version.slice(0, -'/go.mod'.length) : version);
  const data = await fetch(`/lookup/${epath}@${evers}`, signal);

  let record: ReturnType<typeof parseRecord>;
  try {
    record = parseRecord(data);
  } catch (err) {
    throw new SumdbError('sumdb.bad_response', at, (err as Error).message, { cause: err });
  }

  const tree = openTreeNote(record.rest, verifier, at);
  // With no stored tree head, mergeLatest accepts the new head as is (the tree of size 0 is a prefix of
  // every tree); an empty note leaves the client at size 0, so no record can be validated.
  const treeN = tree?.tree.n ?? 0;
  if (record.id < 0) {
    // cmd/go would crash here (tlog.SplitStoredHashIndex panics on a negative index).
    throw new SumdbError('sumdb.bad_response', at, `malformed record data (negative record id ${record.id})`);
  }
  if (tree === undefined || record.id >= treeN) {
    throw new SumdbError('sumdb.bad_proof', at, `cannot validate record ${record.id} in tree of size ${treeN}`);
  }

  const tiles = new RemoteTileReader(fetch, { height: 8 });
  const hashReader = new TileHashReader(tree.tree, tiles, { strict: opts.strictTiles ?? false });
  let leaf: Uint8Array;
  try {
    [leaf] = (await hashReader.readHashes([storedHashIndex(0, record.id)], signal)) as [Uint8Array];
  } catch (err) {
    if (!(err instanceof TlogError)) throw err; // the caller's fetch error, unchanged
    const code = err.code === 'tlog.inconsistent_tile' ? 'sumdb.bad_proof' : 'sumdb.bad_response';
    throw new SumdbError(code, at, err.message, { cause: err });
  }
  if (!hashEqual(leaf, recordHash(record.text))) {
    throw new SumdbError('sumdb.bad_proof', at, 'cannot authenticate record data in server response');
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
    throw new SumdbError('sumdb.bad_response', at, 'checksum missing from sumdb response');
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

/**
 * Tree notes that opened and parsed, per verifier (one per run, parsed by the run's prefetcher or sumdb
 * stage) by their exact bytes. Every lookup carries the tree note it was served under, and go opens it
 * each time (client.go mergeLatestMem, note.Open); a run's lookups usually carry the same one, and its
 * Ed25519 check was ~5% of a 500-module run's CPU. The same bytes under the same key open the same way,
 * so an identical note is opened once; one that fails is opened (and fails) every time.
 */
const openedTreeNotes = new WeakMap<Verifier, Map<string, { tree: Tree; text: string; signedBy: string }>>();
const TREE_NOTES_KEPT = 64;

/** mergeLatestMem's parsing: open the note with the one configured key, then parse the tree (once per identical note). */
function openTreeNote(
  msg: Uint8Array,
  verifier: Verifier,
  at: string,
): { tree: Tree; text: string; signedBy: string } | undefined {
  if (msg.length === 0) return undefined; // "the unsigned, empty timeline"
  const msgText = Buffer.from(msg).toString('utf8');
  let known = openedTreeNotes.get(verifier);
  const seen = known?.get(msgText);
  if (seen) return seen;
  const opened = openTreeNoteUncached(msg, msgText, verifier, at);
  if (!known) openedTreeNotes.set(verifier, (known = new Map()));
  if (known.size < TREE_NOTES_KEPT) known.set(msgText, opened);
  return opened;
}

function openTreeNoteUncached(msg: Uint8Array, msgText: string, verifier: Verifier, at: string): { tree: Tree; text: string; signedBy: string } {
  let opened: ReturnType<typeof openNote>;
  try {
    opened = openNote(msg, [verifier]);
  } catch (err) {
    if (!(err instanceof NoteError)) throw err;
    const reason = `reading tree note: ${err.message}\nnote:\n${msgText}`;
    if (err instanceof UnverifiedNoteError) {
      throw new SumdbError('sumdb.bad_signature', at, reason, {
        signatureProblem: 'unknown_signer',
        otherSigners: err.unverified.map(formatKeyId),
        cause: err,
      });
    }
    if (err.code === 'note.invalid_signature') {
      throw new SumdbError('sumdb.bad_signature', at, reason, { signatureProblem: 'invalid_signature', cause: err });
    }
    throw new SumdbError('sumdb.bad_response', at, reason, { cause: err });
  }
  try {
    return { tree: parseTree(opened.text), text: opened.text, signedBy: formatKeyId(opened.sigs[0]!) };
  } catch (err) {
    if (!(err instanceof TlogError)) throw err;
    throw new SumdbError('sumdb.bad_response', at, `reading tree: ${err.message}\ntree:\n${opened.text}`, { cause: err });
  }
}
