// Stage 6: the module zip's redirect chain (typically proxy -> object storage) keeps a usable Location
// at every hop, every host it reaches passes dns/tcp/tls, and the last hop serves a zip. The chain is
// the one go follows: GET, at most 9 redirects (the 10th fails), no https -> http unless GOINSECURE.
// Through an HTTP(S) proxy, the first Location is also compared with what the origin says directly.

import type { RedirectHop } from '../net/goweb.js';
import type { ModuleFetch } from '../state.js';
import { safeHost, type WalkFailure } from './gowalk.js';
import { restaged } from './failure.js';
import { hintFor, redirectHostHint, redirectStatusHint, rewrittenLocationHint } from '../hints.js';
import { mapLimit, STAGE_CONCURRENCY } from './limit.js';
import { fetchZip } from './zipfetch.js';
import type { ZipFetch } from '../state.js';
import { TOOLCHAIN_MODULE } from '../goenv/toolchain.js';
import { LocationDiff, type LocationComparison } from './location-diff.js';
import { dialFindings } from './dialfindings.js';
import type { Stage, StageContext } from './stage.js';
import { fail, pass, skip, type Failure, type Finding } from './outcome.js';

interface ChainReport {
  path: string;
  version: string;
  servedBy?: string;
  hops: readonly RedirectHop[];
  final?: { status: number; bytes: number; zip: boolean; truncated: boolean };
  /** The first Location seen through the proxy against the one seen directly. */
  locationCheck?: LocationComparison;
  failure?: Failure;
}

const LAYER_ALIAS: Readonly<Record<string, string>> = { dns: 'redirect.target_dns', tcp: 'redirect.target_tcp', tls: 'redirect.target_tls' };

export const redirectStage: Stage = {
  name: 'redirect',
  async run(ctx) {
    const findings: Finding[] = [];
    const modules = ctx.state.modules.filter((m) => m.servedBy !== 'direct');
    if (modules.length === 0) return skip({ reason: 'no module is served by a proxy (direct fetches use the VCS, not zip redirects)' }, findings);
    const diff = new LocationDiff(ctx);
    let chains: ChainReport[];
    try {
      chains = await mapLimit(modules, STAGE_CONCURRENCY, async (m) => {
        const chain = judgeChain(ctx, m, await fetchZip(ctx, m), findings);
        const check = await diff.compare(chain.hops[0]);
        if (check) judgeRewrite(chain, check, findings);
        return chain;
      });
    } finally {
      await diff.close();
    }
    const newHosts = ctx.net.http.opened.filter((o) => !ctx.plan.firstHops.some((h) => h.origin === o.origin));
    // The tcp stage judged the first hops' dual-stack dialing; the hosts met later (storage, the checksum
    // database, a later GOPROXY entry) are judged here, once each, from their first direct connect.
    const judged = new Set<string>();
    for (const o of newHosts) {
      if (!o.dial || o.via !== 'direct' || judged.has(o.origin)) continue;
      judged.add(o.origin);
      findings.push(...dialFindings(o.origin, o.dial));
    }
    const evidence = { chains, hostsReached: newHosts };
    const failed = chains.find((c) => c.failure);
    return failed ? fail(failed.failure!, evidence, findings) : pass(evidence, findings);
  },
};

function judgeChain(ctx: StageContext, m: ModuleFetch, zip: ZipFetch, findings: Finding[]): ChainReport {
  const at = `${m.path}@${m.version}`;
  if (zip.ok) {
    const v = zip.value;
    const report: ChainReport = {
      path: m.path,
      version: m.version,
      servedBy: zip.servedBy,
      hops: v.response.hops,
      final: { status: v.status, bytes: v.size, zip: v.isZip, truncated: v.truncated },
    };
    noteHops(at, v.response.hops, findings);
    if (!v.isZip) {
      report.failure = {
        stage: 'redirect',
        cause: 'redirect.not_zip',
        target: lastUrl(v.response.hops, v.url),
        detail: `${at}: the last hop answered 200 but the body is not a zip (${v.size} bytes, no PK\\x03\\x04 header)`,
        hint: hintFor('redirect.not_zip'),
        goError: `${at}: zip: not a valid zip file`,
      };
    }
    return report;
  }

  const f = zip.failure;
  const hops = f.hops ?? [];
  noteHops(at, hops, findings);
  const failure = chainFailure(ctx, at, f, hops);
  // go wraps a toolchain download's error in toolchain.Exec: "go: download go1.27.3: <module@version: err>".
  const toolchain = m.path === TOOLCHAIN_MODULE ? ctx.plan.toolchain.module?.toolchain : undefined;
  return { path: m.path, version: m.version, hops, failure: toolchain ? { ...failure, goError: `go: download ${toolchain}: ${failure.goError}` } : failure };
}

