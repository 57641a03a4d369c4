// What the lab's module proxy behind Basic auth (auth.lab.test, on 443 and 8443) needs, and what the
// scenarios hand go and the probe to get past it: the nginx password file, GOAUTH commands (one that
// supplies the credentials, one that fails), and .netrc files with and without the port.

import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AUTH_ALT_PORT, HOST_NAMES, MODULE_PASSWORD, MODULE_USER } from './topology.js';

export interface LabCredentials {
  /** nginx auth_basic_user_file ({PLAIN} scheme: the lab's password is not a secret). */
  readonly htpasswd: string;
  /**
   * A GOAUTH command that prints credentials for https://auth.lab.test and https://auth.lab.test:8443
   * only when go passes it a URL (after a 401), as a credential helper that needs to see the request
   * does: so go ≥1.24 gets through only by running it again after the 4xx.
   */
  readonly goauthOk: string;
  /** A GOAUTH command that fails (exit 1, a message on stderr). */
  readonly goauthFails: string;
  /** .netrc with `machine auth.lab.test:8443`. */
  readonly netrcWithPort: string;
  /** .netrc with `machine auth.lab.test` only. */
  readonly netrcWithoutPort: string;
}

export function writeLabCredentials(dir: string): LabCredentials {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const file = (name: string, text: string, mode: number): string => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode });
    chmodSync(path, mode);
    return path;
  };
  const host = HOST_NAMES.auth;
  const basic = Buffer.from(`${MODULE_USER}:${MODULE_PASSWORD}`).toString('base64');
  return {
    htpasswd: file('htpasswd', `${MODULE_USER}:{PLAIN}${MODULE_PASSWORD}\n`, 0o644),
    goauthOk: file('goauth-ok.sh', [
      '#!/bin/sh',
      '# GOAUTH helper: credentials for the lab proxy, once go names the URL it needs them for.',
      '[ -n "$1" ] || exit 0',
      `printf 'https://${host}\\nhttps://${host}:${AUTH_ALT_PORT}\\n\\nAuthorization: Basic ${basic}\\n\\n'`,
      '',
    ].join('\n'), 0o755),
    goauthFails: file('goauth-fails.sh', '#!/bin/sh\necho "credential helper: not logged in" >&2\nexit 1\n', 0o755),
    netrcWithPort: file('netrc-with-port', `machine ${host}:${AUTH_ALT_PORT} login ${MODULE_USER} password ${MODULE_PASSWORD}\n`, 0o644),
    netrcWithoutPort: file('netrc-without-port', `machine ${host} login ${MODULE_USER} password ${MODULE_PASSWORD}\n`, 0o644),
  };
}
