// Builds the run's network services from the plan the config stage decided.

import { NEWEST_MODELLED_MINOR } from '../net/clienthello.js';
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
  // The go modelled: the newest, until --go-version names it.
  const goHello = new GoHelloChecks({ minor: NEWEST_MODELLED_MINOR, godebug: options.env['GODEBUG'] ?? '' });
  return createNetServices({ resolver, trust: plan.trust, proxyEnv: plan.proxyEnv, timeoutMs: options.timeoutMs, goHello });
}
