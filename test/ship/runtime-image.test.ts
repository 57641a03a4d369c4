// The container image, reproduced without Docker: the build stage replayed from the Dockerfile, the
// runtime stage's COPYs laid out in an empty root, and that root run read-only, as the Dockerfile's
// numeric USER, with no capabilities, no shell, no node_modules and no HOME. `demo` must pass and
// write its reports to the mounted report dir; a real probe run (the initContainer case, with the
// Go env and CA bundle mounted from a "ConfigMap", and k8s/base's initContainer as rendered) must pass too.

import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabTarget } from '../../src/lab/target.js';
import { assembleRuntimeFiles, readImagePlan, replayBuildStage, REPO_DIR, type ImagePlan } from './image-plan.js';
import { podSpecOf, renderKustomization, type PodSpec } from './k8s.js';
import { nothingMountedUnder, runInImageSandbox } from './sandbox.js';

let work: string;
let plan: ImagePlan;
let rootfs: string;
let placed: string[];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gomodprobe-image-'));
  plan = readImagePlan();
  const buildStage = join(work, 'build-stage');
  mkdirSync(buildStage);
  replayBuildStage(plan, REPO_DIR, buildStage);
  rootfs = join(work, 'rootfs');
  mkdirSync(rootfs, { mode: 0o755 });
  placed = assembleRuntimeFiles(plan, REPO_DIR, buildStage, rootfs);
}, 120_000);

afterAll(() => {
  // The sandbox's mounts lived in its own namespace; never delete through a mount that leaked.
  if (work && nothingMountedUnder(work)) rmSync(work, { recursive: true, force: true });
});

