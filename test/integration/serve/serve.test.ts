// `gomodprobe serve` as a process: the built CLI against the lab target (its own demo target, or a
// LabTarget started here and reached through the process's Go environment, as in a cluster), read
// through its HTTP endpoints the way Prometheus and a kubelet read them.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabTarget, LAB_NAMES, labPki } from '../../../src/lab/target.js';
import { formatMetrics } from '../../../src/report/metrics.js';
import type { RunReport } from '../../../src/report/types.js';
import { DEFAULT_SERVE_PORT } from '../../../src/options.js';
import { MAX_HOSTS_PER_RUN } from '../../../src/serve/metrics.js';
import { ON_DEMAND_CONCURRENCY, ON_DEMAND_MAX_MODULES, ON_DEMAND_PER_MINUTE, parseProbeQuery } from '../../../src/serve/serve.js';
import { REPO_DIR } from '../../ship/image-plan.js';
import { labelsOf, parseExposition, startExporter, waitFor, type Exporter } from './exporter.js';

const IDENTITY = ['name', 'namespace', 'goproxy'];

/** name + labels (sorted, identity labels left out) -> value. */
function keyed(series: Map<string, number>, drop: readonly string[] = IDENTITY): Map<string, number> {
  const out = new Map<string, number>();
  for (const [s, v] of series) {
    const name = s.replace(/\{.*$/, '');
    const labels = Object.entries(labelsOf(s)).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => a.localeCompare(b));
    out.set(`${name}{${labels.map(([k, l]) => `${k}=${l}`).join(',')}}`, v);
  }
  return out;
}

