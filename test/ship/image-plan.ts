// What the container image is, read from the Dockerfile (never restated in the tests): the build
// stage's steps, what the runtime stage copies and from where, its USER, ENTRYPOINT and ENV. The
// runtime test reproduces the image from this plan; the Dockerfile test checks the plan's properties.
// Docker cannot run here, so the build stage is replayed on the host: its COPYs from the filtered
// context into a scratch directory, `npm ci` replaced by the repo's node_modules (the same
// lockfile), every other RUN executed as written.

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import {
  envOf,
  execForm,
  isIgnored,
  last,
  parseCopy,
  parseDockerfile,
  parseDockerignore,
  workdirAt,
  type CopyInstruction,
  type Instruction,
  type ParsedDockerfile,
  type Stage,
} from './dockerfile.js';

export const REPO_DIR = join(import.meta.dirname, '..', '..');

export interface ImagePlan {
  readonly dockerfile: ParsedDockerfile;
  readonly build: Stage;
  readonly runtime: Stage;
  /** USER of the runtime stage, numeric. */
  readonly user: { readonly uid: number; readonly gid: number };
  readonly entrypoint: readonly string[];
  /** The ENTRYPOINT's parts: node, the flags given to node (V8's memory trade, README "Memory"), the bundle. */
  readonly node: string;
  readonly nodeFlags: readonly string[];
  readonly script: string;
  readonly cmd: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  readonly copies: readonly (CopyInstruction & { readonly line: number })[];
  readonly ignoreRules: ReturnType<typeof parseDockerignore>;
}

export function readImagePlan(repoDir = REPO_DIR): ImagePlan {
  const dockerfile = parseDockerfile(readFileSync(join(repoDir, 'Dockerfile'), 'utf8'));
  const runtime = dockerfile.stages[dockerfile.stages.length - 1];
  if (!runtime) throw new Error('Dockerfile has no stage');
  const build = dockerfile.stages.find((s) => s.name === 'build');
  if (!build) throw new Error('Dockerfile has no stage named build');
  const userIns = last(runtime, 'USER');
  if (!userIns) throw new Error('the runtime stage sets no USER');
  const m = /^(\d+)(?::(\d+))?$/.exec(userIns.args.trim());
  if (!m) throw new Error(`USER ${userIns.args} is not numeric uid[:gid]`);
  const entry = last(runtime, 'ENTRYPOINT');
  if (!entry) throw new Error('the runtime stage has no ENTRYPOINT');
  const cmd = last(runtime, 'CMD');
  const entrypoint = execForm(entry);
  const script = entrypoint[entrypoint.length - 1];
  if (entrypoint.length < 2 || !script?.endsWith('.mjs')) throw new Error(`ENTRYPOINT ${JSON.stringify(entrypoint)} is not node [flags...] bundle.mjs`);
  return {
    dockerfile,
    build,
    runtime,
    user: { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) },
    entrypoint,
    node: entrypoint[0]!,
    nodeFlags: entrypoint.slice(1, -1),
    script,
    cmd: cmd ? execForm(cmd) : undefined,
    env: envOf(runtime),
    copies: runtime.instructions.filter((i) => i.keyword === 'COPY').map((i) => ({ ...parseCopy(i), line: i.line })),
    ignoreRules: parseDockerignore(readFileSync(join(repoDir, '.dockerignore'), 'utf8')),
  };
}

/** Files of the build context under `path` (relative), after .dockerignore. */
export function contextFiles(plan: ImagePlan, repoDir: string, path: string): string[] {
  const clean = posix.normalize(path).replace(/^\.\/?/, '').replace(/\/$/, '');
  const abs = join(repoDir, clean);
  if (!existsSync(abs)) throw new Error(`COPY source ${path} does not exist in the build context`);
  const out: string[] = [];
  const walk = (rel: string): void => {
    if (isIgnored(plan.ignoreRules, rel)) return;
    const st = statSync(join(repoDir, rel));
    if (st.isDirectory()) {
      for (const name of readdirSync(join(repoDir, rel)).sort()) walk(`${rel}/${name}`);
    } else out.push(rel);
  };
  walk(clean);
  return out;
}

/** Where a COPY puts one source file (Docker's rules: a directory source copies its contents). */
function destinationOf(copy: CopyInstruction, source: string, file: string, workdir: string): string {
  const dest = copy.dest.startsWith('/') ? copy.dest : posix.join(workdir, copy.dest);
  const srcClean = posix.normalize(source).replace(/\/$/, '');
  // A wildcard source (`/src/dist/*.map`) names files, not a directory to copy the contents of.
  const isDirSource = file !== srcClean && !posix.basename(srcClean).includes('*');
  if (isDirSource) return posix.join(dest, posix.relative(srcClean, file));
  if (copy.dest.endsWith('/') || copy.sources.length > 1) return posix.join(dest, posix.basename(file));
  return dest;
}

export function isNpmCi(ins: Instruction): boolean {
  return ins.keyword === 'RUN' && /(^|\s)npm\s+ci(\s|$)/.test(ins.args);
}

