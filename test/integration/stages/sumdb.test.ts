// The sumdb stage end to end against the lab checksum database (a real Merkle log signed with a key made
// for the run): go's choice of the base URL (explicit URL, proxy /supported, direct), what it skips,
// what it verifies (signature, proof, record), and the hashes of what the proxy serves.
import { get as httpsGet, createServer as createHttpsServer, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SumdbFixture } from '../../../src/lab/sumdb-server.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { formatRecord, parseRecord, recordHash } from '../../../src/sumdb/tlog.js';
import { cleanupRuns, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab, type ProbeRun } from './harness.js';

let lab: LabTarget;
const servers: Server[] = [];
const sockets = new Set<Socket>();

beforeAll(async () => {
  // 300 more modules: a log past one full tile, so a lookup reads tiles of two levels.
  lab = await startLab({ extraModules: 300 });
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  await lab?.close();
  cleanupRuns();
});

/** An https server with the lab certificate (valid for sum.lab.test) on loopback. */
async function serveHttps(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const pki = lab.pki;
  const server = createHttpsServer({ cert: pki.leaf.certPem + pki.intermediate.certPem, key: pki.leaf.keyPem }, handler);
  servers.push(server);
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** GET from the lab's own checksum database server. */
function fromLabSumdb(path: string): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
  const port = Number(new URL(lab.sumdbURL).port);
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path, servername: LAB_NAMES.sum, ca: lab.pki.root.certPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

interface ModuleCheck {
  path: string;
  version: string;
  recordId?: number;
  tree?: { n: number; hash: string };
  signedBy?: string;
  tiles?: string[];
  unauthenticatedTiles?: string[];
  lines?: string[];
  goMod?: { served?: string; recorded?: string; match?: boolean };
  zip?: { served?: string; recorded?: string; match?: boolean; deferred?: string };
  goSum?: { line: string; recorded?: string; match: boolean }[];
}

const AT = `${LAB_MODULE}@v1.1.0`;
const hello = () => lab.modules.find((m) => m.path === LAB_MODULE && m.version === 'v1.1.0')!;
const checks = (run: ProbeRun): ModuleCheck[] => run.stage('sumdb').evidence['modules'] as ModuleCheck[];
/** GOSUMDB naming only the key: go asks the GOPROXY whether it serves the database first. */
const keyOnly = () => ({ GOSUMDB: lab.sumdb.verifierKey });

function expectSumdbFailure(run: ProbeRun, cause: string): void {
  expect(run.exitCode).toBe(14);
  expect(run.report.failure).toMatchObject({ stage: 'sumdb', cause });
  expect(run.report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:pass', 'sumdb:fail']);
  expect(run.termination).toContain(`FAIL at stage sumdb: ${cause}`);
  expect(run.report.failure!.hint).not.toBe('');
}

describe('sumdb stage: skipped as go skips it', () => {
  it('GOSUMDB=off: skipped, with the config finding', async () => {
    const run = await probeLab(lab, { env: { GOSUMDB: 'off' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('sumdb').status).toBe('skip');
    expect(run.stage('sumdb').evidence['reason']).toBe('GOSUMDB=off');
    expect(run.stage('config').findings.map((f) => f.code)).toContain('config.gosumdb_off');
    expect(run.stage('redirect').status).toBe('pass');
  });

  it('GONOSUMDB matching the module: skipped with a finding naming the pattern', async () => {
    lab.sumdb.faults = { wrongKey: true };
    const run = await probeLab(lab, { env: { GONOSUMDB: 'lab.test/hello' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('sumdb').status).toBe('skip');
    const f = run.stage('sumdb').findings.find((x) => x.code === 'sumdb.skipped_module');
    expect(f?.message).toContain('GONOSUMDB/GOPRIVATE (lab.test/hello)');
  });

  it('GOPRIVATE implies GONOSUMDB', async () => {
    lab.sumdb.faults = { wrongKey: true };
    const run = await probeLab(lab, { env: { GOPRIVATE: 'lab.test', GONOPROXY: 'none' } });
    expect(run.exitCode).toBe(0);
    expect(run.stage('sumdb').status).toBe('skip');
  });
});

describe('sumdb stage: the base URL go uses', () => {
  it('explicit URL in GOSUMDB: used alone, the proxy is never asked /supported', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    expect(run.stage('sumdb').evidence).toMatchObject({ base: lab.sumdbURL, database: LAB_NAMES.sum });
    expect(lab.goproxy.requests.some((p) => p.startsWith('/sumdb/'))).toBe(false);
  });

  it('/supported 200: all sumdb traffic goes through the proxy, so the sum host need not even resolve', async () => {
    lab.dns.set(LAB_NAMES.sum, { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { env: keyOnly() });
    expect(run.exitCode).toBe(0);
    const ev = run.stage('sumdb').evidence;
    expect(ev['base']).toBe(`${lab.proxyURL}/sumdb/${LAB_NAMES.sum}`);
    expect(ev['how']).toContain('never dialed');
    expect(ev['supportedWalk']).toEqual([expect.objectContaining({ entry: lab.proxyURL, outcome: 'ok' })]);
    expect(lab.goproxy.requests).toEqual(expect.arrayContaining([`/sumdb/${LAB_NAMES.sum}/supported`, `/sumdb/${LAB_NAMES.sum}/lookup/${AT}`]));
    expect(lab.dns.queries.some((q) => q.name.startsWith(`${LAB_NAMES.sum}.`))).toBe(false);
    // go learns tree heads from lookups and never asks /latest.
    expect(lab.goproxy.requests).not.toContain(`/sumdb/${LAB_NAMES.sum}/latest`);
  });

  for (const status of [404, 410]) {
    it(`/supported ${status}: go dials https://<name> directly (port 443), and that host is checked layer by layer`, async () => {
      lab.goproxy.faults = { supported: status };
      lab.dns.set(LAB_NAMES.sum, { behaviour: 'nxdomain' });
      const run = await probeLab(lab, { env: keyOnly() });
      expectSumdbFailure(run, 'sumdb.dns.nxdomain');
      expect(run.report.failure!.target).toBe(LAB_NAMES.sum);
      expect(run.stage('sumdb').evidence['base']).toBe(`https://${LAB_NAMES.sum}`);
      expect(run.stage('sumdb').evidence['supportedWalk']).toEqual([expect.objectContaining({ outcome: 'not-exist', status })]);
      expect(run.report.failure!.goError).toMatch(
        new RegExp(`^${AT}: verifying go.mod: ${AT}/go.mod: Get "https://${LAB_NAMES.sum}/lookup/${AT}": dial tcp: lookup ${LAB_NAMES.sum} on 127\\.0\\.0\\.1:\\d+: no such host$`),
      );
    });
  }

  it('/supported 404 and the sum host resolves: the direct dial to :443 is what fails', async () => {
    lab.goproxy.faults = { supported: 404 };
    const run = await probeLab(lab, { env: keyOnly() });
    expectSumdbFailure(run, 'sumdb.tcp.refused');
    expect(run.report.failure!.target).toBe(`${LAB_NAMES.sum}:443`);
  });

  it('/supported 500: the checksum database is unavailable, with no direct fallback', async () => {
    lab.goproxy.faults = { supported: 500 };
    const run = await probeLab(lab, { env: keyOnly() });
    expectSumdbFailure(run, 'sumdb.unavailable_via_proxy');
    expect(run.report.failure!.goError).toBe(
      `${AT}: verifying go.mod: ${AT}/go.mod: reading ${lab.proxyURL}/sumdb/${LAB_NAMES.sum}/supported: 500 Internal Server Error\n\tserver response: sumdb not supported: 500`,
    );
    expect(lab.goproxy.requests.some((p) => p.includes('/lookup/'))).toBe(false);
  });

  it('a "|" after the proxy: /supported 500 falls through to direct', async () => {
    lab.goproxy.faults = { supported: 500 };
    lab.dns.set(LAB_NAMES.sum, { behaviour: 'nxdomain' });
    const run = await probeLab(lab, { env: { ...keyOnly(), GOPROXY: `${lab.proxyURL}|direct` } });
    expectSumdbFailure(run, 'sumdb.dns.nxdomain');
    expect(run.stage('sumdb').evidence['base']).toBe(`https://${LAB_NAMES.sum}`);
  });
});

describe('sumdb stage: what the client verifies', () => {
  it('passes with the record, the signed tree, the signer and the tiles read', async () => {
    const run = await probeLab(lab);
    expect(run.exitCode).toBe(0);
    const [c] = checks(run);
    const m = hello();
    expect(c).toMatchObject({
      path: LAB_MODULE,
      version: 'v1.1.0',
      recordId: 1,
      tree: { n: lab.sumdb.size, hash: Buffer.from(lab.sumdb.rootHash()).toString('base64') },
      signedBy: lab.sumdb.verifierKey.split('+').slice(0, 2).join('+'),
      lines: [`${LAB_MODULE} v1.1.0 ${m.built.zipHash}`, `${LAB_MODULE} v1.1.0/go.mod ${m.built.goModHash}`],
      goMod: { served: m.built.goModHash, recorded: m.built.goModHash, match: true },
      zip: { served: m.built.zipHash, recorded: m.built.zipHash, match: true },
    });
    expect(c!.tiles!.length).toBeGreaterThan(1);
    expect(c!.tiles!.every((t) => t.startsWith('/tile/8/'))).toBe(true);
    expect(c!.unauthenticatedTiles).toBeUndefined();
  });

  it('wrong key: bad_signature, saying the note is signed by another key', async () => {
    lab.sumdb.faults = { wrongKey: true };
    const run = await probeLab(lab);
    expectSumdbFailure(run, 'sumdb.bad_signature');
    expect(run.report.failure!.detail).toMatch(/signed by .*sum\.lab\.test\+[0-9a-f]{8}.*not by/);
    expect(run.report.failure!.goError).toMatch(new RegExp(`^${AT}: verifying go.mod: ${AT}/go.mod: reading tree note: note has no verifiable signatures\nnote:\ngo.sum database tree\n`));
  });

  it('tampered note: bad_signature, saying the note was altered', async () => {
    lab.sumdb.faults = { tamperNote: true };
    const run = await probeLab(lab);
    expectSumdbFailure(run, 'sumdb.bad_signature');
    expect(run.report.failure!.detail).toContain('altered');
    const keyId = lab.sumdb.verifierKey.split('+').slice(0, 2).join('+');
    expect(run.report.failure!.goError).toContain(`${AT}/go.mod: reading tree note: invalid signature for key ${keyId}\nnote:\n`);
  });

  it('corrupt tile: bad_proof, with go\'s "downloaded inconsistent tile"', async () => {
    lab.sumdb.faults = { corruptTile: true };
    const run = await probeLab(lab);
    expectSumdbFailure(run, 'sumdb.bad_proof');
    expect(run.report.failure!.goError).toBe(`${AT}: verifying go.mod: ${AT}/go.mod: downloaded inconsistent tile`);
  });

  it('not found: a database that never saw the module', async () => {
    const other = new SumdbFixture({ name: LAB_NAMES.sum });
    const upper = lab.modules.find((m) => m.path === 'lab.test/Upper')!;
    other.add(upper.path, upper.version, upper.built.zipHash, upper.built.goModHash);
    const port = await serveHttps((req, res) => {
      if (!other.handle((req.url ?? '/').split('?')[0]!, res)) res.writeHead(404).end();
    });
    const run = await probeLab(lab, { env: { GOSUMDB: `${other.verifierKey} https://${LAB_NAMES.sum}:${port}` } });
    expectSumdbFailure(run, 'sumdb.not_found');
    expect(run.report.failure!.goError).toBe(
      `${AT}: verifying go.mod: ${AT}/go.mod: reading https://${LAB_NAMES.sum}:${port}/lookup/${AT}: 404 Not Found\n\tserver response: not found: ${AT}`,
    );
  });

  it('a record under a tile go never checks: accepted as go does, with a finding about the tiles', async () => {
    // Record lab.test/m5 with its two lines swapped (same hashes, other bytes) and leaf 8 of tile 8/0/000
    // patched to match: x/mod's tile reader does not check that tile against tile 8/1, so go accepts it.
    const path = 'lab.test/m5';
    // The lab adds its modules to the log in order: the record id is the module's index.
    const id = lab.modules.findIndex((m) => m.path === path);
    let forged: Uint8Array | undefined;
    const port = await serveHttps((req, res) => {
      const url = req.url ?? '/';
      void fromLabSumdb(url).then(({ status, headers, body }) => {
        let out: Uint8Array = body;
        if (status === 200 && url === `/lookup/${path}@v1.0.0`) {
          const rec = parseRecord(body);
          const lines = Buffer.from(rec.text).toString('utf8').trimEnd().split('\n');
          forged = Buffer.from(`${lines.reverse().join('\n')}\n`);
          out = Buffer.concat([formatRecord(rec.id, forged), rec.rest]);
        } else if (status === 200 && url === '/tile/8/0/000' && forged) {
          out = Buffer.from(body);
          (out as Buffer).set(recordHash(forged), id * 32);
        }
        res.writeHead(status, { 'content-type': headers['content-type'] ?? 'text/plain' }).end(out);
      });
    });
    const run = await probeLab(lab, { modules: [`${path}@v1.0.0`], env: { GOSUMDB: `${lab.sumdb.verifierKey} https://${LAB_NAMES.sum}:${port}` } });
    expect(run.exitCode).toBe(0);
    const [c] = checks(run);
    expect(c!.recordId).toBe(id);
    expect(c!.unauthenticatedTiles).toEqual(['tile/8/0/000']);
    const f = run.stage('sumdb').findings.find((x) => x.code === 'sumdb.unauthenticated_tiles');
    expect(f).toMatchObject({ severity: 'warn' });
    expect(f!.message).toContain('tile/8/0/000');
  });
});

describe('sumdb stage: what the proxy serves against the record', () => {
  it('tampered .mod: checksum_mismatch naming the .mod, with go\'s two hashes', async () => {
    lab.goproxy.faults = { tamperMod: true };
    const run = await probeLab(lab);
    expectSumdbFailure(run, 'sumdb.checksum_mismatch');
    expect(run.report.failure!.target).toBe(`${AT}.mod from ${lab.proxyURL}`);
    expect(run.report.failure!.goError).toMatch(new RegExp(`^${AT}: verifying go.mod: checksum mismatch\n\tdownloaded: h1:\\S+=\n\t${LAB_NAMES.sum}: ${hello().built.goModHash.replace(/[+/]/g, '\\$&')}$`));
    expect(checks(run)[0]!.goMod).toMatchObject({ recorded: hello().built.goModHash, match: false });
  });

  it('tampered .zip: checksum_mismatch naming the .zip', async () => {
    lab.goproxy.zipLocation = () => undefined;
    lab.goproxy.faults = { tamperZip: true };
    const run = await probeLab(lab);
    expectSumdbFailure(run, 'sumdb.checksum_mismatch');
    expect(run.report.failure!.target).toBe(`${AT}.zip from ${lab.proxyURL}`);
    expect(run.report.failure!.goError).toMatch(new RegExp(`^${AT}: verifying module: checksum mismatch\n\tdownloaded: h1:\\S+=\n\t${LAB_NAMES.sum}: `));
    expect(checks(run)[0]!.zip).toMatchObject({ recorded: hello().built.zipHash, match: false });
  });

  it('--gosum lines that differ from the record: checksum_mismatch before the build hits SECURITY ERROR', async () => {
    const m = hello();
    const gosum = `${LAB_MODULE} v1.1.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n${LAB_MODULE} v1.1.0/go.mod ${m.built.goModHash}\n`;
    const run = await probeLab(lab, { files: { 'go.sum': gosum }, args: ['--gosum', '{dir}/go.sum'] });
    expectSumdbFailure(run, 'sumdb.checksum_mismatch');
    expect(run.report.failure!.target).toBe(`go.sum line "${LAB_MODULE} v1.1.0"`);
    expect(run.report.failure!.goError).toBe(`verifying ${AT}: checksum mismatch\n\tdownloaded: ${m.built.zipHash}\n\tgo.sum:     h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=`);
  });

  // Two versions of one module path are two modules: each version's go.sum lines are compared with its
  // own record (they were compared with the first version's, and the second version's never were).
  describe('two versions of one module (--module m@v1.0.0 --module m@v1.1.0)', () => {
    const both = [`${LAB_MODULE}@v1.0.0`, `${LAB_MODULE}@v1.1.0`];
    const v100 = () => lab.modules.find((m) => m.path === LAB_MODULE && m.version === 'v1.0.0')!;
    const lines = (zip100: string, zip110: string) =>
      `${LAB_MODULE} v1.0.0 ${zip100}\n${LAB_MODULE} v1.0.0/go.mod ${v100().built.goModHash}\n${LAB_MODULE} v1.1.0 ${zip110}\n${LAB_MODULE} v1.1.0/go.mod ${hello().built.goModHash}\n`;

    it('go.sum lines that agree for both: each compared with its own version\'s record, the run passes', async () => {
      const run = await probeLab(lab, { modules: both, files: { 'go.sum': lines(v100().built.zipHash, hello().built.zipHash) }, args: ['--gosum', '{dir}/go.sum'] });
      expect(run.exitCode, JSON.stringify(run.report.failure)).toBe(0);
      const byVersion = new Map(checks(run).map((c) => [`${c.path}@${c.version}`, c.goSum]));
      expect(byVersion.get(`${LAB_MODULE}@v1.0.0`)).toEqual([
        expect.objectContaining({ line: `${LAB_MODULE} v1.0.0 ${v100().built.zipHash}`, recorded: v100().built.zipHash, match: true }),
        expect.objectContaining({ line: `${LAB_MODULE} v1.0.0/go.mod ${v100().built.goModHash}`, match: true }),
      ]);
      expect(byVersion.get(`${LAB_MODULE}@v1.1.0`)).toEqual([
        expect.objectContaining({ line: `${LAB_MODULE} v1.1.0 ${hello().built.zipHash}`, recorded: hello().built.zipHash, match: true }),
        expect.objectContaining({ line: `${LAB_MODULE} v1.1.0/go.mod ${hello().built.goModHash}`, match: true }),
      ]);
    });

    it('a wrong line for the second version fails, naming that version', async () => {
      const bad = 'h1:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB=';
      const run = await probeLab(lab, { modules: both, files: { 'go.sum': lines(v100().built.zipHash, bad) }, args: ['--gosum', '{dir}/go.sum'] });
      expectSumdbFailure(run, 'sumdb.checksum_mismatch');
      expect(run.report.failure!.target).toBe(`go.sum line "${LAB_MODULE} v1.1.0"`);
      expect(run.report.failure!.goError).toBe(`verifying ${LAB_MODULE}@v1.1.0: checksum mismatch\n\tdownloaded: ${hello().built.zipHash}\n\tgo.sum:     ${bad}`);
    });
  });

  it('--gosum lines that agree: compared and reported', async () => {
    const m = hello();
    const gosum = `${LAB_MODULE} v1.1.0 ${m.built.zipHash}\n${LAB_MODULE} v1.1.0/go.mod ${m.built.goModHash}\n`;
    const run = await probeLab(lab, { files: { 'go.sum': gosum }, args: ['--gosum', '{dir}/go.sum'] });
    expect(run.exitCode).toBe(0);
    expect(checks(run)[0]!.goSum).toEqual([
      expect.objectContaining({ recorded: m.built.zipHash, match: true }),
      expect.objectContaining({ recorded: m.built.goModHash, match: true }),
    ]);
  });
});
