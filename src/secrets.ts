// The secret values of a run, collected once so every output can be scrubbed of them: passwords in
// proxy and GOPROXY URLs (set in the environment or with `go env -w`), .netrc passwords. The reporter
// removes these (and their encoded forms).

import { readGoEnv, type GoEnvName } from './goenv/env.js';
import type { InputFiles } from './inputfile.js';
import { parseNetrc } from './goenv/netrc.js';
import { readGitConfig } from './goenv/gitconfig.js';
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
  await gitSecrets(options, inputs, secrets);
  return [...secrets].filter((s) => s.length >= 3);
}

/**
 * What the git hop may hold (stages/githttps.ts): passwords in URLs of git's configuration (insteadOf
 * rewrites), http.extraHeader values, the store helper's files, and $HOME/.netrc, which git's libcurl
 * reads even when go's $NETRC points elsewhere.
 */
async function gitSecrets(options: Options, inputs: InputFiles, secrets: Set<string>): Promise<void> {
  let entries: readonly { key: string; value: string | null }[] = [];
  try {
    entries = (await readGitConfig(options.env, inputs.fs)).entries;
  } catch {
    // The git hop reports a configuration it cannot read.
  }
  const home = options.env['HOME'];
  const files = new Set<string>(home ? [`${home}/.git-credentials`, `${home}/.netrc`] : []);
  if (options.env['XDG_CONFIG_HOME']) files.add(`${options.env['XDG_CONFIG_HOME']}/git/credentials`);
  for (const e of entries) {
    if (e.value === null) continue;
    if (e.key.startsWith('url.')) {
      userinfoSecrets(e.key.slice('url.'.length, e.key.lastIndexOf('.')), secrets);
      userinfoSecrets(e.value, secrets);
    } else if (e.key.startsWith('http.') && e.key.endsWith('.extraheader')) {
      const colon = e.value.indexOf(':');
      const value = colon >= 0 ? e.value.slice(colon + 1).trim() : e.value.trim();
      if (value.length >= 8) secrets.add(value);
      // "Authorization: Basic <b64>" / "Bearer <token>": the credential after the scheme too.
      const token = value.split(/\s+/).at(-1) ?? '';
      if (token.length >= 8) secrets.add(token);
    } else if (e.key.startsWith('credential.') && e.key.endsWith('.helper')) {
      const file = /--file[= ]\s*(\S+)/.exec(e.value)?.[1];
      if (file) files.add(file.startsWith('~/') && home ? home + file.slice(1) : file);
    }
  }
  for (const file of files) {
    const r = await inputs.load(file, file.endsWith('.netrc') ? '.netrc' : 'git credentials');
    if (!('text' in r)) continue;
    if (file.endsWith('.netrc')) {
      for (const e of parseNetrc(r.text)) {
        if (e.password) secrets.add(e.password);
        if (e.login && e.password) secrets.add(`${e.login}:${e.password}`);
      }
      continue;
    }
    for (const line of r.text.split('\n')) if (line.includes('@')) userinfoSecrets(line.trim(), secrets);
  }
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
