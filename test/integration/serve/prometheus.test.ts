// The shipped alerts and dashboard against a real Prometheus (Debian's package) on loopback, scraping
// real exporters every second:
//   demo   `gomodprobe serve --demo`: healthy, then restarted broken at the proxy stage, then healthy
//   sumdb  `gomodprobe serve` with the Go environment of a lab target whose certificates expire in 7
//          days and whose checksum database is not listening; then restarted with the right GOSUMDB
// The rules are k8s/fleet/alerts.yaml with only `for:` shortened to seconds (promtool test rules
// covers the real durations); thresholds and expressions are the shipped ones. Every alert must fire
// and resolve as Prometheus's HTTP API reports it, and every query of the Grafana dashboard must run
// without error and return series.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClosedPort } from '../../../src/lab/closed-port.js';
import { issue } from '../../../src/lab/pki.js';
import { LabTarget, LAB_NAMES, labPki } from '../../../src/lab/target.js';
import { REPO_DIR } from '../../ship/image-plan.js';
import { startExporter, waitFor, type Exporter } from './exporter.js';

const FLEET = join(REPO_DIR, 'k8s', 'fleet');
const SHORT_FOR = '2s';

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

/**
 * A port for a server this test starts (and restarts) itself, held for the test's life: listen(0) and
 * close would hand the number back to the kernel, which may give it to any other listener before ours
 * (issue #20). A held port (src/lab/closed-port.ts) is skipped by the kernel's ephemeral choice, while
 * an explicit listen with SO_REUSEADDR, which node and go's net.Listen set, still takes it.
 */
const heldPorts: ClosedPort[] = [];
async function reservedPort(): Promise<number> {
  const held = await ClosedPort.hold();
  heldPorts.push(held);
  return held.port;
}

class Prometheus {
  readonly url: string;
  readonly #child: ChildProcess;
  #log = '';

