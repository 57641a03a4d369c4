// Builds the run's network services from the plan the config stage decided.

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
  return createNetServices({ resolver, trust: plan.trust, proxyEnv: plan.proxyEnv, timeoutMs: options.timeoutMs });
}
