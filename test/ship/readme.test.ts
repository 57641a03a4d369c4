// README.md tells the truth: it starts with the two commands, its reference tables are the ones
// generated from the code, its demo table matches the demo, its `kubectl run` line makes the same
// pod as k8s/oneoff (and one the restricted Pod Security Standard admits), and what it says about
// the image is what the Dockerfile says.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STAGE_CAUSES, STAGE_EXIT_CODES } from '../../src/causes.js';
import { breakStage, DEFAULT_DEMO_BREAK, DEMO_BREAKS } from '../../src/demo.js';
import { readImagePlan, REPO_DIR } from './image-plan.js';
import { podSpecOf, renderKustomization, restrictedViolations, schemaErrors, unknownFields, type K8sObject } from './k8s.js';
import { blockRe, GENERATED_BLOCKS, readmeBreakTable, STAGE_CAUSE_HINTS, unreportedCauses } from './readme-tables.js';

const README = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

/** The fenced code blocks, in order. */
function codeBlocks(text: string): { lang: string; body: string }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1]!, body: m[2]! }));
}

describe('README.md', () => {
  it('starts with the two commands that work on a fresh clone: run the probe, run the tests', () => {
    const first = codeBlocks(README)[0]!;
    const commands = first.body.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(commands).toEqual(['npm ci && npm run build && node dist/gomodprobe.mjs demo', 'npm ci && npm test']);
    // Nothing but a heading and one paragraph before them.
    expect(README.indexOf('```')).toBeLessThan(README.indexOf('## Try it') + 40);
    expect(pkg.scripts['build']).toBeDefined();
    expect(pkg.scripts['test']).toMatch(/npm run build && vitest run/);
    expect(pkg.bin['gomodprobe']).toBe('dist/gomodprobe.mjs');
    expect(readFileSync(join(REPO_DIR, 'scripts/build.mjs'), 'utf8')).toContain("outfile: 'dist/gomodprobe.mjs'");
  });

  it.each(Object.keys(GENERATED_BLOCKS))('holds the %s table exactly as generated from the code (npx tsx test/ship/readme-tables.ts --write)', (name) => {
    const m = blockRe(name).exec(README);
    expect(m, `README.md has no generated:${name} block`).not.toBeNull();
    expect(m![2]).toBe(`${GENERATED_BLOCKS[name]!()}\n`);
  });

  it('has a hint for every stage cause, and calls "reserved" exactly the causes no stage reports', () => {
    expect(Object.keys(STAGE_CAUSE_HINTS).sort()).toEqual(Object.keys(STAGE_CAUSES).sort());
    const reserved = Object.entries(STAGE_CAUSE_HINTS).filter(([, h]) => h.startsWith('reserved')).map(([c]) => c).sort();
    expect(reserved).toEqual(unreportedCauses().sort());
  });

  it('lists every demo break with its exit code, and the default one', () => {
    const table = readmeBreakTable(README);
    expect([...table.keys()].sort()).toEqual([...DEMO_BREAKS].sort());
    for (const [name, row] of table) {
      const stage = breakStage(name as (typeof DEMO_BREAKS)[number]);
      expect(row.exit, name).toBe(STAGE_EXIT_CODES[stage]);
      expect(row.cause.startsWith(`${stage}.`), name).toBe(true);
      expect(row.isDefault, name).toBe(name === DEFAULT_DEMO_BREAK);
    }
  });

  it('shows the three ways of use with manifests that exist', () => {
    for (const dir of ['base', 'oneoff', 'netpol-test']) {
      expect(README).toContain(`kubectl apply -k k8s/${dir}`);
      expect(existsSync(join(REPO_DIR, 'k8s', dir, 'kustomization.yaml')), dir).toBe(true);
    }
    expect(README).toContain('### 1. As an initContainer gate');
    expect(README).toContain('### 2. For a one-off diagnosis');
    expect(README).toContain('### 3. As a NetworkPolicy regression test');
  });

  it('has the redirect, failure-modes and go.mod sections, each with content', () => {
    for (const title of ['## Redirect stage', '## Failure modes', '## Probing a go.mod (--gomod/--gosum)']) {
      const at = README.indexOf(title);
      expect(at, title).toBeGreaterThan(0);
      const body = README.slice(at + title.length).split(/\n## /)[0]!;
      expect(body.trim().length, title).toBeGreaterThan(300);
    }
  });

  it('describes the image the Dockerfile builds', () => {
    const plan = readImagePlan();
    expect(README).toContain(`\`${plan.runtime.from}\``);
    expect(README).toContain(`ENTRYPOINT ["${plan.entrypoint.join('", "')}"]`);
    expect(README).toContain(`run as UID ${plan.user.uid}`);
  });
});

// ---------------------------------------------------------------- kubectl run, as kubectl builds the pod

/** POSIX shell words of one command (continuations joined; '...' and "..." quoting). */
function shellWords(command: string): string[] {
  const text = command.replace(/\\\n\s*/g, ' ');
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      cur += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      cur += text.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

type Json = Record<string, unknown>;
const MERGE_BY_NAME = new Set(['containers', 'initContainers', 'env', 'volumes', 'volumeMounts']);

/** Strategic merge patch, as far as a Pod needs it: maps merge, named lists merge by name, other lists replace. */
function strategicMerge(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    const b = out[k];
    if (MERGE_BY_NAME.has(k) && Array.isArray(b) && Array.isArray(v)) {
      const merged = (b as Json[]).map((item) => {
        const p = (v as Json[]).find((x) => x['name'] === item['name']);
        return p ? strategicMerge(item, p) : item;
      });
      for (const p of v as Json[]) if (!merged.some((x) => x['name'] === p['name'])) merged.push(p);
      out[k] = merged;
    } else if (v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)) {
      out[k] = strategicMerge(b as Json, v as Json);
    } else out[k] = v;
  }
  return out;
}

