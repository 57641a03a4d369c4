// The go version model: the forms a build image's go is named by, the modelled range, the rules per
// version, and GODEBUG read as the go runtime reads it (runtime/runtime1.go parsegodebug).
import { describe, expect, it } from 'vitest';
import { fetchGodebugNotes, godebugValues, parseGodebug, removedGodebug } from '../../../src/goenv/godebug.js';
import { formatGoVersion, MODELLED_RANGE, NEWEST_MODELLED, parseGoVersion, rulesFor } from '../../../src/goenv/goversion.js';
import { parseOptions } from '../../../src/options.js';

const rules = (v: string) => rulesFor(parseGoVersion(v));

describe('parseGoVersion', () => {
  it.each([
    ['1.27', 27, undefined, 'go1.27.x'],
    ['1.27.3', 27, 3, 'go1.27.3'],
    ['go1.27.3', 27, 3, 'go1.27.3'],
    ['go1.21', 21, undefined, 'go1.21.x'],
    ['1.24.0', 24, 0, 'go1.24.0'],
    [' 1.23.5 ', 23, 5, 'go1.23.5'],
  ])('%s', (raw, minor, patch, shown) => {
    const v = parseGoVersion(raw);
    expect(v).toEqual({ major: 1, minor, patch });
    expect(formatGoVersion(v)).toBe(shown);
  });

  it.each(['1', '1.27.3.1', 'go1.27rc1', '2.0', '1.027', 'go 1.27', '1.27.', 'v1.27.3', ''])('rejects %j', (raw) => {
    expect(() => parseGoVersion(raw)).toThrow(/is not a go version/);
  });

  it.each(['1.20', 'go1.20.14', '1.28', '1.30.1', '1.0'])('%s is outside the modelled range, and says which range', (raw) => {
    expect(() => parseGoVersion(raw)).toThrow(`is outside the modelled range ${MODELLED_RANGE}`);
  });

  it('models go1.21 to go1.27', () => {
    expect(MODELLED_RANGE).toBe('go1.21–go1.27');
    expect(formatGoVersion(NEWEST_MODELLED)).toBe('go1.27.x');
  });
});

describe('rulesFor: what changes between versions', () => {
  it('GOAUTH and how credentials are matched (cmd/go/internal/auth/auth.go)', () => {
    expect([21, 23, 24, 26, 27].map((m) => [rules(`1.${m}`).goauth, rules(`1.${m}`).credentials])).toEqual([
      [false, 'netrc-host'], [false, 'netrc-host'], [true, 'prefix-host'], [true, 'prefix-host'], [true, 'prefix-path'],
    ]);
  });
  it('User-Agent: net/http default until go1.27 (cmd/go/internal/web/http.go)', () => {
    expect(rules('1.26').userAgent).toBe('Go-http-client/1.1');
    expect(rules('1.27.3').userAgent).toBe('GoCommand/1 (+https://go.dev/cmd/go)');
  });
  it('removed GODEBUG settings are fatal from go1.27 (internal/godebugs/table.go Removed)', () => {
    expect(rules('1.26').removedGodebugs).toEqual([]);
    expect(rules('1.27').removedGodebugs.map((r) => r.name)).toContain('tlskyber');
  });
  it('go-import subdirectory (1.25), strict colons in hosts (1.26), post-quantum key share (1.24)', () => {
    expect([rules('1.24').goImportSubdir, rules('1.25').goImportSubdir]).toEqual([false, true]);
    expect([rules('1.25').urlStrictColons, rules('1.26').urlStrictColons]).toEqual([false, true]);
    expect(rules('1.23').tlsKeyShares).toEqual(['x25519']);
    expect(rules('1.24').tlsKeyShares[0]).toBe('X25519MLKEM768');
  });
});