/** A world-writable directory as an emptyDir volume is (the container's uid is not its owner). */
function emptyDir(name: string): string {
  const dir = join(work, name);
  mkdirSync(dir);
  chmodSync(dir, 0o777);
  return dir;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? [p, ...walk(p)] : [p];
  });
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('runtime image (reproduced from the Dockerfile)', () => {
  it('holds only the bundle: no node_modules, no package.json, nothing from the build stage but what is copied', () => {
    expect(placed.length).toBeGreaterThan(0);
    const everything = walk(rootfs).map((p) => p.slice(rootfs.length));
    expect(everything.filter((p) => /node_modules|package(-lock)?\.json$/.test(p))).toEqual([]);
    // The entrypoint's script is one of the copied files, read-only for everyone.
    const script = plan.script;
    expect(placed).toContain(script);
    expect(statSync(join(rootfs, script)).mode & 0o222).toBe(0);
  });

  it('runs `demo` as the image USER on a read-only root and writes only to the report dir and the termination log', async () => {
    const report = emptyDir('demo-report');
    const termination = join(work, 'demo-termination-log');
    writeFileSync(termination, '');
    chmodSync(termination, 0o666);

    const run = await runInImageSandbox({
      plan,
      rootfs,
      args: ['demo', '--report-dir', '/report'],
      mounts: [{ host: report, container: '/report', readOnly: false }],
      terminationLog: termination,
    });

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // Not a TTY: JSON lines, the demo's verdict last.
    const lines = jsonLines(run.stdout);
    const finished = lines.find((l) => l['event'] === 'demo.finished');
    expect(finished).toMatchObject({ ok: true, break: 'tls', exitCode: 0 });

    const healthy = JSON.parse(readFileSync(join(report, 'healthy', 'report.json'), 'utf8'));
    expect(healthy).toMatchObject({ verdict: 'pass', exitCode: 0, schema: 'gomodprobe.report/v1' });
    expect(healthy.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual([
      'config:pass', 'dns:pass', 'tcp:pass', 'tls:pass', 'proxy:pass', 'sumdb:pass', 'redirect:pass',
    ]);
    // The units were compiled from the code caches the build stage baked (same node, the ENTRYPOINT's flags).
    expect(healthy.runtime.codeCache).toMatchObject({ pipeline: { cache: 'accepted' }, undici: { cache: 'accepted' } });
    const broken = JSON.parse(readFileSync(join(report, 'break-tls', 'report.json'), 'utf8'));
    expect(broken).toMatchObject({ verdict: 'fail', exitCode: 12, failure: { stage: 'tls', cause: 'tls.unknown_authority' } });
    for (const f of ['metrics.prom', 'gomodprobe.ndjson']) {
      expect(statSync(join(report, 'healthy', f)).size).toBeGreaterThan(0);
    }
    // Written by the image's uid, not by root.
    expect(statSync(join(report, 'healthy', 'report.json')).uid).toBe(plan.user.uid);
    expect(readFileSync(termination, 'utf8')).toMatch(/^gomodprobe demo: PASS/);
    // The read-only root stayed as laid out: the demo's input files were served from memory.
    expect(walk(rootfs).some((p) => p.includes('gomodprobe-demo'))).toBe(false);
  });

  it('runs a real probe with the Go env and CA bundle from a read-only mount, --junit and --must-block', async () => {
    const lab = await LabTarget.start({});
    try {
      // The ConfigMap: resolv.conf, hosts, nsswitch.conf and the CA bundle, mounted read-only.
      const configDir = '/etc/gomodprobe';
      const inputs = lab.inputs(configDir);
      const config = join(work, 'configmap');
      for (const [path, text] of Object.entries(inputs.files)) {
        const host = join(config, path.slice(configDir.length));
        mkdirSync(dirname(host), { recursive: true });
        writeFileSync(host, text);
      }
      const report = emptyDir('probe-report');
      const env = Object.fromEntries(Object.entries(inputs.env).filter(([k, v]) => v !== '' && k !== 'HOME'));

      const run = await runInImageSandbox({
        plan,
        rootfs,
        args: [...inputs.args, '--report-dir', '/report', '--junit', '/report/junit.xml', '--must-block', 'proxy.golang.org:443', '--must-block-unresolvable-ok'],
        env,
        mounts: [
          { host: config, container: configDir, readOnly: true },
          { host: report, container: '/report', readOnly: false },
        ],
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
      expect(result).toMatchObject({ verdict: 'pass', exitCode: 0 });
      // The lab DNS does not know proxy.golang.org: blocked, as the policy wants (--must-block-unresolvable-ok).
      expect(result.mustBlock).toEqual([expect.objectContaining({ target: 'proxy.golang.org:443', blocked: true })]);
      const junit = readFileSync(join(report, 'junit.xml'), 'utf8');
      expect(junit).toContain('failures="0"');
      expect(junit).toContain('classname="gomodprobe.must_block" name="proxy.golang.org:443"');
    } finally {
      await lab.close();
    }
  });

  it('runs as the k8s/base initContainer: its args, its Go env ConfigMap, the CA bundle ConfigMap through SSL_CERT_DIR', async () => {
    const objects = renderKustomization(join(REPO_DIR, 'k8s', 'base'));
    const spec = podSpecOf(objects.find((o) => o.kind === 'Job')!)! as PodSpec;
    const init = spec.initContainers![0]! as PodSpec['containers'][number] & { envFrom: { configMapRef: { name: string } }[] };
    const configMap = (name: string): Record<string, string> => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)!['data'] as Record<string, string>;
    const goEnv = configMap(init.envFrom[0]!.configMapRef.name);
    const mountOf = (volume: { name: string } & Record<string, unknown>) => init.volumeMounts!.find((m) => m.name === volume.name)!;
    const reportVolume = spec.volumes!.find((v) => 'emptyDir' in v && init.volumeMounts!.some((m) => m.name === v.name))!;
    const caVolume = spec.volumes!.find((v) => 'configMap' in v)! as { name: string; configMap: { name: string } };

    const lab = await LabTarget.start({});
    try {
      const inputs = lab.inputs('/unused');
      // The CA ConfigMap as the kubelet lays it out: a timestamped directory, ..data, and symlinks to it.
      const ca = join(work, 'ca-configmap');
      const stamp = '..2026_01_01_00_00_00.000000001';
      mkdirSync(join(ca, stamp), { recursive: true });
      for (const key of Object.keys(configMap(caVolume.configMap.name))) {
        writeFileSync(join(ca, stamp, key), `${configMap(caVolume.configMap.name)[key]}${lab.pki.root.certPem}`);
        symlinkSync(`..data/${key}`, join(ca, key));
      }
      symlinkSync(stamp, join(ca, '..data'));
      // What the kubelet mounts into every container: the pod's resolv.conf and hosts (here the lab's).
      const etc = join(work, 'kubelet-etc');
      mkdirSync(etc);
      writeFileSync(join(etc, 'resolv.conf'), inputs.files['/unused/resolv.conf']!);
      writeFileSync(join(etc, 'hosts'), inputs.files['/unused/hosts']!);
      const report = emptyDir('base-report');
      const termination = join(work, 'base-termination-log');
      writeFileSync(termination, '');
      chmodSync(termination, 0o666);

      // The manifest's Go env, pointed at the lab's GOPROXY, checksum database and module; its SSL_CERT_DIR as is.
      const env: Record<string, string> = { ...goEnv, GOPROXY: inputs.env['GOPROXY']!, GOSUMDB: inputs.env['GOSUMDB']!, GOMODPROBE_MODULE: 'lab.test/hello@v1.1.0' };
      expect(env['SSL_CERT_DIR']).toContain(mountOf(caVolume).mountPath);
      const run = await runInImageSandbox({
        plan,
        rootfs,
        // The lab DNS listens on a high port; a cluster DNS is on 53.
        args: [...(init.args ?? []), '--dns-port', String(lab.dns.port)],
        env,
        mounts: [
          { host: report, container: mountOf(reportVolume).mountPath, readOnly: false },
          { host: ca, container: mountOf(caVolume).mountPath, readOnly: true },
          { host: join(etc, 'resolv.conf'), container: '/etc/resolv.conf', readOnly: true },
          { host: join(etc, 'hosts'), container: '/etc/hosts', readOnly: true },
        ],
        terminationLog: termination,
      });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const result = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8'));
      expect(result).toMatchObject({ verdict: 'pass', exitCode: 0 });
      expect(result.trustStore.loaded).toEqual(expect.arrayContaining([{ path: mountOf(caVolume).mountPath, kind: 'dir', certs: 1 }]));
      expect(readFileSync(termination, 'utf8')).toMatch(/^gomodprobe: PASS/);
    } finally {
      await lab.close();
    }
  });
});
