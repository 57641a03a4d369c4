// The lab target: cluster DNS, a TLS GOPROXY with a module tree, a signed checksum database, an object
// store behind the zip redirect, and optionally an egress proxy, all on loopback. One fixture for the
// integration tests, the hostile suite, the benchmark and `gomodprobe demo`.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StageName } from '../causes.js';
import { ClosedPort } from './closed-port.js';
import { DnsFixture } from './dns-server.js';
import { ForwardProxyFixture } from './forward-proxy.js';
import { GoproxyFixture, type LabModule } from './goproxy.js';
import { buildModule } from './modzip.js';
import { testPki, type TestPki, type IssuedCert } from './pki.js';
import { serveHttp } from './serve.js';
import { StorageFixture } from './storage.js';
import { SumdbFixture } from './sumdb-server.js';

export const LAB_NAMES = Object.freeze({
  proxy: 'proxy.lab.test',
  sum: 'sum.lab.test',
  storage: 'storage.lab.test',
  egress: 'egress.lab.test',
});

export const LAB_MODULE = 'lab.test/hello';

export interface LabTargetOptions {
  /** How many extra modules to serve (lab.test/m0 ... for scale runs). */
  readonly extraModules?: number;
  /** Serve the checksum database through the proxy (/sumdb/<name>/supported = 200), or only directly. */
  readonly sumdbVia?: 'proxy' | 'direct';
  /** Redirect .zip to the object store (default true). */
  readonly zipRedirect?: boolean;
  /** Start an HTTP CONNECT proxy for HTTPS_PROXY cases. */
  readonly forwardProxy?: boolean;
  /** Reuse a PKI (RSA keys are slow to make). */
  readonly pki?: TestPki;
  /**
   * Versions of golang.org/toolchain to serve (v0.0.1-go1.27.3.linux-amd64), recorded in the checksum
   * database: small stand-ins with the layout's bin/go, for the probe's toolchain check (not runnable).
   */
  readonly toolchains?: readonly string[];
}

export interface InputChanges {
  readonly files?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly modules?: readonly string[];
}

export interface ProbeInputs {
  /** File contents by path: resolv.conf, hosts, nsswitch.conf, the CA bundle. */
  readonly files: Readonly<Record<string, string>>;
  /** The Go environment that points go (and the probe) at the lab. */
  readonly env: Readonly<Record<string, string>>;
  /** Flags that point the probe's resolver at the lab DNS. */
  readonly args: readonly string[];
}

let sharedPki: TestPki | undefined;

/** The lab's PKI, made once per process (RSA keys are slow): every LabTarget of a test file can share it. */
export function labPki(): TestPki {
  sharedPki ??= testPki([LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage, LAB_NAMES.egress, '127.0.0.1']);
  return sharedPki;
}

export class LabTarget {
  readonly pki: TestPki;
  readonly modules: LabModule[];
  dns!: DnsFixture;
  goproxy!: GoproxyFixture;
  sumdb!: SumdbFixture;
  sumdbServer!: Server;
  storage!: StorageFixture;
  forwardProxy: ForwardProxyFixture | undefined;
  /** A TLS server presenting a certificate from an untrusted, inspection-looking CA (for the tls break). */
  interceptor!: Server;
  /** A port where nothing listens, held for the life of the lab (for the tcp break). */
  closedPort = 0;
  #closedPortHold: ClosedPort | undefined;
  /** Set by break(): replaces GOPROXY or adds variables. */
  envOverrides: Record<string, string> = {};
  /**
   * Set by breakAt('toolchain'): the probe gets a go.mod asking for go 1.27.3 and is told the build image
   * runs go 1.24.4, so go would switch and download golang.org/toolchain, which this GOPROXY does not serve.
   */
  toolchainBreak = false;
  /** close() of each TLS server listenTls started. */
  readonly #closers: (() => Promise<void>)[] = [];

  private constructor(pki: TestPki, modules: LabModule[]) {
    this.pki = pki;
    this.modules = modules;
  }