function promtool(args: string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`promtool is needed (Debian package prometheus, installed by .ci/run): ${r.error.message}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('serve --demo: a healthy target', () => {
  let exporter: Exporter;
  beforeAll(async () => {
    exporter = await startExporter(['--demo', '--interval', '10m', '--name', 'team-a'], { GOMODPROBE_NAMESPACE: 'ci-builds' });
  }, 30_000);
  afterAll(async () => {
    await exporter?.stop();
  });

  it('is live at once, ready after its first run, and /report.json is that run', async () => {
    expect((await fetch(`${exporter.url}/-/healthy`)).status).toBe(200);
    await waitFor(`${exporter.url}/-/ready`);
    const report = (await (await fetch(`${exporter.url}/report.json`)).json()) as RunReport;
    expect(report).toMatchObject({ schema: 'gomodprobe.report/v1', verdict: 'pass', exitCode: 0 });
  });

  it('serves metrics.prom\'s series, names and values unchanged, each with the identity labels', async () => {
    await waitFor(`${exporter.url}/-/ready`);
    const report = (await (await fetch(`${exporter.url}/report.json`)).json()) as RunReport;
    const file = parseExposition(formatMetrics(report));
    const served = parseExposition(await (await fetch(`${exporter.url}/metrics`)).text());
    expect(file.size).toBeGreaterThan(20);
    const servedByKey = keyed(served);
    for (const [key, value] of keyed(file)) expect(servedByKey.get(key), key).toBe(value);
    for (const s of served.keys()) {
      if (!s.startsWith('gomodprobe_')) continue;
      expect(labelsOf(s), s).toMatchObject({ name: 'team-a', namespace: 'ci-builds', goproxy: LAB_NAMES.proxy });
    }
  });

  it('counts runs, keeps a duration histogram, times each first hop, and shows the earliest expiry of every host reached', async () => {
    await waitFor(`${exporter.url}/-/ready`);
    const served = keyed(parseExposition(await (await fetch(`${exporter.url}/metrics`)).text()));
    expect(served.get('gomodprobe_runs_total{result=pass}')).toBe(1);
    expect(served.get('gomodprobe_runs_total{result=fail}')).toBe(0);
    expect(served.get('gomodprobe_probe_duration_seconds_count{}')).toBe(1);
    expect(served.get('gomodprobe_interval_seconds{}')).toBe(600);
    const proxyHops = [...served.keys()].filter((k) => k.startsWith('gomodprobe_hop_phase_duration_seconds{') && k.includes(LAB_NAMES.proxy));
    expect(proxyHops.map((k) => /phase=(\w+)/.exec(k)![1]).sort()).toEqual(['body', 'connect', 'dns', 'first_byte', 'tls']);
    // Hosts met after the first hops are timed too: the object store behind the zip redirect.
    const storageHops = [...served.keys()].filter((k) => k.startsWith('gomodprobe_hop_phase_duration_seconds{') && k.includes(LAB_NAMES.storage));
    expect(storageHops.map((k) => /phase=(\w+)/.exec(k)![1]).sort()).toEqual(['body', 'connect', 'dns', 'first_byte', 'tls']);
    for (const k of proxyHops.filter((h) => /phase=(dns|connect|tls)/.test(h))) expect(served.get(k), k).toBeGreaterThan(0);
    const certHosts = [...served.keys()].filter((k) => k.startsWith('gomodprobe_cert_earliest_expiry_timestamp_seconds{')).map((k) => /host=([^:]+)/.exec(k)![1]);
    // The GOPROXY (first hop), the checksum database and the object store behind the zip redirect.
    expect(certHosts.sort()).toEqual([LAB_NAMES.proxy, LAB_NAMES.storage, LAB_NAMES.sum].sort());
    const report = (await (await fetch(`${exporter.url}/report.json`)).json()) as RunReport;
    for (const host of certHosts) {
      const key = [...served.keys()].find((k) => k.startsWith('gomodprobe_cert_earliest') && k.includes(`host=${host}:`))!;
      const chain = report.certificates.filter((c) => c.target.startsWith(`${host}:`)).map((c) => Date.parse(c.notAfter) / 1000);
      expect(chain.length, host).toBeGreaterThanOrEqual(2);
      expect(served.get(key), host).toBe(Math.min(...chain));
      expect(served.get(key)! * 1000, host).toBeGreaterThan(Date.now());
    }
  });

  it('has every family README\'s "Fleet monitoring" names, and the limits it states', async () => {
    const readme = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Fleet monitoring'), readme.indexOf('\n## ', readme.indexOf('## Fleet monitoring') + 5));
    const text = await (await fetch(`${exporter.url}/metrics`)).text();
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const named = new Set([...section.matchAll(/`((?:gomodprobe|process)_[a-z_]+)`/g)].map((m) => m[1]!));
    expect(named.size).toBeGreaterThan(8);
    // The metrics.prom families (a failure's, for one) are in the generated table, which readme.test.ts holds to the code.
    const fileFamilies = /<!-- generated:metrics -->([\s\S]*?)<!-- \/generated:metrics -->/.exec(readme)![1]!;
    for (const name of named) expect(exported.has(name) || fileFamilies.includes(`| \`${name}\` |`), name).toBe(true);
    expect(section).toContain(`(default \`:${DEFAULT_SERVE_PORT}\`)`);
    expect(section).toContain(`at most ${ON_DEMAND_CONCURRENCY} at once and ${ON_DEMAND_PER_MINUTE} a minute`);
    expect(section).toContain(`repeatable, at most ${ON_DEMAND_MAX_MODULES}`);
    expect(section).toContain(`at most ${MAX_HOSTS_PER_RUN} hosts per run`);
  });

  it('passes promtool check metrics', async () => {
    await waitFor(`${exporter.url}/-/ready`);
    const r = promtool(['check', 'metrics'], await (await fetch(`${exporter.url}/metrics`)).text());
    expect(r.out).toBe('');
    expect(r.status).toBe(0);
  });

  it('/probe runs one probe now and answers its metrics; a module the target lacks fails it', async () => {
    const ok = await fetch(`${exporter.url}/probe?module=lab.test/hello@v1.0.0`);
    expect(ok.status).toBe(200);
    const good = keyed(parseExposition(await ok.text()));
    expect(good.get('gomodprobe_run_success{}')).toBe(1);
    // An on-demand run is not a scheduled one: no counters in its answer.
    expect([...good.keys()].some((k) => k.startsWith('gomodprobe_runs_total'))).toBe(false);
    const bad = keyed(parseExposition(await (await fetch(`${exporter.url}/probe?module=lab.test/absent@v1.0.0`)).text()));
    expect(bad.get('gomodprobe_run_success{}')).toBe(0);
    expect([...bad.keys()].find((k) => k.startsWith('gomodprobe_failure_info'))).toMatch(/stage=proxy/);
    // ... and the scheduled run's view is untouched.
    const served = keyed(parseExposition(await (await fetch(`${exporter.url}/metrics`)).text()));
    expect(served.get('gomodprobe_run_success{}')).toBe(1);
    expect(served.get('gomodprobe_runs_total{result=pass}')).toBe(1);
  });

  it('/probe refuses unknown and malformed parameters with 400, before running anything', async () => {
    for (const q of ['target=x', 'module=a&goproxy=https://evil.example', 'deadline=10h', 'deadline=abc', 'module=has%20space']) {
      const res = await fetch(`${exporter.url}/probe?${q}`);
      expect(res.status, q).toBe(400);
      expect(await res.text(), q).toMatch(/^[^\n]+\n$/);
    }
  });

  it('answers only GET and HEAD, and 404 elsewhere', async () => {
    expect((await fetch(`${exporter.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${exporter.url}/nope`)).status).toBe(404);
    const head = await fetch(`${exporter.url}/-/healthy`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it(`/probe runs at most ${ON_DEMAND_CONCURRENCY} at once: more get 429 with Retry-After`, async () => {
    const answers = await Promise.all(Array.from({ length: ON_DEMAND_CONCURRENCY + 3 }, () => fetch(`${exporter.url}/probe`)));
    const statuses = answers.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(ON_DEMAND_CONCURRENCY);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(3);
    for (const r of refused) expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it(`/probe runs at most ${ON_DEMAND_PER_MINUTE} a minute`, async () => {
    // Two at a time (the concurrency bound) until the bucket is empty; it refills at one every
    // ${60 / ON_DEMAND_PER_MINUTE} s, far slower than runs on loopback finish, even on a busy machine.
    let refused: string | undefined;
    let sent = 0;
    while (refused === undefined && sent < ON_DEMAND_PER_MINUTE * 4) {
      const answers = await Promise.all(Array.from({ length: ON_DEMAND_CONCURRENCY }, () => fetch(`${exporter.url}/probe`)));
      sent += answers.length;
      for (const res of answers) {
        const text = await res.text();
        if (res.status === 429 && text.includes('a minute')) refused = text;
      }
    }
    expect(refused).toBe(`more than ${ON_DEMAND_PER_MINUTE} /probe runs in a minute\n`);
  });

  it('stops on SIGTERM: exit 0 within a second or two, the port closed', async () => {
    const stopped = await exporter.stop();
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.ms).toBeLessThan(3000);
    await expect(fetch(`${exporter.url}/-/healthy`)).rejects.toThrow();
    expect(exporter.stderr()).toBe('');
    expect(exporter.stdout()).toContain('"msg":"shutting down"');
  });
});

describe('serve --demo --break proxy', () => {
  it('counts the failed runs by stage and cause, and readiness does not depend on the verdict', async () => {
    const exporter = await startExporter(['--demo', '--break', 'proxy', '--interval', '1s']);
    try {
      await waitFor(`${exporter.url}/-/ready`);
      // Two scheduled runs at least: the counters add up.
      const deadline = performance.now() + 15_000;
      let served = new Map<string, number>();
      while (performance.now() < deadline) {
        served = keyed(parseExposition(await (await fetch(`${exporter.url}/metrics`)).text()));
        if ((served.get('gomodprobe_runs_total{result=fail}') ?? 0) >= 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(served.get('gomodprobe_runs_total{result=fail}')).toBeGreaterThanOrEqual(2);
      expect(served.get('gomodprobe_runs_total{result=pass}')).toBe(0);
      const failures = [...served.entries()].filter(([k]) => k.startsWith('gomodprobe_failures_total{'));
      expect(failures).toHaveLength(1);
      expect(failures[0]![0]).toMatch(/cause=proxy\.[a-z_]+,stage=proxy/);
      expect(failures[0]![1]).toBe(served.get('gomodprobe_runs_total{result=fail}'));
      expect(served.get('gomodprobe_run_success{}')).toBe(0);
      expect(served.get('gomodprobe_stage_status{stage=proxy,status=fail}')).toBe(1);
    } finally {
      expect((await exporter.stop()).code).toBe(0);
    }
  });
});

describe('serve with the Go environment of the process (a lab target reached as a cluster reaches its proxy)', () => {
  const SECRET = 's3cr3t-fleet-pw';
  let lab: LabTarget;
  let dir: string;
  beforeAll(async () => {
    lab = await LabTarget.start({ pki: labPki() });
    dir = mkdtempSync(join(tmpdir(), 'gomodprobe-serve-'));
  }, 60_000);
  afterAll(async () => {
    await lab?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('never shows a credential of GOPROXY: not in /metrics, /probe, /report.json or the logs', async () => {
    const { env, args } = lab.writeInputs(dir);
    env['GOPROXY'] = env['GOPROXY']!.replace('https://', `https://builder:${SECRET}@`);
    const exporter = await startExporter([...args, '--interval', '10m', '--report-dir', join(dir, 'out')], env);
    try {
      await waitFor(`${exporter.url}/-/ready`);
      const bodies = await Promise.all(['/metrics', '/report.json', '/probe', '/'].map(async (p) => (await fetch(`${exporter.url}${p}`)).text()));
      const report = JSON.parse(bodies[1]!) as RunReport;
      expect(report.verdict).toBe('pass');
      for (const body of bodies) expect(body).not.toContain(SECRET);
      expect(bodies[0]).toContain(`goproxy="${LAB_NAMES.proxy}"`);
      // Without GOMODPROBE_NAMESPACE there is no namespace label (rather than an empty one).
      expect(bodies[0]).not.toContain('namespace=');
    } finally {
      await exporter.stop();
    }
    expect(exporter.stdout()).toContain('"msg":"run pass"');
    expect(exporter.stdout()).not.toContain(SECRET);
    expect(exporter.stderr()).not.toContain(SECRET);
  });
});

describe('serve: bad input is one line and exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--listen', 'nohost'], /^gomodprobe: --listen: "nohost" is not \[HOST\]:PORT\n$/],
    [['--name', 'a b'], /^gomodprobe: --name: "a b" is not a name/],
    [['--interval', '10ms'], /^gomodprobe: --interval: must be at least 100ms\n$/],
    [['--break', 'tls'], /^gomodprobe: --break: breaks the demo target: use it with serve --demo\n$/],
    [['--demo', '--expect', 'pass'], /^gomodprobe: --expect: has no meaning with serve/],
    [['--demo', '--listen', '198.51.100.1:9615'], /^gomodprobe: --listen 198\.51\.100\.1:9615: .*EADDRNOTAVAIL/],
  ];
  for (const [args, message] of cases) {
    it(`serve ${args.join(' ')}`, () => {
      const r = spawnSync(process.execPath, [join(import.meta.dirname, '../../../dist/gomodprobe.mjs'), 'serve', ...args], { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent' } });
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.status).toBe(2);
    });
  }
});

describe('parseProbeQuery', () => {
  it('takes module (repeatable) and a deadline up to --deadline, nothing else', () => {
    expect(parseProbeQuery(new URLSearchParams('module=a@v1&module=b@v2&deadline=5s'), 60_000)).toEqual({ modules: ['a@v1', 'b@v2'], deadlineMs: 5000 });
    expect(parseProbeQuery(new URLSearchParams(''), 60_000)).toEqual({});
    expect(parseProbeQuery(new URLSearchParams('deadline=2m'), 60_000)).toHaveProperty('error');
    expect(parseProbeQuery(new URLSearchParams('Module=a'), 60_000)).toHaveProperty('error');
    expect(parseProbeQuery(new URLSearchParams(Array.from({ length: 11 }, (_, i) => `module=m${i}@v1`).join('&')), 60_000)).toHaveProperty('error');
  });
});
