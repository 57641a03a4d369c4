// k8s/fleet, as `kubectl apply -k k8s/fleet` would send it: the Kubernetes objects validated as
// manifests.test.ts validates the others (API schemas, strict fields, restricted Pod Security), the
// prometheus-operator objects (not in kubernetes-models) checked against the fields of their CRDs,
// the wiring between them (Service -> Deployment's port, ServiceMonitor -> Service, probes -> the
// exporter's paths), the rule file identical in both forms, and promtool's own checks and unit tests.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DEFAULT_SERVE_PORT, FLAGS } from '../../src/options.js';
import { REPO_DIR } from './image-plan.js';
import { podSpecOf, renderKustomization, restrictedViolations, schemaErrors, unknownFields, type K8sObject, type PodSpec } from './k8s.js';

const FLEET = join(REPO_DIR, 'k8s', 'fleet');
const objects = renderKustomization(FLEET);
const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string };
const CRD_KINDS = ['ServiceMonitor', 'PrometheusRule'];
const one = (kind: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

type Container = PodSpec['containers'][number] & {
  env?: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
};

export function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw new Error(`promtool is needed (Debian package prometheus, installed by .ci/run): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** Keys of `value` not in `allowed`, with their path: what a CRD's structural schema would prune or reject. */
function extraKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): string[] {
  return Object.keys(value).filter((k) => !allowed.includes(k)).map((k) => `${path}.${k}`);
}

// The fields of monitoring.coreos.com/v1 used here and their neighbours (prometheus-operator's
// ServiceMonitor and PrometheusRule CRDs, v0.7x); anything else is a typo the API server would drop.
const SERVICE_MONITOR_SPEC = ['selector', 'endpoints', 'namespaceSelector', 'jobLabel', 'targetLabels', 'podTargetLabels', 'sampleLimit', 'targetLimit', 'attachMetadata'];
const ENDPOINT = ['port', 'targetPort', 'path', 'scheme', 'interval', 'scrapeTimeout', 'honorLabels', 'honorTimestamps', 'params', 'relabelings', 'metricRelabelings', 'tlsConfig', 'bearerTokenSecret', 'basicAuth', 'authorization', 'oauth2', 'followRedirects', 'enableHttp2', 'proxyUrl', 'filterRunning'];
const RULE_GROUP = ['name', 'interval', 'rules', 'partial_response_strategy', 'limit'];
const RULE = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
const DURATION = /^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$/;

describe('k8s/fleet', () => {
  it('renders the Deployment, Service, ServiceMonitor, PrometheusRule and the ConfigMaps', () => {
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'ConfigMap', 'Deployment', 'PrometheusRule', 'Service', 'ServiceMonitor']);
  });

  it('validates the Kubernetes objects against the API schemas, with no unknown field', async () => {
    for (const obj of objects.filter((o) => !CRD_KINDS.includes(o.kind))) {
      expect(await schemaErrors(obj), `${obj.kind}/${obj.metadata.name}`).toBeUndefined();
      expect(unknownFields(obj), `${obj.kind}/${obj.metadata.name}`).toEqual([]);
    }
  });

  it('runs the exporter under the restricted Pod Security Standard, with resources and both probes', () => {
    const spec = podSpecOf(one('Deployment'))!;
    expect(restrictedViolations(spec)).toEqual([]);
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = spec.containers[0] as Container;
    expect(spec.containers).toHaveLength(1);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    for (const k of ['cpu', 'memory']) {
      expect(c.resources?.requests?.[k]).toBeDefined();
      expect(c.resources?.limits?.[k]).toBeDefined();
    }
    expect(c.image).toBe(`registry.example.com/gomodprobe:${pkg.version}`);
    expect(c.args?.[0]).toBe('serve');
    // The port, the probes' paths and the flags are the exporter's own.
    const listen = c.args!.find((a) => a.startsWith('--listen='));
    expect(listen).toBe(`--listen=:${DEFAULT_SERVE_PORT}`);
    for (const a of c.args!.slice(1)) expect(FLAGS.find((f) => a.startsWith(`--${f.name}`))?.commands ?? ['serve']).toContain('serve');
    expect(c.ports).toEqual([expect.objectContaining({ name: 'metrics', containerPort: DEFAULT_SERVE_PORT })]);
    expect(c.livenessProbe?.httpGet).toEqual({ path: '/-/healthy', port: 'metrics' });
    expect(c.readinessProbe?.httpGet).toEqual({ path: '/-/ready', port: 'metrics' });
    // The namespace label from the downward API; the Go env from the generated ConfigMap.
    expect(c.env).toContainEqual({ name: 'GOMODPROBE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === c.envFrom![0]!.configMapRef!.name)!;
    const data = cm['data'] as Record<string, string>;
    for (const key of Object.keys(data).filter((k) => k.startsWith('GOMODPROBE_'))) {
      expect(FLAGS.some((f) => f.env === key), key).toBe(true);
    }
    expect(data['GOMODPROBE_NAME']).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/);
    // The go of the builds this exporter watches: verdicts (and the toolchain switch) follow it.
    expect(data['GOMODPROBE_GO_VERSION']).toMatch(/^1\.\d+(\.\d+)?$/);
  });

  it('wires Service -> pods and ServiceMonitor -> Service by labels and the named port', () => {
    const deployment = one('Deployment');
    const podLabels = (deployment['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
    const service = one('Service');
    const serviceSpec = service['spec'] as { selector: Record<string, string>; ports: { name: string; targetPort: string }[] };
    expect(podLabels).toMatchObject(serviceSpec.selector);
    expect(serviceSpec.ports).toEqual([expect.objectContaining({ name: 'metrics', port: DEFAULT_SERVE_PORT, targetPort: 'metrics' })]);
    const monitor = one('ServiceMonitor');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    const spec = monitor['spec'] as { selector: { matchLabels: Record<string, string> }; endpoints: Record<string, unknown>[] };
    expect(service.metadata.labels).toMatchObject(spec.selector.matchLabels);
    expect(extraKeys(spec, SERVICE_MONITOR_SPEC, 'spec')).toEqual([]);
    expect(spec.endpoints).toHaveLength(1);
    const endpoint = spec.endpoints[0]!;
    expect(extraKeys(endpoint, ENDPOINT, 'spec.endpoints[0]')).toEqual([]);
    expect(endpoint).toMatchObject({ port: 'metrics', path: '/metrics', honorLabels: true });
    expect(String(endpoint['interval'])).toMatch(DURATION);
    expect(String(endpoint['scrapeTimeout'])).toMatch(DURATION);
  });

  it('ships one set of alert groups: the PrometheusRule holds exactly alerts.yaml', () => {
    const rule = one('PrometheusRule');
    expect(rule.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(Object.keys(rule).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    const spec = rule['spec'] as { groups: Record<string, unknown>[] };
    expect(Object.keys(spec)).toEqual(['groups']);
    for (const [i, g] of spec.groups.entries()) {
      expect(extraKeys(g, RULE_GROUP, `spec.groups[${i}]`)).toEqual([]);
      for (const [j, r] of (g['rules'] as Record<string, unknown>[]).entries()) {
        expect(extraKeys(r, RULE, `spec.groups[${i}].rules[${j}]`)).toEqual([]);
        expect(typeof r['expr']).toBe('string');
        if (r['for'] !== undefined) expect(String(r['for'])).toMatch(DURATION);
      }
    }
    const plain = parse(readFileSync(join(FLEET, 'alerts.yaml'), 'utf8')) as { groups: unknown[] };
    expect(spec.groups).toEqual(plain.groups);
  });

  it('alerts on what the issue names, with the durations it names', () => {
    const plain = parse(readFileSync(join(FLEET, 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; for: string; expr: string }[] }[] };
    const rules = Object.fromEntries(plain.groups.flatMap((g) => g.rules).map((r) => [r.alert, r]));
    expect(Object.keys(rules).sort()).toEqual(['GoModuleFetchWouldFail', 'GomodprobeCertificateExpiresSoon', 'GomodprobeChecksumDatabaseUnreachable', 'GomodprobeNoRecentSuccess']);
    expect(rules['GoModuleFetchWouldFail']!.for).toBe('10m');
    expect(rules['GomodprobeCertificateExpiresSoon']!.expr).toContain('14 * 86400');
  });

  it('passes promtool check rules and its unit tests (promtool test rules, the real for: durations)', () => {
    const check = promtool(['check', 'rules', join(FLEET, 'alerts.yaml')]);
    expect(check.out).toContain('SUCCESS: 4 rules found');
    expect(check.status).toBe(0);
    const unit = promtool(['test', 'rules', join(FLEET, 'alerts.test.yaml')]);
    expect(unit.out).toContain('SUCCESS');
    expect(unit.status).toBe(0);
  });

  it('ships the Grafana dashboard as a ConfigMap Grafana\'s sidecar picks up, with the panels the issue names', () => {
    const file = readFileSync(join(FLEET, 'grafana-dashboard.json'), 'utf8');
    const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.labels?.['grafana_dashboard'] === '1')!;
    expect((cm['data'] as Record<string, string>)['grafana-dashboard.json']).toBe(file);
    const dashboard = JSON.parse(file) as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));
    for (const metric of ['gomodprobe_run_success', 'gomodprobe_runs_total', 'gomodprobe_failures_total', 'gomodprobe_cert_earliest_expiry_timestamp_seconds', 'gomodprobe_probe_duration_seconds_bucket', 'gomodprobe_hop_phase_duration_seconds']) {
      expect(exprs.some((e) => e.includes(metric)), metric).toBe(true);
    }
    expect(exprs.filter((e) => e.startsWith('histogram_quantile(0.5,') || e.startsWith('histogram_quantile(0.95,'))).toHaveLength(2);
  });
});
