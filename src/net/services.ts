// The shared network services of one run: one resolver, one trust store, one HTTP client, one session
// cache. Built once from the plan after the config stage and passed to every later stage.

import http from 'node:http';
import http2 from 'node:http2';
import { isIPv6 } from 'node:net';
import type { HopContext } from './hop.js';
import { HttpClient, SessionCache } from './http.js';
import { prepareHandshake } from './tls.js';

export interface NetServices extends HopContext {
  readonly http: HttpClient;
  readonly sessions: SessionCache;
  /**
   * Loads what the first TLS handshake and the first HTTP request need, one piece per turn of the event
   * loop, and returns at once. Called by the tcp stage once the first hop's connects are sent: the pieces
   * load while the SYN travels. Idempotent.
   */
  warmUp(): void;
  close(): Promise<void>;
}

/** A turn of the event loop: I/O that is ready is handled before the next piece (setImmediate runs after the poll). */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * What nothing before the first hop's connect needs, and the handshake and the first request do, each
 * loaded on first use in front of them until this (bench --cpu-prof, the image's V8 flags): the
 * handshake's SecureContext with node:tls; node's IPv6 pattern, which tls.connect runs on the server name
 * (compiled at its first use, ~5 ms, and again for its native tier at the second, ~1.5 ms); node:http and
 * node:http2 (~6 ms each, compiled from source under the image's flags); undici's unit (~20 ms with its
 * unpacking). One piece per turn: an answer that arrives meanwhile waits for one piece at most, where
 * it waited for all of them when they loaded between the answer and the next request.
 */
function warmUpPieces(hops: HopContext, client: HttpClient): (() => void)[] {
  return [
    () => prepareHandshake(hops.x509),
    () => isIPv6('proxy.invalid'),
    () => isIPv6('proxy.invalid'),
    () => void http.METHODS,
    () => void http2.constants,
    () => client.prepare(),
  ];
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
  const client = new HttpClient(hops, sessions, opts.userAgent);
  let warming: Promise<void> | undefined;
  return {
    ...hops,
    http: client,
    sessions,
    warmUp() {
      warming ??= (async () => {
        for (const piece of warmUpPieces(hops, client)) {
          await nextTurn();
          try {
            piece();
          } catch {
            // Only a head start: whatever failed here fails again, and is reported, where it is used.
          }
        }
      })();
    },
    async close() {
      sessions.closeAll();
      hops.goHello?.close();
      await client.close();
    },
  };
}
