// The round-trip time of a pod's link, measured on it: TCP connects from the pod to a lab server (one
// SYN / SYN-ACK round trip each). The relay adds its fixed delay plus its own forwarding time, so the
// lower bound uses what a packet actually takes, not the configured delay alone.

import { run } from '../test/e2e/lab/sh.js';
import { median } from './stats.js';

const CONNECTS = 21;

/** A small program for `node -e`: connect, time it, close; print one JSON array of milliseconds. */
const PROGRAM = `
const net = require('node:net');
const [host, port, n] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
(async () => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await new Promise((resolve, reject) => {
      const s = net.connect({ host, port });
      s.setTimeout(5000, () => { s.destroy(); reject(new Error('connect timed out')); });
      s.once('connect', () => { out.push(performance.now() - t0); s.destroy(); resolve(); });
      s.once('error', reject);
    });
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { process.stderr.write(String(e)); process.exit(1); });
`;

export async function measureRtt(o: { ns: string; node: string; host: string; port: number }): Promise<{ medianMs: number; samplesMs: number[] }> {
  const r = await run('ip', ['netns', 'exec', o.ns, o.node, '-e', PROGRAM, o.host, String(o.port), String(CONNECTS)], { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`RTT measurement failed: ${r.stderr.slice(-500)}`);
  const samples = (JSON.parse(r.stdout) as number[]).map((x) => Math.round(x * 100) / 100);
  // The first connect also pays for the pod's first packets (route and socket setup): leave it out.
  return { medianMs: median(samples.slice(1)), samplesMs: samples };
}
