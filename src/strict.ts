// --strict: a warn-level finding fails the stage that found it. Which findings are warn-level is decided
// where they are found — the config stage's risk findings come from one table, VERIFICATION_RULES in
// src/goenv/verification-rules.ts (GOSUMDB=off, GONOSUMDB/GOPRIVATE covering every module,
// GOINSECURE=*, GOFLAGS=-insecure, ...), and certificate expiry from certExpiryFindings below — so that
// strict mode adds no second list. A strict failure of the config stage exits 2; of a later stage,
// that stage's code (a host's certificate: 12 for a first hop, the stage that reached it otherwise).

import { findingHints, hintFor } from './hints.js';
import type { CertSummary } from './report/types.js';
import type { Finding, StageResult } from './stages/outcome.js';

const DAY_MS = 24 * 3600 * 1000;

/** A warn finding per certificate that expires within `warnDays` (an expired one already failed its handshake). */
export function certExpiryFindings(certs: readonly CertSummary[], warnDays: number, now = Date.now()): Finding[] {
  const out: Finding[] = [];
  for (const c of certs) {
    const t = Date.parse(c.notAfter);
    if (Number.isFinite(t) && t > now && t - now < warnDays * DAY_MS) {
      out.push({
        code: 'tls.expires_soon',
        severity: 'warn',
        target: c.target,
        message: `certificate "${c.subject}" of ${c.target} expires ${c.notAfter}, within ${warnDays} days (--cert-warn-days)`,
        hint: findingHints.certificateExpiresSoon(),
      });
    }
  }
  return out;
}

/** The stage's result under --strict: its first warn finding makes it fail, with that finding as the failure. */
export function applyStrict(result: StageResult): StageResult {
  if (result.status === 'fail') return result;
  const warn = result.findings.find((f) => f.severity === 'warn');
  if (!warn) return result;
  return {
    ...result,
    status: 'fail',
    failure: {
      stage: result.stage,
      cause: 'strict.warning',
      target: warn.target ?? result.stage,
      detail: `${warn.code}: ${warn.message} (--strict makes warn-level findings fail)`,
      hint: warn.hint ?? hintFor('strict.warning'),
    },
  };
}