  static async start(opts: LabTargetOptions = {}): Promise<LabTarget> {
    const pki = opts.pki ?? testPki([LAB_NAMES.proxy, LAB_NAMES.sum, LAB_NAMES.storage, LAB_NAMES.egress, '127.0.0.1']);
    const modules: LabModule[] = [];
    const add = (path: string, version: string, time: string): void => {
      modules.push({ path, version, time, built: buildModule(path, version, { 'go.mod': `module ${path}\n\ngo 1.21\n`, 'hello.go': `package hello\n\n// Version is the release of this lab module.\nconst Version = "${version}"\n` }) });
    };
    add(LAB_MODULE, 'v1.0.0', '2024-01-02T03:04:05Z');
    add(LAB_MODULE, 'v1.1.0', '2024-06-01T00:00:00Z');
    add('lab.test/Upper', 'v1.0.0-RC1', '2024-02-02T00:00:00Z');
    for (let i = 0; i < (opts.extraModules ?? 0); i++) add(`lab.test/m${i}`, 'v1.0.0', '2024-03-03T00:00:00Z');
    for (const v of opts.toolchains ?? []) {
      modules.push({ path: 'golang.org/toolchain', version: v, time: '2026-11-01T00:00:00Z',
        built: buildModule('golang.org/toolchain', v, { 'go.mod': 'module golang.org/toolchain\n', 'bin/go': '#!/bin/sh\n', 'VERSION': `${v.split('-')[1]!.replace(/\.[a-z0-9]+$/, '')}\n` }) });
    }

    const lab = new LabTarget(pki, modules);
    const tls = { cert: pki.leaf.certPem + pki.intermediate.certPem, key: pki.leaf.keyPem };

    lab.sumdb = new SumdbFixture({ name: LAB_NAMES.sum });
    for (const m of modules) lab.sumdb.add(m.path, m.version, m.built.zipHash, m.built.goModHash);

    lab.goproxy = await GoproxyFixture.start({
      modules,
      tls,
      ...(opts.sumdbVia === 'direct' ? {} : { sumdb: lab.sumdb }),
    });
    lab.storage = await StorageFixture.start({ tls, objects: (key) => lab.goproxy.zipOf(key) });
    if (opts.zipRedirect !== false) {
      lab.goproxy.zipLocation = (escaped) => lab.storage.objectURL(LAB_NAMES.storage, escaped);
    }
    lab.sumdbServer = await lab.listenTls(tls, (path, res) => {
      if (!lab.sumdb.handle(path, res)) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    const proxyLeaf: IssuedCert = pki.proxyLeaf;
    lab.interceptor = await lab.listenTls({ cert: proxyLeaf.certPem, key: proxyLeaf.keyPem }, (_path, res) => {
      res.writeHead(200);
      res.end('intercepted');
    });
    lab.#closedPortHold = await ClosedPort.hold();
    lab.closedPort = lab.#closedPortHold.port;
    if (opts.forwardProxy) {
      lab.forwardProxy = await ForwardProxyFixture.start({ resolve: (h) => (Object.values(LAB_NAMES).includes(h as never) ? '127.0.0.1' : undefined) });
    }
    lab.dns = await DnsFixture.start({
      zone: Object.fromEntries(Object.values(LAB_NAMES).map((n) => [n, { a: ['127.0.0.1'], ttl: 30 }])),
      defaultBehaviour: 'nxdomain',
    });
    return lab;
  }

  private async listenTls(tls: { cert: string; key: string }, handle: (path: string, res: ServerResponse) => void): Promise<Server> {
    const serving = await serveHttp({ tls }, (req, res) => handle((req.url ?? '/').split('?')[0]!, res));
    this.#closers.push(serving.close);
    return serving.server;
  }

  get proxyURL(): string {
    return this.goproxy.url(LAB_NAMES.proxy);
  }

  get sumdbURL(): string {
    return `https://${LAB_NAMES.sum}:${(this.sumdbServer.address() as AddressInfo).port}`;
  }

  /** Everything the probe (or go) needs to talk to the lab; paths are virtual until written by the caller. */
  inputs(dir: string): ProbeInputs {
    const ca = this.pki.root.certPem;
    const files: Record<string, string> = {
      [`${dir}/resolv.conf`]: `# lab cluster DNS\nnameserver ${this.dns.host}\nsearch default.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5 timeout:1 attempts:2\n`,
      [`${dir}/hosts`]: '127.0.0.1 localhost\n',
      [`${dir}/nsswitch.conf`]: 'hosts: files dns\n',
      [`${dir}/ca.pem`]: ca,
      [`${dir}/certs/.keep`]: '',
    };
    const env: Record<string, string> = {
      GOPROXY: this.proxyURL,
      GOSUMDB: `${this.sumdb.verifierKey} ${this.sumdbURL}`,
      GONOSUMDB: '',
      GOPRIVATE: '',
      GOFLAGS: '',
      GOENV: 'off',
      SSL_CERT_FILE: `${dir}/ca.pem`,
      SSL_CERT_DIR: `${dir}/certs`,
      HOME: dir,
      ...this.envOverrides,
    };
    const args = [
      '--resolv-conf', `${dir}/resolv.conf`,
      '--hosts-file', `${dir}/hosts`,
      '--nsswitch', `${dir}/nsswitch.conf`,
      '--dns-port', String(this.dns.port),
      '--module', `${LAB_MODULE}@v1.1.0`,
    ];
    if (this.toolchainBreak) {
      files[`${dir}/go.mod`] = `module example.com/app\n\ngo 1.27.3\n\nrequire ${LAB_MODULE} v1.1.0\n`;
      args.push('--gomod', `${dir}/go.mod`, '--go-version', '1.24.4', '--go-platform', 'linux/amd64');
      env['GOTOOLCHAIN'] = 'auto';
    }
    return { files, env, args };
  }

  /**
   * Writes the inputs into `dir` for a probe run, with a test's changes: extra or replaced files (paths
   * relative to dir), env variables to set or (undefined) remove, and the module list. "{dir}" in a
   * value stands for the directory. Returns the env and flags to run the probe with.
   */
  writeInputs(dir: string, changes: InputChanges = {}): { env: Record<string, string>; args: string[] } {
    const inputs = this.inputs(dir);
    const files: Record<string, string> = { ...inputs.files };
    for (const [rel, text] of Object.entries(changes.files ?? {})) files[join(dir, rel)] = text.replaceAll('{dir}', dir);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    const env: Record<string, string> = { ...inputs.env };
    for (const [k, v] of Object.entries(changes.env ?? {})) {
      if (v === undefined) delete env[k];
      else env[k] = v.replaceAll('{dir}', dir);
    }
    const args = [...inputs.args];
    if (changes.modules) {
      args.splice(args.indexOf('--module'), 2);
      for (const m of changes.modules) args.push('--module', m);
    }
    return { env, args };
  }

  /** Break the lab at one stage, the way it breaks in real clusters. */
  breakAt(stage: Exclude<StageName, 'config'> | 'toolchain'): string {
    switch (stage) {
      case 'toolchain':
        this.toolchainBreak = true;
        return 'go.mod says go 1.27.3, the build image runs go 1.24.4, and the GOPROXY does not serve golang.org/toolchain';
      case 'dns':
        this.dns.set(LAB_NAMES.proxy, { behaviour: 'nxdomain' });
        return `the cluster DNS answers NXDOMAIN for ${LAB_NAMES.proxy}`;
      case 'tcp':
        this.envOverrides.GOPROXY = `https://${LAB_NAMES.proxy}:${this.closedPort}`;
        return `GOPROXY points at ${LAB_NAMES.proxy}:${this.closedPort}, where nothing listens`;
      case 'tls':
        this.envOverrides.GOPROXY = `https://${LAB_NAMES.proxy}:${(this.interceptor.address() as AddressInfo).port}`;
        return 'a TLS-inspecting proxy re-signs the GOPROXY certificate with a CA the pod does not trust';
      case 'proxy':
        this.goproxy.faults = { html: true };
        return 'a captive portal answers the GOPROXY requests with an HTML login page';
      case 'sumdb':
        this.sumdb.faults = { wrongKey: true };
        return 'the checksum database signs with a key other than the one in GOSUMDB';
      case 'redirect':
        this.goproxy.zipLocation = (escaped) => `https://${LAB_NAMES.storage}:${this.closedPort}/bucket/${escaped}`;
        return `the .zip redirect leads to ${LAB_NAMES.storage}:${this.closedPort}, which egress does not allow`;
    }
  }

  /** Undo every fault, override and DNS change, and forget the request logs: one lab serves many tests. */
  reset(): void {
    this.goproxy.faults = {};
    this.storage.faults = {};
    this.sumdb.faults = {};
    if (this.forwardProxy) this.forwardProxy.faults = {};
    this.envOverrides = {};
    this.toolchainBreak = false;
    this.goproxy.zipLocation = (escaped) => this.storage.objectURL(LAB_NAMES.storage, escaped);
    for (const name of Object.values(LAB_NAMES)) this.dns.set(name, { a: ['127.0.0.1'], ttl: 30 });
    // The origin of the lab modules (what `direct` dials) does not resolve unless a test says so.
    this.dns.set('lab.test', { behaviour: 'nxdomain' });
    this.forgetRequests();
  }

  /** Empty the servers' request logs (a long-running `serve --demo` would otherwise keep every run's). */
  forgetRequests(): void {
    this.dns.queries.length = 0;
    this.goproxy.requests.length = 0;
    this.goproxy.rawRequests.length = 0;
    this.goproxy.userAgents.length = 0;
    this.storage.requests.length = 0;
    this.forwardProxy?.requests.splice(0);
  }

  async close(): Promise<void> {
    this.#closedPortHold?.close();
    await Promise.allSettled([
      this.dns?.close(),
      this.goproxy?.close(),
      this.storage?.close(),
      this.forwardProxy?.close(),
      ...this.#closers.map((close) => close()),
    ]);
  }
}
