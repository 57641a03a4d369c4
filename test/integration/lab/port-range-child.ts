// Runs inside a fresh network namespace (closed-port.test.ts starts it under `unshare -n`) whose
// ephemeral port range is narrowed to a few ports, so that the kernel must hand out every free port
// of the range: a held closed port that it could give away would be given away here.
// Prints one JSON line: what the kernel gave out and what the held ports answered.

import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { ClosedPort } from '../../../src/lab/closed-port.js';
import { labPki, LabTarget } from '../../../src/lab/target.js';

const [low, high, starts] = process.argv.slice(2).map(Number) as [number, number, number];
// Per namespace: this changes only the namespace the test made.
writeFileSync('/proc/sys/net/ipv4/ip_local_port_range', `${low} ${high}`);

async function listenAny(): Promise<net.Server | undefined> {
  const s = net.createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(undefined));
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function bindUdpAny(): Promise<dgram.Socket | undefined> {
  const u = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    u.once('error', () => {
      u.close();
      resolve(undefined);
    });
    u.bind(0, '127.0.0.1', () => resolve(u));
  });
}

/** The error a datagram to the port meets: ECONNREFUSED when nothing takes it. */
async function udpAnswer(port: number): Promise<string> {
  const u = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    let retry: NodeJS.Timeout | undefined;
    const done = (what: string): void => {
      clearTimeout(timer);
      clearTimeout(retry);
      u.close();
      resolve(what);
    };
    const timer = setTimeout(() => done('no answer'), 2_000);
    u.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    u.once('message', () => done('a reply'));
    // A connected UDP socket receives the ICMP port unreachable as an error on its next operation.
    u.connect(port, '127.0.0.1', () => {
      u.send('probe');
      retry = setTimeout(() => u.send('probe'), 50);
    });
  });
}

async function tcpAnswer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', timeout: 2_000 });
    c.once('connect', () => {
      c.destroy();
      resolve('connected');
    });
    c.once('timeout', () => {
      c.destroy();
      resolve('no answer');
    });
    c.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

// 1. Hold a port, then take every other port of the range with listen(0) and bind(0).
const held = await ClosedPort.hold();
const servers: net.Server[] = [];
const udps: dgram.Socket[] = [];
for (let s = await listenAny(); s; s = await listenAny()) servers.push(s);
for (let u = await bindUdpAny(); u; u = await bindUdpAny()) udps.push(u);
const exhaust = {
  held: held.port,
  tcpGiven: servers.map((s) => (s.address() as AddressInfo).port),
  udpGiven: udps.map((u) => u.address().port),
  tcp: '',
  udp: '',
};
// The connects below need a local port of the range themselves: free the range first.
await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
for (const u of udps) u.close();
exhaust.tcp = await tcpAnswer(held.port);
exhaust.udp = await udpAnswer(held.port);
held.close();

// 2. Start the lab target again and again in the same narrow range.
const pki = labPki();
const labs: { closedPort: number; listening: number[]; tcp: string; udp: string }[] = [];
for (let i = 0; i < starts; i++) {
  const lab = await LabTarget.start({ pki, forwardProxy: true });
  try {
    const listening = [
      lab.dns.port,
      lab.goproxy.port,
      lab.storage.port,
      (lab.sumdbServer.address() as AddressInfo).port,
      (lab.interceptor.address() as AddressInfo).port,
      lab.forwardProxy!.port,
    ];
    labs.push({ closedPort: lab.closedPort, listening, tcp: await tcpAnswer(lab.closedPort), udp: await udpAnswer(lab.closedPort) });
  } finally {
    await lab.close();
  }
}
process.stdout.write(`${JSON.stringify({ exhaust, labs })}\n`);
