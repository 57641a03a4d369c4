// HTTPS_PROXY=https://…: TLS to the egress proxy itself, then CONNECT tunnels to every origin, against the
// lab's forward proxy served over TLS with the lab's certificate. The proxy's SecureContext is built once
// per CA set (src/net/tls.ts proxyTlsContext), not once per connection.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ForwardProxyFixture } from '../../../src/lab/forward-proxy.js';
import type { LabTarget } from '../../../src/lab/target.js';
import { proxyTlsContext } from '../../../src/net/tls.js';
import { loadTrustStore } from '../../../src/net/truststore.js';
import { cleanupRuns, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let lab: LabTarget;
let httpsProxy: ForwardProxyFixture;
beforeAll(async () => {
  lab = await startLab();
  httpsProxy = await ForwardProxyFixture.start({
    resolve: (h) => (Object.values(LAB_NAMES).includes(h as never) ? '127.0.0.1' : undefined),
    tls: { cert: lab.pki.leaf.certPem + lab.pki.intermediate.certPem, key: lab.pki.leaf.keyPem },
  });
});
afterEach(() => {
  resetLab(lab);
  httpsProxy.requests.length = 0;
});
afterAll(async () => {
  await httpsProxy?.close();
  await lab?.close();
  cleanupRuns();
});

describe('an https:// egress proxy', () => {
  it('TLS to the proxy, then a CONNECT tunnel for the GOPROXY host, the checksum database and the storage host: the run passes', async () => {
    const run = await probeLab(lab, { env: { HTTPS_PROXY: httpsProxy.url(LAB_NAMES.egress) } });
    expect(run.exitCode).toBe(0);
    const connects = httpsProxy.requests.filter((r) => r.startsWith('CONNECT '));
    for (const host of [LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage]) {
      expect(connects.some((r) => r.startsWith(`CONNECT ${host}:`)), `a tunnel to ${host}`).toBe(true);
    }
  });

  it('a proxy certificate for another name: the tcp stage fails on TLS to the proxy', async () => {
    const wrong = await ForwardProxyFixture.start({
      resolve: () => '127.0.0.1',
      tls: { cert: lab.pki.wrongNameLeaf.certPem + lab.pki.intermediate.certPem, key: lab.pki.wrongNameLeaf.keyPem },
    });
    try {
      const run = await probeLab(lab, { env: { HTTPS_PROXY: wrong.url(LAB_NAMES.egress) } });
      expect(run.exitCode).toBe(11);
      expect(run.report.failure).toMatchObject({ stage: 'tcp', cause: 'tcp.proxy_connect_failed' });
      expect(wrong.requests).toEqual([]);
    } finally {
      await wrong.close();
    }
  });

  it('one SecureContext per CA set: the same for two loads of the same roots, another for other roots', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gomodprobe-proxyctx-'));
    try {
      writeFileSync(join(dir, 'a.pem'), lab.pki.root.certPem);
      writeFileSync(join(dir, 'b.pem'), lab.pki.privateRoot.certPem);
      const load = (f: string) => loadTrustStore({ sslCertFile: join(dir, f), sslCertDir: join(dir, 'none') });
      const [a1, a2, b] = await Promise.all([load('a.pem'), load('a.pem'), load('b.pem')]);
      expect(a1).not.toBe(a2);
      expect(proxyTlsContext(a1)).toBe(proxyTlsContext(a1));
      expect(proxyTlsContext(a2)).toBe(proxyTlsContext(a1));
      expect(proxyTlsContext(b)).not.toBe(proxyTlsContext(a1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
