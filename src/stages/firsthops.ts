// Shared by the dns, tcp and tls stages: run one layer for every first hop at once, then judge in plan
// order. A hop whose failure go survives (a `|` entry with a next entry) yields a finding, not a failure.

import { isHopError, type HopError } from '../net/errors.js';
import { dialTarget, type HopTarget } from '../net/hop.js';
import { joinHostPort } from '../net/netip.js';
import type { Hop } from '../plan.js';
import { redactURL } from '../goenv/redact.js';
import type { HopProgress } from '../state.js';
import { layerFailure, stageFailure } from './failure.js';
import type { StageContext } from './stage.js';
import type { Failure, Finding } from './outcome.js';
import type { StageName } from '../causes.js';

export function hopTarget(hop: Hop): HopTarget {
  return { origin: hop.origin, scheme: hop.scheme, host: hop.host, port: hop.port, proxy: hop.proxy };
}

export interface LayerRun<T> {
  readonly hop: Hop;
  readonly value?: T;
  readonly error?: HopError;
  /** The hop was not tried because an earlier layer already failed for it (survivable hops only). */
  readonly skipped?: boolean;
}

export async function forEachFirstHop<T>(
  ctx: StageContext,
  applies: (hop: Hop, progress: HopProgress) => boolean,
  fn: (hop: Hop, progress: HopProgress) => Promise<T>,
): Promise<LayerRun<T>[]> {
  return Promise.all(
    ctx.plan.firstHops.map(async (hop): Promise<LayerRun<T>> => {
      const progress = ctx.state.hops.get(hop.origin) ?? {};
      ctx.state.hops.set(hop.origin, progress);
      if (!applies(hop, progress)) return { hop, skipped: true };
      try {
        return { hop, value: await fn(hop, progress) };
      } catch (err) {
        if (isHopError(err)) return { hop, error: err };
        throw err;
      }
    }),
  );
}

export interface Judgement {
  readonly failure?: Failure;
  readonly findings: Finding[];
}

/** The first failing hop go cannot survive fails the stage; survivable failures become findings. */
export function judge(stage: StageName, runs: readonly LayerRun<unknown>[], ctx: StageContext): Judgement {
  const findings: Finding[] = [];
  let failure: Failure | undefined;
  for (const run of runs) {
    if (!run.error) continue;
    const f = hopFailure(stage, run.error, run.hop, ctx);
    if (run.hop.survivable) {
      findings.push({
        code: `${stage}.survivable_failure`,
        severity: 'warn',
        target: f.target,
        message: `${f.cause} on ${f.target}, but go falls through to the next GOPROXY entry (| separator): ${f.detail}`,
        hint: f.hint,
      });
    } else if (!failure) {
      failure = f;
    }
  }
  return { ...(failure ? { failure } : {}), findings };
}

export function hopFailure(stage: StageName, err: HopError, hop: Pick<Hop, 'host' | 'port' | 'proxy' | 'roles'> & Partial<Pick<Hop, 'scheme' | 'firstRequest'>>, ctx: StageContext): Failure {
  const dial = dialTarget({ origin: '', scheme: hop.scheme ?? 'https', host: hop.host, port: hop.port, proxy: hop.proxy });
  return stageFailure(stage, layerFailure(err, {
    facts: {
      host: hop.host,
      port: hop.port,
      dialed: joinHostPort(dial.host, dial.port),
      viaProxy: dial.viaProxy,
      nameservers: ctx.plan.dns.conf.servers,
      variable: variableOf(hop.roles),
    },
    goError: inGoWords(err.goError, hop),
  }));
}

/** go wraps a dial or TLS error in the request that hit it: `<m>@<v>: Get "<url>": <err>`. */
function inGoWords(inner: string, hop: Partial<Pick<Hop, 'firstRequest'>>): string {
  const r = hop.firstRequest;
  if (!r) return inner;
  return `${r.prefix}${r.wrap} "${redactURL(r.url)}": ${inner}`;
}

function variableOf(roles: readonly string[]): string {
  const r = roles.join(' ');
  if (r.includes('GOSUMDB') || r.includes('sumdb')) return 'GOSUMDB';
  if (r.includes('direct')) return 'the module path';
  return 'GOPROXY';
}

