// The e2e lab: content, namespaces, servers and per-pod policies in one object with one teardown.

import { mkdirSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLabContent, type LabContent, type LabContentOptions } from './content.js';
import { LabNet, type AddPodOptions, type Pod } from './netns.js';
import { renderPolicy, tableName, type EgressPolicy } from './nft.js';
import { dnsmasqConf, nginxConf, tinyproxyConf, writeConf } from './servers.js';
import { run, runOk, ServerProcess, sleep } from './sh.js';
import { AUTH_ALT_PORT, EGRESS_PROXY_PORT, HOST_IPS, HOST_IPS6 } from './topology.js';
import { GIT_SSH_PORT } from './gitssh.js';

export interface LabOptions {
  /** 1-4 lowercase letters, unique per test file. */
  readonly tag: string;
  /** What to serve beyond the default content (the benchmark adds bulk modules). */
  readonly content?: LabContentOptions;
}

export class E2eLab {
  readonly net: LabNet;
  readonly content: LabContent;
  readonly dir: string;
  readonly servers: ServerProcess[] = [];

  private constructor(net: LabNet, content: LabContent, dir: string) {
    this.net = net;
    this.content = content;
    this.dir = dir;
  }

  static async start(opts: LabOptions): Promise<E2eLab> {
    const dir = mkdtempSync(join(tmpdir(), `gmp-e2e-${opts.tag}-`));
    chmodSync(dir, 0o755);
    const content = writeLabContent(join(dir, 'content'), opts.content);
    const net = await LabNet.create(opts.tag);
    const lab = new E2eLab(net, content, dir);
    try {
      await lab.startServers();
    } catch (err) {
      await lab.stop();
      throw err;
    }
    return lab;
  }

  private async startServers(): Promise<void> {
    const runDir = join(this.dir, 'run');
    mkdirSync(runDir, { recursive: true, mode: 0o755 });
    chmodSync(runDir, 0o777); // dnsmasq and tinyproxy log here after dropping privileges
    const ns = this.net.servicesNs;
    const spawnIn = (name: string, cmd: string, args: string[]): ServerProcess => {
      const p = new ServerProcess(name, 'ip', ['netns', 'exec', ns, cmd, ...args]);
      if (p.pid !== undefined) this.net.serverPids.add(p.pid);
      this.servers.push(p);
      return p;
    };
    const dnsConf = writeConf(runDir, 'dnsmasq.conf', dnsmasqConf({ logFile: join(runDir, 'dnsmasq.log') }));
    spawnIn('dnsmasq', 'dnsmasq', ['--keep-in-foreground', `--conf-file=${dnsConf}`, '--pid-file=', '--user=root']);
    const ngConf = writeConf(runDir, 'nginx.conf', nginxConf({ content: this.content, runDir }));
    // git http-backend for git.lab.test runs under fcgiwrap (its socket is a file: no namespace needed, but it lives with the other servers).
    // umask 000: nginx's workers (www-data) connect to the socket fcgiwrap (root) creates.
    spawnIn('fcgiwrap', 'sh', ['-c', `umask 000; exec fcgiwrap -s unix:${join(runDir, 'fcgiwrap.sock')}`]);
    spawnIn('nginx', 'nginx', ['-c', ngConf, '-e', join(runDir, 'nginx-error.log')]);
    // OpenSSH's sshd for the ssh git scenarios (its privilege separation directory is what Debian's service makes at boot).
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    // In a private mount namespace where the lab's passwd file (the forge account git@) lies over /etc/passwd.
    spawnIn('sshd', 'unshare', ['-m', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/passwd && exec "$@"',
      this.content.gitSsh.sshdPasswd, '/usr/sbin/sshd', '-D', '-e', '-f', this.content.gitSsh.sshdConfig]);
    for (const [name, listen, auth] of [['egress', HOST_IPS.egress, false], ['egress-auth', HOST_IPS.egressAuth, true], ['egress6', HOST_IPS6.egress6, false]] as const) {
      const conf = writeConf(runDir, `${name}.conf`, tinyproxyConf({ listen, runDir, name, auth }));
      spawnIn(name, 'tinyproxy', ['-d', '-c', conf]);
    }
    await this.waitListening([
      ['udp', HOST_IPS.dns, 53],
      ['tcp', HOST_IPS.dns, 53],
      ['tcp', HOST_IPS.proxy, 443],
      ['tcp', HOST_IPS.mbox, 443],
      ['tcp', HOST_IPS.auth, AUTH_ALT_PORT],
      ['tcp', HOST_IPS.git, 443],
      ['tcp', HOST_IPS.git, GIT_SSH_PORT],
      ['tcp', HOST_IPS.storage, 80],
      ['tcp', HOST_IPS.egress, EGRESS_PROXY_PORT],
      ['tcp', HOST_IPS.egressAuth, EGRESS_PROXY_PORT],
      ['udp', `[${HOST_IPS6.dns}]`, 53],
      ['tcp', `[${HOST_IPS6.dual}]`, 443],
      ['tcp', `[${HOST_IPS6.dualStorage}]`, 443],
      ['tcp', `[${HOST_IPS6.egress6}]`, EGRESS_PROXY_PORT],
    ]);
  }

