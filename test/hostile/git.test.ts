// Hostile git servers behind a direct fetch (#16 item 7): a server that trickles its refs, one that lies
// in its pkt-line lengths, one that sends refs without end, one that answers with an ERR packet. Every
// case must end as a named proxy-stage failure within a few operation budgets, with every output written
// and memory bounded (the body cap and the ref cap of src/net/gitsmart.ts and githttps.ts), never a hang.

import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { chainPem, issue } from '../../src/lab/pki.js';
import { serveHttp, type HttpServing } from '../../src/lab/serve.js';
import type { LabTarget } from '../../src/lab/target.js';
import { budget, cleanupRuns, expectNamedFailure, labPki, probeLab, startLab } from './harness.js';

const HOST = 'git.lab.test';
/** A loopback address of its own: the go-import page must be on port 443, where go asks. */
const ADDRESS = '127.77.16.2';
const ADVERTISEMENT = 'application/x-git-upload-pack-advertisement';
const pkt = (s: string): string => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
const OID = '1'.repeat(40);

let lab: LabTarget;
let server: HttpServing;
const timers = new Set<NodeJS.Timeout>();

/** What each hostile repository sends for info/refs. */
const CASES: Record<string, (res: ServerResponse) => void> = {
  trickle(res) {
    res.writeHead(200, { 'content-type': ADVERTISEMENT });
    res.write(pkt('# service=git-upload-pack\n'));
    const t = setInterval(() => res.write('0'), 300);
    timers.add(t);
    res.on('close', () => clearInterval(t));
  },
  lie(res) {
    // A length far past the end of the body: git's "the remote end hung up unexpectedly".
    res.writeHead(200, { 'content-type': ADVERTISEMENT });
    res.end(`${pkt('# service=git-upload-pack\n')}0000fff0${OID} refs/tags/v1.0.0\n`);
  },
  badlength(res) {
    res.writeHead(200, { 'content-type': ADVERTISEMENT });
    res.end(`${pkt('# service=git-upload-pack\n')}0000zz12hello`);
  },
  endless(res) {
    res.writeHead(200, { 'content-type': ADVERTISEMENT });
    res.write(`${pkt('# service=git-upload-pack\n')}0000${pkt(`${OID} HEAD\0multi_ack\n`)}`);
    let i = 0;
    const chunk = (): void => {
      let out = '';
      for (let k = 0; k < 2000; k++) out += pkt(`${OID} refs/tags/endless-${i++}\n`);
      if (res.write(out)) setImmediate(chunk);
      else res.once('drain', chunk);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    chunk();
  },
  err(res) {
    res.writeHead(200, { 'content-type': ADVERTISEMENT });
    res.end(`${pkt('# service=git-upload-pack\n')}0000${pkt('ERR access denied by the lab\n')}`);
  },
};

beforeAll(async () => {
  lab = await startLab();
  const pki = labPki();
  const leaf = issue({ commonName: HOST, sans: [HOST] }, pki.intermediate);
  server = await serveHttp({ host: ADDRESS, port: 443, tls: { cert: chainPem(leaf, pki.intermediate), key: leaf.keyPem } }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://x');
    const page = /^\/h\/(\w+)$/.exec(url.pathname);
    if (page && url.searchParams.get('go-get') === '1') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<meta name="go-import" content="${HOST}/h/${page[1]} git https://${HOST}/h/${page[1]}.git">`);
      return;
    }
    const refs = /^\/h\/(\w+)\.git\/info\/refs$/.exec(url.pathname);
    const handler = refs ? CASES[refs[1]!] : undefined;
    if (!handler) {
      res.writeHead(404);
      res.end();
      return;
    }
    handler(res);
  });
  lab.dns.set(HOST, { a: [ADDRESS], ttl: 30 });
}, 60_000);

afterAll(async () => {
  for (const t of timers) clearInterval(t);
  await server?.close();
  await lab?.close();
  cleanupRuns();
});

const run = (name: string) =>
  probeLab(lab, { modules: [`${HOST}/h/${name}@v1.0.0`], env: { GOPRIVATE: HOST, GIT_SSL_CAINFO: '{dir}/ca.pem', GIT_CONFIG_NOSYSTEM: '1' } });

describe('hostile git servers', () => {
  it('trickles its refs one byte at a time: ends at the request budget (proxy.http.timeout)', async () => {
    const r = await run('trickle');
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.http.timeout', withinMs: budget(6) });
    // go puts no limit on git, and git none on a slow read: the report says how long go would wait.
    if (!/lowSpeedLimit/.test(r.report!.failure!.goWouldWait ?? '')) throw new Error(`goWouldWait: ${r.report!.failure!.goWouldWait}`);
  }, 90_000);

  it('lies about a pkt-line length: proxy.git_protocol (git: the remote end hung up unexpectedly)', async () => {
    const r = await run('lie');
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.git_protocol', withinMs: budget(6) });
    if (!r.report!.failure!.goError!.includes('fatal: the remote end hung up unexpectedly')) throw new Error(r.report!.failure!.goError);
  }, 90_000);

  it("sends a length that is not hex: proxy.git_protocol with git's 'bad line length character'", async () => {
    const r = await run('badlength');
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.git_protocol', withinMs: budget(6) });
    if (!r.report!.failure!.goError!.includes('fatal: protocol error: bad line length character: zz12')) throw new Error(r.report!.failure!.goError);
  }, 90_000);

  it('sends refs without end: the read stops at the cap or the budget, memory bounded', async () => {
    expectNamedFailure(await run('endless'), { stage: 'proxy', cause: ['proxy.http.too_large', 'proxy.http.timeout', 'proxy.git_protocol'], withinMs: budget(6) });
  }, 90_000);

  it("answers with an ERR packet: proxy.git_protocol with git's 'remote error'", async () => {
    const r = await run('err');
    expectNamedFailure(r, { stage: 'proxy', cause: 'proxy.git_protocol', withinMs: budget(6) });
    if (!r.report!.failure!.goError!.includes('fatal: remote error: access denied by the lab')) throw new Error(r.report!.failure!.goError);
  }, 90_000);
});
