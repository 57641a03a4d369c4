// GOAUTH and .netrc credentials per go version (cmd/go/internal/auth/auth.go, userauth.go, gitauth.go):
// which header goes with which URL, when GOAUTH commands run, and go's texts for a GOAUTH it refuses.
// The commands are real shell scripts run by the real runner.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authCommandRunner, GoAuth, GoAuthError, parseGoAuth, parseUserAuth } from '../../../src/goenv/goauth.js';
import { parseGoVersion, rulesFor } from '../../../src/goenv/goversion.js';
import type { NetrcEntry } from '../../../src/goenv/netrc.js';

const dir = mkdtempSync(join(tmpdir(), 'gmp-goauth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rules = (v: string) => rulesFor(parseGoVersion(v));
const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
const script = (name: string, body: string): string => {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
};
const run = authCommandRunner(5000);
const NETRC: NetrcEntry[] = [
  { machine: 'proxy.example', login: 'first', password: 'p1' },
  { machine: 'proxy.example', login: 'second', password: 'p2' },
  { machine: 'alt.example:8443', login: 'alt', password: 'p3' },
];

describe('parseGoAuth: GOAUTH as go1.24+ reads it, with its errors', () => {
  const isDir = (p: string) => (p === '/repo' ? true : p === '/file' ? false : undefined);
  it('methods in go\'s order (reversed: the first listed wins)', () => {
    expect(parseGoAuth('netrc; git /repo ;my-helper --flag "a b"', isDir)).toEqual([
      { kind: 'command', command: 'my-helper --flag "a b"' },
      { kind: 'git', dir: '/repo' },
      { kind: 'netrc' },
    ]);
    expect(parseGoAuth('off', isDir)).toEqual([{ kind: 'off' }]);
  });
  it.each([
    ['netrc;', 'go: GOAUTH encountered an empty command (GOAUTH=netrc;)'],
    ['off;netrc', 'go: GOAUTH=off cannot be combined with other authentication commands (GOAUTH=off;netrc)'],
    ['git', 'go: GOAUTH=git dir method requires an absolute path to the git working directory'],
    ['git repo', 'go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not absolute'],
    ['git /file', 'go: GOAUTH=git dir method requires an absolute path to the git working directory, dir is not a directory'],
    ['git /missing', 'go: GOAUTH=git encountered an error; cannot stat /missing: stat /missing: no such file or directory'],
  ])('GOAUTH=%j', (value, goError) => {
    let err: unknown;
    try {
      parseGoAuth(value, isDir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GoAuthError);
    expect((err as GoAuthError).goError).toBe(goError);
  });
});

describe('parseUserAuth: what a GOAUTH command prints', () => {
  it('URL lines, an empty line, header lines, an empty line; prefixes without https://', () => {
    const m = parseUserAuth('https://a.example\nhttps://b.example/x\n\nAuthorization: Bearer t\nx-extra: 1\n\n');
    expect([...m.keys()]).toEqual(['a.example', 'b.example/x']);
    expect(Object.fromEntries(m.get('a.example')!)).toEqual({ Authorization: ['Bearer t'], 'X-Extra': ['1'] });
    expect(parseUserAuth('').size).toBe(0);
  });
  it.each([
    ['https://a.example\n\nAuthorization: x\n', 'invalid format: missing empty line after headers'],
    ['https://a.example', 'invalid format: missing empty line after URLs'],
    ['https://a.example\n\nno colon\n\n', 'invalid format: invalid header line'],
    ['a.example\n\n\n', 'could not parse URL a.example'],
  ])('%j', (text, message) => {
    expect(() => parseUserAuth(text)).toThrow(message);
  });
});

describe('GoAuth: the header sent with a request, by go version', () => {
  it('go1.23: .netrc only, the first machine equal to the host as written, no retry', async () => {
    const auth = new GoAuth(rules('1.23'), [], NETRC, run);
    expect(await auth.initial('https://proxy.example/m/@v/list')).toEqual({ authorization: basic('first', 'p1') });
    expect(await auth.initial('https://proxy.example:443/m/@v/list')).toEqual({});
    expect(await auth.initial('https://alt.example:8443/m')).toEqual({ authorization: basic('alt', 'p3') });
    expect(await auth.initial('https://alt.example/m')).toEqual({});
    expect(auth.retriesAfterClientError).toBe(false);
  });

  it('go1.24: netrc machines are prefixes: the whole URL, then host[:port]', async () => {
    const auth = new GoAuth(rules('1.24'), [{ kind: 'netrc' }], [...NETRC, { machine: 'deep.example/a', login: 'deep', password: 'p4' }], run);
    expect(await auth.initial('https://proxy.example/m/@v/list')).toEqual({ authorization: basic('first', 'p1') });
    expect(await auth.initial('https://alt.example:8443/m')).toEqual({ authorization: basic('alt', 'p3') });
    expect(await auth.initial('https://alt.example/m')).toEqual({});
    // 1.24 does not walk up the path: deep.example/a is not a prefix it tries for deep.example/a/b.
    expect(await auth.initial('https://deep.example/a/b')).toEqual({});
    expect(auth.retriesAfterClientError).toBe(true);
  });

  it('go1.27: the lookup walks up the path', async () => {
    const auth = new GoAuth(rules('1.27'), [{ kind: 'netrc' }], [{ machine: 'deep.example/a', login: 'deep', password: 'p4' }], run);
    expect(await auth.initial('https://deep.example/a/b/c')).toEqual({ authorization: basic('deep', 'p4') });
    expect(await auth.initial('https://deep.example/b')).toEqual({});
  });

  it('a command runs once before the first request, and with the URL and the response after a 4xx', async () => {
    const log = join(dir, 'calls.log');
    const helper = script('helper.sh', [
      `echo "args=$*" >> ${log}`,
      `cat >> ${log}`,
      '[ -n "$1" ] || exit 0',
      "printf 'https://proxy.example/private\\n\\nAuthorization: Bearer tok\\n\\n'",
    ].join('\n'));
    const auth = new GoAuth(rules('1.27.3'), parseGoAuth(helper, () => undefined), [], run);
    expect(await auth.initial('https://proxy.example/private/m/@v/list')).toEqual({});
    expect(await auth.initial('https://proxy.example/other')).toEqual({});
    const again = await auth.afterClientError('https://proxy.example/private/m/@v/list', { statusLine: '401 Unauthorized', headers: { 'www-authenticate': 'Basic realm="x"' } });
    expect(again).toEqual({ authorization: 'Bearer tok' });
    expect(readFileSync(log, 'utf8')).toBe('args=\nargs=https://proxy.example/private/m/@v/list\nHTTP/1.1 401 Unauthorized\nWww-Authenticate: Basic realm="x"\n\n');
    // Stored under the prefix it named: later requests below it get the header at once.
    expect(await auth.initial('https://proxy.example/private/n/@v/list')).toEqual({ authorization: 'Bearer tok' });
    expect(auth.problems).toEqual([]);
  });

  it('a command that fails or prints garbage: no credentials, and a problem that names the command, not its output', async () => {
    const fails = script('fails.sh', 'echo "secret-token-in-stderr" >&2; exit 3');
    const garbage = script('garbage.sh', 'echo not-a-url');
    const auth = new GoAuth(rules('1.24'), parseGoAuth(`${fails};${garbage};"unterminated`, () => undefined), [], run);
    expect(await auth.afterClientError('https://proxy.example/m', { statusLine: '403 Forbidden', headers: {} })).toEqual({});
    expect(auth.problems.join('\n')).toContain(`GOAUTH=${fails}: could not run command ${fails}: exit status 3`);
    expect(auth.problems.join('\n')).toContain(`cannot parse output of GOAUTH command ${garbage}`);
    expect(auth.problems.join('\n')).toContain('cannot parse GOAUTH command "unterminated: unterminated " string');
    expect(auth.problems.join('\n')).not.toContain('secret-token');
  });

  it('GOAUTH=off: nothing, and no retry', async () => {
    const auth = new GoAuth(rules('1.24'), [{ kind: 'off' }], NETRC, run);
    expect(await auth.initial('https://proxy.example/m')).toEqual({});
    expect(auth.retriesAfterClientError).toBe(false);
  });

  it('credentials only for https', async () => {
    const auth = new GoAuth(rules('1.23'), [], NETRC, run);
    expect(await auth.initial('http://proxy.example/m')).toEqual({});
  });
});
