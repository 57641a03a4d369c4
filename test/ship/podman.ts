// Real image builds without a Docker daemon or an image registry: Debian's podman builds the
// Dockerfiles (BuildKit syntax included: RUN --mount, COPY --chmod; the `# syntax=` line is ignored)
// against stand-in base images made here, imported under the names the Dockerfiles use:
//
//   node:24-bookworm-slim            a `debootstrap --variant=minbase bookworm` root + this machine's
//                                    node and npm + its CA bundle (npm ci inside the build trusts what
//                                    the host's npm trusts)
//   gcr.io/distroless/nodejs24-debian12:nonroot
//                                    distroless-like: /nodejs/bin/node and the libraries it links, the
//                                    CA bundle, passwd/group with nonroot 65532, /tmp; no shell
//   golang:1.23-bookworm             the minbase root + this machine's go 1.23 (Debian's, at its own paths)
//
// Pitfalls measured on these machines, handled in the config written below: crun fails on this
// kernel's cgroup layout (runc is used), and raising RLIMIT_NOFILE/NPROC is not permitted (default
// ulimits within the hard limits). Storage and config live under PODMAN_HOME, apart from the host's;
// the debootstrap root is kept there, so a second build in the same run reuses it.

import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PODMAN_HOME = '/var/tmp/gomodprobe-podman';
const CONF = join(PODMAN_HOME, 'containers.conf');
const STORAGE_CONF = join(PODMAN_HOME, 'storage.conf');
const MINBASE = join(PODMAN_HOME, 'minbase-bookworm');
const GO_ROOT = '/usr/lib/go-1.23';

export const STANDIN = {
  build: 'docker.io/library/node:24-bookworm-slim',
  runtime: 'gcr.io/distroless/nodejs24-debian12:nonroot',
  go: 'docker.io/library/golang:1.23-bookworm',
} as const;

