// The resolver of one run, with every successful lookup kept for the rest of the run. The HTTP client
// opens more connections to hosts the dns stage (or an earlier connection) already resolved; in a pod
// with ndots:5 each lookup is four round trips one after another (the search list first), so resolving
// again for every new connection cost more than the request it carried. go resolves at every dial and
// gets the same answer within a run; a failed lookup is not kept, so it is asked again, as go would.

import { Resolver, type LookupResult } from './resolver.js';

export class RunResolver extends Resolver {
  readonly #answers = new Map<string, LookupResult>();
  /** Lookups under way, by host: a caller that asks meanwhile waits for the same answer. */
  readonly #inflight = new Map<string, Shared>();

  /**
   * go's net.Resolver merges concurrent lookups of one host (its lookupGroup, a singleflight): 32 dials to a
   * storage host at once send one set of queries, not 32. The probe asked once per new connection (each
   * lookup 8 queries with the lab's search list: ~250 queries for one 500-module run's storage host). The
   * shared lookup is cancelled only when every caller has stopped waiting, as go's; a caller whose own
   * signal ends first stops waiting alone.
   */
  override lookup(host: string, opts: { signal: AbortSignal }): Promise<LookupResult> {
    const known = this.#answers.get(host);
    if (known) return Promise.resolve(known);
    let shared = this.#inflight.get(host);
    if (!shared) {
      const ctl = new AbortController();
      const entry: Shared = { ctl, waiting: 0, work: Promise.resolve(undefined as unknown as LookupResult) };
      entry.work = super.lookup(host, { signal: ctl.signal }).then(
        (result) => {
          this.#answers.set(host, result);
          return result;
        },
      ).finally(() => {
        if (this.#inflight.get(host) === entry) this.#inflight.delete(host);
      });
      // Nobody may be waiting any more when it fails (every caller gave up): not an unhandled rejection.
      entry.work.catch(() => undefined);
      this.#inflight.set(host, entry);
      shared = entry;
    }
    return this.#wait(host, shared, opts.signal);
  }

  #wait(host: string, shared: Shared, signal: AbortSignal): Promise<LookupResult> {
    shared.waiting++;
    return new Promise<LookupResult>((resolve, reject) => {
      let done = false;
      const onAbort = (): void => {
        if (done) return;
        if (--shared.waiting > 0) {
          done = true;
          reject(this.waitAbandoned(host));
          return;
        }
        // The last one waiting: the lookup ends here, with its own account of what it sent. A caller that
        // comes after this starts a lookup of its own, as in go (ForgetUnshared).
        if (this.#inflight.get(host) === shared) this.#inflight.delete(host);
        shared.ctl.abort(signal.reason);
      };
      shared.work.then(
        (result) => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        (err: unknown) => {
          if (done) return;
          done = true;
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      );
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The answer this run got for a host, if it asked (the evidence of where report.json's egress[] resolved). */
  answered(host: string): LookupResult | undefined {
    return this.#answers.get(host);
  }
}

interface Shared {
  readonly ctl: AbortController;
  /** Callers still waiting for it. */
  waiting: number;
  work: Promise<LookupResult>;
}
