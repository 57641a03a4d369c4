// A real checksum database for tests, the demo and the e2e lab: a Merkle log of go.sum records,
// tree heads signed with an Ed25519 note key, and the HTTP endpoints of golang.org/x/mod/sumdb/server.go
// (/lookup, /latest, /tile) in their real formats. Faults make it misbehave on purpose.

import type { ServerResponse } from 'node:http';
import { ParseError } from '../errors.js';
import { unescapePath, unescapeVersion } from '../goenv/module.js';
import { generateKey, parseSignerKey, signNote, type Signer } from '../sumdb/note.js';
import {
  formatRecord,
  formatTree,
  parseTilePath,
  readTileData,
  recordHash,
  storedHashesForRecordHash,
  treeHash,
  TlogError,
  type Hash,
  type HashReader,
} from '../sumdb/tlog.js';

export interface SumdbFixtureOptions {
  name: string;
  /** "PRIVATE+KEY+name+hash+base64"; a fresh key is generated when absent. */
  signerKey?: string;
}

export interface SumdbFaults {
  /** Sign tree heads with another key of the same name (the client sees an unknown signer). */
  wrongKey?: boolean;
  /** Change the tree note text after signing (the signature no longer verifies). */
  tamperNote?: boolean;
  /** Flip a bit in every hash tile served (the tiles do not add up to the signed tree hash). */
  corruptTile?: boolean;
  /** Answer every sumdb request with this HTTP status and a text/plain body. */
  status?: number;
  /**
   * "path@version": answer its lookup with another record of the log (properly signed and proven),
   * so the answer does not name the module. 404 when the log holds no other record.
   */
  omitRecord?: string;
}

const MOD_VER_RE = /^[^@]+@v[0-9]+\.[0-9]+\.[0-9]+(-[^@]*)?(\+incompatible)?$/;
const TEXT = 'text/plain; charset=UTF-8';

export class SumdbFixture {
  readonly name: string;
  readonly verifierKey: string;
  faults: SumdbFaults = {};

  private readonly signer: Signer;
  private wrongSigner: Signer | undefined;
  private readonly records: Uint8Array[] = [];
  private readonly hashes: Hash[] = [];
  private readonly ids = new Map<string, number>();
  private readonly reader: HashReader = {
    readHashes: (indexes) =>
      indexes.map((i) => {
        const h = this.hashes[i];
        if (h === undefined) throw new TlogError('tlog.not_in_tree', `hash ${i} not stored`);
        return h;
      }),
  };

  constructor(opts: SumdbFixtureOptions) {
    this.signer = parseSignerKey(opts.signerKey ?? generateKey(opts.name).signerKey);
    this.name = this.signer.name;
    this.verifierKey = this.signer.keyString;
  }

  /** Number of records in the log (the size of the next signed tree). */
  get size(): number {
    return this.records.length;
  }

  /** Appends the go.sum lines of path@version (or returns the id it already has). */
  add(path: string, version: string, zipHash: string, goModHash: string): number {
    const key = `${path}@${version}`;
    const existing = this.ids.get(key);
    if (existing !== undefined) return existing;
    const text = Buffer.from(`${path} ${version} ${zipHash}\n${path} ${version}/go.mod ${goModHash}\n`, 'utf8');
    formatRecord(0, text); // throws TlogError unless this is valid record text
    const id = this.records.length;
    this.hashes.push(...storedHashesForRecordHash(id, recordHash(text), this.reader));
    this.records.push(text);
    this.ids.set(key, id);
    return id;
  }

  /** The signed tree note of the current log (what /latest serves), faults applied. */
  signedTree(): string {
    const n = this.records.length;
    const text = formatTree({ n, hash: treeHash(n, this.reader) });
    let signer = this.signer;
    if (this.faults.wrongKey) {
      this.wrongSigner ??= parseSignerKey(generateKey(this.name).signerKey);
      signer = this.wrongSigner;
    }
    const signed = signNote(text, signer);
    if (!this.faults.tamperNote) return signed;
    // Keep the signature, change the tree hash it signed.
    const lines = signed.split('\n');
    const tampered = Buffer.from(lines[2]!, 'base64');
    tampered[0]! ^= 0x01;
    lines[2] = tampered.toString('base64');
    return lines.join('\n');
  }

