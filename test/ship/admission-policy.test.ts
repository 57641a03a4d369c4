// k8s/policy: the ValidatingAdmissionPolicy is the rule table of src/goenv/verification-rules.ts, its
// CEL evaluated here with @bufbuild/cel (a maintained CEL implementation, with the strings extension
// Kubernetes enables) against manifests it must refuse and manifests it must admit — the project's
// own among them — and checked to decide as the config stage does on the same Go environments.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { VERIFICATION_RULES, type VerificationVariable } from '../../src/goenv/verification-rules.js';
import { diskInputFs, InputFileError, InputFiles, type InputFs } from '../../src/inputfile.js';
import { parseOptions } from '../../src/options.js';
import { configStage } from '../../src/stages/config.js';
import { opSignal } from '../../src/budget.js';
import { RunState, WaitClock } from '../../src/state.js';
import { admit, evalCel, OPT_OUT_LABEL, policyFileText, POLICY_FILE } from './admission-policy.js';
import { REPO_DIR } from './image-plan.js';
import { renderKustomization, schemaErrors, unknownFields, type K8sObject } from './k8s.js';

const rendered = renderKustomization(join(REPO_DIR, 'k8s', 'policy'));
const policy = rendered.find((o) => o.kind === 'ValidatingAdmissionPolicy')!;
const binding = rendered.find((o) => o.kind === 'ValidatingAdmissionPolicyBinding')!;

type Env = Readonly<Record<string, string>>;
const container = (name: string, env: Env) => ({ name, image: 'golang:1.23', env: Object.entries(env).map(([n, value]) => ({ name: n, value })) });
const podSpec = (env: Env, init: Env = {}) => ({
  restartPolicy: 'Never',
  initContainers: [container('gomodprobe', init)],
  containers: [container('build', env)],
});
const pod = (env: Env, init: Env = {}): K8sObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: podSpec(env, init) });
const job = (env: Env): K8sObject => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'b' }, spec: { template: { spec: podSpec(env) } } });
const cronJob = (env: Env): K8sObject => ({
  apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'b' },
  spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: podSpec(env) } } } },
});
const deployment = (env: Env): K8sObject => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' },
  spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: podSpec(env) } },
});

/** The Go variables the policy refuses for this env, by the variable each message names. */
function refusedByPolicy(env: Env): VerificationVariable[] {
  const messages = admit(policy, binding, pod(env)) ?? [];
  return VERIFICATION_RULES.filter((r) => messages.some((m) => m.includes(`: ${r.summary}`))).map((r) => r.variable);
}

/** Every input file missing, but the machine's trust store (SSL_CERT_FILE/SSL_CERT_DIR in an env still name real paths). */
const NO_INPUT_FILES: InputFs = {
  ...diskInputFs,
  readFile: (path, kind) => (kind === 'certificate file' ? diskInputFs.readFile(path, kind) : Promise.reject(new InputFileError('ENOENT', path, kind, 'no such file or directory'))),
};

/** The Go variables the config stage warns about (or fails on) for this env. */
async function refusedByConfigStage(env: Env): Promise<VerificationVariable[]> {
  const options = parseOptions({
    argv: ['--module=example.com/m@v1.0.0'],
    env: { HOME: '/nonexistent', GOENV: 'off', ...env },
    stdoutIsTTY: false,
    terminationLogExists: false,
  });
  const signal = new AbortController().signal;
  const out = await configStage.run({
    options,
    signal,
    log: pino({ level: 'silent' }),
    budget: (op, parent = signal) => opSignal(parent, options.timeoutMs, op),
    inputs: new InputFiles(NO_INPUT_FILES),
    state: new RunState(),
    waits: new WaitClock(),
  });
  const codes = new Set(out.findings.map((f) => f.code));
  const failedOn = out.failure?.target;
  return VERIFICATION_RULES.filter((r) => codes.has(r.code) || failedOn === r.variable).map((r) => r.variable);
}

