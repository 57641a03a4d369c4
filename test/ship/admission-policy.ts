// k8s/policy/: the ValidatingAdmissionPolicy generated from src/goenv/verification-rules.ts (the same
// table the config stage reports from), and a small evaluator of such a policy that runs its CEL with
// @bufbuild/cel the way the API server does: match the resource, the binding's namespace selector,
// the variables in order, then each validation (false = denied, with its messageExpression).
//
//   npx tsx test/ship/admission-policy.ts --write   regenerate k8s/policy/validating-admission-policy.yaml

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { stringify } from 'yaml';
import { celString, VERIFICATION_RULES } from '../../src/goenv/verification-rules.js';
import { REPO_DIR } from './image-plan.js';
import type { K8sObject } from './k8s.js';

export const POLICY_NAME = 'gomodprobe-go-module-verification';
export const OPT_OUT_LABEL = 'gomodprobe.dev/go-module-verification';
export const POLICY_FILE = join(REPO_DIR, 'k8s', 'policy', 'validating-admission-policy.yaml');

/** The policy's variable listing the containers that break a rule: "config.gosumdb_off" -> "gosumdb_off", "goflags.insecure" -> "goflags_insecure". */
export const ruleVariable = (code: string): string => code.replace(/^config\./, '').replace(/\./g, '_');

const HEADER = `# GENERATED from src/goenv/verification-rules.ts by \`npx tsx test/ship/admission-policy.ts --write\`:
# edit the rule table, not this file (test/ship/admission-policy.test.ts checks they match).
#
# Refuses Pods, and the pod templates of Jobs, CronJobs and Deployments, whose containers or
# initContainers set in \`env\` a Go variable that turns off what protects a module download: the
# checksum database (GOSUMDB, GONOSUMDB, GOPRIVATE) or TLS (GOINSECURE, GOFLAGS, GOPROXY). The same
# rules are gomodprobe's config findings, which --strict turns into a failed gate at run time: that
# also covers what admission cannot see (values from ConfigMaps or Secrets via envFrom/valueFrom).
# Kubernetes >= 1.30.
`;

export function admissionPolicy(): Record<string, unknown> {
  const variables: { name: string; expression: string }[] = [
    {
      name: 'podSpec',
      expression: [
        "object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec :",
        "object.kind == 'Pod' ? object.spec :",
        'object.spec.template.spec',
      ].join('\n'),
    },
    {
      name: 'containers',
      expression: "variables.podSpec.containers + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])",
    },
  ];
  const validations: { expression: string; messageExpression: string; message: string; reason: string }[] = [];
  for (const rule of VERIFICATION_RULES) {
    const name = ruleVariable(rule.code);
    variables.push({
      name,
      // The names of the containers whose env sets the variable to a refused value.
      expression: [
        'variables.containers.filter(c, has(c.env) && c.env.exists(e,',
        `  e.name == ${celString(rule.variable)} && has(e.value) &&`,
        `  ${rule.cel('e.value')}`,
        ')).map(c, c.name)',
      ].join('\n'),
    });
    const text = `${rule.summary}. Fix: ${rule.fix}.`;
    validations.push({
      expression: `size(variables.${name}) == 0`,
      messageExpression: `'container ' + variables.${name}.join(', ') + ': ' + ${celString(text)}`,
      message: text,
      reason: 'Forbidden',
    });
  }
  const ops = ['CREATE', 'UPDATE'];
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POLICY_NAME, labels: { 'app.kubernetes.io/name': 'gomodprobe' } },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] },
          { apiGroups: ['batch'], apiVersions: ['v1'], operations: ops, resources: ['jobs', 'cronjobs'] },
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ops, resources: ['deployments'] },
        ],
      },
      variables,
      validations,
    },
  };
}

