// The shared network services of one run: one resolver, one trust store, one HTTP client, one session
// cache. Built once from the plan after the config stage and passed to every later stage.

import type { HopContext } from './hop.js';
import { HttpClient, SessionCache } from './http.js';

export interface NetServices extends HopContext {
  readonly http: HttpClient;
  readonly sessions: SessionCache;
  close(): Promise<void>;
}

export function createNetServices(opts: HopContext & { readonly userAgent?: string }): NetServices {
  const sessions = new SessionCache();
  const hops: HopContext = {
    resolver: opts.resolver,
    trust: opts.trust,
    proxyEnv: opts.proxyEnv,
    timeoutMs: opts.timeoutMs,
    ...(opts.goHello ? { goHello: opts.goHello } : {}),
    ...(opts.x509 ? { x509: opts.x509 } : {}),
  };
  const http = new HttpClient(hops, sessions, opts.userAgent);
  return {
    ...hops,
    http,
    sessions,
    async close() {
      sessions.closeAll();
      hops.goHello?.close();
      await http.close();
    },
  };
}