describe('k8s/policy: generated from the rule table', () => {
  it('is exactly what the rule table generates (npx tsx test/ship/admission-policy.ts --write)', () => {
    expect(readFileSync(POLICY_FILE, 'utf8')).toBe(policyFileText());
  });

  it('renders with kustomize into a policy and a binding valid against the Kubernetes API schemas', async () => {
    expect(rendered.map((o) => o.kind).sort()).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    for (const obj of rendered) {
      expect(await schemaErrors(obj), obj.kind).toBeUndefined();
      expect(unknownFields(obj), obj.kind).toEqual([]);
    }
    expect(binding['spec']).toMatchObject({ policyName: policy.metadata.name, validationActions: ['Deny'] });
  });

  it('has one validation per rule, each naming its variable and the fix', () => {
    const validations = (policy['spec'] as { validations: { message: string }[] }).validations;
    expect(validations).toHaveLength(VERIFICATION_RULES.length);
    for (const [i, rule] of VERIFICATION_RULES.entries()) {
      expect(validations[i]!.message).toContain(rule.variable);
      expect(validations[i]!.message).toContain(`Fix: ${rule.fix}`);
    }
  });
});

describe('k8s/policy: refuses what turns verification off', () => {
  const denied: [string, Env][] = [
    ['GOSUMDB=off', { GOSUMDB: 'off' }],
    ['GONOSUMDB=*', { GONOSUMDB: '*' }],
    ['GONOSUMDB=*.* (every module path has a dot in its first element)', { GONOSUMDB: 'git.corp.example.com,*.*' }],
    ['GOPRIVATE=*', { GOPRIVATE: '*' }],
    ['GOPRIVATE=*/ (one trailing slash is dropped)', { GOPRIVATE: '*/' }],
    ['GOPRIVATE listing the public TLDs', { GOPRIVATE: '*.com,*.org,*.in,*.io,*.net' }],
    ['GOINSECURE=*', { GOINSECURE: '*' }],
    ['GOINSECURE=github.com', { GOINSECURE: 'corp.example.com,github.com' }],
    ['GOINSECURE=*.org', { GOINSECURE: '*.org' }],
    ['GOFLAGS=-insecure', { GOFLAGS: '-modcacherw -insecure' }],
    ['GOFLAGS=--insecure=true', { GOFLAGS: '--insecure=true' }],
    ['GOPROXY over http to an outside host', { GOPROXY: 'http://proxy.example.com,direct' }],
    ['GOPROXY over HTTP (any case) after a pipe', { GOPROXY: 'https://athens.svc|HTTP://10.0.0.5:3000' }],
    ['GOPROXY over http with credentials', { GOPROXY: 'http://user:secret@goproxy.corp.example.com/' }],
  ];
  it.each(denied)('%s', (_title, env) => {
    const variable = Object.keys(env)[0]!;
    for (const make of [pod, job, cronJob, deployment]) {
      const obj = make(env);
      const messages = admit(policy, binding, obj)!;
      expect(messages, obj.kind).toHaveLength(1);
      expect(messages[0]).toMatch(new RegExp(`^container build: ${variable}`));
      expect(messages[0]).toContain('Fix: ');
      // The message names the variable, never its value (GOPROXY may carry a password).
      expect(messages[0]).not.toContain('secret');
    }
  });

  it('checks initContainers as well as containers, and names each offending container', () => {
    const messages = admit(policy, binding, pod({ GOSUMDB: 'off' }, { GOSUMDB: 'off', GOINSECURE: '*' }))!;
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/^container build, gomodprobe: GOSUMDB=off/);
    expect(messages[1]).toMatch(/^container gomodprobe: GOINSECURE/);
  });

  it('lets a namespace labelled to opt out through, and no other label value', () => {
    expect(admit(policy, binding, pod({ GOSUMDB: 'off' }), { [OPT_OUT_LABEL]: 'off' })).toBeUndefined();
    expect(admit(policy, binding, pod({ GOSUMDB: 'off' }), { [OPT_OUT_LABEL]: 'on' })).toHaveLength(1);
  });

  it('does not apply to other kinds', () => {
    const sts: K8sObject = { ...deployment({ GOSUMDB: 'off' }), kind: 'StatefulSet' };
    expect(admit(policy, binding, sts)).toBeUndefined();
  });
});

