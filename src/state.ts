// Typed hand-over between stages of one run: what an earlier stage learned that a later stage needs
// (the plan, addresses, open connections, fetched files), and the run's typed caches of shared work.
// report.json gets the evidence; this carries the objects. The shapes of the shared work are declared
// here, beside the caches that hold them, so that the workers (stages/zipfetch, sumdbfetch, direct,
// githop) and the contexts they receive do not import each other.

import type net from 'node:net';
import type { LookupResult } from './net/resolver.js';
import type { TlsResult } from './net/tls.js';
import type { Plan, PlannedModule } from './plan.js';
import type { GitConfig } from './goenv/gitconfig.js';
import type { InputFs } from './inputfile.js';
import type { GoResponse } from './net/goweb.js';
import type { LookupVerified } from './sumdb/client.js';
import type { EntryResult, WalkAttempt, WalkFailure, WalkResult } from './stages/gowalk.js';
import type { Finding } from './stages/outcome.js';

export interface HopProgress {
  lookup?: LookupResult;
  socket?: net.Socket;
  tls?: TlsResult;
}

/** What the proxy stage fetched for one module, for the sumdb and redirect stages. */
export interface ModuleFetch {
  readonly path: string;
  /** The version go resolved (the query's answer for @latest). */
  readonly version: string;
  /** The base URL of the GOPROXY entry that served .info and .mod, or 'direct'. */
  readonly servedBy: string;
  readonly goMod?: Buffer;
  /**
   * The planned module this fetch answers (absent for a zip prefetched by path@version alone). Per-module
   * facts (go.sum lines, GONOSUMDB) are read from it, never looked up by path: m@v1 and m@v2 are two modules.
   */
  readonly planned?: PlannedModule;
}

/** A module version's zip as the GOPROXY walk fetched it (stages/zipfetch.ts). */
export interface ZipBody {
  readonly url: string;
  readonly status: number;
  readonly size: number;
  readonly truncated: boolean;
  readonly isZip: boolean;
  /** h1: hash of the zip (dirhash.HashZip), when it was read whole and parsed. */
  readonly hash?: string;
  readonly hashError?: string;
  readonly response: Omit<GoResponse, 'body'>;
}

export type ZipFetch = WalkResult<ZipBody>;

/** A module version fetched from its origin (stages/direct.ts). */
export interface DirectInfo {
  readonly version: string;
  readonly direct: true;
  readonly vcs: string;
  readonly repo: string;
  /** What the git hop noticed without failing (a helper not run, a pseudo-version not checked). */
  readonly findings?: readonly Finding[];
  readonly git?: Record<string, unknown>;
}

/** One direct fetch of a module version: its result and the requests it made. */
export interface DirectFetch {
  readonly result: EntryResult<DirectInfo>;
  readonly requests: readonly string[];
}

/** The git-side view of the pod, read once per run (stages/githop.ts). */
export interface GitEnvironment {
  readonly config: GitConfig;
  /** The environment go runs git with (the pod's). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly fs: InputFs;
}

/** Where go sends its checksum database requests, and how it decided (initBase). */
export interface BaseChoice {
  readonly base?: string;
  readonly how: string;
  readonly attempts?: readonly WalkAttempt[];
  readonly failure?: WalkFailure;
}

/** One verified lookup; settled, so that a lookup started early never rejects unheard. */
export type LookupOutcome = { readonly ok: LookupVerified } | { readonly err: unknown };

export class RunState {
  /** What go will do: set by the config stage when it passes; every later stage reads it (StageContext.plan). */
  plan?: Plan;
  /** Keyed by hop origin. */
  readonly hops = new Map<string, HopProgress>();
  readonly modules: ModuleFetch[] = [];
  /** Each module version's zip, fetched once (path@version): the sumdb stage hashes it, the redirect stage judges its chain. */
  readonly zips = new SharedWork<ZipFetch>();
  /** go's initBase, once per run (keyed by the database's name). */
  readonly sumdbBase = new SharedWork<BaseChoice>();
  /** Each module version's verified checksum database lookup. */
  readonly sumdbLookups = new SharedWork<LookupOutcome>();
  /** Each tile once per run, by URL, as go's client asks it (500 modules ask the same few tiles). */
  readonly sumdbTiles = new SharedWork<Uint8Array>();
  /** Each module version fetched from its origin (GOPROXY direct), once, as go's codehost caches the repository. */
  readonly directs = new SharedWork<DirectFetch>();
  /** git's configuration and environment, read once, on the first direct git fetch. */
  readonly gitEnvironment = new SharedWork<GitEnvironment>();
}

/**
 * The time one worker (a stage, or the prefetcher) spent waiting for work another one started. Waits that
 * overlap count once: it measures the wall time during which at least one of the worker's waits was
 * pending, so a stage's own work is its duration less this.
 */
export class WaitClock {
  #pending = 0;
  #since = 0;
  #waitedMs = 0;

  wait<T>(work: Promise<T>): Promise<T> {
    if (this.#pending++ === 0) this.#since = performance.now();
    return work.finally(() => {
      if (--this.#pending === 0) this.#waitedMs += performance.now() - this.#since;
    });
  }

  /** Waited so far, in ms (a wait still pending counts until now). */
  get waitedMs(): number {
    return this.#waitedMs + (this.#pending > 0 ? performance.now() - this.#since : 0);
  }
}

/**
 * Work done once per run and shared by key: whoever asks first starts it; anyone else who asks gets the
 * same promise, and the time it spends on it is a wait on that asker's clock, not its work.
 */
export class SharedWork<T> {
  readonly #entries = new Map<string, { readonly work: Promise<T>; readonly startedBy: WaitClock }>();

  get(key: string, waits: WaitClock, start: () => Promise<T>): Promise<T> {
    const known = this.#entries.get(key);
    if (known) return known.startedBy === waits ? known.work : waits.wait(known.work);
    const work = start();
    this.#entries.set(key, { work, startedBy: waits });
    return work;
  }
}
