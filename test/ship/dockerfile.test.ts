// The Dockerfile, read as the runtime test reads it (readImagePlan): the properties the issue asks of
// the image, checked on the same plan the runtime test reproduced and ran, so the two cannot drift.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isIgnored, labels, last, parseCopy, parseDockerfile, parseDockerignore, workdirAt } from './dockerfile.js';
import { contextFiles, isNpmCi, readImagePlan, REPO_DIR, runCommand } from './image-plan.js';
import { BASE_IMAGE_NODE } from './sandbox.js';

const plan = readImagePlan();
const pkg = JSON.parse(readFileSync(join(REPO_DIR, 'package.json'), 'utf8')) as { version: string; license: string; engines: { node: string } };
const buildScript = readFileSync(join(REPO_DIR, 'scripts/build.mjs'), 'utf8');

describe('Dockerfile: build stage', () => {
  it('uses BuildKit syntax, installs with npm ci from the lockfile under a cache mount, then builds the bundle', () => {
    expect(plan.dockerfile.directives['syntax']).toMatch(/^docker\/dockerfile:1(\.\d+)?$/);
    const ins = plan.build.instructions;
    const ci = ins.findIndex(isNpmCi);
    expect(ci).toBeGreaterThan(0);
    expect(ins[ci]!.args).toMatch(/--mount=type=cache,target=\/root\/\.npm\b/);
    // The lockfile is in place before npm ci, and the sources only after it (layer reuse).
    const copiesBefore = ins.slice(0, ci).filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i).sources);
    expect(copiesBefore.sort()).toEqual(['package-lock.json', 'package.json']);
    const build = ins.findIndex((i) => i.keyword === 'RUN' && runCommand(i) === 'npm run build');
    expect(build).toBeGreaterThan(ci);
  });

  it("bakes the code caches with the runtime image's node, copied from a stage of that image, before the build runs", () => {
    const stage = plan.dockerfile.stages.find((s) => s.from === plan.runtime.from && s !== plan.runtime);
    expect(stage?.name, 'a stage FROM the runtime image').toBeDefined();
    expect(stage!.instructions).toEqual([]);
    const ins = plan.build.instructions;
    const copy = ins.findIndex((i) => i.keyword === 'COPY' && parseCopy(i).from === stage!.name);
    expect(copy).toBeGreaterThan(0);
    const { sources, dest } = parseCopy(ins[copy]!);
    // The runtime's node is the ENTRYPOINT's first word.
    expect(sources).toEqual([plan.node]);
    const env = ins.findIndex((i) => i.keyword === 'ENV' && i.args === `GMP_BUILD_TRAINING_NODE=${dest}`);
    expect(env).toBeGreaterThan(copy);
    expect(ins.findIndex((i) => i.keyword === 'RUN' && runCommand(i) === 'npm run build')).toBeGreaterThan(env);
    // The name scripts/build.mjs reads.
    expect(buildScript).toContain('process.env.GMP_BUILD_TRAINING_NODE');
  });

  it('copies only what the .dockerignore lets into the context, and that context holds the sources', () => {
    // From the context, that is: not the runtime image's node copied from its stage.
    for (const ins of plan.build.instructions.filter((i) => i.keyword === 'COPY' && parseCopy(i).from === undefined)) {
      for (const src of parseCopy(ins).sources) expect(contextFiles(plan, REPO_DIR, src).length).toBeGreaterThan(0);
    }
    const srcFiles = contextFiles(plan, REPO_DIR, 'src');
    expect(srcFiles).toContain('src/cli.ts');
    expect(srcFiles).toContain('src/demo.ts');
    expect(srcFiles).toContain('src/lab/target.ts');
  });

  it('.dockerignore keeps node_modules, dist, .git and the tests out of the context', () => {
    for (const p of ['node_modules/undici/index.js', 'dist/gomodprobe.mjs', '.git/HEAD', 'test/ship/dockerfile.test.ts', 'src/node_modules/x', 'tmp/x']) {
      expect(isIgnored(plan.ignoreRules, p), p).toBe(true);
    }
    for (const p of ['package.json', 'package-lock.json', 'src/cli.ts', 'scripts/build.mjs', 'scripts/image-node-flags.json']) {
      expect(isIgnored(plan.ignoreRules, p), p).toBe(false);
    }
  });
});