  /** Polls the services namespace's sockets until every server listens (bounded: 10 s). */
  private async waitListening(want: readonly (readonly ['tcp' | 'udp', string, number])[]): Promise<void> {
    let missing: string[] = [];
    for (let i = 0; i < 100; i++) {
      const dead = this.servers.find((s) => s.exited);
      if (dead) throw new Error(`${dead.name} exited (${JSON.stringify(dead.exited)}): ${dead.output.slice(-2000)}`);
      const [tcp, udp] = await Promise.all([
        run('ip', ['netns', 'exec', this.net.servicesNs, 'ss', '-Hltn'], { timeoutMs: 5000 }),
        run('ip', ['netns', 'exec', this.net.servicesNs, 'ss', '-Hlun'], { timeoutMs: 5000 }),
      ]);
      missing = want
        .filter(([proto, ip, port]) => !(proto === 'tcp' ? tcp : udp).stdout.includes(`${ip}:${port} `))
        .map(([proto, ip, port]) => `${proto} ${ip}:${port}`);
      if (missing.length === 0) return;
      await sleep(100);
    }
    throw new Error(`lab servers not listening after 10s: ${missing.join(', ')}\n${this.servers.map((s) => `${s.name}: ${s.output.slice(-500)}`).join('\n')}`);
  }

  async addPod(opts: AddPodOptions = {}): Promise<Pod> {
    return this.net.addPod(opts);
  }

  /** Replaces the pod's egress policy (its own nft table in the services namespace). */
  async applyPolicy(pod: Pod, policy: EgressPolicy | undefined): Promise<string> {
    await this.clearPolicy(pod);
    if (!policy) return '';
    const script = renderPolicy(policy, pod);
    await runOk('ip', ['netns', 'exec', this.net.servicesNs, 'nft', '-f', '-'], { input: script, timeoutMs: 10_000 });
    return script;
  }

  async clearPolicy(pod: Pod): Promise<void> {
    await run('ip', ['netns', 'exec', this.net.servicesNs, 'nft', 'delete', 'table', 'inet', tableName(pod.index)], { timeoutMs: 10_000 });
  }

  /** A fresh directory (mode 755) for one run's HOME, GOPATH and reports. */
  freshDir(name: string): string {
    const d = join(this.dir, 'runs', `${name}-${Math.random().toString(36).slice(2, 8)}`);
    mkdirSync(d, { recursive: true, mode: 0o755 });
    return d;
  }

  async stop(opts: { keepFiles?: boolean } = {}): Promise<void> {
    await Promise.allSettled(this.servers.map((s) => s.stop()));
    await this.net.destroy();
    if (!opts.keepFiles) rmSync(this.dir, { recursive: true, force: true });
  }
}
