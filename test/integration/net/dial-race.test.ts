// go's dual-stack dialing (dialParallel in src/net/dial.go): the replay of go's race on answers, and the
// dialer on real loopback sockets (::1 and 127.0.0.1), with one family refused or dropped.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dialHost, GO_FALLBACK_DELAY_MS, goPartialDeadline, replayGoRace } from '../../../src/net/dialer.js';
import { dialFindings } from '../../../src/stages/dialfindings.js';
import { hintFor } from '../../../src/hints.js';

const ok = (atMs: number) => ({ ok: true, atMs });
const failed = (atMs: number) => ({ ok: false, atMs });

describe('replayGoRace: go\'s dialParallel on known answers', () => {
  it('partialDeadline shares the time left, at least 2 s an address, never past the deadline', () => {
    expect(goPartialDeadline(0, 30_000, 2)).toBe(15_000);
    expect(goPartialDeadline(0, 30_000, 20)).toBe(2000);
    expect(goPartialDeadline(29_000, 30_000, 3)).toBe(30_000);
  });

  it('a primary that connects before the delay wins; the fallback is never started', () => {
    const d = replayGoRace([ok(5), undefined], 1, 30_000, 5);
    expect(d).toMatchObject({ decided: 'connected', address: 0, atMs: 5 });
    if (d.decided) expect([...d.starts.keys()]).toEqual([0]);
  });

  it('a dropped primary: the fallback starts at 300 ms and wins, decided once 300 ms have passed', () => {
    expect(replayGoRace([undefined, ok(2)], 1, 30_000, 100).decided).toBe(false);
    const d = replayGoRace([undefined, ok(2)], 1, 30_000, 310);
    expect(d).toMatchObject({ decided: 'connected', address: 1, atMs: GO_FALLBACK_DELAY_MS + 2 });
    if (d.decided) expect(d.starts.get(1)).toBe(GO_FALLBACK_DELAY_MS);
  });

  it('a refused primary starts the fallback at once (fallbackTimer.Reset(0))', () => {
    expect(replayGoRace([failed(1), ok(2)], 1, 30_000, 3)).toMatchObject({ decided: 'connected', address: 1, atMs: 3 });
  });

  it('a slow primary still wins against a fallback that connects later in go\'s time', () => {
    // primary connects at 350 ms; the fallback (started at 300) would connect at 300 + 100.
    expect(replayGoRace([ok(350), ok(100)], 1, 30_000, 350)).toMatchObject({ decided: 'connected', address: 0 });
    expect(replayGoRace([ok(450), ok(100)], 1, 30_000, 450)).toMatchObject({ decided: 'connected', address: 1, atMs: 400 });
  });

  it('primaries are walked in order: the second starts when the first fails or runs out of its share', () => {
    // Two dropped-then-good IPv6 addresses, no fallback: the second gets its turn at the first's partial deadline.
    expect(replayGoRace([undefined, ok(1)], 2, 4000, 1000).decided).toBe(false);
    expect(replayGoRace([undefined, ok(1)], 2, 4000, 2000)).toMatchObject({ decided: 'connected', address: 1, atMs: 2001 });
  });

  it('every address failed: decided failed', () => {
    expect(replayGoRace([failed(1), failed(2)], 1, 30_000, 2)).toMatchObject({ decided: 'failed' });
  });
});

/** A listener whose SYNs go unanswered: its accept queue is full and its owner never accepts (a dropped port). */
async function blackholed(host: string, port = 0): Promise<{ port: number; close: () => void }> {
  const script = `const s=require('net').createServer();s.listen({port:${port},host:'${host}',backlog:1,ipv6Only:true},()=>{process.stdout.write(s.address().port+'\\n');setTimeout(()=>Atomics.wait(new Int32Array(new SharedArrayBuffer(4)),0,0),20)})`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const bound = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  await new Promise((r) => setTimeout(r, 100));
  const fillers: net.Socket[] = [];
  for (let i = 0; i < 8; i++) {
    const s = net.connect(bound, host);
    fillers.push(s);
    s.on('error', () => undefined);
    const connected = await new Promise<boolean>((resolve) => {
      const t = setTimeout(() => resolve(false), 300);
      s.once('connect', () => {
        clearTimeout(t);
        resolve(true);
      });
    });
    if (!connected) break;
  }
  return { port: bound, close: () => { for (const s of fillers) s.destroy(); child.kill('SIGKILL'); } };
}