/** Why podman builds cannot run here (a missing tool, not root), or undefined when they can. */
export function podmanMissing(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (podman, debootstrap)';
  for (const tool of ['podman', 'runc', 'debootstrap']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (.ci/run installs it)`;
  }
  if (!existsSync(join(GO_ROOT, 'bin', 'go'))) return `${GO_ROOT} is missing (the go stand-in copies it)`;
  return undefined;
}

function configure(): void {
  mkdirSync(PODMAN_HOME, { recursive: true });
  writeFileSync(CONF, [
    '[containers]',
    'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]',
    '[engine]',
    'runtime = "runc"',
    'cgroup_manager = "cgroupfs"',
    'events_logger = "file"',
    '',
  ].join('\n'));
  writeFileSync(STORAGE_CONF, ['[storage]', 'driver = "overlay"', `graphroot = "${PODMAN_HOME}/storage"`, `runroot = "${PODMAN_HOME}/run"`, ''].join('\n'));
}

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** podman with this file's config and storage. */
export function podman(args: readonly string[], opts: { timeoutMs?: number; input?: string | Buffer } = {}): Run {
  configure();
  const r: SpawnSyncReturns<string> = spawnSync('podman', args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 600_000,
    maxBuffer: 64 * 1024 * 1024,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
    env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: PODMAN_HOME, CONTAINERS_CONF: CONF, CONTAINERS_STORAGE_CONF: STORAGE_CONF },
  });
  if (r.error) throw new Error(`podman ${args[0]}: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * podman without blocking this process: for runs that talk to servers this process serves (the lab
 * target), which a synchronous spawn would starve.
 */
export function podmanAsync(args: readonly string[], timeoutMs = 900_000): Promise<Run> {
  configure();
  return new Promise((resolve, reject) => {
    const child = spawn('podman', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: PODMAN_HOME, CONTAINERS_CONF: CONF, CONTAINERS_STORAGE_CONF: STORAGE_CONF },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function sh(script: string, timeoutMs = 600_000): void {
  const r = spawnSync('sh', ['-euc', script], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`failed (${r.status ?? r.signal}): ${script.split('\n')[0]}\n${r.stderr.slice(-2000)}`);
}

function imageExists(name: string): boolean {
  return podman(['image', 'exists', name]).code === 0;
}

/** Import a directory as an image with these Dockerfile-style config changes. */
function importRoot(dir: string, name: string, changes: readonly string[]): void {
  const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 1024 * 1024 * 1024 });
  if (tar.status !== 0) throw new Error(`tar ${dir}: ${tar.stderr.toString()}`);
  const r = podman(['import', ...changes.flatMap((c) => ['--change', c]), '-', name], { input: tar.stdout });
  if (r.code !== 0) throw new Error(`podman import ${name}: ${r.stderr}`);
}

function minbase(): string {
  if (!existsSync(join(MINBASE, 'usr', 'bin', 'apt-get'))) {
    rmSync(MINBASE, { recursive: true, force: true });
    sh(`debootstrap --variant=minbase bookworm ${MINBASE} http://deb.debian.org/debian`, 900_000);
  }
  return MINBASE;
}

/** Copy the minbase root to a scratch directory, add `extra` to it, import it as `name`. */
function fromMinbase(name: string, extra: (root: string) => void, changes: readonly string[]): void {
  const root = join(PODMAN_HOME, `root-${name.replace(/[^a-z0-9]+/gi, '-')}`);
  rmSync(root, { recursive: true, force: true });
  sh(`cp -a ${minbase()} ${root}`);
  // debootstrap leaves the host's resolv.conf: a build must not reach the machine's resolver through it.
  rmSync(join(root, 'etc', 'resolv.conf'), { force: true });
  extra(root);
  importRoot(root, name, changes);
  rmSync(root, { recursive: true, force: true });
}

/** The machine's CA bundle (what its npm and node trust). */
const HOST_CA = '/etc/ssl/certs/ca-certificates.crt';

/** The three stand-in base images, made once and then reused from PODMAN_HOME's storage. */
export function ensureStandins(): void {
  if (!imageExists(STANDIN.build)) {
    fromMinbase(STANDIN.build, (root) => {
      sh(`install -D -m 0755 "$(readlink -f "$(command -v node)")" ${root}/usr/local/bin/node
mkdir -p ${root}/usr/local/lib/node_modules
cp -a "$(dirname "$(readlink -f "$(command -v npm)")")/.." ${root}/usr/local/lib/node_modules/npm
ln -sf ../lib/node_modules/npm/bin/npm-cli.js ${root}/usr/local/bin/npm
install -D -m 0644 ${HOST_CA} ${root}${HOST_CA}`);
    }, ['ENV PATH=/usr/local/bin:/usr/bin:/bin', `ENV NODE_EXTRA_CA_CERTS=${HOST_CA}`]);
  }
  if (!imageExists(STANDIN.runtime)) {
    const root = join(PODMAN_HOME, 'root-distroless');
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, 'tmp'), { recursive: true });
    sh(`node="$(readlink -f "$(command -v node)")"
install -D -m 0755 "$node" ${root}/nodejs/bin/node
for lib in $(ldd "$node" | grep -o '/[^ ]*'); do install -D "$lib" "${root}$lib"; done
install -D -m 0644 ${HOST_CA} ${root}${HOST_CA}
mkdir -p ${root}/home/nonroot && chown 65532:65532 ${root}/home/nonroot
printf 'root:x:0:0:root:/root:/sbin/nologin\\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\\n' > ${root}/etc/passwd
printf 'root:x:0:\\nnonroot:x:65532:\\n' > ${root}/etc/group
chmod 1777 ${root}/tmp`);
    importRoot(root, STANDIN.runtime, ['USER 65532:65532', 'ENV HOME=/home/nonroot']);
    rmSync(root, { recursive: true, force: true });
  }
  if (!imageExists(STANDIN.go)) {
    fromMinbase(STANDIN.go, (root) => {
      // Debian's go: /usr/lib/go-1.23 with its src, api and misc linked to /usr/share/go-1.23.
      sh(`mkdir -p ${root}/usr/lib ${root}/usr/share
cp -a ${GO_ROOT} ${root}/usr/lib/
cp -a /usr/share/go-1.23 ${root}/usr/share/
install -D -m 0644 ${HOST_CA} ${root}${HOST_CA}`);
    }, [`ENV PATH=${GO_ROOT}/bin:/usr/local/bin:/usr/bin:/bin`, 'ENV GOPATH=/go', 'ENV GOTOOLCHAIN=local']);
  }
}

/** `podman build`, never pulling (the stand-ins are the only base images there are). */
export function buildArgs(context: string, tag: string, extra: readonly string[] = []): string[] {
  // --force-rm: a failed step's container goes too (it would stay mounted in PODMAN_HOME's storage).
  // --layers=false: podman 4.3 reusing cached layers of an image removed since sometimes fails with
  // "locating just-written image ... image not known"; every build runs each step (npm's download
  // cache mount still saves the downloads).
  return ['build', '--pull=never', '--network=host', '--force-rm', '--layers=false', '-t', tag, ...extra, context];
}

export function build(context: string, tag: string, extra: readonly string[] = []): Run {
  return podman(buildArgs(context, tag, extra), { timeoutMs: 900_000 });
}

/** The Dockerfile's ARG default, e.g. BUILD_IMAGE=node:24-bookworm-slim. */
export function argDefault(dockerfile: string, name: string): string | undefined {
  return new RegExp(`^ARG ${name}=(\\S+)`, 'm').exec(readFileSync(dockerfile, 'utf8'))?.[1];
}
