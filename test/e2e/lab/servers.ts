// The lab's real servers, from Debian packages, configured for the services namespace: dnsmasq as the
// cluster DNS, nginx as GOPROXY / checksum database / object store / Location-cutting middlebox (TLS with
// the lab CA and its bad variants), tinyproxy as the HTTPS_PROXY egress proxy (open, and a 407 variant).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabContent } from './content.js';
import { vanityPage } from './vanity.js';
import { gitNginxServers } from './git.js';
import { AUTH_ALT_PORT, EGRESS_PASSWORD, EGRESS_PROXY_PORT, EGRESS_USER, HOST_IPS, HOST_IPS6, HOST_NAMES, type LabHost } from './topology.js';

export const GOPROXY_PATHS = Object.freeze({
  /** The tree with the checksum database mounted at /sumdb/sum.lab.test/ and .zip redirected to storage. */
  good: '',
  /** The same tree, but /sumdb/<name>/supported answers 404, so go talks to sum.lab.test directly. */
  noSumdb: '/nosumdb',
  /** The tree plus golang.org/toolchain (a go 1.27.3 toolchain module), .zip served without redirect; sumdb direct. */
  toolchain: '/toolchain',
  /** The tree, but golang.org/toolchain answers 410 Gone (a proxy that refuses toolchains). */
  toolchainGone: '/tc410',
  /** The tree plus golang.org/toolchain, its .zip redirected to storage.lab.test (which serves it); sumdb direct. */
  toolchainRedirect: '/tcredir',
  /** The tree plus a tampered golang.org/toolchain zip (not the one the checksum database recorded); sumdb direct. */
  toolchainTampered: '/tctamper',
  /** Every module request answers 404. */
  notFound: '/p404',
  /** Every module request answers 500. */
  serverError: '/p500',
  /** A captive portal: 200 with an HTML login page. */
  html: '/html',
  /** .zip redirects to http://storage.lab.test (https -> http). */
  httpRedirect: '/httpredir',
  /** On dual.lab.test: .zip redirects to the storage host's IPv6 literal, https://[2001:db8:1::52]/bucket/…; sumdb served. */
  ipv6LiteralRedirect: '/v6lit',
});

/** The object-store URL the .zip redirect points at, with a presigned-looking query. */
const STORAGE_QUERY = '?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=300&X-Amz-Signature=0123456789abcdef';

export function dnsmasqConf(opts: { readonly logFile: string }): string {
  const v6 = HOST_IPS6 as Readonly<Partial<Record<LabHost, string>>>;
  // An AAAA record beside the A record for the hosts that have an IPv6 address.
  const records = (Object.keys(HOST_NAMES) as Exclude<LabHost, 'dns'>[]).map((h) => `host-record=${HOST_NAMES[h]},${HOST_IPS[h]}${v6[h] ? `,${v6[h]}` : ''}`);
  return [
    '# The cluster DNS of the lab: answers the lab names, NXDOMAIN for the rest of lab.test and cluster.local.',
    'no-resolv',
    'no-hosts',
    'no-poll',
    `listen-address=${HOST_IPS.dns},${HOST_IPS6.dns}`,
    'bind-dynamic',
    'local=/lab.test/',
    'local=/cluster.local/',
    'local-ttl=30',
    ...records,
    'log-queries',
    `log-facility=${opts.logFile}`,
    '',
  ].join('\n');
}

export interface NginxConfOptions {
  readonly content: LabContent;
  readonly runDir: string;
}