  constructor(dir: string, port: number, targets: readonly number[], rules: string) {
    this.url = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, 'rules.yaml'), rules);
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global:',
        '  scrape_interval: 1s',
        '  scrape_timeout: 900ms',
        '  evaluation_interval: 1s',
        'rule_files: [rules.yaml]',
        'scrape_configs:',
        '  - job_name: gomodprobe',
        // As the ServiceMonitor does: the exporter's own namespace label wins.
        '    honor_labels: true',
        '    static_configs:',
        `      - targets: [${targets.map((p) => `'127.0.0.1:${p}'`).join(', ')}]`,
        '',
      ].join('\n'),
    );
    mkdirSync(join(dir, 'data'));
    try {
      this.#child = spawn('prometheus', [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.console.templates=${join(dir, 'consoles')}`,
        `--web.console.libraries=${join(dir, 'console_libraries')}`,
        '--log.level=warn',
      ], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir } });
    } catch (err) {
      throw new Error(`prometheus is needed (Debian package prometheus, installed by .ci/run): ${String(err)}`);
    }
    this.#child.on('error', (err) => (this.#log += `\nspawn: ${err.message} (the Debian package prometheus is needed; .ci/run installs it)`));
    this.#child.stdout!.on('data', (d: Buffer) => (this.#log += d.toString()));
    this.#child.stderr!.on('data', (d: Buffer) => (this.#log += d.toString()));
  }

  get log(): string {
    return this.#log;
  }

  async api<T>(path: string): Promise<T> {
    const res = await fetch(`${this.url}${path}`, { signal: AbortSignal.timeout(5000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? res.status}`);
    return body.data;
  }

  async query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
    const data = await this.api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    return data.result;
  }

  async alerts(): Promise<Alert[]> {
    return (await this.api<{ alerts: Alert[] }>('/api/v1/alerts')).alerts;
  }

  /** Polls the alerts until `check` holds on them; fails with what was last seen. */
  async until(what: string, check: (alerts: Alert[]) => boolean, timeoutMs = 30_000): Promise<Alert[]> {
    const deadline = performance.now() + timeoutMs;
    let last: Alert[] = [];
    while (performance.now() < deadline) {
      last = await this.alerts();
      if (check(last)) return last;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`${what}: not within ${timeoutMs} ms; alerts: ${JSON.stringify(last.map((a) => [a.labels['alertname'], a.labels['name'], a.state]))}\n${this.#log.slice(-2000)}`);
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise((r) => this.#child.once('exit', r));
    this.#child.kill('SIGTERM');
    const kill = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(kill);
  }
}

const firing = (alerts: Alert[], alertname: string, name: string): boolean =>
  alerts.some((a) => a.labels['alertname'] === alertname && a.labels['name'] === name && a.state === 'firing');
const any = (alerts: Alert[], name: string): Alert[] => alerts.filter((a) => a.labels['name'] === name);

/** The dashboard's PromQL with Grafana's variables as a user who selected "All" would send it. */
function dashboardQueries(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(join(FLEET, 'grafana-dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
  return dashboard.panels.flatMap((p) =>
    p.targets.map((t) => ({
      panel: p.title,
      expr: t.expr.replaceAll('$namespace', '.*').replaceAll('$name', '.*').replaceAll('$__rate_interval', '5m').replaceAll('$__range', '5m'),
    })),
  );
}

describe('alerts and dashboard against a real Prometheus', () => {
  let dir: string;
  let lab: LabTarget;
  let prometheus: Prometheus;
  let demo: Exporter;
  let sumdb: Exporter;
  let ports: { demo: number; sumdb: number; prometheus: number };
  let sumdbEnv: { env: Record<string, string>; args: string[] };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gomodprobe-prometheus-'));
    // Every lab server presents a leaf that ends in 7 days: inside the alert's 14.
    const pki = labPki();
    const soon = issue({ commonName: LAB_NAMES.proxy, sans: [LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage, LAB_NAMES.egress, '127.0.0.1'], keyType: 'ec', notAfter: new Date(Date.now() + 7 * 86_400_000) }, pki.intermediate);
    lab = await LabTarget.start({ pki: { ...pki, leaf: soon } });
    sumdbEnv = lab.writeInputs(join(dir, 'inputs'));
    ports = { demo: await reservedPort(), sumdb: await reservedPort(), prometheus: await reservedPort() };
    const rules = readFileSync(join(FLEET, 'alerts.yaml'), 'utf8').replace(/^(\s+for: )\S+$/gm, `$1${SHORT_FOR}`);
    expect(rules).toContain(`for: ${SHORT_FOR}`);
    expect(rules).not.toContain('for: 10m');
    demo = await startExporter(['--demo', '--interval', '1s', '--name', 'demo', '--listen', `127.0.0.1:${ports.demo}`]);
    sumdb = await startSumdbExporter(false);
    prometheus = new Prometheus(dir, ports.prometheus, [ports.demo, ports.sumdb], rules);
    await waitFor(`${prometheus.url}/-/ready`, 30_000);
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled([demo?.stop(), sumdb?.stop(), prometheus?.stop(), lab?.close()]);
    for (const held of heldPorts.splice(0)) held.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The exporter of the lab target; `healthy` false: GOSUMDB names the port where nothing listens. */
  function startSumdbExporter(healthy: boolean): Promise<Exporter> {
    const env: Record<string, string> = { ...sumdbEnv.env, GOMODPROBE_NAMESPACE: 'builds' };
    if (!healthy) env['GOSUMDB'] = env['GOSUMDB']!.replace(/:\d+$/, `:${lab.closedPort}`);
    return startExporter([...sumdbEnv.args, '--interval', '1s', '--name', 'sumdb', '--listen', `127.0.0.1:${ports.sumdb}`], env);
  }

  it('scrapes both exporters', async () => {
    const deadline = performance.now() + 20_000;
    let up: Awaited<ReturnType<Prometheus['query']>> = [];
    while (performance.now() < deadline) {
      up = await prometheus.query('up == 1');
      if (up.length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(up.map((s) => s.metric['instance']).sort()).toEqual([`127.0.0.1:${ports.demo}`, `127.0.0.1:${ports.sumdb}`].sort());
  });

  it('fires on the broken target: fetch would fail, checksum database unreachable, certificate expiring, no recent success; nothing on the healthy one', async () => {
    const alerts = await prometheus.until('the sumdb exporter\'s alerts fire', (a) =>
      ['GoModuleFetchWouldFail', 'GomodprobeChecksumDatabaseUnreachable', 'GomodprobeCertificateExpiresSoon', 'GomodprobeNoRecentSuccess'].every((n) => firing(a, n, 'sumdb')));
    const unreachable = alerts.find((a) => a.labels['alertname'] === 'GomodprobeChecksumDatabaseUnreachable')!;
    expect(unreachable.labels).toMatchObject({ namespace: 'builds', goproxy: LAB_NAMES.proxy, stage: 'sumdb', cause: 'sumdb.tcp.refused' });
    const hosts = alerts.filter((a) => a.labels['alertname'] === 'GomodprobeCertificateExpiresSoon').map((a) => a.labels['host']!.split(':')[0]);
    expect(hosts).toContain(LAB_NAMES.proxy);
    // The demo target's certificates have 30 days: no alert of any kind for it.
    expect(any(alerts, 'demo')).toEqual([]);
  });

  it('fires when the demo target breaks (restarted with --break proxy), and every dashboard query returns series', async () => {
    await demo.stop();
    demo = await startExporter(['--demo', '--break', 'proxy', '--interval', '1s', '--name', 'demo', '--listen', `127.0.0.1:${ports.demo}`]);
    const alerts = await prometheus.until('the demo exporter\'s alerts fire', (a) => firing(a, 'GoModuleFetchWouldFail', 'demo') && firing(a, 'GomodprobeNoRecentSuccess', 'demo'));
    expect(any(alerts, 'demo').filter((a) => a.labels['alertname'] === 'GomodprobeChecksumDatabaseUnreachable')).toEqual([]);

    // Both exporters failing now, the demo one passed before: every panel has something to show.
    for (const { panel, expr } of dashboardQueries()) {
      const result = await prometheus.query(expr);
      expect(result.length, `${panel}: ${expr}`).toBeGreaterThan(0);
    }
    const namespaces = await prometheus.api<string[]>(`/api/v1/label/namespace/values?match[]=gomodprobe_run_success`);
    expect(namespaces).toEqual(['builds']);
    const names = await prometheus.api<string[]>(`/api/v1/label/name/values?match[]=gomodprobe_run_success`);
    expect(names.sort()).toEqual(['demo', 'sumdb']);
  });

  it('resolves once the targets are healthy again; the expiring certificate stays alerted', async () => {
    await Promise.all([demo.stop(), sumdb.stop()]);
    [demo, sumdb] = await Promise.all([
      startExporter(['--demo', '--interval', '1s', '--name', 'demo', '--listen', `127.0.0.1:${ports.demo}`]),
      startSumdbExporter(true),
    ]);
    // (While an exporter restarts its series go stale and every alert of it ends: wait for the cert alert to be back.)
    const alerts = await prometheus.until('the alerts resolve', (a) =>
      any(a, 'demo').length === 0 &&
      firing(a, 'GomodprobeCertificateExpiresSoon', 'sumdb') &&
      any(a, 'sumdb').every((x) => x.labels['alertname'] === 'GomodprobeCertificateExpiresSoon'));
    expect(any(alerts, 'sumdb').map((x) => x.labels['alertname'])).not.toContain('GomodprobeChecksumDatabaseUnreachable');
    // The healthy sumdb exporter now reaches the checksum database: its certificate is on the path too.
    const hosts = (await prometheus.query('gomodprobe_cert_earliest_expiry_timestamp_seconds{name="sumdb"} - time() < 14 * 86400')).map((s) => s.metric['host']!.split(':')[0]);
    expect(hosts).toContain(LAB_NAMES.sum);
  });
});
