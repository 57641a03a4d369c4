// Agreement with the real go command: for every scenario, `go mod download -json` and the probe run in
// the same pod namespace with the same environment and egress policy. The probe passes iff go succeeds;
// when go fails, the probe fails at the stage that explains go's error, with a hint that names the fix,
// and on blackholed targets it finishes well inside the time go takes to give up.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable, runScenario, type ScenarioResult } from './lab/agreement.js';
import { E2eLab } from './lab/lab.js';
import type { Pod } from './lab/netns.js';
import { mapConcurrent } from './lab/pool.js';
import { SCENARIOS } from './lab/scenarios.js';
import { gate } from './lab/suite.js';

const suite = await gate('agreement with go', process.env);
const CONCURRENCY = 10;
// GOMODPROBE_E2E_ONLY=id,id runs a subset while debugging a scenario.
const only = (process.env['GOMODPROBE_E2E_ONLY'] ?? '').split(',').filter((s) => s !== '');
const SELECTED = only.length > 0 ? SCENARIOS.filter((s) => only.includes(s.id)) : SCENARIOS;

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
    await mapConcurrent(order, CONCURRENCY, async (i) => {
      const r = await runScenario(lab!, pods[i]!, SELECTED[i]!, suite.pre);
      results.set(r.scenario.id, r);
    });
  }, 600_000);

  afterAll(async () => {
    const ordered = SELECTED.map((s) => results.get(s.id)).filter((r): r is ScenarioResult => r !== undefined);
    if (ordered.length > 0) console.log(`\n${formatTable(ordered, suite.pre.goVersion)}\n`);
    await lab?.stop({ keepFiles: process.env['GOMODPROBE_E2E_KEEP'] === '1' });
  }, 60_000);

  for (const s of SELECTED) {
    it(`${s.title}: ${s.expect.pass ? 'go succeeds and the probe passes' : `go fails and the probe names ${s.expect.stage} (${s.expect.cause})`}`, () => {
      const r = results.get(s.id);
      expect(r, 'scenario did not run').toBeDefined();
      expect(r!.problems, `go: exit ${r!.go.exit} ${r!.go.firstError}\nprobe: exit ${r!.probe.exit} ${JSON.stringify(r!.probe.report?.failure ?? r!.probe.stderr.slice(0, 500))}`).toEqual([]);
    });
  }
});