export function nginxConf({ content, runDir }: NginxConfOptions): string {
  const c = content.certs;
  const www = content.goproxyDir;
  const sumdb = content.sumdbDir;
  const tls = (cert: { chainFile: string; keyFile: string }): string =>
    `ssl_certificate ${cert.chainFile};\n    ssl_certificate_key ${cert.keyFile};`;
  const p = GOPROXY_PATHS;
  const mod = 'lab\\.test/.+';
  // The module proxy protocol as static files, reused by every proxy host; .zip redirects to `storage`.
  const goproxyLocations = (storage: string): string => `
    rewrite ^${p.httpRedirect}/(${mod}\\.zip)$ http://${storage}/bucket/$1 redirect;
    rewrite ^(?:${p.noSumdb})?/(${mod}\\.zip)$ https://${storage}/bucket/$1${STORAGE_QUERY} redirect;
    location = /sumdb/${content.sumdbName}/supported { return 200 ""; }
    location ^~ /sumdb/${content.sumdbName}/ { alias ${sumdb}/; }
    location ^~ ${p.noSumdb}/sumdb/ { return 404 "not found\\n"; }
    location ^~ ${p.noSumdb}/ { alias ${www}/; }
    location ^~ ${p.httpRedirect}/ { alias ${www}/; }
${content.toolchainDir ? `    location ^~ ${p.toolchain}/golang.org/toolchain/ { alias ${content.toolchainDir}/golang.org/toolchain/; }
    location ^~ ${p.toolchain}/ { alias ${www}/; }
    rewrite ^${p.toolchainRedirect}/(golang\\.org/toolchain/@v/.+\\.zip)$ https://${storage}/bucket/$1${STORAGE_QUERY} redirect;
    location ^~ ${p.toolchainRedirect}/ { alias ${www}/; }
` : ''}${content.toolchainTamperedDir ? `    location ^~ ${p.toolchainTampered}/golang.org/toolchain/ { alias ${content.toolchainTamperedDir}/golang.org/toolchain/; }
    location ^~ ${p.toolchainTampered}/ { alias ${www}/; }
` : ''}    location ^~ ${p.toolchainGone}/golang.org/toolchain/ { return 410 "gone: this proxy does not serve toolchains\\n"; }
    location ^~ ${p.toolchainGone}/ { alias ${www}/; }
    location ^~ ${p.notFound}/ { return 404 "not found: the lab proxy does not have this module\\n"; }
    location ^~ ${p.serverError}/ { return 500 "internal error: the lab proxy is broken\\n"; }
    location ^~ ${p.html}/ {
      default_type text/html;
      return 200 "<!DOCTYPE html><html><head><title>Sign in</title></head><body><h1>Network login required</h1></body></html>";
    }
    location / { root ${www}; }`;
  // The dual-stack proxy's extra tree: the same module proxy, its .zip redirected to an IPv6-literal URL.
  const ipv6LiteralLocations = `
    rewrite ^${p.ipv6LiteralRedirect}/(${mod}\\.zip)$ https://[${HOST_IPS6.dualStorage}]/bucket/$1${STORAGE_QUERY} redirect;
    location = ${p.ipv6LiteralRedirect}/sumdb/${content.sumdbName}/supported { return 200 ""; }
    location ^~ ${p.ipv6LiteralRedirect}/sumdb/${content.sumdbName}/ { alias ${sumdb}/; }
    location ^~ ${p.ipv6LiteralRedirect}/ { alias ${www}/; }`;
  const v6 = HOST_IPS6 as Readonly<Partial<Record<LabHost, string>>>;
  const server = (host: LabHost, cert: { chainFile: string; keyFile: string }, body: string): string => `
  server {
    listen ${HOST_IPS[host]}:443 ssl;${v6[host] ? `\n    listen [${v6[host]}]:443 ssl;` : ''}
    server_name ${host === 'dns' ? '_' : HOST_NAMES[host]};
    ${tls(cert)}
${body}
  }`;
  return `# The lab's HTTPS servers; one address per host so a policy can drop exactly one of them.
daemon off;
master_process on;
worker_processes 1;
pid ${join(runDir, 'nginx.pid')};
error_log ${join(runDir, 'nginx-error.log')} info;
events { worker_connections 256; }
http {
  access_log ${join(runDir, 'nginx-access.log')};
  client_body_temp_path ${join(runDir, 'body')};
  proxy_temp_path ${join(runDir, 'proxy')};
  fastcgi_temp_path ${join(runDir, 'fastcgi')};
  uwsgi_temp_path ${join(runDir, 'uwsgi')};
  scgi_temp_path ${join(runDir, 'scgi')};
  default_type application/octet-stream;
  types { application/json info; text/plain mod list; application/zip zip; }
  sendfile off;
  keepalive_timeout 30s;
  ssl_protocols TLSv1.2 TLSv1.3;
${server('proxy', c.good, goproxyLocations(HOST_NAMES.storage))}
${server('expired', c.expired, goproxyLocations(HOST_NAMES.storage))}
${server('wrongname', c.wrongName, goproxyLocations(HOST_NAMES.storage))}
${server('nochain', c.noIntermediate, goproxyLocations(HOST_NAMES.storage))}
${server('pathlen', c.negativePathLen, goproxyLocations(HOST_NAMES.storage))}
${server('weakrsa', c.weakRsa, `    # A 512-bit RSA leaf: TLS 1.2 with PKCS#1 v1.5 signatures only (RSA-PSS needs a bigger key), at OpenSSL's level 0.
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0;
${goproxyLocations(HOST_NAMES.storage)}`)}
${server('policy', c.requireExplicitPolicy, goproxyLocations(HOST_NAMES.storage))}
${server('weakca', c.weakCa, `    # An intermediate with a 512-bit RSA key in the chain: OpenSSL's level 0 lets nginx serve it.
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0;
${goproxyLocations(HOST_NAMES.storage)}`)}
${server('ncwild', c.wildcardUnderExcluded, goproxyLocations(HOST_NAMES.storage))}
${server('anyattr', c.nonStringAttribute, goproxyLocations(HOST_NAMES.storage))}
${server('duppolicy', c.duplicatePolicy, goproxyLocations(HOST_NAMES.storage))}
${server('ncmany', c.overConstraintBudget, goproxyLocations(HOST_NAMES.storage))}
${server('bmp', c.bmpNoncharacter, goproxyLocations(HOST_NAMES.storage))}
${server('v4mapped', c.ipv4MappedSan, goproxyLocations(HOST_NAMES.storage))}
${server('sha1', c.good, `    # TLS 1.2 only, the key exchange signed with SHA-1 only (an old appliance or a proxy pinned to legacy
    # settings): go ≤1.24 connects, go 1.25+ offers no SHA-1 signature and gets handshake_failure.
    ssl_protocols TLSv1.2;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0;
    ssl_conf_command SignatureAlgorithms RSA+SHA1;
${goproxyLocations(HOST_NAMES.storage)}`)}
${server('dual', c.good, `${ipv6LiteralLocations}\n${goproxyLocations(HOST_NAMES.dualStorage)}`)}
${server('dualStorage', c.good, `    location ^~ /bucket/ { alias ${www}/; }\n    location / { return 404 "NoSuchKey\\n"; }`)}
${server('sum', c.good, `    root ${sumdb};`)}
${server('storage', c.good, `${content.toolchainDir ? `    location ^~ /bucket/golang.org/toolchain/ { alias ${content.toolchainDir}/golang.org/toolchain/; }\n` : ''}    location ^~ /bucket/ { alias ${www}/; }\n    location / { return 404 "NoSuchKey\\n"; }`)}
  server {
    listen ${HOST_IPS.storage}:80;
    server_name ${HOST_NAMES.storage};
    location ^~ /bucket/ { alias ${www}/; }
    location / { return 404 "NoSuchKey\\n"; }
  }
  server {
    # The module proxy behind Basic auth, on 443 and on another port (for host:port .netrc matching).
    listen ${HOST_IPS.auth}:443 ssl;
    listen ${HOST_IPS.auth}:${AUTH_ALT_PORT} ssl;
    server_name ${HOST_NAMES.auth};
    ${tls(c.good)}
    auth_basic "lab modules";
    auth_basic_user_file ${content.credentials.htpasswd};
${goproxyLocations(HOST_NAMES.storage)}
  }
${server('vanity', c.good, `    location / { default_type text/html; return 200 '${vanityPage()}'; }`)}
${gitNginxServers(content.git, c.good, join(runDir, 'fcgiwrap.sock'))}
${server('mbox', c.good, `
    # A middlebox (a registry mirror or an inspecting proxy) that cuts every Location to its path.
    # absolute_redirect off: else nginx would put its own scheme and host back in front of the path.
    absolute_redirect off;
    location / {
      proxy_pass https://${HOST_IPS.proxy};
      proxy_set_header Host ${HOST_NAMES.proxy};
      proxy_ssl_server_name on;
      proxy_ssl_name ${HOST_NAMES.proxy};
      proxy_redirect ~^https?://[^/]+(/.*)$ $1;
    }`)}
}
`;
}

export interface TinyproxyConfOptions {
  readonly listen: string;
  readonly runDir: string;
  readonly name: string;
  /** Require Basic proxy credentials: every request without them gets 407. */
  readonly auth: boolean;
}

export function tinyproxyConf(o: TinyproxyConfOptions): string {
  return [
    `# The lab's egress proxy (${o.name}): CONNECT to 443 only, like a corporate egress proxy.`,
    `Port ${EGRESS_PROXY_PORT}`,
    `Listen ${o.listen}`,
    'Timeout 30',
    'MaxClients 64',
    'Allow 198.18.0.0/15',
    'Allow 2001:db8::/32',
    'ConnectPort 443',
    'DisableViaHeader Yes',
    'LogLevel Info',
    `LogFile "${join(o.runDir, `${o.name}.log`)}"`,
    `PidFile "${join(o.runDir, `${o.name}.pid`)}"`,
    ...(o.auth ? [`BasicAuth ${EGRESS_USER} ${EGRESS_PASSWORD}`] : []),
    '',
  ].join('\n');
}

export function writeConf(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o644 });
  return path;
}
