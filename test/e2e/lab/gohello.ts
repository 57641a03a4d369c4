// Captures the ClientHello that a real `go mod download` sends: go is pointed at a raw listener on
// loopback (GOPROXY=https://127.0.0.1:PORT) in an isolated environment, sends its hello, and fails when
// the listener closes. Nothing can leave the machine: the only address go is given is the listener's.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { listenForHellos } from '../../../src/lab/hello-listener.js';
import { groupName, type ClientHelloFields } from '../../../src/net/clienthello.js';
import { telemetryOff } from './gos.js';

export interface GoHelloCapture {
  readonly hello: Buffer;
  /** `go version`'s "go1.x.y". */
  readonly version: string;
}

/** Runs `goBin mod download` against a raw listener and returns the first ClientHello it sent. */
export async function captureGoHello(goBin: string, godebug = '', timeoutMs = 30_000): Promise<GoHelloCapture> {
  const listener = await listenForHellos();
  const dir = mkdtempSync(join(tmpdir(), 'gohello-'));
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    GOPATH: join(dir, 'gopath'),
    GOMODCACHE: join(dir, 'gopath/pkg/mod'),
    GOCACHE: join(dir, 'gocache'),
    GOENV: 'off',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    GOPROXY: `https://127.0.0.1:${listener.port}`,
    GOSUMDB: 'off',
    GOFLAGS: '-mod=mod',
    ...(godebug ? { GODEBUG: godebug } : {}),
  };
  telemetryOff(join(env['HOME']!, '.config'));
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const version = await runToEnd(goBin, ['version'], env, dir, signal);
    const child = spawn(goBin, ['mod', 'download', '-json', 'example.com/hello@v1.0.0'], { cwd: dir, env, stdio: 'ignore', signal });
    child.on('error', () => {});
    try {
      const hello = await listener.next(signal);
      return { hello, version: /go\d+\.\d+(\.\d+)?/.exec(version)?.[0] ?? version.trim() };
    } finally {
      child.kill('SIGKILL');
    }
  } finally {
    await listener.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function runToEnd(cmd: string, args: string[], env: Record<string, string>, cwd: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], signal });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: exit ${code}: ${out.trim()}`))));
  });
}

/** README's row for one go's hello (the table under "go's bytes on the wire"), from a capture. */
export function readmeHelloRow(version: string, godebug: string, f: ClientHelloFields): string {
  const who = godebug ? `${version}, \`GODEBUG=${godebug}\`` : version;
  const shares = f.keyShares.map((k) => `${groupName(k.group)} (${k.bytes} B)`).join(' + ');
  return `| ${who} | ${f.recordBytes} B | ${f.supportedGroups.map(groupName).join(', ')} | ${shares} | ${f.signatureAlgorithms.length}${f.signatureAlgorithmsCert.length > 0 ? ` (+ ${f.signatureAlgorithmsCert.length} for certificates)` : ''} | ${f.cipherSuites.length} | ${f.extensions.join(', ')} |`;
}
