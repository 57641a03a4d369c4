// Typed hand-over between stages of one run: what an earlier stage learned that a later stage needs
// (addresses, open connections, served files). report.json gets the evidence; this carries the objects.

import type net from 'node:net';
import type { LookupResult } from './net/resolver.js';
import type { TlsResult } from './net/tls.js';
import type { Plan, PlannedModule } from './plan.js';

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

export class RunState {
  /** What go will do: set by the config stage when it passes; every later stage reads it (StageContext.plan). */
  plan?: Plan;
  /** Keyed by hop origin. */
  readonly hops = new Map<string, HopProgress>();
  readonly modules: ModuleFetch[] = [];
  /** Memoised zip fetches keyed by URL, so the sumdb and redirect stages share one download. */
  readonly zips = new Map<string, Promise<unknown>>();
}
