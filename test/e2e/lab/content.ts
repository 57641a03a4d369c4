// What the lab's servers serve, written as static files: the lab CA and server certificates (good and
// bad variants), a GOPROXY tree for lab.test/hello at several versions, and the checksum database's
// /lookup, /tile and /latest answers signed over that tree.

import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServerResponse } from 'node:http';
import { escapePath, escapeVersion } from '../../../src/goenv/module.js';
import { buildModule } from '../../../src/lab/modzip.js';
import { chainPem, issue, testPki, type CertSpec, type IssuedCert } from '../../../src/lab/pki.js';
import { der } from '../../../src/lab/der-writer.js';
import { SumdbFixture } from '../../../src/lab/sumdb-server.js';
import { generateKey } from '../../../src/sumdb/note.js';
import { newTiles, tilePath } from '../../../src/sumdb/tlog.js';
import { writeLabCredentials, type LabCredentials } from './credentials.js';
import { goCandidates } from './gos.js';
import { writeVanityModule } from './vanity.js';
import { writeGitProxyModules, writeLabGit, type LabGit } from './git.js';
import { writeLabGitSsh, type LabGitSsh } from './gitssh.js';
import { HOST_IPS, HOST_IPS6, HOST_NAMES, LAB_MODULE, LAB_VERSIONS } from './topology.js';

export interface ServerCert {
  readonly chainFile: string;
  readonly keyFile: string;
}

export interface LabContent {
  readonly dir: string;
  /** PEM of the lab root CA: what SSL_CERT_FILE points at in the pod. */
  readonly caFile: string;
  /** A directory with only the root CA in it, for SSL_CERT_DIR. */
  readonly caDir: string;
  readonly goproxyDir: string;
  readonly sumdbDir: string;
  readonly certs: {
    readonly good: ServerCert;
    readonly expired: ServerCert;
    readonly wrongName: ServerCert;
    readonly noIntermediate: ServerCert;
    /** Issued by an intermediate whose basicConstraints carry pathLenConstraint -1 (go 1.27 cannot parse it). */
    readonly negativePathLen: ServerCert;
    /** A leaf with a 512-bit RSA key (go 1.24+ refuses its handshake signature: crypto/rsa rsa1024min). */
    readonly weakRsa: ServerCert;
    /** Under an intermediate whose policyConstraints require an explicit policy the leaf lacks (go 1.24+ fails). */
    readonly requireExplicitPolicy: ServerCert;
    /** Under an intermediate with a 512-bit RSA key (go 1.24+ cannot verify the leaf's signature: rsa1024min). */
    readonly weakCa: ServerCert;
    /** A *.lab.test leaf under an intermediate that excludes dead.lab.test (go 1.27's constraints.go fails it). */
    readonly wildcardUnderExcluded: ServerCert;
    /** A leaf whose subject holds a BIT STRING attribute value (go ≤1.24 cannot parse it, go 1.27 can). */
    readonly nonStringAttribute: ServerCert;
    /** A leaf naming the same certificate policy twice (go 1.24+ cannot parse it). */
    readonly duplicatePolicy: ServerCert;
    /** 501 SANs under 500 excluded names: over go ≤1.24's 250,000 comparisons ("x509: unknown error"); go 1.27 has no limit. */
    readonly overConstraintBudget: ServerCert;
    /** A leaf whose subject holds a BMPString with a noncharacter (go 1.27 cannot parse it). */
    readonly bmpNoncharacter: ServerCert;
    /** A leaf with an IPv4-mapped IPv6 address among its SANs (go 1.27 cannot parse it). */
    readonly ipv4MappedSan: ServerCert;
  };
  /** The checksum database's verifier key (name sum.lab.test). */
  readonly sumdbKey: string;
  /** A well-formed key of the same name that did not sign the tree. */
  readonly wrongSumdbKey: string;
  readonly sumdbName: string;
  /** go.sum lines of every module version served. */
  readonly goSum: readonly string[];
  /** The extra modules asked for with `bulkModules` (each at v1.0.0), served and recorded like lab.test/hello. */
  readonly bulk: readonly { readonly path: string; readonly version: string }[];
  /** The proxy tree holding golang.org/toolchain (served under GOPROXY_PATHS.toolchain), when go 1.27 is installed. */
  readonly toolchainDir?: string;
  /**
   * The same toolchain module with one file changed (a valid module zip of the same size, ~8 MB, whose
   * h1: hash is not the one recorded in the checksum database): a tampering proxy or mirror.
   */
  readonly toolchainTamperedDir?: string;
  /** auth.lab.test's password file, GOAUTH commands and .netrc files. */
  readonly credentials: LabCredentials;
  /** The git server's repositories, password file and the HOMEs and credential store scenarios hand go and git. */
  readonly git: LabGit;
  /** The ssh git server (sshd on git.lab.test:22, same repositories) and the scenarios' HOMEs with ~/.ssh. */
  readonly gitSsh: LabGitSsh;
}

