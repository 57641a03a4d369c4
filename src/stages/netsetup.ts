// Builds the run's network services from the plan the config stage decided.

import { godebugValues } from '../goenv/godebug.js';
import { x509RulesFor } from '../goenv/goversion.js';
import { loadUdp } from '../net/dnstransport.js';
import { GoHelloChecks } from '../net/gohello.js';
import { RunResolver } from '../net/run-resolver.js';
import { createNetServices, type NetServices } from '../net/services.js';
import type { Options } from '../options.js';
import type { Plan } from '../plan.js';

export function buildNetServices(options: Options, plan: Plan): NetServices {
  const resolver = new RunResolver({
    conf: plan.dns.conf,
    hosts: plan.dns.hosts,
    order: plan.dns.order,
    port: options.dnsPort,
  });
  // Before the dns stage's clock starts (net/dnstransport.ts loadUdp says why); not for a run without a
  // first hop to resolve (GOPROXY=off), which would load them for nothing.
  if (!plan.dns.conf.useTCP && plan.firstHops.length > 0) loadUdp();
  // go's own ClientHello is that of the go the build runs (--go-version), with the build's GODEBUG.
  const goHello = new GoHelloChecks({ minor: plan.go.version.minor, godebug: options.env['GODEBUG'] ?? '' });
  // What its crypto/x509 accepts and says: negative serials, the x509sha1 hint (go ≤1.23).
  const x509 = x509RulesFor(plan.go, godebugValues(options.env['GODEBUG'] ?? ''));
  return createNetServices({ resolver, trust: plan.trust, proxyEnv: plan.proxyEnv, timeoutMs: options.timeoutMs, goHello, userAgent: plan.go.userAgent, x509 });
}
