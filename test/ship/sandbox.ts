// Runs the reproduced runtime image the way the kubelet would run it under the restricted Pod
// Security Standard: in its own mount namespace, chrooted into a root that holds only what the
// Dockerfile copies plus the parts of the distroless base the process uses (the node binary at the
// base image's path, its shared libraries, CA certificates, /etc/passwd), the root remounted
// read-only, the report dir and /dev/termination-log the only writable paths, all capabilities
// dropped, no_new_privs, the Dockerfile's numeric USER, and no HOME.
// Needs root on the host (the tests run as root) for unshare, mount and chroot.

import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ImagePlan } from './image-plan.js';

/** Where distroless Node images keep node (their ENTRYPOINT's first word). */
export const BASE_IMAGE_NODE = '/nodejs/bin/node';
/** Devices every container gets. */
const DEVICES = ['null', 'zero', 'random', 'urandom'];

export interface SandboxRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface SandboxOptions {
  readonly plan: ImagePlan;
  /** The image's own files, laid out by assembleRuntimeFiles. */
  readonly rootfs: string;
  /** Container args (Kubernetes `args`: replace CMD, follow ENTRYPOINT). */
  readonly args: readonly string[];
  /** Container env (Kubernetes `env`), over the image's ENV. */
  readonly env?: Readonly<Record<string, string>>;
  /** Host directories mounted read-write (emptyDir) or read-only (ConfigMap), by container path. */
  readonly mounts?: readonly { readonly host: string; readonly container: string; readonly readOnly: boolean }[];
  /** Host file bind-mounted at /dev/termination-log, as the kubelet does. */
  readonly terminationLog?: string;
  readonly timeoutMs?: number;
}

/** Directories of node's shared libraries and of the dynamic loader, as `ldd` names them. */
function sharedLibraryDirs(binary: string): string[] {
  const r = spawnSync('ldd', [binary], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ldd ${binary} failed: ${r.stderr}`);
  const dirs = new Set<string>();
  for (const m of r.stdout.matchAll(/(\/[^\s()]+)/g)) dirs.add(dirname(m[1]!));
  return [...dirs];
}

const DISTROLESS_PASSWD = 'root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n';
const DISTROLESS_GROUP = 'root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\nnonroot:x:65532:\n';

function touch(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  if (!existsSync(path)) writeFileSync(path, '');
}

export async function runInImageSandbox(opts: SandboxOptions): Promise<SandboxRun> {
  const { plan, rootfs } = opts;
  if (process.getuid?.() !== 0) throw new Error('the image sandbox needs root (unshare, mount, chroot)');
  chmodSync(rootfs, 0o755);

  // Mount points and the base image's own small files.
  const binds: { host: string; target: string; readOnly: boolean; recursive?: boolean }[] = [];
  const node = realpathSync(process.execPath);
  touch(join(rootfs, BASE_IMAGE_NODE));
  binds.push({ host: node, target: BASE_IMAGE_NODE, readOnly: true });
  for (const dir of sharedLibraryDirs(node)) {
    mkdirSync(join(rootfs, dir), { recursive: true, mode: 0o755 });
    binds.push({ host: realpathSync(dir), target: dir, readOnly: true });
  }
  if (existsSync('/etc/ld.so.cache')) {
    touch(join(rootfs, '/etc/ld.so.cache'));
    binds.push({ host: '/etc/ld.so.cache', target: '/etc/ld.so.cache', readOnly: true });
  }
  mkdirSync(join(rootfs, '/etc/ssl/certs'), { recursive: true, mode: 0o755 });
  if (existsSync('/etc/ssl/certs')) binds.push({ host: '/etc/ssl/certs', target: '/etc/ssl/certs', readOnly: true });
  writeFileSync(join(rootfs, '/etc/passwd'), DISTROLESS_PASSWD);
  writeFileSync(join(rootfs, '/etc/group'), DISTROLESS_GROUP);
  mkdirSync(join(rootfs, '/proc'), { recursive: true, mode: 0o555 });
  binds.push({ host: '/proc', target: '/proc', readOnly: false, recursive: true });
  for (const d of DEVICES) {
    touch(join(rootfs, '/dev', d));
    binds.push({ host: `/dev/${d}`, target: `/dev/${d}`, readOnly: false });
  }
  if (opts.terminationLog) {
    touch(join(rootfs, '/dev/termination-log'));
    binds.push({ host: opts.terminationLog, target: '/dev/termination-log', readOnly: false });
  }
  for (const m of opts.mounts ?? []) {
    // A file is mounted on a file (the kubelet's /etc/resolv.conf), a directory on a directory.
    if (statSync(m.host).isDirectory()) mkdirSync(join(rootfs, m.container), { recursive: true, mode: 0o755 });
    else touch(join(rootfs, m.container));
    binds.push({ host: m.host, target: m.container, readOnly: m.readOnly });
  }

  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = ['set -e', `R=${q(rootfs)}`, 'mount --make-rprivate /', 'mount --bind "$R" "$R"'];
  for (const b of binds) lines.push(`mount ${b.recursive ? '--rbind' : '--bind'} ${q(b.host)} "$R"${q(b.target)}`);
  // readOnlyRootFilesystem: the root and the base image's parts; the volumes keep their own mode.
  lines.push('mount -o remount,bind,ro "$R"');
  for (const b of binds) if (b.readOnly && !b.recursive) lines.push(`mount -o remount,bind,ro "$R"${q(b.target)}`);
  const env = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOSTNAME: 'gomodprobe-sandbox',
    ...plan.env,
    ...opts.env,
  };
  const envArgs = Object.entries(env).map(([k, v]) => q(`${k}=${v}`)).join(' ');
  const { uid, gid } = plan.user;
  const argv = [...plan.entrypoint, ...opts.args].map(q).join(' ');
  // Forbid privilege gain, drop the inheritable set and every bounding capability but the three
  // that chroot and the uid change need, clear the environment, chroot, become the image's USER
  // (which empties the permitted and effective sets), and exec the ENTRYPOINT.
  lines.push(
    `exec setpriv --no-new-privs --inh-caps=-all --bounding-set=-all,+sys_chroot,+setuid,+setgid -- env -i ${envArgs} unshare --root="$R" --wd=/ --setgid=${gid} --setuid=${uid} -- ${argv}`,
  );

  return new Promise<SandboxRun>((resolve, reject) => {
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', lines.join('\n')], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin' },
    });
    let stdout = '';
    let stderr = '';
    const cap = 4 * 1024 * 1024;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < cap) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < cap) stderr += d.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** True when nothing is mounted at or under `dir` in this (the host's) mount namespace. */
export function nothingMountedUnder(dir: string): boolean {
  const real = realpathSync(dir);
  return !readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => {
      const mountPoint = line.split(' ')[4];
      return mountPoint !== undefined && (mountPoint === real || mountPoint.startsWith(`${real}/`));
    });
}
