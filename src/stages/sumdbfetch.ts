// The checksum database's answers, asked once per run and shared: the base go uses (initBase), each
// module version's verified lookup, and the tiles under them. The sumdb stage judges them; the pipeline's
// prefetcher (src/prefetch.ts) may start them while the proxy stage runs, because go asks the same
// things, only later. Nothing is reported from here.

import { opScope } from '../budget.js';
import { redactURL } from '../goenv/redact.js';
import type { GoSumDB } from '../goenv/gosumdb.js';
import { goGet, GoWebError } from '../net/goweb.js';
import { HttpError, PolicyError } from '../net/errors.js';
import { lookupAndVerify } from '../sumdb/client.js';
import type { BaseChoice, LookupOutcome } from '../state.js';
import type { Verifier } from '../sumdb/note.js';
import { refusalFailure, statusError, statusFailure, tryProxies, webFailure } from './gowalk.js';
import type { WorkContext } from './stage.js';

const MAX_SUMDB_BYTES = 4 * 1024 * 1024;

export type SumDB = Extract<GoSumDB, { kind: 'db' }>;

/** One base choice per run, as go's initBase runs once. */
export function chooseBase(ctx: WorkContext, db: SumDB): Promise<BaseChoice> {
  return ctx.state.sumdbBase.get(db.name, ctx.waits, () => walkForBase(ctx, db));
}

/** One verified lookup per module version per run. */
export function lookup(ctx: WorkContext, verifier: Verifier, base: string, path: string, version: string): Promise<LookupOutcome> {
  return ctx.state.sumdbLookups.get(`${base} ${path}@${version}`, ctx.waits, () =>
    lookupAndVerify(sumdbFetch(ctx, base), verifier, path, version, ctx.signal).then((ok) => ({ ok }), (err: unknown) => ({ err })),
  );
}

/** initBase in cmd/go's sumdb.go: an explicit URL, else the first proxy that says /supported, else direct. */
async function walkForBase(ctx: WorkContext, db: SumDB): Promise<BaseChoice> {
  const direct = `https://${db.name}`;
  if (db.url) return { base: db.url, how: `GOSUMDB names the URL ${redactURL(db.url)}: go uses it and nothing else` };
  const walk = await tryProxies<string>(
    ctx.plan,
    '',
    {
      proxy: async (_base, entryURL) => {
        const url = `${entryURL.replace(/\/+$/, '')}/sumdb/${db.name}/supported`;
        try {
          const res = await goGet({ http: ctx.net.http, proxyEnv: ctx.net.proxyEnv }, url, {
            signal: ctx.budget('request'),
            maxBytes: 64 * 1024,
            auth: ctx.plan.auth,
          });
          if (res.status === 200) return { ok: true, value: `${entryURL.replace(/\/+$/, '')}/sumdb/${db.name}` };
          return { ok: false, failure: statusFailure(res, url) };
        } catch (err) {
          if (err instanceof GoWebError) return { ok: false, failure: webFailure(err, ctx.plan, 'sumdb') };
          throw err;
        }
      },
      // errProxyOff: not-exist, so the walk ends in "use the database directly".
      direct: async () => ({ ok: false, failure: refusalFailure(new PolicyError('go.proxy_off', direct, 'direct', 'proxy off'), {}, true) }),
    },
    (entry) => (entry.kind === 'url' ? { action: 'proxy', url: entry.url } : entry.kind === 'direct' ? { action: 'direct' } : { action: 'not-exist', error: entry.kind, rule: entry.kind === 'off' ? 'off' : 'unlisted' }),
  );
  if (walk.ok) return { base: walk.value, how: `proxy ${walk.servedBy} serves the checksum database: all sumdb traffic goes through it (${db.name} itself is never dialed)`, attempts: walk.attempts };
  if (walk.failure.notExist) {
    return { base: direct, how: `no GOPROXY entry serves /sumdb/${db.name}/supported: go dials ${direct} directly`, attempts: walk.attempts };
  }
  return { how: 'the /supported walk ended in an error: go treats the checksum database as unavailable', attempts: walk.attempts, failure: walk.failure };
}

/** GETs relative to the sumdb base as go's client does them, each tile once per run. */
function sumdbFetch(ctx: WorkContext, base: string): (path: string, signal: AbortSignal) => Promise<Uint8Array> {
  const get = async (path: string, signal: AbortSignal): Promise<Uint8Array> => {
    const url = `${base}${path}`;
    // The request's budget, released once the answer is read (a lookup and each tile: ~500 of a 500-module run).
    const budget = opScope(signal, ctx.net.timeoutMs, 'request');
    let res: Awaited<ReturnType<typeof goGet>>;
    try {
      res = await goGet({ http: ctx.net.http, proxyEnv: ctx.net.proxyEnv }, url, {
        signal: budget.signal,
        maxBytes: MAX_SUMDB_BYTES,
        auth: ctx.plan.auth,
      });
    } finally {
      budget.dispose();
    }
    // A non-200 answer of the checksum database (or of the proxy in front of it): go's HTTPError.
    if (res.status !== 200) throw statusError(res, url);
    if (res.truncated) {
      // go reads a sumdb answer whole, without limit: an endless body keeps it reading. Judging the
      // prefix would report it as malformed data instead.
      const shown = redactURL(url);
      const detail = `the body of ${shown} goes on past ${MAX_SUMDB_BYTES} bytes, where the probe stops reading; go has no limit here and would keep reading`;
      const goError = `Get "${shown}": body larger than ${MAX_SUMDB_BYTES} bytes (the probe's cap; go would still be reading)`;
      throw new GoWebError(new HttpError('http.too_large', shown, detail, goError), url, detail, goError, res.hops);
    }
    return res.body;
  };
  // A tile's path names its content (level, index, width): like go's client, ask for each one once per
  // run, not once per module (500 modules asked the same two or three tiles 500 times).
  const fetch = (path: string, signal: AbortSignal): Promise<Uint8Array> =>
    path.startsWith('/tile/') ? ctx.state.sumdbTiles.get(`${base}${path}`, ctx.waits, () => get(path, signal)) : get(path, signal);

  return fetch;
}
