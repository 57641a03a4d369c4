// The shared network services of one run: one resolver, one trust store, one HTTP client, one session
// cache. Built once from the plan after the config stage and passed to every later stage.

import type { ProxyEnv } from '../goenv/httpproxy.js';
import type { HopContext } from './hop.js';
import { HttpClient, SessionCache } from './http.js';
import type { Resolver } from './resolver.js';
import type { TrustStore } from './truststore.js';

export interface NetServices extends HopContext {
  readonly resolver: Resolver;
  readonly trust: TrustStore;
  readonly proxyEnv: ProxyEnv;
  readonly timeoutMs: number;
  readonly http: HttpClient;
  readonly sessions: SessionCache;
  close(): Promise<void>;
}

export function createNetServices(opts: { resolver: Resolver; trust: TrustStore; proxyEnv: ProxyEnv; timeoutMs: number }): NetServices {
  const sessions = new SessionCache();
  const hops: HopContext = { resolver: opts.resolver, trust: opts.trust, proxyEnv: opts.proxyEnv, timeoutMs: opts.timeoutMs };
  const http = new HttpClient(hops, sessions);
  return {
    ...hops,
    http,
    sessions,
    async close() {
      sessions.closeAll();
      await http.close();
    },
  };
}