/** Why a zip fetch that did not end in a 200 fails, judged from go's error and the hops seen. */
export function chainFailure(ctx: StageContext, at: string, f: WalkFailure, hops: readonly RedirectHop[]): Failure {
  const base = { stage: 'redirect' as const, target: f.target, goError: `${at}: ${f.goError}`, ...(f.goWouldWait ? { goWouldWait: f.goWouldWait } : {}) };
  const redirected = hops.filter((h) => h.location !== undefined);
  const layer = f.layer?.layerError.layer;

  if (f.cause === 'redirect.too_many' || f.cause === 'redirect.insecure' || f.cause === 'redirect.bad_location') {
    const loop = f.cause === 'redirect.too_many' && hasLoop(hops);
    return {
      ...base,
      cause: loop ? 'redirect.loop' : f.cause,
      detail: `${at}: ${loop ? `the redirect chain loops (${loopText(hops)})` : f.detail}`,
      hint: loop ? hintFor('redirect.loop') : f.hint,
    };
  }
  if (f.layer && (layer === 'dns' || layer === 'tcp' || layer === 'tls')) {
    const via = redirected.at(-1);
    return {
      ...base,
      cause: restaged(f.layer, 'redirect').cause,
      detail: `${at}: ${via ? `the redirect to ${via.resolved} leads to a host that fails at ${layer}` : `the zip host fails at ${layer}`}: ${f.detail} [${LAYER_ALIAS[layer]}]`,
      hint: via ? redirectHostHint(safeHost(via.resolved), f.hint) : f.hint,
    };
  }
  if (f.status === 404 || f.status === 410) {
    const stripped = redirected.find((h) => h.location !== undefined && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(h.location));
    if (stripped) {
      return {
        ...base,
        cause: 'redirect.location_truncated',
        detail: `${at}: a redirect's Location was a bare path ("${stripped.location!.slice(0, 200)}"), so it was followed on ${safeHost(stripped.url)}, which answered ${f.status}: the host of the storage URL was stripped on the way`,
        hint: hintFor('redirect.location_truncated'),
      };
    }
  }
  // A status go treats as an error is a module protocol error underneath: the conversion names it
  // redirect.bad_status for this stage.
  if (f.status !== undefined && f.layer) {
    return {
      ...base,
      cause: restaged(f.layer, 'redirect').cause,
      detail: `${at}: ${f.detail}${redirected.length > 0 ? ` (after ${redirected.length} redirect(s))` : ''}`,
      hint: redirected.length > 0 ? redirectStatusHint(f.status, f.hint) : f.hint,
    };
  }
  // A layer failure found while fetching the zip is this stage's (redirect.http.protocol), not the proxy stage's.
  const cause = f.layer ? restaged(f.layer, 'redirect').cause : f.cause;
  return { ...base, cause, detail: `${at}: ${f.detail}`, hint: f.hint };
}

/**
 * redirect.location_rewritten: the proxy path and the direct path redirect to different places. When the
 * chain still works, go is fine and it is a finding; when it fails, the rewrite is the cause to fix (a
 * truncated Location keeps its own, more precise cause).
 */
function judgeRewrite(chain: ChainReport, check: LocationComparison, findings: Finding[]): void {
  chain.locationCheck = check;
  if (!check.rewritten) return;
  const at = `${chain.path}@${chain.version}`;
  const what = `through the proxy ${check.viaProxy}, ${check.url} redirects to "${check.proxied.location}"; asked directly, it redirects to "${check.direct!.location}"`;
  const hint = hintFor('redirect.location_rewritten');
  const f = chain.failure;
  if (!f) {
    findings.push({ code: 'redirect.location_rewritten', severity: 'warn', target: at, message: `${what}; the rewritten chain still ends in the zip, so go gets it`, hint });
  } else if (f.cause === 'redirect.location_truncated') {
    chain.failure = { ...f, detail: `${f.detail}; asked directly, the origin redirects to "${check.direct!.location}"` };
  } else {
    chain.failure = { ...f, cause: 'redirect.location_rewritten', detail: `${at}: ${what}, and the rewritten chain fails (${f.cause}): ${f.detail}`, hint: rewrittenLocationHint(f.hint) };
  }
}

function noteHops(at: string, hops: readonly RedirectHop[], findings: Finding[]): void {
  for (const h of hops) {
    if (h.location !== undefined && h.host === 'changed') {
      findings.push({ code: 'redirect.new_host', severity: 'info', target: at, message: `${h.url} redirects to ${h.resolved}: go needs egress to ${safeHost(h.resolved)} too` });
    }
  }
}

/** A URL asked twice (counting the one go refused to ask): each hop's resolved URL is the next hop's URL, so that alone is no loop. */
export function hasLoop(hops: readonly RedirectHop[]): boolean {
  const visited = hops.map((h) => h.url);
  const refused = hops.at(-1)?.resolved;
  if (refused !== undefined) visited.push(refused);
  return new Set(visited).size < visited.length;
}

function loopText(hops: readonly RedirectHop[]): string {
  return hops.slice(0, 4).map((h) => h.url).join(' -> ') + (hops.length > 4 ? ' -> ...' : '');
}

function lastUrl(hops: readonly RedirectHop[], fallback: string): string {
  return hops.at(-1)?.url ?? fallback;
}

