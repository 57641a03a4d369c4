// The differential Location check of the redirect stage: when go reaches a zip URL through an HTTP(S)
// proxy, ask the same URL once more directly (when the origin is directly reachable at all) and compare
// where the first redirect points. A middlebox that rewrites Location (a registry mirror, a mesh sidecar,
// a path-stripping proxy) shows up as a difference; a presigned query string that changes per request
// does not count, only scheme, host, port and path do.

import { readProxyEnv, proxyFor } from '../goenv/httpproxy.js';
import { redactURL } from '../goenv/redact.js';
import { LayerError } from '../net/errors.js';
import { HttpClient, SessionCache } from '../net/http.js';
import type { RedirectHop } from '../net/goweb.js';
import type { StageContext } from './stage.js';
import { opSignal } from '../budget.js';

export interface LocationComparison {
  /** The URL asked both ways (the first hop of the chain). */
  readonly url: string;
  /** The proxy go's request went through (redacted). */
  readonly viaProxy: string;
  readonly proxied: { readonly status: number; readonly location?: string; readonly resolved?: string };
  readonly direct?: { readonly status: number; readonly location?: string; readonly resolved?: string };
  /** Why the direct request could not be made or answered (then nothing is compared). */
  readonly directError?: string;
  /** True when both answers redirect, to different places. */
  readonly rewritten: boolean;
}

/** Only the first hop is asked again: its Location is the one a middlebox on the proxy path can rewrite. */
const MAX_BODY = 4096;
/** A rewriting middlebox acts per origin: a few samples per origin tell, and 500 modules must not mean 500 extra requests. */
const SAMPLES_PER_ORIGIN = 3;
/** The direct path is usually closed when a proxy is in use: find out quickly, never at the cost of a full --timeout. */
const DIRECT_BUDGET_MS = 1500;

export class LocationDiff {
  readonly #ctx: StageContext;
  #client: HttpClient | undefined;
  /** Per origin: comparisons made, or why the direct path is known to be closed. */
  readonly #origins = new Map<string, { samples: number; closed?: string }>();

  constructor(ctx: StageContext) {
    this.#ctx = ctx;
  }

  /** undefined when the first hop did not go through a proxy, did not redirect, or carries credentials. */
  async compare(first: RedirectHop | undefined): Promise<LocationComparison | undefined> {
    if (!first || first.location === undefined) return undefined;
    let url: URL;
    try {
      url = new URL(first.url);
    } catch {
      return undefined;
    }
    // The recorded URL is redacted: a request with the masked password would only measure a 401.
    if (url.username || url.password) return undefined;
    const decision = proxyFor(this.#ctx.net.proxyEnv, url);
    if (!decision.proxy) return undefined;
    const proxied = { status: first.status, location: first.location, ...(first.resolved ? { resolved: first.resolved } : {}) };
    const base = { url: first.url, viaProxy: redactURL(decision.proxy.href), proxied };
    const seen = this.#origins.get(url.origin) ?? { samples: 0 };
    this.#origins.set(url.origin, seen);
    if (seen.closed) return { ...base, directError: seen.closed, rewritten: false };
    if (seen.samples >= SAMPLES_PER_ORIGIN) return undefined;
    seen.samples++;
    const net = this.#ctx.net;
    this.#client ??= new HttpClient({ resolver: net.resolver, trust: net.trust, proxyEnv: readProxyEnv({}), timeoutMs: Math.min(net.timeoutMs, DIRECT_BUDGET_MS) }, new SessionCache());
    try {
      const res = await this.#client.get(url.href, {
        signal: opSignal(this.#ctx.signal, Math.min(net.timeoutMs, DIRECT_BUDGET_MS), 'layer'),
        maxBytes: MAX_BODY,
      });
      const location = res.headers['location'];
      const resolved = location !== undefined ? resolve(location, url) : undefined;
      const direct = { status: res.status, ...(location !== undefined ? { location } : {}), ...(resolved ? { resolved } : {}) };
      const rewritten = location !== undefined && first.resolved !== undefined && resolved !== undefined && place(first.resolved) !== place(resolved);
      return { ...base, direct, rewritten };
    } catch (err) {
      if (err instanceof LayerError) {
        seen.closed = `${err.code}: ${err.message}`;
        return { ...base, directError: seen.closed, rewritten: false };
      }
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}

function resolve(location: string, base: URL): string | undefined {
  try {
    return redactURL(new URL(location, base).href);
  } catch {
    return undefined;
  }
}

/** Where a URL points, without the query (presigned signatures differ from one request to the next). */
function place(href: string): string {
  try {
    const u = new URL(href);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return `${u.protocol}//${u.hostname}:${port}${u.pathname}`;
  } catch {
    return href;
  }
}