describe('Dockerfile: runtime stage', () => {
  it('is a distroless Node LTS (even major) image, nonroot variant', () => {
    const m = /^gcr\.io\/distroless\/nodejs(\d+)-debian\d+:nonroot$/.exec(plan.runtime.from);
    expect(m, plan.runtime.from).not.toBeNull();
    const major = Number(m![1]);
    expect(major % 2).toBe(0);
    // Not older than what package.json promises to support.
    expect(major).toBeGreaterThanOrEqual(Number(/(\d+)/.exec(pkg.engines.node)![1]));
  });

  it('runs as a non-root numeric UID, with an exec-form ENTRYPOINT of node and the copied bundle, and needs no shell', () => {
    expect(plan.user.uid).toBeGreaterThan(0);
    expect(plan.user.gid).toBeGreaterThan(0);
    expect(plan.entrypoint).toEqual([BASE_IMAGE_NODE, ...plan.nodeFlags, '/app/gomodprobe.mjs']);
    // Only options for node itself before the bundle (test/ship/node-flags.test.ts checks each one).
    expect(plan.nodeFlags.every((f) => f.startsWith('--'))).toBe(true);
    // The flags the build bakes the units' V8 code caches with (its stage has no Dockerfile to read them from).
    expect(JSON.parse(readFileSync(join(REPO_DIR, 'scripts/image-node-flags.json'), 'utf8'))).toEqual(plan.nodeFlags);
    expect(plan.build.instructions.filter((i) => i.keyword === 'COPY').flatMap((i) => parseCopy(i).sources)).toContain('scripts/image-node-flags.json');
    expect(plan.runtime.instructions.filter((i) => i.keyword === 'RUN' || i.keyword === 'SHELL' || i.keyword === 'HEALTHCHECK')).toEqual([]);
    // USER comes after the COPYs, so the files stay root's.
    const user = last(plan.runtime, 'USER')!;
    expect(plan.copies.every((c) => c.line < user.line)).toBe(true);
  });

  it('copies the bundle that the build stage makes, then its source maps, SBOM and code caches beside it, read-only and owned by root', () => {
    // The bundle path as scripts/build.mjs writes it, under the build stage's WORKDIR.
    const outfile = /outfile:\s*'([^']+)'/.exec(buildScript)![1]!;
    const runBuild = plan.build.instructions.find((i) => i.keyword === 'RUN' && runCommand(i) === 'npm run build')!;
    const bundleInBuildStage = join(workdirAt(plan.build, runBuild), outfile);
    expect(plan.copies).toHaveLength(2);
    expect(plan.copies[0]).toMatchObject({ from: 'build', sources: [bundleInBuildStage], dest: plan.script, chown: '0:0', chmod: '0444' });
    const dist = dirname(bundleInBuildStage);
    expect(plan.copies[1]).toMatchObject({ from: 'build', sources: [join(dist, 'gomodprobe.cdx.json'), join(dist, '*.map'), join(dist, '*.v8cache')], dest: `${dirname(plan.script)}/`, chown: '0:0', chmod: '0444' });
  });

  it('carries the OCI labels, in step with package.json', () => {
    const l = labels(plan.runtime);
    expect(l['org.opencontainers.image.title']).toBe('gomodprobe');
    expect(l['org.opencontainers.image.description']).toMatch(/go mod download/);
    expect(l['org.opencontainers.image.version']).toBe(pkg.version);
    expect(l['org.opencontainers.image.licenses']).toBe(pkg.license);
    expect(l['org.opencontainers.image.revision']).toBeTruthy();
    expect(l['org.opencontainers.image.base.name']).toBe(plan.runtime.from);
  });
});

describe('Dockerfile reader', () => {
  it('joins continuations, substitutes ARG defaults, and reads COPY flags and exec form', () => {
    const d = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1.7',
        'ARG BASE=alpine:3',
        'FROM ${BASE} AS one',
        'ARG V=1',
        '# a comment',
        'LABEL a="x y" \\',
        '  b=${V}',
        'COPY --from=zero --chmod=0755 /a /b c/',
        'ENTRYPOINT ["/bin/x", "y"]',
      ].join('\n'),
    );
    const s = d.stages[0]!;
    expect(s).toMatchObject({ name: 'one', from: 'alpine:3' });
    expect(labels(s)).toEqual({ a: 'x y', b: '1' });
    expect(parseCopy(s.instructions.find((i) => i.keyword === 'COPY')!)).toEqual({ from: 'zero', chown: undefined, chmod: '0755', sources: ['/a', '/b'], dest: 'c/' });
    expect(() => parseDockerfile('RUN x')).toThrow(/before the first FROM/);
  });

  it('matches .dockerignore patterns as moby does: last rule wins, "!" re-includes, a parent match covers children', () => {
    const rules = parseDockerignore('*\n!src/\n**/secret*\n!src/secret-ok.ts\n');
    expect(isIgnored(rules, 'README.md')).toBe(true);
    expect(isIgnored(rules, 'src/a/b.ts')).toBe(false);
    expect(isIgnored(rules, 'src/a/secret.pem')).toBe(true);
    expect(isIgnored(rules, 'src/secret-ok.ts')).toBe(false);
  });
});
