// Stage 1: every host go will certainly dial first resolves, the way Go's own resolver does it.

import { resolveHop } from '../net/hop.js';
import { forEachFirstHop, hopTarget, judge } from './firsthops.js';
import type { Stage } from './stage.js';
import { fail, pass } from './outcome.js';

export const dnsStage: Stage = {
  name: 'dns',
  async run(ctx) {
    const runs = await forEachFirstHop(ctx, () => true, async (hop, progress) => {
      const lookup = await resolveHop(ctx.net, hopTarget(hop), ctx.signal);
      progress.lookup = lookup;
      return lookup;
    });
    const evidence = {
      resolver: {
        nameservers: ctx.plan.dns.conf.servers,
        search: ctx.plan.dns.conf.search,
        ndots: ctx.plan.dns.conf.ndots,
        timeoutMs: ctx.plan.dns.conf.timeoutMs,
        attempts: ctx.plan.dns.conf.attempts,
        rotate: ctx.plan.dns.conf.rotate,
        order: ctx.plan.dns.order,
      },
      lookups: runs.map((r) => ({
        origin: r.hop.origin,
        host: r.value?.host ?? r.error?.target,
        ...(r.value ? { result: r.value } : {}),
        ...(r.error ? { error: { cause: r.error.code, goError: r.error.goError, ...r.error.evidence } } : {}),
      })),
    };
    const { failure, findings } = judge('dns', runs, ctx);
    return failure ? fail(failure, evidence, findings) : pass(evidence, findings);
  },
};