  /**
   * Serves `path` (relative to where the database is mounted, e.g. "/lookup/example.com/m@v1.0.0")
   * if it is a sumdb path, and returns true; returns false without touching `res` otherwise.
   */
  handle(path: string, res: ServerResponse): boolean {
    const q = path.indexOf('?');
    const rawPath = q < 0 ? path : path.slice(0, q);
    if (!(rawPath === '/latest' || rawPath.startsWith('/lookup/') || rawPath.startsWith('/tile/'))) return false;
    if (this.faults.status !== undefined) {
      sendError(res, this.faults.status, `sumdb fixture: status fault ${this.faults.status}`);
      return true;
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(rawPath);
    } catch {
      sendError(res, 400, 'invalid path escaping');
      return true;
    }
    if (decoded === '/latest') {
      send(res, 200, TEXT, Buffer.from(this.signedTree(), 'utf8'));
    } else if (decoded.startsWith('/lookup/')) {
      this.serveLookup(decoded.slice('/lookup/'.length), res);
    } else {
      this.serveTile(decoded.slice(1), res);
    }
    return true;
  }

  private serveLookup(mod: string, res: ServerResponse): void {
    if (!MOD_VER_RE.test(mod)) {
      sendError(res, 400, 'invalid module@version syntax');
      return;
    }
    const at = mod.indexOf('@');
    const escPath = mod.slice(0, at);
    const escVers = mod.slice(at + 1);
    // module.UnescapePath / UnescapeVersion, as golang.org/x/mod/sumdb's server applies them.
    let path: string;
    let vers: string;
    try {
      path = unescapePath(escPath);
      vers = unescapeVersion(escVers);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      sendError(res, 500, err.message);
      return;
    }
    let id = this.ids.get(`${path}@${vers}`);
    if (id !== undefined && this.faults.omitRecord === `${path}@${vers}`) {
      id = this.records.length > 1 ? (id === 0 ? 1 : id - 1) : undefined;
    }
    if (id === undefined) {
      sendError(res, 404, `not found: ${path}@${vers}`);
      return;
    }
    const body = Buffer.concat([formatRecord(id, this.records[id]!), Buffer.from(this.signedTree(), 'utf8')]);
    send(res, 200, TEXT, body);
  }

  private serveTile(tilePath: string, res: ServerResponse): void {
    let t;
    try {
      t = parseTilePath(tilePath);
    } catch {
      sendError(res, 400, 'invalid tile syntax');
      return;
    }
    const start = t.n * 2 ** t.h;
    if (t.l === -1) {
      if (start + t.w > this.records.length) {
        sendError(res, 404, `not found: ${tilePath}`);
        return;
      }
      const parts: Uint8Array[] = [];
      for (let i = 0; i < t.w; i++) parts.push(formatRecord(start + i, this.records[start + i]!));
      send(res, 200, TEXT, Buffer.concat(parts));
      return;
    }
    let data: Uint8Array;
    try {
      data = readTileData(t, this.reader);
    } catch {
      sendError(res, 404, `not found: ${tilePath}`); // the tree has not grown that far
      return;
    }
    if (this.faults.corruptTile) {
      data = Buffer.from(data);
      data[data.length - 1]! ^= 0x01;
    }
    send(res, 200, 'application/octet-stream', data);
  }

  /** Merkle root of the current log (for tests). */
  rootHash(): Hash {
    return treeHash(this.records.length, this.reader);
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: Uint8Array): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length });
  res.end(body);
}

/** http.Error: text/plain, nosniff, the message and a newline. */
function sendError(res: ServerResponse, status: number, msg: string): void {
  const body = Buffer.from(`${msg}\n`, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': body.length,
  });
  res.end(body);
}
