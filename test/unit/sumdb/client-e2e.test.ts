// lookupAndVerify against the SumdbFixture served by a real node:http server on loopback.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbeError } from '../../../src/errors.js';
import { buildModule } from '../../../src/lab/modzip.js';
import { SumdbFixture } from '../../../src/lab/sumdb-server.js';
import { SumdbError, findHash, lookupAndVerify, type SumdbFetch } from '../../../src/sumdb/client.js';
import { parseVerifierKey } from '../../../src/sumdb/note.js';
import { formatRecord, hashToString, recordHash } from '../../../src/sumdb/tlog.js';
import { recordedTlogVectors } from '../../vectors/record.js';

class HttpStatusError extends ProbeError {
  constructor(
    readonly status: number,
    url: string,
  ) {
    super('sumdb.server_error', `reading ${url}: ${status}`);
  }
}

const MAX_BODY = 1 << 20;

/** A fetch over node:http, as the probe's HTTP client would be: status checked, body capped. */
function httpFetch(base: string, log?: string[]): SumdbFetch {
  return (path, signal) =>
    new Promise((resolve, reject) => {
      log?.push(path);
      const url = base + path;
      const req = http.get(url, { signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error('body too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode === 200) resolve(Buffer.concat(chunks));
          else reject(new HttpStatusError(res.statusCode ?? 0, url));
        });
        res.on('error', reject);
      });
      req.on('error', reject);
    });
}

async function serve(fixture: SumdbFixture): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (!fixture.handle(req.url ?? '/', res)) {
      res.writeHead(404);
      res.end('not a sumdb path\n');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const h1 = (s: string) => `h1:${createHash('sha256').update(s).digest('base64')}`;
const signal = () => AbortSignal.timeout(10_000);

function fill(fixture: SumdbFixture, n: number): void {
  for (let i = fixture.size; i < n; i++) fixture.add(`example.com/m${i}`, `v1.0.${i}`, h1(`zip${i}`), h1(`mod${i}`));
}

describe.each([1, 2, 255, 256, 257, 1000])('a log of %i records', (size) => {
  const fixture = new SumdbFixture({ name: 'sum.lab.example' });
  fill(fixture, size);
  const verifier = parseVerifierKey(fixture.verifierKey);
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    srv = await serve(fixture);
  });
  afterAll(() => srv.close());

  const ids = [...new Set([0, 3, 100, 255, 256, 513, 999, size - 1].filter((i) => i < size))];
  it.each(ids)('proves record %i with the tiles Go reads', async (id) => {
    const got = await lookupAndVerify(httpFetch(srv.base), verifier, `example.com/m${id}`, `v1.0.${id}`, signal());
    expect(got.recordId).toBe(id);
    expect(got.lines).toEqual([`example.com/m${id} v1.0.${id} ${h1(`zip${id}`)}`]);
    expect(got.recordLines).toEqual([...got.lines, `example.com/m${id} v1.0.${id}/go.mod ${h1(`mod${id}`)}`]);
    expect(got.tree).toEqual({ n: size, hash: hashToString(fixture.rootHash()) });
    expect(got.noteText).toBe(`go.sum database tree\n${size}\n${got.tree.hash}\n`);
    expect(got.signedBy).toBe(`${verifier.name}+${verifier.hash.toString(16).padStart(8, '0')}`);
    expect(got.unauthenticatedTiles).toEqual([]);
    for (const go of recordedTlogVectors()) {
      const plan = go.tileReads.find(([n, i]) => n === size && i === id);
      if (plan) expect([...got.tilesFetched].sort(), go.go).toEqual(plan[2].map((p) => `/${p}`).sort());
    }
    expect(got.tilesFetched.length).toBeGreaterThan(0);
  });

  it('gives the go.mod line for version/go.mod from the same record', async () => {
    const id = size - 1;
    const got = await lookupAndVerify(httpFetch(srv.base), verifier, `example.com/m${id}`, `v1.0.${id}/go.mod`, signal());
    expect(got.lines).toEqual([`example.com/m${id} v1.0.${id}/go.mod ${h1(`mod${id}`)}`]);
    expect(findHash(got.lines, `example.com/m${id}`, `v1.0.${id}/go.mod`)).toBe(h1(`mod${id}`));
    expect(findHash(got.recordLines, `example.com/m${id}`, `v1.0.${id}`)).toBe(h1(`zip${id}`));
  });
});

