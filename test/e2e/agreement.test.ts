// Agreement with the real go command, for every go the lab runs (go 1.23, 1.24 and 1.27): for every
// scenario, each go runs `go mod download -json` and the probe runs with --go-version set to that go, in
// the same pod namespace with the same environment and egress policy. The probe passes iff that go
// succeeds; when go fails, the probe fails at the stage that explains go's error, with a hint that names
// the fix, and on blackholed targets it finishes well inside the time go takes to give up.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable, runScenario, type ScenarioResult } from './lab/agreement.js';
import { E2eLab } from './lab/lab.js';
import type { Pod } from './lab/netns.js';
import { limiter, mapConcurrent } from './lab/pool.js';
import { expectationFor, SCENARIOS } from './lab/scenarios.js';
import { gate } from './lab/suite.js';

const suite = await gate('agreement with go', process.env);
/** Scenarios at once; each runs three gos and three probes side by side. */
const CONCURRENCY = 8;
/**
 * Probes at once, across scenarios. A probe starved of CPU (node's start-up, on 2 shared cores) fires its
 * own timers late and reports timeouts that are the machine's, not the network's; go's runs are cheap.
 */
const PROBES_AT_ONCE = 4;
// GOMODPROBE_E2E_ONLY=id,id runs a subset while debugging a scenario.
const only = (process.env['GOMODPROBE_E2E_ONLY'] ?? '').split(',').filter((s) => s !== '');
const SELECTED = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;
const GOS = suite.pre.gos.found;
if (suite.run && !suite.ci && suite.pre.gos.missing !== '') console.warn(`[e2e] agreement runs without some gos: ${suite.pre.gos.missing}`);

describe.skipIf(!suite.ci)('e2e prerequisites (CI)', () => {
  it('has everything the lab needs', () => {
    expect(suite.pre.ok, `CI=true but the e2e lab cannot run: ${suite.pre.reason}`).toBe(true);
  });
  it('has go 1.23, 1.24 and 1.27 (the ground truths per version)', () => {
    expect(suite.pre.gos.missing, 'CI=true but a go the agreement test compares with is missing').toBe('');
  });
});

describe.skipIf(!suite.run)('e2e: agreement with the real go command', () => {
  let lab: E2eLab | undefined;
  const results = new Map<string, ScenarioResult>();

  beforeAll(async () => {
    lab = await E2eLab.start({ tag: 'agr' });
    const pods: Pod[] = [];
    for (let i = 0; i < SELECTED.length; i++) pods.push(await lab.addPod(SELECTED[i]!.pod ? { families: SELECTED[i]!.pod } : {}));
    // Blackholed scenarios take go's full 30 s: start them first so they overlap.
    const order = [...SELECTED.keys()].sort((a, b) => Number(!!SELECTED[b]!.blackholed) - Number(!!SELECTED[a]!.blackholed));
    const probeSlot = limiter(PROBES_AT_ONCE);
    await mapConcurrent(order, CONCURRENCY, async (i) => {
      const r = await runScenario(lab!, pods[i]!, SELECTED[i]!, suite.pre, GOS, probeSlot);
      results.set(r.scenario.id, r);
    });
  }, 900_000);

  afterAll(async () => {
    const ordered = SELECTED.map((s) => results.get(s.id)).filter((r): r is ScenarioResult => r !== undefined);
    if (ordered.length > 0) console.log(`\n${formatTable(ordered)}\n`);
    await lab?.stop({ keepFiles: process.env['GOMODPROBE_E2E_KEEP'] === '1' });
  }, 60_000);

  for (const s of SELECTED) {
    for (const go of GOS) {
      const e = expectationFor(s, go.minor);
      it(`${s.title} [go1.${go.minor}]: ${e.pass ? 'go succeeds and the probe passes' : `go fails and the probe names ${e.stage} (${e.cause})`}`, () => {
        const r = results.get(s.id)?.runs.find((x) => x.go.minor === go.minor);
        expect(r, 'scenario did not run').toBeDefined();
        expect(r!.problems, `go: exit ${r!.goOutcome.exit} ${r!.goOutcome.firstError}\nprobe: exit ${r!.probe.exit} ${JSON.stringify(r!.probe.report?.failure ?? r!.probe.stderr.slice(0, 500))}`).toEqual([]);
      });
    }
  }
});