/** The Pod `kubectl run NAME --image=... --env=... --restart=Never --overrides=... -- ARGS` creates. */
function podFromKubectlRun(words: string[]): K8sObject {
  expect(words.slice(0, 2)).toEqual(['kubectl', 'run']);
  const name = words[2]!;
  const dash = words.indexOf('--');
  const flags = words.slice(3, dash < 0 ? undefined : dash);
  const args = dash < 0 ? [] : words.slice(dash + 1);
  const value = (f: string): string[] => flags.filter((w) => w.startsWith(`--${f}=`)).map((w) => w.slice(f.length + 3));
  const restart = value('restart')[0];
  const env = value('env').map((e) => ({ name: e.slice(0, e.indexOf('=')), value: e.slice(e.indexOf('=') + 1) }));
  const pod: Json = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { run: name } },
    spec: {
      restartPolicy: restart,
      containers: [{ name, image: value('image')[0], ...(env.length > 0 ? { env } : {}), ...(args.length > 0 ? { args } : {}) }],
    },
  };
  expect(value('override-type')).toEqual(['strategic']);
  const overrides = JSON.parse(value('overrides')[0]!) as Json;
  return strategicMerge(pod, overrides) as K8sObject;
}

describe('README: the kubectl run one-off', () => {
  const block = codeBlocks(README).find((b) => b.body.startsWith('kubectl run '))!;
  const pod = podFromKubectlRun(shellWords(block.body));
  const manifest = renderKustomization(join(REPO_DIR, 'k8s', 'oneoff')).find((o) => o.kind === 'Pod')!;

  it('makes a pod that validates, has no unknown fields, and meets the restricted Pod Security Standard', async () => {
    expect(await schemaErrors(pod)).toBeUndefined();
    expect(unknownFields(pod)).toEqual([]);
    expect(restrictedViolations(podSpecOf(pod)!)).toEqual([]);
    expect(shellWords(block.body)).toEqual(expect.arrayContaining(['--rm', '-it', '--restart=Never']));
  });

  it('is the pod of k8s/oneoff/pod.yaml: image, Go env, module and security settings', () => {
    const a = podSpecOf(pod)!;
    const b = podSpecOf(manifest)!;
    const [ca, cb] = [a.containers[0]!, b.containers[0]!];
    expect(ca.image).toBe(cb.image);
    expect(ca.env).toEqual(cb.env);
    expect(ca.args!.filter((x) => x.startsWith('--module'))).toEqual(cb.args!.filter((x) => x.startsWith('--module')));
    expect(ca.securityContext).toEqual(cb.securityContext);
    expect(a.securityContext).toEqual(b.securityContext);
    expect(a.automountServiceAccountToken).toBe(b.automountServiceAccountToken);
    expect(a.restartPolicy).toBe(b.restartPolicy);
  });
});
