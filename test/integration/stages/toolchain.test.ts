// go's toolchain switch against the loopback lab: the decision (GOTOOLCHAIN, go.mod's go and toolchain
// lines, --go-version, --go-platform) is evidence in the config stage; go failing before any download
// fails config (exit 2) with the text go 1.23.5 / 1.24.4 printed (test/unit/goenv/vectors/toolchain-go1.N.json).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LabTarget } from '../../../src/lab/target.js';
import { cleanupRuns, LAB_MODULE, LAB_NAMES, probeLab, resetLab, startLab } from './harness.js';

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

  it('auto (go.env\'s default) with a newer go line: go switches (fetched below), and the rules are the new go\'s', async () => {
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

describe('--gowork: the workspace\'s go and toolchain lines decide (select.go modGoToolchain)', () => {
  const withWork = (work: string, mod: string, args: string[], env: Record<string, string | undefined> = {}) =>
    ({ modules: [], files: { 'go.mod': mod, 'go.work': work }, args: ['--gomod', '{dir}/go.mod', '--gowork', '{dir}/go.work', '--go-platform', 'linux/amd64', ...args], env });

  it('go.work newer than the local go with GOTOOLCHAIN=local: go\'s text names go.work (measured, go 1.23.5)', async () => {
    const run = await probeLab(lab, withWork('go 1.27.3\n\nuse .\n', gomod('go 1.22'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: 'local' }));
    expect(run.exitCode).toBe(2);
    expect(run.report.failure).toMatchObject({ cause: 'config.toolchain_too_old', goError: 'go: go.work requires go >= 1.27.3 (running go 1.23.5; GOTOOLCHAIN=local)' });
  });

  it('go.work asks for go 1.27.3 under auto: go switches, though go.mod says 1.22', async () => {
    const run = await probeLab(lab, withWork('go 1.27.3\n\nuse .\n', gomod('go 1.22'), ['--go-version', '1.24.4'], { GOTOOLCHAIN: 'auto' }));
    expect(run.stage('config').evidence['toolchain']).toMatchObject({ kind: 'switch', module: { toolchain: 'go1.27.3' } });
    expect(run.report.failure).toMatchObject({ cause: 'proxy.toolchain_not_available' });
  });

  it('go.work older than go.mod: go refuses the workspace, with 1.24\'s and 1.27\'s words (measured)', async () => {
    const work = 'go 1.22\n\nuse .\n';
    const old = await probeLab(lab, withWork(work, gomod('go 1.27.3'), ['--go-version', '1.24.4'], { GOTOOLCHAIN: 'auto' }));
    expect(old.exitCode).toBe(2);
    expect(old.report.failure).toMatchObject({ cause: 'config.gowork_too_old',
      goError: 'go: module . listed in go.work file requires go >= 1.27.3, but go.work lists go 1.22; to update it:\n\tgo work use' });
    const now = await probeLab(lab, withWork(work, gomod('go 1.27.3'), ['--go-version', '1.27.3'], { GOTOOLCHAIN: 'auto' }));
    expect(now.report.failure).toMatchObject({ cause: 'config.gowork_too_old',
      goError: 'go: module . listed in go.work file requires go >= 1.27.3, but go.work lists go 1.22; to download and use go 1.27.3:\n\tgo work use' });
    expect(now.report.failure!.hint).toContain('go work use');
  });

  it('GOWORK=off: go ignores the workspace, go.mod decides, and the probe says so', async () => {
    const run = await probeLab(lab, withWork('go 1.27.3\n\nuse .\n', gomod('go 1.22'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: 'local', GOWORK: 'off' }));
    expect(run.exitCode).toBe(0);
    expect(run.stage('config').findings).toContainEqual(expect.objectContaining({ code: 'config.gowork_off' }));
    expect(run.stage('config').evidence['toolchain']).toMatchObject({ kind: 'local' });
  });
});

describe('the toolchain fetch go makes when it switches', () => {
  it('no GOPROXY entry serves golang.org/toolchain: proxy.toolchain_not_available with go\'s text (exit 13)', async () => {
    const run = await probeLab(lab, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: undefined }));
    expect(run.exitCode).toBe(13);
    expect(run.report.failure).toMatchObject({
      stage: 'proxy', cause: 'proxy.toolchain_not_available',
      goError: 'go: download go1.27.3 for linux/amd64: toolchain not available',
    });
    expect(run.report.failure!.hint).toContain('serve golang.org/toolchain');
    expect(run.stage('proxy').evidence['toolchain']).toMatchObject({ path: 'golang.org/toolchain', version: 'v0.0.1-go1.27.3.linux-amd64' });
  });
});

