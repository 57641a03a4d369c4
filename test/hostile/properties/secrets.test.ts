// Properties of secret collection (src/secrets.ts) feeding the reporter's scrubber: a password put in any
// channel go reads credentials from, in any spelling go accepts, never survives scrubbing in any of the
// forms it takes on the wire or in text (raw, URL-escaped, base64 in a Basic header, JSON-escaped).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputFiles, overlayInputFs, type InputFs } from '../../../src/inputfile.js';
import { parseOptions } from '../../../src/options.js';
import { createScrubber } from '../../../src/report/redact.js';
import { collectSecrets } from '../../../src/secrets.js';

const noFiles = (): undefined => undefined;

function options(env: Record<string, string>) {
  return parseOptions({ argv: [], env, stdoutIsTTY: false, terminationLogExists: false });
}

/** Go's url escaping of user info (net/url shouldEscape in encodeUserPassword mode). */
function goUserinfoEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-_.~$&+,;=]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const user = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
// Passwords with the characters that break naive patterns: @ : / % , | and non-ASCII.
const password = fc.string({ unit: fc.constantFrom(...'abcXYZ019@:/%,|!$&\'()*+;=~-_. é€'.split('')), minLength: 4, maxLength: 24 })
  .filter((p) => /[A-Za-z0-9]/.test(p) && p.trim() === p);

type Channel = 'GOPROXY-first' | 'GOPROXY-second' | 'GOSUMDB' | 'HTTPS_PROXY' | 'HTTPS_PROXY-no-scheme' | 'http_proxy' | 'NETRC';

function place(channel: Channel, u: string, p: string): { env: Record<string, string>; files: Record<string, string> } {
  const escaped = `${u}:${goUserinfoEscape(p)}`;
  // GOPROXY is split on ',' and '|' before any URL is parsed: there they must be escaped to be part of a password.
  const listSafe = escaped.replace(/,/g, '%2C').replace(/\|/g, '%7C');
  switch (channel) {
    case 'GOPROXY-first':
      return { env: { GOPROXY: `https://${listSafe}@proxy.example/base,direct` }, files: {} };
    case 'GOPROXY-second':
      return { env: { GOPROXY: `https://proxy.example|https://${listSafe}@mirror.example:8443/go,off` }, files: {} };
    case 'GOSUMDB':
      return { env: { GOSUMDB: `sum.example.com+abcdef01+AAAA https://${escaped}@sum.example.com/db` }, files: {} };
    case 'HTTPS_PROXY':
      return { env: { HTTPS_PROXY: `http://${escaped}@egress.example:3128` }, files: {} };
    case 'HTTPS_PROXY-no-scheme':
      return { env: { HTTPS_PROXY: `${escaped}@egress.example:3128` }, files: {} };
    case 'http_proxy':
      return { env: { http_proxy: `https://${escaped}@egress.example` }, files: {} };
    case 'NETRC':
      // .netrc tokens are whitespace-separated: no spaces in the password there.
      return { env: { NETRC: '/virtual/netrc' }, files: { '/virtual/netrc': `machine proxy.example login ${u} password ${p.replace(/\s/g, 'x')}\n` } };
  }
}

describe('collectSecrets + the scrubber', () => {
  it('remove a password from every channel in every form', async () => {
    const channel = fc.constantFrom<Channel>('GOPROXY-first', 'GOPROXY-second', 'GOSUMDB', 'HTTPS_PROXY', 'HTTPS_PROXY-no-scheme', 'http_proxy', 'NETRC');
    await fc.assert(
      fc.asyncProperty(user, password, channel, async (u, rawPass, ch) => {
        const p = ch === 'NETRC' ? rawPass.replace(/\s/g, 'x') : rawPass;
        const { env, files } = place(ch, u, p);
        const secrets = await collectSecrets(options(env), new InputFiles(overlayInputFs(files)));
        const scrub = createScrubber(secrets);
        const basic = Buffer.from(`${u}:${p}`).toString('base64');
        const texts = [
          `proxy says: ${p}`,
          `Authorization: Basic ${basic}`,
          `{"detail":"echo ${basic} and ${encodeURIComponent(p)}"}`,
          JSON.stringify({ v: p }),
          `GET https://${u}:${goUserinfoEscape(p)}@proxy.example/x failed`,
          Object.values(env).join(' '),
        ];
        for (const t of texts) {
          const out = scrub(t);
          expect(out.includes(p), `${ch}: ${JSON.stringify(t)} -> ${JSON.stringify(out)}`).toBe(false);
          expect(out.includes(basic)).toBe(false);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('never throws, whatever the environment and .netrc hold', async () => {
    const any = fc.string({ maxLength: 60 });
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom('GOPROXY', 'GOSUMDB', 'GONOPROXY', 'GOPRIVATE', 'HTTPS_PROXY', 'http_proxy', 'NETRC', 'HOME', 'GOENV'), any, { maxKeys: 5 }), any, async (env, netrc) => {
        const o = parseOptions({ argv: [], env: {}, stdoutIsTTY: false, terminationLogExists: false });
        // Every path reads as this .netrc text.
        const everyPath: InputFs = { ...overlayInputFs({}), readFile: async () => Buffer.from(netrc) };
        const secrets = await collectSecrets({ ...o, env }, new InputFiles(everyPath));
        for (const s of secrets) expect(s.length).toBeGreaterThanOrEqual(3);
      }),
      { numRuns: 1500 },
    );
  });

  it('redact the credential parameters of any presigned URL, keeping the names and the expiry', () => {
    const token = fc.stringMatching(/^[A-Za-z0-9%/+=._~-]{8,40}$/).filter((t) => !/^[0-9]+$/.test(t));
    const name = fc.constantFrom('X-Amz-Signature', 'X-Amz-Security-Token', 'X-Amz-Credential', 'X-Goog-Signature', 'X-Goog-Credential', 'sig', 'Signature', 'access_token', 'token', 'api_key', 'Policy');
    fc.assert(
      fc.property(name, token, fc.constantFrom('"', "'", ' ', '\n', '<', ''), (param, value, after) => {
        const url = `https://bucket.example/k.zip?X-Amz-Date=20240101T000000Z&${param}=${value}&X-Amz-Expires=300`;
        const out = createScrubber([])(`Location: ${url}${after}`);
        expect(out).not.toContain(value);
        expect(out).toContain(`${param}=[REDACTED]`);
        expect(out).toContain('X-Amz-Expires=300');
        expect(out).toContain('X-Amz-Date=20240101T000000Z');
      }),
      { numRuns: 1000 },
    );
  });

  it('collect credentials set with `go env -w` (the GOENV file), not only the process environment', async () => {
    const files: Record<string, string> = { '/cfg/go/env': 'GOPROXY=https://fileuser:file-Secret-55@proxy.example\n' };
    const secrets = await collectSecrets(options({ GOENV: '/cfg/go/env' }), new InputFiles(overlayInputFs(files)));
    expect(createScrubber(secrets)('the proxy echoed file-Secret-55')).not.toContain('file-Secret-55');
  });
});