describe('GODEBUG as the runtime reads it', () => {
  it('fields left to right, without "=" ignored, nothing trimmed, the last value wins', () => {
    expect(parseGodebug('a=1,b,c=2=3,,a=4, d=5 ')).toEqual([
      { key: 'a', value: '1' }, { key: 'c', value: '2=3' }, { key: 'a', value: '4' }, { key: ' d', value: '5 ' },
    ]);
    expect(godebugValues('http2client=0,http2client=1').get('http2client')).toBe('1');
  });

  // Each expected text measured with go1.27.3: `GODEBUG=<value> go mod download` exits 2 with it.
  it.each([
    ['tlskyber=0', 'fatal error: removed GODEBUG "tlskyber" set to old value "0" in environment (https://go.dev/doc/godebug#go-124)'],
    ['x509sha1=1,tlskyber=0', 'fatal error: removed GODEBUG "x509sha1" set to old value "1" in environment (https://go.dev/doc/godebug#go-124)'],
    ['asynctimerchan=2', 'fatal error: removed GODEBUG "asynctimerchan" set to old value "2" in environment (https://go.dev/doc/godebug#go-127)'],
    ['foo,tlskyber=0', 'fatal error: removed GODEBUG "tlskyber" set to old value "0" in environment (https://go.dev/doc/godebug#go-124)'],
    ['http2client=0,tls3des=1', 'fatal error: removed GODEBUG "tls3des" set to old value "1" in environment (https://go.dev/doc/godebug#go-127)'],
  ])('go1.27 refuses GODEBUG=%s', (value, goError) => {
    expect(removedGodebug(value, rules('1.27.3'))?.goError).toBe(goError);
  });

  it.each(['tlskyber=1', 'tlskyber=0 ', 'x509sha1=0', 'asynctimerchan=0', 'http2client=0'])('go1.27 accepts GODEBUG=%j (measured)', (value) => {
    expect(removedGodebug(value, rules('1.27'))).toBeUndefined();
  });

  it('go1.24 accepts a removed setting at its old value (measured: GODEBUG=tlskyber=0 runs)', () => {
    expect(removedGodebug('tlskyber=0', rules('1.24.4'))).toBeUndefined();
  });

  it('notes the settings that change fetching, for the version they apply to', () => {
    expect(fetchGodebugNotes('tlsmlkem=0,http2client=0', rules('1.27'))).toEqual([
      'http2client=0: go1.27 speaks HTTP/1.1 to GOPROXY and the checksum database instead of HTTP/2',
      "tlsmlkem=0: go1.27 leaves the X25519MLKEM768 key share out of its ClientHello (a small hello, as go1.23's)",
    ]);
    expect(fetchGodebugNotes('tlsmlkem=0', rules('1.23'))).toEqual([]);
  });
});

describe('--go-version / GOMODPROBE_GO_VERSION', () => {
  const parse = (argv: string[], env: Record<string, string> = {}) => parseOptions({ argv, env, stdoutIsTTY: false, terminationLogExists: false });
  it('defaults to the newest modelled version', () => {
    expect(parse([]).goVersion).toEqual({ version: NEWEST_MODELLED, source: 'default' });
  });
  it('the flag wins over the variable, and each says where it came from', () => {
    expect(parse(['--go-version', 'go1.24.4'], { GOMODPROBE_GO_VERSION: '1.23' }).goVersion).toEqual({ version: { major: 1, minor: 24, patch: 4 }, source: '--go-version' });
    expect(parse([], { GOMODPROBE_GO_VERSION: '1.23' }).goVersion).toEqual({ version: { major: 1, minor: 23, patch: undefined }, source: 'GOMODPROBE_GO_VERSION' });
  });
  it('outside the range: one line naming the source and the range', () => {
    expect(() => parse(['--go-version=1.20'])).toThrow('--go-version: go1.20 is outside the modelled range go1.21–go1.27');
    expect(() => parse([], { GOMODPROBE_GO_VERSION: 'latest' })).toThrow('GOMODPROBE_GO_VERSION: "latest" is not a go version');
  });
});
