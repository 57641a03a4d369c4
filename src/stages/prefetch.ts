// Work a later stage will certainly need, started as soon as it is known: a module's zip, fetched through
// the GOPROXY walk with its redirect chain, as soon as its version is known (at once for a canonical
// version, after .info for a query). That chain (.zip -> 302 -> a new host's dns, tcp and tls -> the
// body) is the longest path of a healthy run; waiting for the sumdb stage to ask for it added the whole
// proxy and sumdb stages in front of it. Results wait in fetchZip's memo and are judged by the sumdb and
// redirect stages in stage order; nothing is reported from here.

import type { RunState } from '../state.js';
import type { StageContext } from './stage.js';
import { fetchZip } from './zipfetch.js';

/** Zip walks in flight at once: each holds a proxy connection, then a storage one. */
export const PREFETCH_CONCURRENCY = 32;

interface Queue {
  readonly ctx: StageContext;
  readonly pending: { path: string; version: string }[];
  readonly queued: Set<string>;
  workers: number;
  stopped: boolean;
}

const queues = new WeakMap<RunState, Queue>();

/**
 * Starts fetching path@version's zip (at most PREFETCH_CONCURRENCY at a time, in the order asked) and
 * returns at once. A walk a stage has already started is not started twice (fetchZip memoises it).
 */
export function prefetchZip(ctx: StageContext, path: string, version: string): void {
  let q = queues.get(ctx.state);
  if (!q) {
    q = { ctx, pending: [], queued: new Set(), workers: 0, stopped: false };
    queues.set(ctx.state, q);
  }
  const key = `${path}@${version}`;
  if (q.stopped || q.queued.has(key)) return;
  q.queued.add(key);
  q.pending.push({ path, version });
  if (q.workers < PREFETCH_CONCURRENCY) void work(q);
}

/** No new walks after this (the pipeline is over, or stopped at a failed stage). */
export function stopPrefetch(state: RunState): void {
  const q = queues.get(state);
  if (q) {
    q.stopped = true;
    q.pending.length = 0;
  }
}

async function work(q: Queue): Promise<void> {
  q.workers++;
  try {
    for (let m = q.pending.shift(); m && !q.stopped && !q.ctx.signal.aborted; m = q.pending.shift()) {
      try {
        await fetchZip(q.ctx, { path: m.path, version: m.version, servedBy: '' });
      } catch {
        // The stage that needs this zip awaits the same promise and deals with the error there.
      }
    }
  } finally {
    q.workers--;
  }
}