describe('k8s/policy: admits what keeps verification on', () => {
  const allowed: [string, Env][] = [
    ['no Go environment', {}],
    ['the defaults spelled out', { GOPROXY: 'https://proxy.golang.org,direct', GOSUMDB: 'sum.golang.org' }],
    ['a checksum database of its own', { GOSUMDB: 'sum.corp.example.com+abcd1234+AQ== https://sum.corp.example.com' }],
    ['GOPRIVATE for private paths', { GOPRIVATE: 'git.corp.example.com,github.com/corp/*' }],
    ['GONOSUMDB for one host', { GONOSUMDB: 'git.corp.example.com' }],
    ['GOINSECURE for a private host pattern', { GOINSECURE: '*.corp.example.com' }],
    ['a GOINSECURE pattern with a class (not judged)', { GOINSECURE: '[g]ithub.com' }],
    ['GOFLAGS without -insecure', { GOFLAGS: '-modcacherw -mod=mod -tags=insecure' }],
    ['GOPROXY over http to a Service', { GOPROXY: 'http://athens.athens.svc.cluster.local:3000,http://athens:3000|direct' }],
    ['GOPROXY over http to localhost and a .svc name', { GOPROXY: 'http://localhost:8080, http://goproxy.build.svc/' }],
    ['GOPROXY over https anywhere', { GOPROXY: 'https://proxy.example.com,goproxy.io,off' }],
  ];
  it.each(allowed)('%s', (_title, env) => {
    for (const make of [pod, job, cronJob, deployment]) expect(admit(policy, binding, make(env)), make.name).toEqual([]);
  });

  it('admits every workload the project ships (k8s/base, k8s/oneoff, k8s/netpol-test, examples)', () => {
    let checked = 0;
    for (const dir of ['base', 'oneoff', 'netpol-test']) {
      for (const obj of renderKustomization(join(REPO_DIR, 'k8s', dir))) {
        const verdict = admit(policy, binding, obj);
        if (verdict === undefined) continue;
        expect(verdict, `${dir}: ${obj.kind}/${obj.metadata.name}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('cannot see values that come from ConfigMaps (envFrom / valueFrom): --strict covers those at run time', () => {
    const fromConfigMap: K8sObject = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' },
      spec: { containers: [{ name: 'build', image: 'golang:1.23', envFrom: [{ configMapRef: { name: 'go-env' } }], env: [{ name: 'GOSUMDB', valueFrom: { configMapKeyRef: { name: 'go-env', key: 'GOSUMDB' } } }] }] },
    };
    expect(admit(policy, binding, fromConfigMap)).toEqual([]);
    const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
    expect(readme).toMatch(/envFrom[^\n]*\n?[^\n]*--strict|--strict[^\n]*\n?[^\n]*envFrom/);
  });
});

describe('k8s/policy and the config stage decide alike', () => {
  // Each input sets one or more Go variables; the policy's refusals and the config stage's warnings
  // (or its failure, for a value go rejects outright) must name the same variables.
  const inputs: Env[] = [
    {},
    { GOSUMDB: 'off' },
    { GOSUMDB: 'sum.golang.org' },
    { GONOSUMDB: '*' },
    { GONOSUMDB: 'github.com/corp' },
    { GOPRIVATE: '*' },
    { GOPRIVATE: '*.com,*.org,*.in,*.io,*.net' },
    { GOPRIVATE: '*.com,*.org' },
    { GOPRIVATE: 'git.corp.example.com', GONOSUMDB: '*/' },
    { GOINSECURE: '*' },
    { GOINSECURE: 'github.com/x' },
    { GOINSECURE: 'github.com/corp' },
    { GOINSECURE: 'go?ang.org' },
    { GOINSECURE: '[g]ithub.com' },
    { GOFLAGS: '-insecure' },
    { GOFLAGS: "'-insecure'" },
    { GOFLAGS: '-modcacherw' },
    { GOPROXY: 'http://proxy.example.com' },
    { GOPROXY: 'http://athens.svc:3000,direct' },
    { GOPROXY: 'https://proxy.golang.org,direct' },
    { GOPROXY: 'http://user:pw@10.1.2.3:8080|https://proxy.golang.org' },
    { GOSUMDB: 'off', GOINSECURE: '*', GOFLAGS: '-insecure', GOPROXY: 'http://p.example.com', GOPRIVATE: '*' },
  ];
  it.each(inputs.map((env) => [JSON.stringify(env), env] as const))('%s', async (_t, env) => {
    const byPolicy = refusedByPolicy(env);
    expect(byPolicy.sort()).toEqual((await refusedByConfigStage(env)).sort());
    for (const [name, value] of Object.entries(env)) {
      const rule = VERIFICATION_RULES.find((r) => r.variable === name);
      if (rule) expect(byPolicy.includes(rule.variable)).toBe(rule.refuses(value));
    }
  });
});

describe('the rule table: CEL and TypeScript agree on random values', () => {
  const celRefuses = (rule: (typeof VERIFICATION_RULES)[number], value: string): unknown => evalCel(rule.cel('v'), { v: value });
  const rule = (variable: VerificationVariable) => VERIFICATION_RULES.find((r) => r.variable === variable)!;
  const chars = (alphabet: string, max: number) => fc.array(fc.constantFrom(...alphabet), { maxLength: max }).map((a) => a.join(''));

  it('pattern lists (GONOSUMDB, GOPRIVATE, GOINSECURE): go-style globs translated to RE2', () => {
    const patterns = fc.array(chars('*?./,-+(){}^$|abcgithu.omz', 14), { maxLength: 4 }).map((a) => a.join(','));
    const interesting = fc.constantFrom('*', '*.*', 'github.com', 'git*.com/x', '*/x', 'gopkg.in/*', 'golang.org/x/*', '?*', '*.com,*.org,*.in,*.io,*.net,*.org/');
    for (const variable of ['GONOSUMDB', 'GOPRIVATE', 'GOINSECURE'] as const) {
      fc.assert(fc.property(fc.oneof(patterns, interesting), (v) => celRefuses(rule(variable), v) === rule(variable).refuses(v)), { numRuns: 300 });
    }
  });

  it('GOFLAGS: -insecure as a word, with one or two dashes and any value', () => {
    const word = fc.oneof(fc.constantFrom('-insecure', '--insecure', '-insecure=false', '---insecure', '-insecurex', 'x-insecure', '-modcacherw', '-tags=insecure'), chars('-=insecurx', 10));
    const value = fc.array(word, { maxLength: 4 }).chain((ws) => fc.constantFrom(' ', '\t', '  ').map((sep) => ws.join(sep)));
    fc.assert(fc.property(value, (v) => celRefuses(rule('GOFLAGS'), v) === rule('GOFLAGS').refuses(v)), { numRuns: 300 });
  });

  it('GOPROXY: plain http outside the cluster', () => {
    const host = fc.constantFrom('athens', 'athens.ns.svc', 'a.svc.cluster.local', 'localhost', 'proxy.example.com', '10.0.0.1', '[::1]', 'svc', 'x.svc.example.com', 'ATHENS.SVC');
    const entry = fc.tuple(fc.constantFrom('http://', 'HTTP://', 'https://', '', 'u:p@', 'http://u:p@'), host, fc.constantFrom('', ':3000', '/path', ':80/p?q')).map((p) => p.join(''));
    const list = fc.array(fc.oneof(entry, fc.constantFrom('direct', 'off', ' ')), { minLength: 1, maxLength: 3 }).chain((es) => fc.constantFrom(',', '|', ' , ').map((s) => es.join(s)));
    fc.assert(fc.property(list, (v) => celRefuses(rule('GOPROXY'), v) === rule('GOPROXY').refuses(v)), { numRuns: 300 });
  });
});