/** The RUN command without BuildKit's --mount/--network/--security flags. */
export function runCommand(ins: Instruction): string {
  return ins.args.replace(/^(\s*--[a-z]+=\S+\s+)+/, '').trim();
}

/** Replays the build stage into `stageRoot` (a directory standing for that stage's file system). */
export function replayBuildStage(plan: ImagePlan, repoDir: string, stageRoot: string): void {
  for (const ins of plan.build.instructions) {
    const workdir = workdirAt(plan.build, ins);
    const inStage = (p: string): string => join(stageRoot, p);
    if (ins.keyword === 'WORKDIR') {
      mkdirSync(inStage(ins.args.trim()), { recursive: true });
    } else if (ins.keyword === 'COPY') {
      const copy = parseCopy(ins);
      // The runtime image's node, which the build bakes the code caches with (GMP_BUILD_TRAINING_NODE): the
      // runtime is reproduced with this machine's node (test/ship/sandbox.ts), which the replayed build
      // runs the training with anyway (the stage's ENV is not applied here), so there is nothing to copy.
      const fromStage = copy.from === undefined ? undefined : plan.dockerfile.stages.find((s) => s.name === copy.from);
      if (fromStage && fromStage.from === plan.runtime.from && fromStage.instructions.length === 0) continue;
      if (copy.from !== undefined) throw new Error(`line ${ins.line}: the build stage copies from ${copy.from}; replay does not support that`);
      for (const source of copy.sources) {
        for (const file of contextFiles(plan, repoDir, source)) {
          const target = inStage(destinationOf(copy, source, file, workdir));
          mkdirSync(dirname(target), { recursive: true });
          copyFileSync(join(repoDir, file), target);
        }
      }
    } else if (isNpmCi(ins)) {
      // No registry at test time: the repo's node_modules, installed from the same package-lock.json.
      symlinkSync(join(repoDir, 'node_modules'), inStage(posix.join(workdir, 'node_modules')), 'dir');
    } else if (ins.keyword === 'RUN') {
      const r = spawnSync('sh', ['-ec', runCommand(ins)], { cwd: inStage(workdir), encoding: 'utf8', timeout: 120_000 });
      if (r.status !== 0) throw new Error(`line ${ins.line}: RUN ${runCommand(ins)} failed (${r.status}): ${r.stderr}`);
    }
  }
}

/**
 * Lays out the runtime stage's own files (what its COPYs add to the base image) under `root`.
 * Returns the files placed, as image paths.
 */
export function assembleRuntimeFiles(plan: ImagePlan, repoDir: string, buildStageRoot: string, root: string): string[] {
  const placed: string[] = [];
  for (const copy of plan.copies) {
    const fromStage = copy.from === undefined ? undefined : plan.dockerfile.stages.find((s) => s.name === copy.from);
    if (copy.from !== undefined && fromStage !== plan.build) throw new Error(`line ${copy.line}: COPY --from=${copy.from} is not the build stage`);
    for (const source of copy.sources) {
      const files = fromStage
        ? stageFiles(buildStageRoot, source)
        : contextFiles(plan, repoDir, source);
      for (const file of files) {
        const imagePath = destinationOf(copy, source, file, '/');
        const target = join(root, imagePath);
        mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
        copyFileSync(fromStage ? join(buildStageRoot, file) : join(repoDir, file), target);
        if (copy.chmod !== undefined) chmodSync(target, parseInt(copy.chmod, 8));
        placed.push(imagePath);
      }
    }
  }
  return placed;
}

/** Files under an absolute path of the replayed build stage, as absolute stage paths. */
function stageFiles(stageRoot: string, source: string): string[] {
  if (!source.startsWith('/')) throw new Error(`COPY --from source ${source} should be absolute`);
  if (posix.basename(source).includes('*')) {
    // A wildcard in the last name (`/src/dist/*.map`), as Docker matches it: at least one file must match.
    const dir = posix.dirname(source);
    const pattern = new RegExp(`^${posix.basename(source).split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
    const names = existsSync(join(stageRoot, dir)) ? readdirSync(join(stageRoot, dir)).filter((n) => pattern.test(n)).sort() : [];
    if (names.length === 0) throw new Error(`the build stage produced nothing matching ${source}`);
    return names.map((n) => posix.join(dir, n));
  }
  const abs = join(stageRoot, source);
  if (!existsSync(abs)) throw new Error(`the build stage did not produce ${source}`);
  const out: string[] = [];
  const walk = (p: string): void => {
    if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n));
    else out.push(`/${relative(stageRoot, p)}`);
  };
  walk(abs);
  return out;
}

/** Builds the bundle as the image does (build stage replayed under `workDir`); returns its path. */
export function buildBundleLikeTheImage(workDir: string, repoDir = REPO_DIR): string {
  const plan = readImagePlan(repoDir);
  const stageRoot = join(workDir, 'build-stage');
  mkdirSync(stageRoot, { recursive: true });
  replayBuildStage(plan, repoDir, stageRoot);
  const bundle = plan.copies.find((c) => c.dest === plan.script);
  if (!bundle || bundle.sources.length !== 1) throw new Error('the runtime stage does not copy the entrypoint script from one source');
  return join(stageRoot, bundle.sources[0]!);
}
