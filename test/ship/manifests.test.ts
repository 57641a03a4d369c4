// Every manifest under k8s/, as `kubectl apply -k` would send it: valid against the Kubernetes API
// schemas, no unknown fields, the restricted Pod Security Standard on every pod, and the wiring the
// three ways of use depend on (shared report volume, one Go env for both containers, the CA bundle
// at the same path, each NetworkPolicy paired with a Job that expects what the policy says).

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_DIR } from './image-plan.js';
import {
  parseYamlObjects,
  podSpecOf,
  renderKustomization,
  restrictedViolations,
  schemaErrors,
  unknownFields,
  type K8sObject,
  type PodSpec,
} from './k8s.js';

const K8S = join(REPO_DIR, 'k8s');
const KUSTOMIZATIONS = ['base', 'oneoff', 'netpol-test'];
const rendered = Object.fromEntries(KUSTOMIZATIONS.map((d) => [d, renderKustomization(join(K8S, d))])) as Record<string, K8sObject[]>;
const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };

const byKind = (dir: string, kind: string): K8sObject[] => rendered[dir]!.filter((o) => o.kind === kind);
const configMapData = (dir: string, prefix: string): Record<string, string> => {
  const cm = byKind(dir, 'ConfigMap').find((c) => c.metadata.name.startsWith(`${prefix}-`));
  if (!cm) throw new Error(`no ConfigMap ${prefix}-* in ${dir}`);
  return cm['data'] as Record<string, string>;
};
type Container = PodSpec['containers'][number] & { envFrom?: { configMapRef?: { name: string } }[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; terminationMessagePath?: string; terminationMessagePolicy?: string };

/** The value of --name=VALUE or --name VALUE in a container's args. */
function flag(c: Container, name: string): string | undefined {
  const args = c.args ?? [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${name}`) return args[i + 1];
    if (args[i]!.startsWith(`--${name}=`)) return args[i]!.slice(name.length + 3);
  }
  return undefined;
}

function probeContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers].filter((c) => c.image?.includes('gomodprobe')) as Container[];
}

describe.each(KUSTOMIZATIONS)('k8s/%s', (dir) => {
  it('renders with kustomize into objects that validate against the Kubernetes API schemas', async () => {
    expect(rendered[dir]!.length).toBeGreaterThan(0);
    for (const obj of rendered[dir]!) expect(await schemaErrors(obj), `${obj.kind}/${obj.metadata.name}`).toBeUndefined();
  });

  it('has no field the API server would reject as unknown (strict field validation)', () => {
    for (const obj of rendered[dir]!) expect(unknownFields(obj), `${obj.kind}/${obj.metadata.name}`).toEqual([]);
  });

  it('runs every pod under the restricted Pod Security Standard, read-only root file systems included', () => {
    const pods = rendered[dir]!.map(podSpecOf).filter((s): s is PodSpec => s !== undefined);
    expect(pods.length).toBeGreaterThan(0);
    for (const spec of pods) {
      expect(restrictedViolations(spec)).toEqual([]);
      // Asserted field by field too, as the issue lists them.
      expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(spec.securityContext?.runAsUser).toBeGreaterThan(0);
      expect(spec.automountServiceAccountToken).toBe(false);
      for (const c of [...(spec.initContainers ?? []), ...spec.containers] as Container[]) {
        expect(c.securityContext, c.name).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.resources?.requests?.['cpu'], c.name).toBeDefined();
        expect(c.resources?.requests?.['memory'], c.name).toBeDefined();
        expect(c.resources?.limits?.['cpu'], c.name).toBeDefined();
        expect(c.resources?.limits?.['memory'], c.name).toBeDefined();
      }
    }
  });

  it('runs the image at the version of package.json, with its verdict in the termination message', () => {
    const probes = rendered[dir]!.map(podSpecOf).filter((s): s is PodSpec => s !== undefined).flatMap(probeContainers);
    expect(probes.length).toBeGreaterThan(0);
    for (const c of probes) {
      expect(c.image).toBe(`registry.example.com/gomodprobe:${pkg.version}`);
      expect(c.terminationMessagePath).toBe('/dev/termination-log');
      expect(c.terminationMessagePolicy).toBe('FallbackToLogsOnError');
    }
  });

  it('tells every probe which go the build runs (GOMODPROBE_GO_VERSION, in its env or its ConfigMap)', () => {
    const probes = rendered[dir]!.map(podSpecOf).filter((s): s is PodSpec => s !== undefined).flatMap(probeContainers);
    for (const c of probes) {
      const own = (c.env ?? []).find((e) => e.name === 'GOMODPROBE_GO_VERSION')?.value;
      const fromMaps = (c.envFrom ?? []).map((e) => byKind(dir, 'ConfigMap').find((m) => m.metadata.name === e.configMapRef?.name))
        .map((m) => (m?.['data'] as Record<string, string> | undefined)?.['GOMODPROBE_GO_VERSION']).find((v) => v !== undefined);
      expect(own ?? fromMaps, `${c.name} in k8s/${dir}`).toMatch(/^1\.\d+(\.\d+)?$/);
    }
  });
});

describe('k8s/base: the initContainer gate', () => {
  const job = byKind('base', 'Job')[0]!;
  const spec = podSpecOf(job)!;
  const probe = spec.initContainers?.find((c) => c.name === 'gomodprobe') as Container | undefined;
  const build = spec.containers[0] as Container;

  it('runs gomodprobe as the initContainer in front of the build container', () => {
    expect(spec.initContainers).toHaveLength(1);
    expect(probe).toBeDefined();
    expect(spec.restartPolicy).toBe('Never');
  });

  it('shares the report through an emptyDir: the probe writes it, the build container prints it on start', () => {
    const reportDir = flag(probe!, 'report-dir')!;
    const mount = probe!.volumeMounts!.find((m) => m.mountPath === reportDir)!;
    expect(mount).toBeDefined();
    expect(spec.volumes!.find((v) => v.name === mount.name)).toHaveProperty('emptyDir');
    const buildMount = build.volumeMounts!.find((m) => m.name === mount.name)!;
    expect(buildMount).toMatchObject({ mountPath: reportDir, readOnly: true });
    const script = (build.command ?? []).join(' ');
    expect(script).toContain(`cat ${reportDir}/report.json`);
    expect(script.indexOf('report.json')).toBeLessThan(script.indexOf('go mod download'));
  });

  it('gives both containers the Go env from one ConfigMap, with the modules the build downloads', () => {
    const probeRefs = probe!.envFrom!.map((e) => e.configMapRef?.name);
    const buildRefs = build.envFrom!.map((e) => e.configMapRef?.name);
    expect(probeRefs).toHaveLength(1);
    expect(buildRefs).toEqual(probeRefs);
    const data = configMapData('base', 'go-env');
    expect(byKind('base', 'ConfigMap').find((c) => c.metadata.name === probeRefs[0])).toBeDefined();
    for (const k of ['GOPROXY', 'GOSUMDB', 'SSL_CERT_DIR', 'GOMODPROBE_MODULE']) expect(data[k], k).toBeTruthy();
    expect(script(build)).toContain('$GOMODPROBE_MODULE');
    // Nothing in the probe's own env that the build would not see, but which go the build image runs.
    expect((probe!.env ?? []).map((e) => e.name)).toEqual(['GOMODPROBE_GO_VERSION']);
  });

  it('tells the probe the go of the build image (GOMODPROBE_GO_VERSION next to its tag)', () => {
    const tag = /^golang:(1\.\d+(?:\.\d+)?)\b/.exec(build.image ?? '');
    expect(tag, `build image ${build.image}`).not.toBeNull();
    expect(probe!.env!.find((e) => e.name === 'GOMODPROBE_GO_VERSION')?.value).toBe(tag![1]);
  });

  it('mounts the CA bundle at the same path in both containers, and SSL_CERT_DIR adds it to the system roots', () => {
    const caVolume = spec.volumes!.find((v) => 'configMap' in v && String((v['configMap'] as { name: string }).name).startsWith('go-ca-bundle-'))!;
    expect(caVolume).toBeDefined();
    const at = (c: Container) => c.volumeMounts!.find((m) => m.name === caVolume.name);
    expect(at(probe!)).toMatchObject({ readOnly: true });
    expect(at(build)).toEqual(at(probe!));
    expect(configMapData('base', 'go-env')['SSL_CERT_DIR']!.split(':')).toEqual(['/etc/ssl/certs', at(probe!)!.mountPath]);
  });
});

function script(c: Container): string {
  return [...(c.command ?? []), ...(c.args ?? [])].join(' ');
}

describe('k8s/oneoff', () => {
  it('is one Pod that runs the probe once', () => {
    const pods = byKind('oneoff', 'Pod');
    expect(pods).toHaveLength(1);
    const spec = podSpecOf(pods[0]!)!;
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.containers).toHaveLength(1);
    expect(flag(spec.containers[0] as Container, 'format')).toBe('pretty');
  });
});

describe('k8s/netpol-test: each NetworkPolicy paired with a Job that expects what the policy says', () => {
  const policyFiles = readdirSync(join(K8S, 'netpol-test', 'policies')).filter((f) => f.endsWith('.yaml')).sort();
  const policies = byKind('netpol-test', 'NetworkPolicy');
  const jobs = byKind('netpol-test', 'Job');
  const labelsOf = (job: K8sObject): Record<string, string> => (job['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
  const selects = (policy: K8sObject, labels: Record<string, string>): boolean => {
    const sel = (policy['spec'] as { podSelector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] } }).podSelector;
    if (sel.matchExpressions && sel.matchExpressions.length > 0) throw new Error('matchExpressions in a probe podSelector: extend this test');
    return Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  };

  it('applies every policy file under policies/, its destinations replaced by suite.env\'s', () => {
    expect(policies).toHaveLength(policyFiles.length);
    const suite = configMapData('netpol-test', 'netpol-suite');
    for (const f of policyFiles) {
      const [src] = parseYamlObjects(readFileSync(join(K8S, 'netpol-test', 'policies', f), 'utf8'));
      const out = policies.find((p) => p.metadata.name === src!.metadata.name);
      expect(out, f).toBeDefined();
      const text = JSON.stringify(out!['spec']);
      expect(text).not.toMatch(/gomodprobe-lab|lab-role/);
      if (f !== 'deny-all-egress.yaml') {
        expect(text, f).toContain(`"kubernetes.io/metadata.name":"${suite['DNS_NAMESPACE']}"`);
        expect(text, f).toContain(`"k8s-app":"${suite['DNS_POD_LABEL']}"`);
      }
    }
    const cidrs = (name: string) => [...JSON.stringify(policies.find((p) => p.metadata.name === name)!['spec']).matchAll(/"cidr":"([^"]+)"/g)].map((m) => m[1]);
    expect(cidrs('gomodprobe-allow-proxy-deny-storage')).toEqual([suite['GOPROXY_CIDR'], suite['SUMDB_CIDR']]);
    expect(cidrs('gomodprobe-allow-go-module-egress')).toEqual([suite['GOPROXY_CIDR'], suite['SUMDB_CIDR'], suite['STORAGE_CIDR']]);
  });

  it('reads one env file naming the DNS service, GOPROXY, checksum database, storage host and an optional CA', () => {
    const suite = configMapData('netpol-test', 'netpol-suite');
    for (const k of ['DNS_NAMESPACE', 'DNS_POD_LABEL', 'GOPROXY', 'GOSUMDB', 'GOPROXY_CIDR', 'SUMDB_CIDR', 'STORAGE_CIDR', 'STORAGE_HOST', 'MUST_BLOCK', 'SSL_CERT_DIR']) expect(suite[k], k).toBeTruthy();
    for (const job of jobs) {
      const spec = podSpecOf(job)!;
      const probe = spec.containers.find((c) => c.name === 'gomodprobe') as Container;
      const suiteRef = probe.envFrom!.map((e) => e.configMapRef?.name);
      expect(suiteRef, job.metadata.name).toEqual([byKind('netpol-test', 'ConfigMap').find((c) => c.metadata.name.startsWith('netpol-suite-'))!.metadata.name]);
      const caVolume = spec.volumes!.find((v) => 'configMap' in v && String((v['configMap'] as { name: string }).name).startsWith('netpol-ca-'))!;
      const mount = probe.volumeMounts!.find((m) => m.name === caVolume.name)!;
      expect(suite['SSL_CERT_DIR']!.split(':')).toEqual(['/etc/ssl/certs', mount.mountPath]);
    }
  });

  it('reruns by delete and apply: no Namespace in the kustomization (the README documents the commands)', () => {
    expect(byKind('netpol-test', 'Namespace')).toEqual([]);
    const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('kubectl apply -f k8s/netpol-test/namespace.yaml');
    expect(readme).toContain('kubectl delete -k k8s/netpol-test --wait && kubectl apply -k k8s/netpol-test');
  });

  it('pairs every policy with exactly one Job, whose pod it selects and whose --expect is its gomodprobe.dev/expect', () => {
    for (const policy of policies) {
      const expectAnnotation = (policy.metadata as { annotations?: Record<string, string> }).annotations?.['gomodprobe.dev/expect'];
      expect(expectAnnotation, policy.metadata.name).toMatch(/^(pass|fail:(dns|tcp|tls|proxy|sumdb|redirect))$/);
      const selected = jobs.filter((j) => selects(policy, labelsOf(j)));
      expect(selected.map((j) => j.metadata.name), policy.metadata.name).toHaveLength(1);
      const probe = podSpecOf(selected[0]!)!.containers.find((c) => c.name === 'gomodprobe') as Container;
      expect(flag(probe, 'expect')).toBe(expectAnnotation);
      // Its JUnit suite and testcases carry the policy's name (gomodprobe-<name> without the prefix).
      expect(flag(probe, 'junit-suite')).toBe(policy.metadata.name.replace(/^gomodprobe-/, ''));
    }
    // And no Job runs under no policy (or under two: egress rules would add up).
    for (const job of jobs) expect(policies.filter((p) => selects(p, labelsOf(job))), job.metadata.name).toHaveLength(1);
  });

  it('asserts that the public proxy stays blocked, and writes JUnit that a second container prints for CI', () => {
    for (const job of jobs) {
      const spec = podSpecOf(job)!;
      const probe = spec.containers.find((c) => c.name === 'gomodprobe') as Container;
      // The target comes from suite.env (MUST_BLOCK), expanded by the kubelet from the container's env.
      expect(flag(probe, 'must-block')).toBe('$(MUST_BLOCK)');
      const junit = flag(probe, 'junit')!;
      const printer = spec.containers.find((c) => c.name === 'junit') as Container;
      expect(script(printer)).toContain(`cat ${junit}`);
      const dirOf = (p: string) => p.slice(0, p.lastIndexOf('/'));
      const vol = probe.volumeMounts!.find((m) => m.mountPath === dirOf(junit))!;
      expect(printer.volumeMounts!.find((m) => m.name === vol.name)).toMatchObject({ mountPath: vol.mountPath, readOnly: true });
      expect((job['spec'] as { backoffLimit: number; activeDeadlineSeconds: number })).toMatchObject({ backoffLimit: 0 });
      expect((job['spec'] as { activeDeadlineSeconds: number }).activeDeadlineSeconds).toBeGreaterThan(0);
    }
  });

  it('runs in a namespace that enforces the restricted Pod Security Standard', () => {
    const [ns] = parseYamlObjects(readFileSync(join(K8S, 'netpol-test', 'namespace.yaml'), 'utf8'));
    expect(ns!.kind).toBe('Namespace');
    expect(ns!.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of rendered['netpol-test']!) {
      expect((o.metadata as { namespace?: string }).namespace).toBe(ns!.metadata.name);
    }
  });
});

describe('the validators catch what they are for', () => {
  const pod = (): K8sObject => structuredClone(byKind('oneoff', 'Pod')[0]!);

  it('schema: a wrong type and a missing required field', async () => {
    const wrongType = pod();
    (podSpecOf(wrongType)!.securityContext as Record<string, unknown>)['runAsNonRoot'] = 'yes';
    expect(await schemaErrors(wrongType)).toMatch(/runAsNonRoot must be boolean/);
    const noName = pod();
    delete (podSpecOf(noName)!.containers[0] as Partial<Container>).name;
    expect(await schemaErrors(noName)).toMatch(/required property name/);
  });

  it('strict fields: a misspelt field deep in the pod', () => {
    const typo = pod();
    const sc = podSpecOf(typo)!.containers[0]!.securityContext as Record<string, unknown>;
    sc['readOnlyRootFileSystem'] = true;
    expect(unknownFields(typo)).toEqual(['Pod.spec.containers[0].securityContext.readOnlyRootFileSystem']);
    const labels = pod();
    labels.metadata.labels = { 'any.label/is-fine': 'x' };
    expect(unknownFields(labels)).toEqual([]);
  });

  it('restricted PSS: privilege escalation, root, capabilities, host namespaces, hostPath', () => {
    const spec = structuredClone(podSpecOf(byKind('oneoff', 'Pod')[0]!)!);
    spec.hostNetwork = true;
    spec.volumes = [{ name: 'h', hostPath: { path: '/' } }];
    const c = spec.containers[0]!;
    c.securityContext = { ...c.securityContext, allowPrivilegeEscalation: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN'], drop: [] }, readOnlyRootFilesystem: false };
    expect(restrictedViolations(spec)).toEqual([
      'host namespaces',
      'volume h: type hostPath not allowed',
      'container gomodprobe: allowPrivilegeEscalation must be false',
      'container gomodprobe: runAsUser 0',
      'container gomodprobe: capabilities must drop ALL',
      'container gomodprobe: capabilities add beyond NET_BIND_SERVICE',
      'container gomodprobe: readOnlyRootFilesystem must be true',
    ]);
  });
});
