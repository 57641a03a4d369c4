// The lab's "nothing listens here" port must refuse for the whole life of the fixture (issue #20: a
// port chosen by listen(0)+close was handed to the forward proxy, and tests expecting tcp.refused met
// a live server).

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClosedPort } from '../../../src/lab/closed-port.js';

const CHILD = fileURLToPath(new URL('./port-range-child.ts', import.meta.url));
// 16 ports: with the held one taken out, the kernel has to give out all 15 others.
const RANGE = [40000, 40015] as const;
const LAB_STARTS = 30;

interface ChildResult {
  exhaust: { held: number; tcpGiven: number[]; udpGiven: number[]; tcp: string; udp: string };
  labs: { closedPort: number; listening: number[]; tcp: string; udp: string }[];
}

/** Runs the child in a new network namespace (root: unshare and iproute2 are part of the lab's requirements). */
async function runInFreshNetns(): Promise<ChildResult> {
  const child = spawn('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, '--import', 'tsx', CHILD, ...RANGE.map(String), String(LAB_STARTS)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`the port-range child exited ${code}: ${err.trim()}`);
  return JSON.parse(out) as ChildResult;
}

describe('ClosedPort', () => {
  it('refuses TCP connects and UDP datagrams, and no other socket can bind its number on UDP', async () => {
    const held = await ClosedPort.hold();
    try {
      await held.assertRefused();
      const udp = dgram.createSocket('udp4');
      const answer = await new Promise<string>((resolve) => {
        udp.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        udp.connect(held.port, '127.0.0.1', () => udp.send('x'));
      });
      udp.close();
      expect(answer).toBe('ECONNREFUSED');
      const rival = dgram.createSocket('udp4');
      const bind = await new Promise<string>((resolve) => {
        rival.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        rival.bind(held.port, '127.0.0.1', () => resolve('bound'));
      });
      rival.close();
      expect(bind).toBe('EADDRINUSE');
    } finally {
      held.close();
    }
    // Released: the number is usable again.
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(held.port, '127.0.0.1', () => resolve());
    });
    await new Promise((r) => server.close(r));
  });

  it('fails loudly when something listens on the port', async () => {
    const held = await ClosedPort.hold();
    // Only an explicit bind of the number (with SO_REUSEADDR, as node's listen sets it) can share the port.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(held.port, '127.0.0.1', () => resolve()));
    try {
      await expect(held.assertRefused()).rejects.toThrow(`ClosedPort: 127.0.0.1:${held.port} accepted a connection`);
    } finally {
      await new Promise((r) => server.close(r));
      held.close();
    }
  });

  describe('in a network namespace whose ephemeral range has only 16 ports', () => {
    let result: ChildResult;
    beforeAll(async () => {
      result = await runInFreshNetns();
    });

    it('the kernel gives every other port of the range to listen(0) and bind(0), never the held one', () => {
      const { held, tcpGiven, udpGiven } = result.exhaust;
      const others = Array.from({ length: RANGE[1] - RANGE[0] + 1 }, (_, i) => RANGE[0] + i).filter((p) => p !== held);
      expect(held).toBeGreaterThanOrEqual(RANGE[0]);
      expect(held).toBeLessThanOrEqual(RANGE[1]);
      expect([...tcpGiven].sort((a, b) => a - b)).toEqual(others);
      expect([...udpGiven].sort((a, b) => a - b)).toEqual(others);
      expect(result.exhaust.tcp).toBe('ECONNREFUSED');
      expect(result.exhaust.udp).toBe('ECONNREFUSED');
    });

    it(`the lab target's closed port refuses on TCP and UDP every time, over ${LAB_STARTS} starts`, () => {
      expect(result.labs).toHaveLength(LAB_STARTS);
      for (const lab of result.labs) {
        expect(lab.listening).not.toContain(lab.closedPort);
        expect({ port: lab.closedPort, tcp: lab.tcp, udp: lab.udp }).toEqual({ port: lab.closedPort, tcp: 'ECONNREFUSED', udp: 'ECONNREFUSED' });
      }
    });
  });
});
