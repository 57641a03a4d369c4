// Stage 6: the module zip's redirect chain (typically proxy -> object storage) keeps a usable Location
// at every hop, every host it reaches passes dns/tcp/tls, and the last hop serves a zip. The chain is
// the one go follows: GET, at most 10 redirects, no https -> http unless GOINSECURE.

import type { RedirectHop } from '../net/goweb.js';
import type { ModuleFetch } from '../state.js';
import type { WalkFailure } from './gowalk.js';
import { mapLimit } from './limit.js';
import { fetchZip, type ZipFetch } from './zipfetch.js';
import { fail, pass, skip, type Failure, type Finding, type Stage, type StageContext } from './stage.js';

interface ChainReport {
  path: string;
  version: string;
  servedBy?: string;
  hops: readonly RedirectHop[];
  final?: { status: number; bytes: number; zip: boolean; truncated: boolean };
  failure?: Failure;
}

const LAYER_ALIAS: Readonly<Record<string, string>> = { dns: 'redirect.target_dns', tcp: 'redirect.target_tcp', tls: 'redirect.target_tls' };

export const redirectStage: Stage = {
  name: 'redirect',
  async run(ctx) {
    const findings: Finding[] = [];
    const modules = ctx.state.modules.filter((m) => m.servedBy !== 'direct');
    if (modules.length === 0) return skip({ reason: 'no module is served by a proxy (direct fetches use the VCS, not zip redirects)' }, findings);
    const chains = await mapLimit(modules, 8, async (m) => judgeChain(ctx, m, await fetchZip(ctx, m), findings));
    const newHosts = ctx.net.http.opened.filter((o) => !ctx.plan.firstHops.some((h) => h.origin === o.origin));
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
        hint: 'something on the path (a captive portal, a login page, a misconfigured storage bucket) answers instead of the object store: check the last hop URL',
        goError: `${at}: zip: not a valid zip file`,
      };
    }
    return report;
  }

  const f = zip.failure;
  const hops = f.hops ?? [];
  noteHops(at, hops, findings);
  return { path: m.path, version: m.version, hops, failure: chainFailure(ctx, at, f, hops) };
}

function chainFailure(ctx: StageContext, at: string, f: WalkFailure, hops: readonly RedirectHop[]): Failure {
  const base = { stage: 'redirect' as const, target: f.target, goError: `${at}: ${f.goError}` };
  const redirected = hops.filter((h) => h.location !== undefined);
  const layer = /^(?:proxy|redirect)\.(dns|tcp|tls)\./.exec(f.cause)?.[1];

  if (f.cause === 'redirect.too_many' || f.cause === 'redirect.insecure' || f.cause === 'redirect.bad_location') {
    const loop = f.cause === 'redirect.too_many' && hasLoop(hops);
    return {
      ...base,
      cause: loop ? 'redirect.loop' : (f.cause as Failure['cause']),
      detail: `${at}: ${loop ? `the redirect chain loops (${loopText(hops)})` : f.detail}`,
      hint: loop ? 'the redirects come back to a URL already visited: fix the redirect rules (storage bucket, CDN or proxy)' : f.hint,
    };
  }
  if (layer) {
    const cause = `redirect.${f.cause.replace(/^(?:proxy|redirect)\./, '')}` as Failure['cause'];
    const via = redirected.at(-1);
    return {
      ...base,
      cause,
      detail: `${at}: ${via ? `the redirect to ${via.resolved} leads to a host that fails at ${layer}` : `the zip host fails at ${layer}`}: ${f.detail} [${LAYER_ALIAS[layer]}]`,
      hint: via
        ? `the zip is served from ${hostOf(via.resolved)} after a redirect: allow egress to that host too (NetworkPolicy/firewall/proxy allowlist), not just the GOPROXY host. ${f.hint}`
        : f.hint,
    };
  }
  if (f.status === 404 || f.status === 410) {
    const stripped = redirected.find((h) => h.location !== undefined && !/^[a-z][a-z0-9+.-]*:|^\/\//i.test(h.location));
    if (stripped) {
      return {
        ...base,
        cause: 'redirect.location_truncated',
        detail: `${at}: a redirect's Location was a bare path ("${stripped.location!.slice(0, 200)}"), so it was followed on ${hostOf(stripped.url)}, which answered ${f.status}: the host of the storage URL was stripped on the way`,
        hint: 'a middlebox (an intercepting proxy, a mesh sidecar, a registry mirror) rewrites the Location header to its path: configure it to pass Location through unchanged, or exempt the GOPROXY host from it',
      };
    }
  }
  if (f.status !== undefined) {
    return {
      ...base,
      cause: 'redirect.bad_status',
      detail: `${at}: ${f.detail}${redirected.length > 0 ? ` (after ${redirected.length} redirect(s))` : ''}`,
      hint: redirected.length > 0 ? `the object store behind the redirect answered ${f.status}: check the presigned URL's expiry and the storage permissions. ${f.hint}` : f.hint,
    };
  }
  // A layer failure found while fetching the zip is this stage's (redirect.http.protocol), not the proxy stage's.
  const cause = f.cause.replace(/^(?:proxy|sumdb)\.(?=(?:dns|tcp|tls|http)\.)/, 'redirect.');
  return { ...base, cause: cause as Failure['cause'], detail: `${at}: ${f.detail}`, hint: f.hint };
}

function noteHops(at: string, hops: readonly RedirectHop[], findings: Finding[]): void {
  for (const h of hops) {
    if (h.location !== undefined && h.host === 'changed') {
      findings.push({ code: 'redirect.new_host', severity: 'info', target: at, message: `${h.url} redirects to ${h.resolved}: go needs egress to ${hostOf(h.resolved)} too` });
    }
  }
}

function hasLoop(hops: readonly RedirectHop[]): boolean {
  const seen = new Set<string>();
  for (const h of hops) {
    if (seen.has(h.url)) return true;
    seen.add(h.url);
  }
  return hops.some((h) => h.resolved !== undefined && seen.has(h.resolved) && h.resolved !== hops.at(-1)?.resolved) || hops.some((h) => h.resolved === h.url);
}

function loopText(hops: readonly RedirectHop[]): string {
  return hops.slice(0, 4).map((h) => h.url).join(' -> ') + (hops.length > 4 ? ' -> ...' : '');
}

function lastUrl(hops: readonly RedirectHop[], fallback: string): string {
  return hops.at(-1)?.url ?? fallback;
}

function hostOf(url: string | undefined): string {
  if (!url) return '?';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
