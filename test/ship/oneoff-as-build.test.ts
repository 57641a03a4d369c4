// k8s/oneoff/as-build.jq: the one-off probe pod made from a live build pod, so that the NetworkPolicies
// selecting builds by label, the build's service account and its Go environment apply to the probe.
// Run with the real jq on a build pod as the API server returns it (k8s/base's Job template, with the
// labels and fields the Job controller and the API server add).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { admit } from './admission-policy.js';
import { REPO_DIR } from './image-plan.js';
import { podSpecOf, renderKustomization, restrictedViolations, schemaErrors, unknownFields, type K8sObject, type PodSpec } from './k8s.js';

const JQ_PROGRAM = join(REPO_DIR, 'k8s', 'oneoff', 'as-build.jq');
const IMAGE = 'registry.example.com/gomodprobe:0.1.0';

function asBuild(buildPod: unknown, container = 'build'): { status: number | null; pod?: K8sObject; stderr: string } {
  const r = spawnSync('jq', ['-f', JQ_PROGRAM, '--arg', 'image', IMAGE, '--arg', 'container', container], { input: JSON.stringify(buildPod), encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`jq could not run (CI installs it: .ci/run): ${r.error.message}`);
  return { status: r.status, stderr: r.stderr, ...(r.status === 0 ? { pod: JSON.parse(r.stdout) as K8sObject } : {}) };
}

/** A pod of k8s/base's build Job as `kubectl get pod -o json` shows it in a cluster. */
function liveBuildPod(): K8sObject {
  const job = renderKustomization(join(REPO_DIR, 'k8s', 'base')).find((o) => o.kind === 'Job')!;
  const template = (job['spec'] as { template: { metadata: { labels: Record<string, string> }; spec: PodSpec } }).template;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'go-build-x7k2p',
      namespace: 'builds',
      labels: {
        ...template.metadata.labels,
        team: 'payments',
        'job-name': 'go-build',
        'controller-uid': '5f1c2d3e-0000-4000-8000-000000000001',
        'batch.kubernetes.io/job-name': 'go-build',
        'batch.kubernetes.io/controller-uid': '5f1c2d3e-0000-4000-8000-000000000001',
      },
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'go-build', uid: '5f1c2d3e-0000-4000-8000-000000000001', controller: true }],
    } as K8sObject['metadata'],
    spec: { ...template.spec, serviceAccountName: 'builder', imagePullSecrets: [{ name: 'registry' }], nodeName: 'node-1' },
    status: { phase: 'Running' },
  };
}

describe('k8s/oneoff/as-build.jq: the probe pod as the build sees the network', () => {
  const build = liveBuildPod();
  const { pod, status, stderr } = asBuild(build);
  const spec = pod ? podSpecOf(pod)! : undefined;
  const buildSpec = podSpecOf(build)!;
  const buildContainer = buildSpec.containers.find((c) => c.name === 'build') as Record<string, unknown>;

  it('makes a valid Pod that meets the restricted Pod Security Standard and the admission policy', async () => {
    expect(status, stderr).toBe(0);
    expect(await schemaErrors(pod!)).toBeUndefined();
    expect(unknownFields(pod!)).toEqual([]);
    expect(restrictedViolations(spec!)).toEqual([]);
    expect(spec!.containers).toHaveLength(1);
    expect(spec!.containers[0]).toMatchObject({ image: IMAGE, securityContext: { readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
    const policy = renderKustomization(join(REPO_DIR, 'k8s', 'policy'));
    expect(admit(policy.find((o) => o.kind === 'ValidatingAdmissionPolicy')!, policy.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding')!, pod!)).toEqual([]);
  });

  it('carries the build pod\'s labels, so a NetworkPolicy that selects the build selects the probe, but no controller\'s', () => {
    expect(pod!.metadata).toMatchObject({ namespace: 'builds', labels: { 'app.kubernetes.io/name': 'go-build', team: 'payments', 'gomodprobe.dev/as-build': 'go-build-x7k2p' } });
    const selectsBuilds = { 'app.kubernetes.io/name': 'go-build', team: 'payments' };
    for (const [k, v] of Object.entries(selectsBuilds)) expect(pod!.metadata.labels![k]).toBe(v);
    // With these the build's Job would adopt the probe pod as one of its own.
    for (const k of ['job-name', 'controller-uid', 'batch.kubernetes.io/job-name', 'batch.kubernetes.io/controller-uid']) expect(pod!.metadata.labels).not.toHaveProperty(k);
    expect(pod!.metadata).not.toHaveProperty('ownerReferences');
  });

  it('runs as the build\'s service account, with its pull secrets, Go environment and mounted files', () => {
    expect(spec!.serviceAccountName).toBe('builder');
    expect(spec!.automountServiceAccountToken).toBe(false);
    expect((spec as Record<string, unknown>)['imagePullSecrets']).toEqual([{ name: 'registry' }]);
    const probe = spec!.containers[0] as Record<string, unknown>;
    // The build image's go from its tag (golang:1.23-bookworm), then the build's own env.
    const tag = /golang:(1\.\d+(?:\.\d+)?)/.exec(String(buildContainer['image']));
    expect(tag).not.toBeNull();
    expect(probe['env']).toEqual([{ name: 'GOMODPROBE_GO_VERSION', value: tag![1] }, ...(buildContainer['env'] as unknown[] ?? [])]);
    expect(probe['envFrom']).toEqual(buildContainer['envFrom']);
    // The CA bundle (a ConfigMap) at the same path, read-only; the build's emptyDirs are not copied.
    expect(probe['volumeMounts']).toEqual([{ name: 'go-ca-bundle', mountPath: '/etc/go-ca', readOnly: true }]);
    expect(spec!.volumes!.map((v) => v.name)).toEqual(['go-ca-bundle']);
    expect(spec).not.toHaveProperty('nodeName');
  });

  it('names the container it copies, and refuses a pod without it in one line', () => {
    const r = asBuild(build, 'compile');
    expect(r.status).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('the pod has no container named compile');
  });

  it('is in the README with the kubectl debug recipe for an ephemeral container in the build pod itself', () => {
    const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
    expect(readme).toContain('jq -f k8s/oneoff/as-build.jq');
    expect(readme).toMatch(/kubectl debug -it "\$BUILD_POD" --target=build --profile=restricted[^\n]*\\\n\s+--image=registry\.example\.com\/gomodprobe:0\.1\.0/);
    expect(readme).toContain('--arguments-only');
  });
});
