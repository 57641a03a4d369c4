// Hostile ssh servers for the git hop's ssh transport: what answers on the port is not an sshd (an HTTP
// server, one that resets, one that sends a banner and hangs up at the key exchange, one that never says
// anything). Where the real ssh fails, the probe fails with ssh's words (git ls-remote run beside it);
// where ssh would wait forever (a silent server: ssh has no ConnectTimeout by default), the probe still
// ends within its timeout, as a failure.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskInputFs } from '../../src/inputfile.js';
import { LayerError, TcpError } from '../../src/net/errors.js';
import { GitSshError, lsRemoteSsh, parseGitSshUrl } from '../../src/net/gitssh.js';
import { parseHosts } from '../../src/net/hosts.js';
import { parseResolvConf } from '../../src/net/resolvconf.js';
import { Resolver } from '../../src/net/resolver.js';
import { run } from '../e2e/lab/sh.js';
import { sshPrerequisites } from '../e2e/lab/sshd.js';

const missing = sshPrerequisites();
if (missing && process.env['CI']) throw new Error(`the hostile ssh test cannot run: ${missing}`);

type Behaviour = (s: net.Socket) => void;
const BEHAVIOURS: Readonly<Record<string, Behaviour>> = {
  'an HTTP server': (s) => s.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n'),
  'a server that resets the connection': (s) => s.resetAndDestroy(),
  // Hangs up with a FIN only once the client's KEXINIT has arrived whole, and keeps reading: closing
  // while the client's bytes were still in flight made the kernel answer them with a reset, and ssh then
  // said "reset" or "closed" by the race (CI saw both).
  'a banner, then a hang-up at the key exchange': (s) => {
    s.write('SSH-2.0-OpenSSH_9.2\r\n');
    let seen = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      if (s.writableEnded) return;
      seen = Buffer.concat([seen, d]);
      const eol = seen.indexOf('\n');
      if (eol < 0 || seen.length < eol + 1 + 4) return;
      const packetLength = seen.readUInt32BE(eol + 1);
      if (seen.length >= eol + 1 + 4 + packetLength) s.end();
    });
  },
};

describe.skipIf(!!missing && !process.env['CI'])('hostile ssh servers', () => {
  let dir: string;
  const servers: net.Server[] = [];
  const ports: Record<string, number> = {};

  const listen = (b: Behaviour): Promise<number> => new Promise((resolve) => {
    const srv = net.createServer((s) => {
      s.on('error', () => undefined);
      b(s);
    });
    servers.push(srv);
    srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gmp-hostile-ssh-'));
    mkdirSync(join(dir, '.ssh'), { recursive: true });
    writeFileSync(join(dir, '.ssh', 'known_hosts'), '');
    for (const [name, b] of Object.entries(BEHAVIOURS)) ports[name] = await listen(b);
    // Accepts and never writes a byte.
    ports['silent'] = await listen(() => undefined);
  });

  afterAll(() => {
    for (const s of servers) s.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const ctx = () => ({
    resolver: new Resolver({ conf: parseResolvConf('nameserver 127.0.0.1\n', 'pod'), hosts: parseHosts(''), order: 'files,dns' }),
    timeoutMs: 1500, fs: diskInputFs, home: dir, localUser: 'root', batchMode: true, systemDir: join(dir, 'no-etc-ssh'),
  });

  for (const name of Object.keys(BEHAVIOURS)) {
    const code = name.includes('resets') ? 'tcp.reset' : 'git_ssh_failed';
    it(`${name}: ${code} with ssh's words`, async () => {
      const url = `ssh://root@127.0.0.1:${ports[name]}/srv/x.git`;
      const real = await run('git', ['ls-remote', '-q', url], {
        env: { PATH: '/usr/bin:/bin', HOME: dir, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: `ssh -o ControlMaster=no -o BatchMode=yes -F /dev/null -o UserKnownHostsFile=${dir}/.ssh/known_hosts` },
        timeoutMs: 20_000,
      });
      expect(real.code).toBe(128);
      const err = await lsRemoteSsh(ctx(), parseGitSshUrl(url)!, AbortSignal.timeout(10_000)).then(() => undefined, (e: unknown) => e);
      // A reset before the banner is the tcp layer's (TcpError), the rest ssh's (GitSshError); both carry git's stderr.
      expect(err).toBeInstanceOf(code === 'tcp.reset' ? TcpError : GitSshError);
      expect((err as LayerError).code).toBe(code);
      if (code === 'tcp.reset') {
        // ssh's own line races the reset: "Connection reset by 127.0.0.1 port N", or "by UNKNOWN port -1"
        // when the reset beats its getpeername (seen both ways): the probe says the first.
        expect(real.stderr).toMatch(/Connection reset by (127\.0\.0\.1 port \d+|UNKNOWN port -1)\r\n/);
        expect((err as LayerError).goError).toMatch(/^kex_exchange_identification: read: Connection reset by peer\r\nConnection reset by 127\.0\.0\.1 port \d+\r\nfatal: Could not read from remote repository\./);
      } else {
        expect((err as GitSshError).gitStderr).toBe(real.stderr.replace(/\s+$/, ''));
      }
    }, 30_000);
  }

  it('a server that never says anything: ssh would wait (no ConnectTimeout), the probe fails within its timeout', async () => {
    const started = performance.now();
    const err = await lsRemoteSsh(ctx(), parseGitSshUrl(`ssh://root@127.0.0.1:${ports['silent']}/srv/x.git`)!, AbortSignal.timeout(10_000)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(GitSshError);
    expect((err as GitSshError).code).toBe('git_ssh_failed');
    expect((err as GitSshError).message).toMatch(/timed out|banner/i);
    expect(performance.now() - started).toBeLessThan(6000);
  }, 30_000);
});