describe('a lab proxy that serves the toolchain', () => {
  let served: LabTarget;
  beforeAll(async () => {
    served = await startLab({ toolchains: ['v0.0.1-go1.27.3.linux-amd64'] });
  });
  afterAll(async () => {
    await served?.close();
  });

  it('served: the zip (a prefix of it), its checksum database record and its redirect chain are checked, and the probe passes', async () => {
    const run = await probeLab(served, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: undefined }));
    expect(run.report.failure).toBeUndefined();
    expect(run.exitCode).toBe(0);
    expect(run.stage('proxy').evidence['toolchain']).toMatchObject({ zip: { status: 200, isZip: true } });
    const sumdb = run.stage('sumdb').evidence['modules'] as { path: string; zip?: { recorded?: string } }[];
    expect(sumdb.find((m) => m.path === 'golang.org/toolchain')?.zip?.recorded).toMatch(/^h1:/);
    const chains = run.stage('redirect').evidence['chains'] as { path: string; hops: unknown[] }[];
    expect(chains.find((c) => c.path === 'golang.org/toolchain')?.hops.length).toBeGreaterThan(1);
    // egress[]: the GOPROXY host and the storage host it redirects to, each with why "toolchain".
    const toolchainHosts = run.report.egress!.filter((d) => d.why.some((w) => w.kind === 'toolchain')).map((d) => d.host);
    expect(new Set(toolchainHosts)).toEqual(new Set([LAB_NAMES.proxy, LAB_NAMES.storage]));
  });

  it('--hash-toolchain: the zip is read whole and its hash compared with the record', async () => {
    const run = await probeLab(served, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5', '--hash-toolchain'], { GOTOOLCHAIN: undefined }));
    expect(run.exitCode).toBe(0);
    const sumdb = run.stage('sumdb').evidence['modules'] as { path: string; zip?: { served?: string; recorded?: string; match?: boolean } }[];
    const zip = sumdb.find((m) => m.path === 'golang.org/toolchain')?.zip;
    expect(zip?.match).toBe(true);
    expect(zip?.served).toBe(zip?.recorded);
    expect(run.stage('sumdb').findings.map((f) => f.code)).not.toContain('sumdb.toolchain_zip_not_hashed');
  });

  it('GOSUMDB=off: go still verifies the toolchain, and fails (exit 14, go\'s text)', async () => {
    const run = await probeLab(served, withGomod(gomod('go 1.27.3'), ['--go-version', '1.23.5'], { GOTOOLCHAIN: undefined, GOSUMDB: 'off' }));
    expect(run.exitCode).toBe(14);
    expect(run.report.failure).toMatchObject({
      stage: 'sumdb', cause: 'sumdb.toolchain_unverified',
      goError: 'go: download go1.27.3: golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64: verifying module: checksum database disabled by GOSUMDB=off',
    });
  });

  it('no switch needed (go 1.27.3 in the image): the toolchain is not fetched', async () => {
    const run = await probeLab(served, withGomod(gomod('go 1.27.3'), ['--go-version', '1.27.3'], { GOTOOLCHAIN: undefined }));
    expect(run.exitCode).toBe(0);
    expect(run.stage('proxy').evidence['toolchain']).toBeUndefined();
  });
});