export interface LabContentOptions {
  /** Serve this many more modules, lab.test/bulk/mNNNN@v1.0.0 (the benchmark's --gomod runs); default 0. */
  readonly bulkModules?: number;
}

const MAX_BULK_MODULES = 10_000;

const SUMDB_NAME = HOST_NAMES.sum;

export function writeLabContent(dir: string, opts: LabContentOptions = {}): LabContent {
  const bulkCount = opts.bulkModules ?? 0;
  if (!Number.isInteger(bulkCount) || bulkCount < 0 || bulkCount > MAX_BULK_MODULES) throw new RangeError(`bulkModules must be 0..${MAX_BULK_MODULES}`);
  mkdirSync(dir, { recursive: true });
  // nginx workers and tinyproxy read these as an unprivileged user.
  chmodSync(dir, 0o755);
  // The IPv6 literals are IP SANs: a GOPROXY or a redirect may name the dual-stack hosts by address; so may
  // a GOPROXY name the module proxy by its IPv4 address (no-proxy-name-vs-ip).
  const pki = testPki([...Object.values(HOST_NAMES), HOST_IPS6.dual, HOST_IPS6.dualStorage, HOST_IPS.proxy]);

  const certDir = join(dir, 'certs');
  const writeCert = (name: string, chain: IssuedCert[], key: IssuedCert): ServerCert => {
    const chainFile = join(certDir, `${name}.chain.pem`);
    const keyFile = join(certDir, `${name}.key.pem`);
    writeText(chainFile, chainPem(...chain));
    writeText(keyFile, key.keyPem, 0o600);
    return { chainFile, keyFile };
  };
  // A CA whose pathLenConstraint is -1: go ≤1.24 reads it into an int (no constraint), go 1.27 into a uint
  // and fails the certificate (crypto/x509/parser.go parseBasicConstraintsExtension).
  const negativePathLenCert = (): ServerCert => {
    const ca = issue({ commonName: 'gomodprobe Test Intermediate CA (pathLen -1)', organization: 'gomodprobe test', keyType: 'ec', isCA: true, pathLen: -1 }, pki.root);
    const leaf = issue({ commonName: HOST_NAMES.pathlen, sans: [HOST_NAMES.pathlen] }, ca);
    return writeCert('pathlen', [leaf, ca], leaf);
  };
  // crypto/x509 by go version, each checked against go 1.23/1.24/1.27 in test/unit/tls/vectors/x509-go1.N.json too.
  const policiesExt = (...oids: string[]) => ({ oid: '2.5.29.32', critical: false, value: der.seq(...oids.map((o) => der.seq(der.oid(o)))) });
  const underIntermediate = (name: string, host: string, caSpec: Partial<CertSpec>, leafSpec: Partial<CertSpec> = {}): ServerCert => {
    const ca = issue({ commonName: `gomodprobe Test Intermediate CA (${name})`, organization: 'gomodprobe test', keyType: 'ec', isCA: true, ...caSpec }, pki.root);
    const leaf = issue({ commonName: host, sans: [host], ...leafSpec }, ca);
    return writeCert(name, [leaf, ca], leaf);
  };
  const certs = {
    good: writeCert('good', [pki.leaf, pki.intermediate], pki.leaf),
    expired: writeCert('expired', [pki.expiredLeaf, pki.intermediate], pki.expiredLeaf),
    wrongName: writeCert('wrongname', [pki.wrongNameLeaf, pki.intermediate], pki.wrongNameLeaf),
    noIntermediate: writeCert('nochain', [pki.leaf], pki.leaf),
    negativePathLen: negativePathLenCert(),
    weakRsa: (() => {
      const key = generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
      const leaf = issue({ commonName: HOST_NAMES.weakrsa, sans: [HOST_NAMES.weakrsa], keyType: 'rsa', keyPem: key }, pki.intermediate);
      return writeCert('weakrsa', [leaf, pki.intermediate], leaf);
    })(),
    // policyConstraints requireExplicitPolicy=0, not critical: go 1.23 ignores it; go 1.24+ (policiesValid) needs a policy in the leaf.
    requireExplicitPolicy: underIntermediate('policy', HOST_NAMES.policy, {
      extraExtensions: [{ oid: '2.5.29.36', critical: false, value: der.seq(der.ctx(0, false, Buffer.from([0]))) }],
    }),
    // The intermediate's 512-bit RSA key signed the (RSA-2048) leaf; served at OpenSSL's level 0.
    weakCa: underIntermediate('weakca', HOST_NAMES.weakca, {
      keyType: 'rsa',
      keyPem: generateKeyPairSync('rsa', { modulusLength: 512 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    }, { keyType: 'rsa' }),
    wildcardUnderExcluded: underIntermediate('ncwild', HOST_NAMES.ncwild, { nameConstraints: { excludedDNS: [HOST_NAMES.dead] } }, { sans: ['*.lab.test'] }),
    // serialNumber (2.5.4.5) as a BIT STRING: OpenSSL (nginx) takes it, go ≤1.24 says "unsupported string type: 3".
    nonStringAttribute: underIntermediate('anyattr', HOST_NAMES.anyattr, {}, { subjectRdns: [der.set(der.seq(der.oid('2.5.4.5'), der.bits(Buffer.from([0x2a]))))] }),
    duplicatePolicy: underIntermediate('duppolicy', HOST_NAMES.duppolicy, {}, { extraExtensions: [policiesExt('1.3.6.1.4.1.55555.7.1', '1.3.6.1.4.1.55555.7.1')] }),
    overConstraintBudget: underIntermediate('ncmany', HOST_NAMES.ncmany,
      { nameConstraints: { excludedDNS: Array.from({ length: 500 }, (_, i) => `x${i}.invalid`) } },
      { sans: [...Array.from({ length: 500 }, (_, i) => `n${i}.ncmany.lab.test`), HOST_NAMES.ncmany] }),
    // OU as a BMPString "A" + U+FDD0, a noncharacter: go ≤1.24 takes it, go 1.27 refuses it. (A lone surrogate
    // would do for go too, but OpenSSL then refuses to load the certificate into nginx.)
    bmpNoncharacter: underIntermediate('bmp', HOST_NAMES.bmp, {}, { subjectRdns: [der.set(der.seq(der.oid('2.5.4.11'), Buffer.from([0x1e, 0x04, 0x00, 0x41, 0xfd, 0xd0])))] }),
    ipv4MappedSan: underIntermediate('v4mapped', HOST_NAMES.v4mapped, {}, { sans: [HOST_NAMES.v4mapped, 'IP:::ffff:192.0.2.1'] }),
  };
  const caFile = join(certDir, 'lab-root-ca.pem');
  writeText(caFile, pki.root.certPem);
  // SSL_CERT_DIR form: a directory holding only the root (go parses every file in it).
  const caDir = join(certDir, 'ca-dir');
  writeText(join(caDir, 'lab-root-ca.pem'), pki.root.certPem);

  const goproxyDir = join(dir, 'www', 'goproxy');
  const sumdbDir = join(dir, 'www', 'sumdb');
  const sumdb = new SumdbFixture({ name: SUMDB_NAME });
  const goSum: string[] = [];
  const times = ['2024-01-02T03:04:05Z', '2024-06-01T00:00:00Z', '2025-01-15T12:00:00Z'];
  const modDir = join(goproxyDir, escapePath(LAB_MODULE), '@v');
  LAB_VERSIONS.forEach((version, i) => {
    const built = buildModule(LAB_MODULE, version, {
      'go.mod': `module ${LAB_MODULE}\n\ngo 1.21\n`,
      'hello.go': `// Package hello is the module the e2e lab serves.\npackage hello\n\n// Version is this release.\nconst Version = "${version}"\n`,
      'LICENSE': 'Lab test module, no rights reserved.\n',
    });
    const ev = escapeVersion(version);
    writeText(join(modDir, `${ev}.info`), JSON.stringify({ Version: version, Time: times[i] }));
    writeText(join(modDir, `${ev}.mod`), built.goMod);
    writeBytes(join(modDir, `${ev}.zip`), built.zip);
    sumdb.add(LAB_MODULE, version, built.zipHash, built.goModHash);
    goSum.push(`${LAB_MODULE} ${version} ${built.zipHash}`, `${LAB_MODULE} ${version}/go.mod ${built.goModHash}`);
  });
  writeText(join(modDir, 'list'), LAB_VERSIONS.map((v) => `${v}\n`).join(''));
  const last = LAB_VERSIONS.length - 1;
  writeText(join(goproxyDir, escapePath(LAB_MODULE), '@latest'), JSON.stringify({ Version: LAB_VERSIONS[last], Time: times[last] }));

  const bulk: { path: string; version: string }[] = [];
  for (let i = 1; i <= bulkCount; i++) {
    const path = `lab.test/bulk/m${String(i).padStart(4, '0')}`;
    const version = 'v1.0.0';
    const built = buildModule(path, version, {
      'go.mod': `module ${path}\n\ngo 1.21\n`,
      'bulk.go': `// Package m${i} is one of the benchmark's bulk modules.\npackage m${i}\n`,
    });
    const dirV = join(goproxyDir, escapePath(path), '@v');
    writeText(join(dirV, `${version}.info`), JSON.stringify({ Version: version, Time: times[0] }));
    writeText(join(dirV, `${version}.mod`), built.goMod);
    writeBytes(join(dirV, `${version}.zip`), built.zip);
    writeText(join(dirV, 'list'), `${version}\n`);
    sumdb.add(path, version, built.zipHash, built.goModHash);
    goSum.push(`${path} ${version} ${built.zipHash}`, `${path} ${version}/go.mod ${built.goModHash}`);
    bulk.push({ path, version });
  }

  writeVanityModule(goproxyDir);
  writeGitProxyModules(goproxyDir);
  const toolchainDir = writeToolchain(join(dir, 'www', 'toolchain'), sumdb);
  const toolchainTamperedDir = toolchainDir ? writeToolchain(join(dir, 'www', 'toolchain-tampered'), undefined) : undefined;

  // The checksum database as static files: every answer go (or the probe) may ask of this tree.
  const serve = (path: string): Buffer => {
    const res = new CapturedResponse();
    if (!sumdb.handle(path, res as unknown as ServerResponse) || res.status !== 200) {
      throw new Error(`sumdb fixture did not serve ${path}: ${res.status}`);
    }
    return res.body;
  };
  writeBytes(join(sumdbDir, 'latest'), serve('/latest'));
  const toolchain = toolchainDir ? [{ path: 'golang.org/toolchain', version: LAB_TOOLCHAIN_VERSION }] : [];
  for (const { path, version } of [...LAB_VERSIONS.map((version) => ({ path: LAB_MODULE, version })), ...bulk, ...toolchain]) {
    const key = `${escapePath(path)}@${escapeVersion(version)}`;
    writeBytes(join(sumdbDir, 'lookup', key), serve(`/lookup/${key}`));
  }
  for (const t of newTiles(8, 0, sumdb.size)) {
    writeBytes(join(sumdbDir, tilePath(t)), serve(`/${tilePath(t)}`));
    if (t.l === 0) {
      const data = { ...t, l: -1 };
      writeBytes(join(sumdbDir, tilePath(data)), serve(`/${tilePath(data)}`));
    }
  }

  return {
    dir,
    caFile,
    caDir,
    goproxyDir,
    sumdbDir,
    certs,
    sumdbKey: sumdb.verifierKey,
    wrongSumdbKey: generateKey(SUMDB_NAME).verifierKey,
    sumdbName: SUMDB_NAME,
    goSum,
    bulk,
    ...(toolchainDir ? { toolchainDir } : {}),
    ...(toolchainTamperedDir ? { toolchainTamperedDir } : {}),
    credentials: writeLabCredentials(join(dir, 'credentials')),
    git: writeLabGit(join(dir, 'git')),
    gitSsh: writeLabGitSsh(join(dir, 'git-ssh'), join(dir, 'git', 'repos')),
  };
}

/** The toolchain the lab serves when go.mod asks for go 1.27.3: go 1.23 and 1.24 switch to it. */
export const LAB_TOOLCHAIN_VERSION = 'v0.0.1-go1.27.3.linux-amd64';

/**
 * golang.org/toolchain@v0.0.1-go1.27.3.linux-amd64 made from the unpacked go 1.27 (its GOROOT), with
 * only what go's switch needs (measured with go 1.23.5 and 1.24.4: toolchain/select.go Exec stats
 * bin/go, walks pkg/tool, lib (1.24+) and bin/gofmt to set exec bits, then runs bin/go, which reads
 * go.env and VERSION): ~8 MB instead of a release's ~70 MB. Recorded in the lab's checksum database.
 * Undefined when go 1.27 is not installed (the e2e prerequisites say so under CI).
 * Without `sumdb`: the tampered copy, lib/README changed, recorded nowhere (go's hash check fails on it).
 */
function writeToolchain(dir: string, sumdb: SumdbFixture | undefined): string | undefined {
  const goroot = goCandidates(27, process.env).map((bin) => dirname(dirname(bin))).find((d) => existsSync(join(d, 'bin', 'go')));
  if (!goroot) return undefined;
  // Deflating 19 MB takes seconds: every lab of a run (and of later runs) reuses one build per go binary.
  const bin = statSync(join(goroot, 'bin', 'go'));
  const cache = join(tmpdir(), `gomodprobe-lab-toolchain-${bin.size}-${Math.round(bin.mtimeMs)}${sumdb ? '' : '-tampered'}`);
  let built: { zip: Buffer; zipHash: string; goModHash: string };
  if (existsSync(`${cache}.zip`) && existsSync(`${cache}.json`)) {
    built = { zip: readFileSync(`${cache}.zip`), ...(JSON.parse(readFileSync(`${cache}.json`, 'utf8')) as { zipHash: string; goModHash: string }) };
  } else {
    built = buildModule('golang.org/toolchain', LAB_TOOLCHAIN_VERSION, {
      'go.mod': 'module golang.org/toolchain\n',
      'bin/go': readFileSync(join(goroot, 'bin', 'go')),
      'bin/gofmt': readFileSync(join(goroot, 'bin', 'gofmt')),
      'go.env': readFileSync(join(goroot, 'go.env')),
      'VERSION': readFileSync(join(goroot, 'VERSION')),
      'pkg/tool/linux_amd64/README': 'The lab toolchain leaves the compiler and tools out: go mod download needs none.\n',
      'lib/README': sumdb ? 'The lab toolchain.\n' : 'The lab toolchain, changed on the way.\n',
    });
    // Written under a temporary name, then renamed: parallel labs never read half a file.
    const tmp = `${cache}.${process.pid}`;
    writeFileSync(`${tmp}.zip`, built.zip);
    writeFileSync(`${tmp}.json`, JSON.stringify({ zipHash: built.zipHash, goModHash: built.goModHash }));
    renameSync(`${tmp}.zip`, `${cache}.zip`);
    renameSync(`${tmp}.json`, `${cache}.json`);
  }
  writeBytes(join(dir, 'golang.org', 'toolchain', '@v', `${LAB_TOOLCHAIN_VERSION}.zip`), built.zip);
  sumdb?.add('golang.org/toolchain', LAB_TOOLCHAIN_VERSION, built.zipHash, built.goModHash);
  return dir;
}

class CapturedResponse {
  status = 0;
  body = Buffer.alloc(0);
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  end(chunk?: Uint8Array | string): this {
    if (chunk !== undefined) this.body = Buffer.from(chunk);
    return this;
  }
}

function writeText(path: string, text: string, mode = 0o644): void {
  writeBytes(path, Buffer.from(text, 'utf8'), mode);
}

function writeBytes(path: string, data: Uint8Array, mode = 0o644): void {
  mkdirParents(dirname(path));
  writeFileSync(path, data, { mode });
  chmodSync(path, mode);
}

function mkdirParents(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o755 });
}
