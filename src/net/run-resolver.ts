// The resolver of one run, with every successful lookup kept for the rest of the run. The HTTP client
// opens more connections to hosts the dns stage (or an earlier connection) already resolved; in a pod
// with ndots:5 each lookup is four round trips one after another (the search list first), so resolving
// again for every new connection cost more than the request it carried. go resolves at every dial and
// gets the same answer within a run; a failed lookup is not kept, so it is asked again, as go would.

import { Resolver, type LookupResult } from './resolver.js';

export class RunResolver extends Resolver {
  readonly #answers = new Map<string, LookupResult>();

  override async lookup(host: string, opts: { signal: AbortSignal }): Promise<LookupResult> {
    const known = this.#answers.get(host);
    if (known) return known;
    const result = await super.lookup(host, opts);
    this.#answers.set(host, result);
    return result;
  }

  /** The answer this run got for a host, if it asked (the evidence of where report.json's egress[] resolved). */
  answered(host: string): LookupResult | undefined {
    return this.#answers.get(host);
  }
}