async function listen(host: string, port = 0): Promise<net.Server> {
  const server = net.createServer((s) => s.on('error', () => undefined));
  await new Promise<void>((resolve) => server.listen({ host, port, ipv6Only: host.includes(':') }, resolve));
  return server;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('dialHost on loopback, both families', () => {
  it('IPv6 refused, IPv4 listening: go falls back at once; a tcp.family_fallback finding', async () => {
    const v4 = await listen('127.0.0.1');
    cleanups.push(() => v4.close());
    const port = (v4.address() as net.AddressInfo).port;
    const r = await dialHost(['::1', '127.0.0.1'], port, { signal: AbortSignal.timeout(5000), budgetMs: 5000 });
    r.socket.destroy();
    expect(r.attempts).toEqual([
      expect.objectContaining({ address: '::1', race: 'primary', ok: false, cause: 'tcp.refused', goError: `dial tcp [::1]:${port}: connect: connection refused` }),
      expect.objectContaining({ address: '127.0.0.1', race: 'fallback', ok: true, chosen: true }),
    ]);
    expect(r.goConnectMs).toBeLessThan(GO_FALLBACK_DELAY_MS);
    const [f] = dialFindings('https://dual.test', r);
    expect(f).toMatchObject({ code: 'tcp.family_fallback', severity: 'warn' });
    expect(f!.message).toContain(`[::1]:${port} (tcp.refused)`);
  });

  it('IPv6 dropped, IPv4 listening: go connects over IPv4 after its 300 ms delay, and so does the dialer', async () => {
    const hole = await blackholed('::1');
    cleanups.push(hole.close);
    const v4 = await listen('127.0.0.1', hole.port);
    cleanups.push(() => v4.close());
    const started = performance.now();
    const r = await dialHost(['::1', '127.0.0.1'], hole.port, { signal: AbortSignal.timeout(5000), budgetMs: 5000 });
    const took = performance.now() - started;
    r.socket.destroy();
    expect(r.goConnectMs).toBeGreaterThanOrEqual(GO_FALLBACK_DELAY_MS);
    expect(r.goConnectMs).toBeLessThan(GO_FALLBACK_DELAY_MS + 200);
    // Decided when go would have its connection, not after the dropped address's timeout.
    expect(took).toBeLessThan(2000);
    expect(r.attempts[0]).toMatchObject({ address: '::1', ok: false, abandoned: true, goStartMs: 0 });
    expect(r.attempts[1]).toMatchObject({ address: '127.0.0.1', ok: true, chosen: true, goStartMs: GO_FALLBACK_DELAY_MS });
    expect(dialFindings('https://dual.test', r)[0]).toMatchObject({ code: 'tcp.family_fallback' });
  });

  it('IPv4 dropped, IPv6 listening: go connects over IPv6 at once; the dead IPv4 path is an info finding', async () => {
    const hole = await blackholed('127.0.0.1');
    cleanups.push(hole.close);
    const v6 = await listen('::1', hole.port);
    cleanups.push(() => v6.close());
    const r = await dialHost(['::1', '127.0.0.1'], hole.port, { signal: AbortSignal.timeout(5000), budgetMs: 5000 });
    r.socket.destroy();
    expect(r.goConnectMs).toBeLessThan(GO_FALLBACK_DELAY_MS);
    expect(r.attempts[0]).toMatchObject({ address: '::1', ok: true, chosen: true });
    // go never starts the fallback: no goStartMs; the probe gave it go's delay and it did not answer.
    expect(r.attempts[1]).toMatchObject({ address: '127.0.0.1', ok: false, abandoned: true });
    expect(r.attempts[1]!.goStartMs).toBeUndefined();
    expect(dialFindings('https://dual.test', r)).toEqual([expect.objectContaining({ code: 'tcp.family_unreachable', severity: 'info' })]);
  });

  it('a family the pod has no route for at all (ENETUNREACH) is a single-stack pod: no finding', () => {
    const attempts = [
      { address: '2001:db8::1', port: 443, family: 6 as const, ok: true, latencyMs: 1, race: 'primary' as const, chosen: true },
      { address: '198.18.0.1', port: 443, family: 4 as const, ok: false, latencyMs: 0, cause: 'tcp.unreachable' as const, errno: 'ENETUNREACH', race: 'fallback' as const },
    ];
    expect(dialFindings('https://dual.test', { attempts, goConnectMs: 1 })).toEqual([]);
    expect(dialFindings('https://dual.test', { attempts: [attempts[0]!, { ...attempts[1]!, errno: 'EHOSTUNREACH' }], goConnectMs: 1 })).toEqual([
      expect.objectContaining({ code: 'tcp.family_unreachable' }),
    ]);
  });

  it('both refused: go\'s error is the primary (first) address\'s', async () => {
    const v4 = await listen('127.0.0.1');
    const port = (v4.address() as net.AddressInfo).port;
    await new Promise((r) => v4.close(r));
    await expect(dialHost(['::1', '127.0.0.1'], port, { signal: AbortSignal.timeout(5000), budgetMs: 5000 })).rejects.toMatchObject({
      code: 'tcp.refused',
      goError: `dial tcp [::1]:${port}: connect: connection refused`,
    });
  });
});

describe('dialFindings within one family', () => {
  it('a dropped first address: go waits its share of the 30 s dial timeout before the next', () => {
    const attempts = [
      { address: '198.18.0.1', port: 443, family: 4 as const, ok: false, latencyMs: 2500, cause: 'tcp.timeout' as const, race: 'primary' as const, goStartMs: 0 },
      { address: '198.18.0.2', port: 443, family: 4 as const, ok: true, latencyMs: 1, race: 'primary' as const, goStartMs: 2500, chosen: true },
    ];
    const [f] = dialFindings('https://two.test', { attempts, goConnectMs: 2501 });
    expect(f).toMatchObject({ code: 'tcp.some_addresses_failed' });
    expect(f!.message).toContain('it waits up to 15 s on each dropped address before it (its share of the 30 s dial timeout), 1 here');
  });
});

describe('hints that know the address family', () => {
  it('a dropped IPv6 address: an ipBlock rule is per family', () => {
    expect(hintFor('tcp.timeout', { host: 'dual.test', port: 443, ipv6Dialed: ['2001:db8::50'] })).toMatch(/over IPv6 \(2001:db8::50\).*per address family.*\/128/);
    expect(hintFor('tcp.timeout', { host: 'v4.test', port: 443 })).not.toMatch(/IPv6/);
  });

  it('no route for the only family the host has: DNS64/NAT64 for an IPv6-only pod, an IPv6 address for an IPv4-only one', () => {
    expect(hintFor('tcp.unreachable', { host: 'v4only.test', missingFamily: 4 })).toMatch(/no IPv4 route.*NAT64/);
    expect(hintFor('tcp.unreachable', { host: 'v6only.test', missingFamily: 6 })).toMatch(/no IPv6 route.*dual-stack/);
    expect(hintFor('tcp.unreachable', { host: 'x.test' })).toMatch(/^No route/);
  });
});
