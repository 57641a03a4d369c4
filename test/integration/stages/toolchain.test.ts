// go's toolchain switch against the loopback lab: the decision (GOTOOLCHAIN, go.mod's go and toolchain
// lines, --go-version, --go-platform) is evidence in the config stage; go failing before any download
// fails config (exit 2) with the text go 1.23.5 / 1.24.4 printed (test/unit/goenv/toolchain-vectors.json).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_MODULE, probeLab, resetLab, startLab } from './harness.js';

let lab: LabTarget;
beforeAll(async () => {
  lab = await startLab();
});
afterEach(() => resetLab(lab));
afterAll(async () => {
  await lab?.close();
  cleanupRuns();
});

const gomod = (...lines: string[]): string => ['module example.com/app', '', ...lines, '', `require ${LAB_MODULE} v1.1.0`, ''].join('\n');
const withGomod = (text: string, args: string[], env: Record<string, string | undefined> = {}) =>
  ({ modules: [], files: { 'go.mod': text }, args: ['--gomod', '{dir}/go.mod', '--go-platform', 'linux/amd64', ...args], env });

describe('the toolchain decision', () => {
  it('GOTOOLCHAIN=local with too old a go: config fails with go\'s text (exit 2)', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: 'local' }));
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({
      stage: 'config', cause: 'config.toolchain_too_old', target: 'GOTOOLCHAIN=local (environment)',
      goError: 'go: go.mod requires go >= 1.27.3 (running go 1.23.5; GOTOOLCHAIN=local)',
    });
    expect(run.report.failure!.hint).toContain('--go-version');
  });

  it('the same go.mod with the build image\'s go 1.27.3: no switch, the decision is evidence', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.27.3'), ['--go-version', '1.27.3'], { GOTOOLCHAIN: 'local' }));
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').evidence['toolchain']).toMatchObject({ kind: 'local', local: 'go1.27.3', gotoolchain: { value: 'local', source: 'env' } });
    expect(run.stage('config').evidence['goRules']).toBe('go1.27.3');
  });

  it('auto (go.env\'s default) with a newer go line: go switches, and the rules are the new go\'s', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: undefined }));
    expect(run.stage('config').evidence['toolchain']).toMatchObject({
      kind: 'switch', local: 'go1.23.5', platform: 'linux/amd64', gotoolchain: { value: 'auto', source: 'default' },
      module: { path: 'golang.org/toolchain', version: 'v0.0.1-go1.27.3.linux-amd64', toolchain: 'go1.27.3' },
    });
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.toolchain', message: expect.stringContaining('go switches to go1.27.3') }));
    expect(run.stage('config').evidence['goRules']).toBe('go1.27.3');
  });

  it('an invalid GOTOOLCHAIN fails config with go\'s text', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.21.0'), ['--go-version', '1.24.4'], { GOTOOLCHAIN: 'local+bogus' }));
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({ cause: 'config.toolchain_invalid', goError: 'go: invalid GOTOOLCHAIN "local+bogus": only version suffixes are +auto and +path' });
  });

  it('a go line of the same minor without --go-version\'s patch: a warning, not a guess', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.27.3'), [], { GOMODPROBE_GO_VERSION: undefined }));
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.toolchain_uncertain', severity: 'warn' }));
  });
});
