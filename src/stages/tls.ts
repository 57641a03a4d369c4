// Stage 3: the TLS handshake with each https first hop succeeds against the trust store go would use;
// the whole presented chain is dumped, also (above all) when verification fails.

import { goAlpn } from '../net/clienthello.js';
import { secureHop, summarizeTls } from '../net/hop.js';
import { joinHostPort } from '../net/netip.js';
import { trustStoreRead } from '../net/truststore.js';
import type { CertSummary } from '../report/types.js';
import type { CertInfo } from '../net/x509/describe.js';
import { forEachFirstHop, hopTarget, judge } from './firsthops.js';
import { certExpiryFindings } from '../strict.js';
import type { Stage } from './stage.js';
import { fail, pass } from './outcome.js';

export const tlsStage: Stage = {
  name: 'tls',
  async run(ctx) {
    const runs = await forEachFirstHop(
      ctx,
      (hop, p) => hop.scheme === 'https' && p.socket !== undefined,
      async (hop, progress) => {
        const alpn = ctx.net.goHello ? [...goAlpn(ctx.net.goHello.model)] : undefined;
        const result = await secureHop(ctx.net, hopTarget(hop), progress.socket!, ctx.signal, alpn, progress.lookup ? { lookup: progress.lookup } : {});
        progress.tls = result;
        // Hand the verified connection to the HTTP client, which speaks what ALPN chose (h2 as go does).
        if (result.alpn !== 'h2' || ctx.net.http.speaksH2) ctx.net.sessions.put(hop.origin, result.socket);
        else result.socket.destroy();
        return result;
      },
    );
    const trust = ctx.plan.trust;
    const certificates: CertSummary[] = [];
    for (const r of runs) {
      const chain: readonly CertInfo[] | undefined = r.value?.chain ?? (r.error?.evidence['tls'] as { chain?: CertInfo[] } | undefined)?.chain;
      for (const [i, c] of (chain ?? []).entries()) {
        certificates.push({ target: joinHostPort(r.hop.host, r.hop.port), subject: c.subject, issuer: c.issuer, sha256: c.sha256, notAfter: c.notAfter, isLeaf: i === 0 });
      }
    }
    const evidence = {
      // What the handshakes were judged against; every root counted is report.json's trustStore.
      trustStore: trustStoreRead(trust),
      handshakes: runs
        .filter((r) => r.hop.scheme === 'https')
        .map((r) => ({
          origin: r.hop.origin,
          ...(r.value ? summarizeTls(r.value) : {}),
          ...(r.error ? { error: { target: r.error.target, cause: r.error.code, goError: r.error.goError, detail: r.error.message, ...r.error.evidence } } : {}),
          ...(r.skipped ? { skipped: 'not connected (an earlier layer failed, go falls through)' } : {}),
        })),
      certificates,
    };
    const { failure, findings } = judge('tls', runs, ctx);
    findings.push(...certExpiryFindings(certificates, ctx.options.certWarnDays));
    if (ctx.plan.firstHops.every((h) => h.scheme === 'http')) {
      findings.push({ code: 'tls.no_https_hops', severity: 'info', message: 'no https hop to check: every first hop is plain http' });
    }
    return failure ? fail(failure, evidence, findings) : pass(evidence, findings);
  },
};

