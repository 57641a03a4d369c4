// Work a later stage will certainly need, started by the pipeline as soon as it is known: a module's zip,
// fetched through the GOPROXY walk with its redirect chain, and its checksum database lookup (the base
// choice, the lookup and its tiles), as soon as the proxy stage knows the version (at once for a
// canonical version, after .info for a query). The zip's chain (.zip -> 302 -> a new host's dns, tcp
// and tls -> the body) is the longest path of a healthy run; waiting for the sumdb stage to ask for it
// added the whole proxy and sumdb stages in front of it. Results wait in the run's shared work
// (RunState) and are judged by the sumdb and redirect stages in stage order; nothing is reported from
// here. probe.ts owns the one Prefetcher of a run: stages only say what they learned (EarlyWork).

import type { EarlyWork, WorkContext } from './stages/stage.js';
import type { PlannedModule } from './plan.js';
import { parseVerifierKey, type Verifier } from './sumdb/note.js';
import { chooseBase, lookup } from './stages/sumdbfetch.js';
import { fetchZip } from './stages/zipfetch.js';
import { withOpLog } from './net/oplog.js';

/** Zip walks in flight at once: each holds a proxy connection, then a storage one. */
export const PREFETCH_CONCURRENCY = 32;

export class Prefetcher implements EarlyWork {
  readonly #ctx: WorkContext;
  readonly #pending: { path: string; version: string }[] = [];
  readonly #queued = new Set<string>();
  #workers = 0;
  #stopped = false;
  /** The checksum database's key, parsed once (an Ed25519 public key import, ~2 ms): null when it does not parse. */
  #verifier: Verifier | null | undefined;

  /** `ctx` is the prefetcher's own: its logger and its wait clock, the run's state, plan and services. */
  constructor(ctx: WorkContext) {
    this.#ctx = ctx;
  }

  versionKnown(path: string, version: string): void {
    this.#zip(path, version);
    this.#sumdb(path, version);
  }

  /** No new work after this (the pipeline is over, or stopped at a failed stage). */
  stop(): void {
    this.#stopped = true;
    this.#pending.length = 0;
  }

  /**
   * Starts fetching path@version's zip (at most PREFETCH_CONCURRENCY at a time, in the order asked) and
   * returns at once. A walk a stage has already started is not started twice (RunState.zips).
   */
  #zip(path: string, version: string): void {
    const key = `${path}@${version}`;
    if (this.#stopped || this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#pending.push({ path, version });
    if (this.#workers < PREFETCH_CONCURRENCY) void withOpLog(this.#ctx.log, () => this.#work());
  }

  async #work(): Promise<void> {
    this.#workers++;
    try {
      for (let m = this.#pending.shift(); m && !this.#stopped && !this.#ctx.signal.aborted; m = this.#pending.shift()) {
        try {
          await fetchZip(this.#ctx, { path: m.path, version: m.version, servedBy: '' });
        } catch {
          // The stage that needs this zip awaits the same promise and deals with the error there.
        }
      }
    } finally {
      this.#workers--;
    }
  }

  /** The plan's modules by path, for #skipsSumdb (a search of the plan per module was quadratic at 500). */
  #byPath: Map<string, PlannedModule> | undefined;

  /** Whether the plan's (first) module of this path is one go does not look up (PlannedModule.sumdbSkipReason). */
  #skipsSumdb(path: string): boolean {
    if (!this.#byPath) {
      this.#byPath = new Map();
      // The first of a path wins, as Array.find did.
      for (const p of this.#ctx.plan.modules) if (!this.#byPath.has(p.path)) this.#byPath.set(p.path, p);
    }
    return Boolean(this.#byPath.get(path)?.sumdbSkipReason);
  }

  /** What the sumdb stage will ask for this module (the base choice, then the lookup and its tiles). */
  #sumdb(path: string, version: string): void {
    const ctx = this.#ctx;
    const db = ctx.plan.sumdb;
    if (this.#stopped || db.kind === 'off' || this.#skipsSumdb(path)) return;
    if (this.#verifier === undefined) {
      try {
        this.#verifier = parseVerifierKey(db.verifierKey);
      } catch {
        this.#verifier = null;
      }
    }
    const verifier = this.#verifier;
    if (verifier === null) return;
    void withOpLog(ctx.log, () => chooseBase(ctx, db).then((choice) => {
      if (choice.base) void lookup(ctx, verifier, choice.base, path, version);
    }, () => undefined));
  }
}
