// The secret values of a run, collected once so every output can be scrubbed of them: passwords in
// proxy and GOPROXY URLs, .netrc passwords. The reporter removes these (and their encoded forms).

import { parseNetrc } from './goenv/netrc.js';
import type { Options } from './options.js';

const URL_VARS = ['GOPROXY', 'GOSUMDB', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'GONOPROXY', 'GOPRIVATE'];

export function collectSecrets(options: Options, readFile: (path: string) => string | undefined): string[] {
  const secrets = new Set<string>();
  for (const name of URL_VARS) {
    const value = options.env[name];
    if (!value) continue;
    // Any user:password@ inside the value, whatever the list syntax around it.
    for (const m of value.matchAll(/\/\/([^/@\s,|]*)@/g)) {
      const userinfo = m[1]!;
      const colon = userinfo.indexOf(':');
      if (colon >= 0) {
        const password = userinfo.slice(colon + 1);
        if (password) {
          secrets.add(password);
          safeDecode(password, secrets);
        }
        secrets.add(userinfo);
      } else if (userinfo.length >= 8) {
        // A bare token used as the user name (https://TOKEN@host) is a secret too.
        secrets.add(userinfo);
      }
    }
  }
  const netrcPath = options.env['NETRC'] || (options.env['HOME'] ? `${options.env['HOME']}/.netrc` : undefined);
  const netrc = netrcPath ? readFile(netrcPath) : undefined;
  if (netrc) {
    for (const e of parseNetrc(netrc)) {
      if (e.password) secrets.add(e.password);
      if (e.login && e.password) secrets.add(`${e.login}:${e.password}`);
    }
  }
  return [...secrets].filter((s) => s.length >= 3);
}

function safeDecode(s: string, into: Set<string>): void {
  try {
    const d = decodeURIComponent(s);
    if (d !== s) into.add(d);
  } catch {
    // not percent-encoded
  }
}
