// Stage 2: a TCP connection opens to each first hop (or to its HTTP(S) proxy, then a CONNECT tunnel).
// The connection stays open for the tls stage and the HTTP requests after it.

import { connectHop, startGoHello } from '../net/hop.js';
import { dialFindings } from './dialfindings.js';
import { forEachFirstHop, hopTarget, judge } from './firsthops.js';
import type { Stage } from './stage.js';
import { fail, pass } from './outcome.js';

export const tcpStage: Stage = {
  name: 'tcp',
  async run(ctx) {
    const runs = await forEachFirstHop(ctx, (_hop, p) => p.lookup !== undefined, async (hop, progress) => {
      // go's own ClientHello goes out beside this connect; the tls stage judges it (net/gohello.ts).
      void startGoHello(ctx.net, hopTarget(hop), progress.lookup!);
      const connecting = connectHop(ctx.net, hopTarget(hop), progress.lookup!, ctx.signal);
      // The SYN is out: what the handshake and the first request need loads while it travels.
      ctx.net.warmUp();
      const tcp = await connecting;
      progress.socket = tcp.socket;
      if (hop.scheme === 'http') ctx.net.sessions.put(hop.origin, tcp.socket);
      return tcp;
    });
    const evidence = {
      connections: runs.map((r) => ({
        origin: r.hop.origin,
        via: r.hop.proxy.proxy ? 'proxy' : 'direct',
        ...(r.value ? { attempts: r.value.attempts, ...(r.value.tunnel ? { tunnel: r.value.tunnel } : {}) } : {}),
        ...(r.error ? { error: { target: r.error.target, cause: r.error.code, goError: r.error.goError, ...r.error.evidence } } : {}),
        ...(r.skipped ? { skipped: 'no address (dns failed, go falls through)' } : {}),
      })),
    };
    const { failure, findings } = judge('tcp', runs, ctx);
    for (const r of runs) if (r.value) findings.push(...dialFindings(r.hop.origin, r.value));
    return failure ? fail(failure, evidence, findings) : pass(evidence, findings);
  },
};
