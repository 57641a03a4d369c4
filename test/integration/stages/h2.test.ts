// HTTP/2 as go speaks it: the HTTP client negotiates h2 by ALPN (as go's DefaultTransport) and speaks it;
// an origin whose h2 streams are reset while HTTP/1.1 works fails the stage that made the request with
// go's text, and GODEBUG=http2client=0 makes the probe (as go) speak HTTP/1.1 and pass.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startH2Origin, type H2Origin } from '../../../src/lab/h2-origin.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;
const origins: H2Origin[] = [];

beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await Promise.all(origins.map((o) => o.close()));
  await lab?.close();
  cleanupRuns();
});

async function h2Origin(resetStreams: boolean): Promise<H2Origin> {
  const o = await startH2Origin({
    tls: { cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem, key: lab.pki.leaf.keyPem },
    handler: (req, res) => lab.goproxy.handle(req, res),
    resetStreams,
  });
  origins.push(o);
  return o;
}

describe('HTTP/2 as go speaks it', () => {
  it('speaks h2 where ALPN selects it, and says so', async () => {
    const origin = await h2Origin(false);
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${origin.port}` } });
    expect(run.exitCode).toBe(0);
    expect(origin.seen.length).toBeGreaterThan(0);
    expect(origin.seen.every((r) => r.version === '2.0')).toBe(true);
    const h = (run.stage('tls').evidence['handshakes'] as { alpn: string }[])[0]!;
    expect(h.alpn).toBe('h2');
    // report.json: every request to the origin went over h2 (the storage host behind the redirect speaks HTTP/1.1).
    const requests = run.report.requests ?? [];
    const toOrigin = requests.filter((r) => r.url.startsWith(`https://${LAB_NAMES.proxy}:${origin.port}/`));
    expect(toOrigin.length).toBe(origin.seen.length);
    expect(toOrigin.filter((r) => r.protocol !== 'h2' || !(r.status === 200 || r.status === 302))).toEqual([]);
    expect(requests.some((r) => r.url.startsWith(`https://${LAB_NAMES.storage}:`) && r.protocol === 'http/1.1')).toBe(true);
  });

  it('an origin whose h2 streams are reset fails the proxy stage with go\'s stream error', async () => {
    const origin = await h2Origin(true);
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${origin.port}` } });
    expect(run.exitCode).toBe(13);
    expect(run.report.failure).toMatchObject({ stage: 'proxy', cause: 'proxy.http.h2_stream_error' });
    expect(run.report.failure!.goError).toMatch(/: Get "https:\/\/proxy\.lab\.test:\d+\/[^"]+": stream error: stream ID \d+; INTERNAL_ERROR; received from peer$/);
    expect(run.report.failure!.hint).toContain('GODEBUG=http2client=0');
    expect(run.report.requests).toContainEqual(expect.objectContaining({ protocol: 'h2', error: 'http.h2_stream_error' }));
  });

  it('with GODEBUG=http2client=0 it speaks HTTP/1.1 to the same origin, and passes', async () => {
    const origin = await h2Origin(true);
    const run = await probeLab(lab, { env: { GOPROXY: `https://${LAB_NAMES.proxy}:${origin.port}`, GODEBUG: 'http2client=0' } });
    expect(run.exitCode).toBe(0);
    expect(origin.seen.length).toBeGreaterThan(0);
    expect(origin.seen.every((r) => r.version === '1.1')).toBe(true);
    expect(run.report.requests!.every((r) => r.protocol === 'http/1.1')).toBe(true);
  });
});