export function admissionPolicyBinding(): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: POLICY_NAME, labels: { 'app.kubernetes.io/name': 'gomodprobe' } },
    spec: {
      policyName: POLICY_NAME,
      validationActions: ['Deny'],
      // Namespaces labelled gomodprobe.dev/go-module-verification=off opt out ("off" quoted: YAML 1.1 reads it as false).
      matchResources: { namespaceSelector: { matchExpressions: [{ key: OPT_OUT_LABEL, operator: 'NotIn', values: ['off'] }] } },
    },
  };
}

export function policyFileText(): string {
  const opts = { lineWidth: 0, blockQuote: 'literal' as const, aliasDuplicateObjects: false, version: '1.1' as const };
  return `${HEADER}${stringify(admissionPolicy(), opts)}---\n${stringify(admissionPolicyBinding(), opts)}`;
}

// ---------------------------------------------------------------- evaluation

/** JSON -> CEL values: objects become maps, integers ints (bigint), as the API server presents them. */
export function toCel(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]));
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return v;
}

/** Evaluates a CEL expression with the strings extension, as Kubernetes does; a CEL error throws. */
export function evalCel(expression: string, bindings: Record<string, unknown>): unknown {
  return run(expression, bindings as Parameters<typeof run>[1], { funcs: strings });
}

const RESOURCE_OF: Readonly<Record<string, { group: string; resource: string }>> = {
  Pod: { group: '', resource: 'pods' },
  Job: { group: 'batch', resource: 'jobs' },
  CronJob: { group: 'batch', resource: 'cronjobs' },
  Deployment: { group: 'apps', resource: 'deployments' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
};

interface ResourceRule { apiGroups: string[]; resources: string[]; operations: string[] }
interface Expression { name?: string; expression: string; messageExpression?: string; message?: string }
interface MatchExpression { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }

function selects(expr: MatchExpression, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, expr.key);
  switch (expr.operator) {
    case 'In': return has && expr.values!.includes(labels[expr.key]!);
    case 'NotIn': return !has || !expr.values!.includes(labels[expr.key]!);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
  }
}

/**
 * What the API server answers for CREATE of `obj` in a namespace with these labels: the messages of
 * the failed validations (empty = admitted), or undefined when the policy does not apply at all.
 */
export function admit(policy: K8sObject, binding: K8sObject, obj: K8sObject, namespaceLabels: Readonly<Record<string, string>> = {}): string[] | undefined {
  const spec = policy['spec'] as { matchConstraints: { resourceRules: ResourceRule[] }; variables: Expression[]; validations: Expression[] };
  const res = RESOURCE_OF[obj.kind];
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0]! : '';
  const matched = res !== undefined && res.group === group &&
    spec.matchConstraints.resourceRules.some((r) => r.apiGroups.includes(group) && r.resources.includes(res.resource) && r.operations.includes('CREATE'));
  if (!matched) return undefined;
  const selector = (binding['spec'] as { matchResources?: { namespaceSelector?: { matchExpressions?: MatchExpression[] } } }).matchResources?.namespaceSelector;
  if (!(selector?.matchExpressions ?? []).every((e) => selects(e, namespaceLabels))) return undefined;

  const object = toCel(obj);
  const variables = new Map<string, unknown>();
  for (const v of spec.variables) variables.set(v.name!, evalCel(v.expression, { object, variables }));
  const denied: string[] = [];
  for (const v of spec.validations) {
    if (evalCel(v.expression, { object, variables }) === true) continue;
    let message = v.message ?? v.expression;
    if (v.messageExpression) message = String(evalCel(v.messageExpression, { object, variables }));
    denied.push(message);
  }
  return denied;
}

if (process.argv.includes('--write')) {
  writeFileSync(POLICY_FILE, policyFileText());
} else if (process.argv[1]?.endsWith('admission-policy.ts')) {
  process.stdout.write(readFileSync(POLICY_FILE, 'utf8') === policyFileText() ? 'up to date\n' : 'stale: run with --write\n');
}
