// What `go` will do in this environment, decided once by the config stage and read by every later
// stage: the proxy list, the checksum database, the modules, and the hops go will certainly dial first.

import type { GoEnv } from './goenv/env.js';
import type { GoAuth } from './goenv/goauth.js';
import type { GoRules } from './goenv/goversion.js';
import type { ProxyEntry } from './goenv/proxylist.js';
import type { ProxyEnv } from './goenv/httpproxy.js';
import type { GoSumDB } from './goenv/gosumdb.js';
import type { TrustStore } from './net/truststore.js';
import type { NetrcEntry } from './goenv/netrc.js';
import type { ResolvConf } from './net/resolvconf.js';
import type { HostsTable } from './net/hosts.js';
import type { HopTarget } from './net/hop.js';
import type { HostLookupOrder } from './net/nsswitch.js';

export interface PlannedModule {
  readonly path: string;
  /** undefined asks for the latest version, as `go mod download path@latest` does. */
  readonly version: string | undefined;
  readonly source: 'flag' | 'gomod' | 'default';
  /** go.sum lines for this module, when --gosum was given: "v1.2.3" and "v1.2.3/go.mod" keys. */
  readonly goSum: ReadonlyMap<string, string>;
  /** GONOSUMDB/GOPRIVATE or GOSUMDB=off: go never asks the checksum database. */
  readonly sumdbSkipReason: string | undefined;
  /** GOINSECURE matches: only affects direct (origin) fetches. */
  readonly insecure: boolean;
}

/** One host:port that go will dial (origin e.g. https://proxy.golang.org:443), and how: directly, or through which proxy. */
export interface Hop extends HopTarget {
  /** Why go dials it: "GOPROXY entry 1 for rsc.io/quote", "direct origin of example.com/m", ... */
  readonly roles: readonly string[];
  /**
   * True when every use of this hop sits in a `|` entry with a next entry: go survives its failure by
   * falling through, so a failure here is a finding, not a failed stage.
   */
  readonly survivable: boolean;
  /**
   * The first request go makes through this hop (for the first module that uses it), so a layer
   * failure can be shown in go's words: `<m>@<v>: Get "<url>": dial tcp: ...`.
   */
  readonly firstRequest?: { readonly prefix: string; readonly url: string; readonly wrap: 'Get' };
}

/** go's toolchain switch (GOTOOLCHAIN, go.mod's go and toolchain lines), decided before any fetch. */
export interface PlannedToolchain {
  /** GOTOOLCHAIN as go reads it, and where it came from. */
  readonly gotoolchain: { readonly value: string; readonly source: string };
  /** The build image's go (--go-version). */
  readonly local: string;
  /** GOOS/GOARCH of the build image's go (--go-platform). */
  readonly platform: string;
  readonly kind: 'local' | 'switch' | 'uncertain';
  readonly reason: string;
  /** kind 'switch': golang.org/toolchain@v0.0.1-goX.Y.Z.GOOS-GOARCH, which go fetches like a module. */
  readonly module?: { readonly path: string; readonly version: string; readonly toolchain: string };
}

export interface Plan {
  /** The rules of the go the build runs: --go-version, or the toolchain go switches to. */
  readonly go: GoRules;
  readonly toolchain: PlannedToolchain;
  readonly goEnv: GoEnv;
  readonly proxyList: readonly ProxyEntry[];
  readonly gonoproxy: string;
  readonly gonosumdb: string;
  readonly goinsecure: string;
  readonly sumdb: GoSumDB;
  readonly proxyEnv: ProxyEnv;
  readonly trust: TrustStore;
  readonly modules: readonly PlannedModule[];
  /** The hosts go certainly dials first (stages dns, tcp, tls check these). */
  readonly firstHops: readonly Hop[];
  /** The resolver configuration go would read. */
  readonly dns: { readonly conf: ResolvConf; readonly hosts: HostsTable; readonly order: HostLookupOrder };
  /** .netrc entries go would send as Basic auth to https hosts (GOAUTH=netrc); never logged. */
  readonly netrc: readonly NetrcEntry[];
  /** The credentials go sends with https requests (GOAUTH / .netrc, by go version). */
  readonly auth: GoAuth;
}