describe('escaping, fallback and faults', () => {
  const fixture = new SumdbFixture({ name: 'sum.lab.example' });
  const azure = buildModule('github.com/Azure/go-Thing', 'v1.0.0-RC1', { 'a.go': 'package thing\n' });
  fill(fixture, 300);
  const azureId = fixture.add('github.com/Azure/go-Thing', 'v1.0.0-RC1', azure.zipHash, azure.goModHash);
  const verifier = parseVerifierKey(fixture.verifierKey);
  const at = 'example.com/m7@v1.0.7: ';
  let srv: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    srv = await serve(fixture);
  });
  afterAll(() => srv.close());

  async function failure(p: Promise<unknown>): Promise<SumdbError> {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SumdbError);
    // Client.Lookup's wrapping and what is inside it, carried apart (cmd/go prints the inside after its own prefix).
    const e = err as SumdbError;
    expect(e.message.slice(0, e.message.length - e.reason.length)).toMatch(/^example\.com\/m\d@v1\.0\.\d: $/);
    expect(e.message.endsWith(e.reason)).toBe(true);
    return e;
  }

  it('case-escapes path and version as the client does, and the server unescapes them', async () => {
    const log: string[] = [];
    const got = await lookupAndVerify(httpFetch(srv.base, log), verifier, 'github.com/Azure/go-Thing', 'v1.0.0-RC1', signal());
    expect(log[0]).toBe('/lookup/github.com/!azure/go-!thing@v1.0.0-!r!c1');
    expect(got.recordId).toBe(azureId);
    expect(findHash(got.lines, 'github.com/Azure/go-Thing', 'v1.0.0-RC1')).toBe(azure.zipHash);
    // The proxy protocol sends "!" as %21; the server decodes it.
    const pct: SumdbFetch = (path, s) => httpFetch(srv.base)(path.replaceAll('!', '%21'), s);
    expect((await lookupAndVerify(pct, verifier, 'github.com/Azure/go-Thing', 'v1.0.0-RC1', signal())).recordId).toBe(azureId);
  });

  it('falls back to the full tile when a partial tile is gone', async () => {
    // A lookup answered when the log had 301 records, read after it grew to 600: partial tiles of
    // the old tree are gone (404 here), the full ones exist.
    const body = await httpFetch(srv.base)('/lookup/example.com/m7@v1.0.7', signal());
    fill(fixture, 600);
    const log: string[] = [];
    const fetch: SumdbFetch = async (path, s) => {
      if (path.startsWith('/lookup/')) return body;
      log.push(path);
      const full = path.replace(/\.p\/\d+$/, '');
      if (full !== path && (await httpFetch(srv.base)(full, s).then(() => true, () => false))) {
        throw new HttpStatusError(404, path); // completed since: only the full tile is served
      }
      return httpFetch(srv.base)(path, s);
    };
    const got = await lookupAndVerify(fetch, verifier, 'example.com/m7', 'v1.0.7', signal());
    expect(got.tree.n).toBe(301);
    expect(log).toEqual(expect.arrayContaining(['/tile/8/0/001.p/45', '/tile/8/0/001', '/tile/8/1/000.p/1']));
    expect(got.tilesFetched).toContain('/tile/8/0/001');
    expect(got.tilesFetched).not.toContain('/tile/8/0/001.p/45');
  });

  it('wrongKey: the note is signed by an unknown key', async () => {
    fixture.faults = { wrongKey: true };
    try {
      const e = await failure(lookupAndVerify(httpFetch(srv.base), verifier, 'example.com/m7', 'v1.0.7', signal()));
      expect(e.code).toBe('sumdb.bad_signature');
      expect(e.signatureProblem).toBe('unknown_signer');
      expect(e.otherSigners).toHaveLength(1);
      expect(e.otherSigners[0]).toMatch(/^sum\.lab\.example\+[0-9a-f]{8}$/);
      expect(e.otherSigners[0]).not.toBe(verifier.keyString.split('+').slice(0, 2).join('+'));
      expect(e.message).toMatch(new RegExp(`^${at}reading tree note: note has no verifiable signatures\\nnote:\\ngo\\.sum database tree\\n`));
    } finally {
      fixture.faults = {};
    }
  });

  it('tamperNote: the configured key signed a different text', async () => {
    fixture.faults = { tamperNote: true };
    try {
      const e = await failure(lookupAndVerify(httpFetch(srv.base), verifier, 'example.com/m7', 'v1.0.7', signal()));
      expect(e.code).toBe('sumdb.bad_signature');
      expect(e.signatureProblem).toBe('invalid_signature');
      const id = `${verifier.name}+${verifier.hash.toString(16).padStart(8, '0')}`;
      expect(e.message.startsWith(`${at}reading tree note: invalid signature for key ${id}\nnote:\n`)).toBe(true);
    } finally {
      fixture.faults = {};
    }
  });

  it('a client configured with another key rejects the real one', async () => {
    const other = parseVerifierKey(new SumdbFixture({ name: 'sum.lab.example' }).verifierKey);
    const e = await failure(lookupAndVerify(httpFetch(srv.base), other, 'example.com/m7', 'v1.0.7', signal()));
    expect(e.code).toBe('sumdb.bad_signature');
    expect(e.signatureProblem).toBe('unknown_signer');
  });

  it('corruptTile: the tiles do not add up to the signed tree', async () => {
    fixture.faults = { corruptTile: true };
    try {
      const e = await failure(lookupAndVerify(httpFetch(srv.base), verifier, 'example.com/m7', 'v1.0.7', signal()));
      expect(e.code).toBe('sumdb.bad_proof');
      expect(e.message).toBe(`${at}downloaded inconsistent tile`);
    } finally {
      fixture.faults = {};
    }
  });

  it.each([404, 500, 503])('status %i: the fetch error propagates unchanged', async (status) => {
    fixture.faults = { status };
    try {
      const err = await lookupAndVerify(httpFetch(srv.base), verifier, 'example.com/m7', 'v1.0.7', signal()).catch((e) => e);
      expect(err).toBeInstanceOf(HttpStatusError);
      expect((err as HttpStatusError).status).toBe(status);
    } finally {
      fixture.faults = {};
    }
  });

  it('omitRecord: a proven record that does not name the module', async () => {
    fixture.faults = { omitRecord: 'example.com/m7@v1.0.7' };
    try {
      const e = await failure(lookupAndVerify(httpFetch(srv.base), verifier, 'example.com/m7', 'v1.0.7', signal()));
      expect(e.code).toBe('sumdb.bad_response');
      expect(e.message).toBe(`${at}checksum missing from sumdb response`);
    } finally {
      fixture.faults = {};
    }
  });

  it('unparsable answers and records outside the tree', async () => {
    const note = fixture.signedTree();
    const answer = (body: string): SumdbFetch => async (path, s) =>
      path.startsWith('/lookup/') ? Buffer.from(body) : httpFetch(srv.base)(path, s);
    const cases: [string, string, string][] = [
      ['<html>oops</html>', 'sumdb.bad_response', `${at}malformed record data`],
      [`7\nexample.com/m7 v1.0.7 ${h1('zip7')}\n\n`, 'sumdb.bad_proof', `${at}cannot validate record 7 in tree of size 0`],
      [`7\nexample.com/m7 v1.0.7 ${h1('zip7')}\n\ngarbage\n`, 'sumdb.bad_response', `${at}reading tree note: malformed note\nnote:\ngarbage\n`],
      [`${fixture.size}\nexample.com/m7 v1.0.7 h1:x\n\n${note}`, 'sumdb.bad_proof', `${at}cannot validate record ${fixture.size} in tree of size ${fixture.size}`],
      [`7\nexample.com/m7 v1.0.7 h1:forged\n\n${note}`, 'sumdb.bad_proof', `${at}cannot authenticate record data in server response`],
      [`-1\nexample.com/m7 v1.0.7 h1:x\n\n${note}`, 'sumdb.bad_response', `${at}malformed record data (negative record id -1)`],
    ];
    for (const [body, code, message] of cases) {
      const e = await failure(lookupAndVerify(answer(body), verifier, 'example.com/m7', 'v1.0.7', signal()));
      expect([code, e.message]).toEqual([e.code, message]);
    }
  });

  it('a forged record under a tile go never checks: accepted as go does, reported, rejected when strict', async () => {
    // Record 5 of the honest log says h1:zip5; the attacker serves other lines for id 5 and patches leaf 5
    // of tile/8/0/000, which x/mod's tileHashReader never checks against tile/8/1/000.p/N (cmd/go 1.23
    // was seen accepting exactly this).
    const forged = Buffer.from(`example.com/m5 v1.0.5 h1:forged\nexample.com/m5 v1.0.5/go.mod ${h1('mod5')}\n`);
    const note = fixture.signedTree();
    const fetch: SumdbFetch = async (path, s) => {
      if (path.startsWith('/lookup/')) return Buffer.concat([formatRecord(5, forged), Buffer.from(note)]);
      const data = Buffer.from(await httpFetch(srv.base)(path, s));
      if (path === '/tile/8/0/000') data.set(recordHash(forged), 5 * 32);
      return data;
    };
    const got = await lookupAndVerify(fetch, verifier, 'example.com/m5', 'v1.0.5', signal());
    expect(got.lines).toEqual(['example.com/m5 v1.0.5 h1:forged']);
    expect(got.unauthenticatedTiles).toEqual(['tile/8/0/000']);
    const e = await failure(lookupAndVerify(fetch, verifier, 'example.com/m5', 'v1.0.5', signal(), { strictTiles: true }));
    expect(e.code).toBe('sumdb.bad_proof');
    expect(e.message).toBe('example.com/m5@v1.0.5: downloaded inconsistent tile');
  });

  it('refuses module paths and versions go would not look up, before any request', async () => {
    const log: string[] = [];
    await expect(lookupAndVerify(httpFetch(srv.base, log), verifier, 'notadomain/x', 'v1.0.0', signal())).rejects.toMatchObject({
      code: 'module.invalid_path',
      message: 'malformed module path "notadomain/x": missing dot in first path element',
    });
    await expect(lookupAndVerify(httpFetch(srv.base, log), verifier, 'example.com/x', 'v1.0.0!', signal())).rejects.toMatchObject({
      code: 'module.invalid_version',
      message: 'version "v1.0.0!" invalid: disallowed version string',
    });
    expect(log).toEqual([]);
  });

  it('serves /latest and data tiles in the real formats', async () => {
    const latest = Buffer.from(await httpFetch(srv.base)('/latest', signal())).toString();
    expect(latest).toBe(fixture.signedTree());
    const data = Buffer.from(await httpFetch(srv.base)('/tile/8/data/000.p/2', signal())).toString();
    expect(data).toBe(`0\nexample.com/m0 v1.0.0 ${h1('zip0')}\nexample.com/m0 v1.0.0/go.mod ${h1('mod0')}\n\n1\nexample.com/m1 v1.0.1 ${h1('zip1')}\nexample.com/m1 v1.0.1/go.mod ${h1('mod1')}\n\n`);
    await expect(httpFetch(srv.base)('/tile/8/0/x001/000', signal())).rejects.toMatchObject({ status: 404 });
    await expect(httpFetch(srv.base)('/tile/8/0/0', signal())).rejects.toMatchObject({ status: 400 });
    await expect(httpFetch(srv.base)('/lookup/example.com/m1@latest', signal())).rejects.toMatchObject({ status: 400 });
  });
});
