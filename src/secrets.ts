// The secret values of a run, collected once so every output can be scrubbed of them: passwords in
// proxy and GOPROXY URLs (set in the environment or with `go env -w`), .netrc passwords. The reporter
// removes these (and their encoded forms).

import { readGoEnv, type GoEnvName } from './goenv/env.js';
import type { InputFiles } from './inputfile.js';
import { parseNetrc } from './goenv/netrc.js';
import type { Options } from './options.js';

/** Go variables whose values may hold URLs with credentials; the `go env -w` file counts too. */
const GO_URL_VARS: readonly GoEnvName[] = ['GOPROXY', 'GOSUMDB', 'GONOPROXY', 'GOPRIVATE'];
const PROXY_VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'];

/** Reads (through `inputs`, which the config stage reads from next) the go env files and .netrc. */
export async function collectSecrets(options: Options, inputs: InputFiles): Promise<string[]> {
  const secrets = new Set<string>();
  // [value, how its URLs are separated]: GOPROXY-like lists by , | (and spaces), GOSUMDB's key and URL by
  // spaces, a proxy variable is one URL (its password may hold a comma).
  const values: [string, RegExp][] = [];
  const split = (name: string): RegExp => (name === 'GOSUMDB' ? /\s+/ : /[\s,|]+/);
  let netrcPath = options.env['NETRC'] || (options.env['HOME'] ? `${options.env['HOME']}/.netrc` : undefined);
  try {
    const goEnv = await inputs.run('go env file', (read) => readGoEnv(options.env, read));
    for (const name of GO_URL_VARS) values.push([goEnv.vars[name].value, split(name)]);
    if (goEnv.vars.NETRC.value) netrcPath = goEnv.vars.NETRC.value;
  } catch {
    // An env file the parser refuses: the config stage reports it; the raw values are still scanned.
  }
  for (const name of GO_URL_VARS) values.push([options.env[name] ?? '', split(name)]);
  for (const name of PROXY_VARS) values.push([(options.env[name] ?? '').trim(), /$^/]);
  for (const [value, separator] of values) {
    for (const part of value.split(separator)) {
      if (part.includes('@')) userinfoSecrets(part, secrets);
    }
  }
  // A .netrc the reader refuses (a FIFO, too large) is the config stage's to report; nothing is sent from it.
  const netrc = netrcPath ? await inputs.load(netrcPath, '.netrc').then((r) => ('text' in r ? r.text : undefined)) : undefined;
  for (const e of netrc ? parseNetrc(netrc) : []) {
    if (e.password) secrets.add(e.password);
    if (e.login && e.password) secrets.add(`${e.login}:${e.password}`);
  }
  return [...secrets].filter((s) => s.length >= 3);
}

/** The user info of one URL, split as url.Parse splits it (the authority's last '@', the first ':'). */
function userinfoSecrets(raw: string, into: Set<string>): void {
  const withScheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) ? raw : `http://${raw.replace(/^\/\//, '')}`;
  const rest = withScheme.slice(withScheme.indexOf('//') + 2);
  const authority = rest.split(/[/?#]/, 1)[0] ?? '';
  const at = authority.lastIndexOf('@');
  if (at <= 0) return;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon >= 0) {
    const password = userinfo.slice(colon + 1);
    if (password) {
      into.add(password);
      safeDecode(password, into);
    }
    into.add(userinfo);
    safeDecode(userinfo, into);
  } else if (userinfo.length >= 8) {
    // A bare token used as the user name (https://TOKEN@host) is a secret too.
    into.add(userinfo);
    safeDecode(userinfo, into);
  }
}

function safeDecode(s: string, into: Set<string>): void {
  try {
    const d = decodeURIComponent(s);
    if (d !== s) into.add(d);
  } catch {
    // not percent-encoded
  }
}
