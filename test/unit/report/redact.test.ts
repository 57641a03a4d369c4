import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createScrubber, isSensitiveKey, redactUrlCredentials, REDACTED, scrubDeep } from '../../../src/report/redact.js';

describe('redactUrlCredentials', () => {
  it('masks URL passwords like Go url.URL.Redacted, keeping the user', () => {
    expect(redactUrlCredentials('proxy http://alice:s3cret@proxy.corp:3128 failed')).toBe(
      'proxy http://alice:xxxxx@proxy.corp:3128 failed',
    );
    expect(redactUrlCredentials('socks5://u:p@h:1080')).toBe('socks5://u:xxxxx@h:1080');
    // Go: an empty password is still a password (Password() reports it as set).
    expect(redactUrlCredentials('http://u:@h')).toBe('http://u:xxxxx@h');
    // No password, no change (a bare user is not redacted by Go either).
    expect(redactUrlCredentials('https://token@h/x')).toBe('https://token@h/x');
  });

  it('takes the password up to the last @ of the authority, as url.Parse does', () => {
    expect(redactUrlCredentials('http://u:p@ss@host/path@x')).toBe('http://u:xxxxx@host/path@x');
  });

  it('never runs a password past the end of a quoted string', () => {
    const json = JSON.stringify({ a: 'http://u:p@h', b: 'c@d' });
    const out = redactUrlCredentials(json);
    expect(JSON.parse(out)).toEqual({ a: 'http://u:xxxxx@h', b: 'c@d' });
  });

  it('redacts Authorization and Proxy-Authorization values in header and JSON form', () => {
    expect(redactUrlCredentials('Proxy-Authorization: Basic dXNlcjpwYXNz\r\nHost: x')).toBe(
      `Proxy-Authorization: ${REDACTED}\r\nHost: x`,
    );
    const json = JSON.stringify({ headers: { Authorization: 'Bearer abc.def.ghi', authorization: 'token xyz' } });
    expect(JSON.parse(redactUrlCredentials(json))).toEqual({ headers: { Authorization: REDACTED, authorization: REDACTED } });
    // A non-string value is left alone rather than turned into invalid JSON.
    expect(JSON.parse(redactUrlCredentials('{"authorization":null}'))).toEqual({ authorization: null });
  });

  it('redacts Basic/Bearer tokens but not prose', () => {
    expect(redactUrlCredentials('sent Bearer eyJhbGciOiJIUzI1NiJ9.e30.x1 to it')).toBe(`sent ${REDACTED} to it`);
    expect(redactUrlCredentials('header Basic YWxpY2U6czNjcjN0 seen')).toBe(`header ${REDACTED} seen`);
    expect(redactUrlCredentials('the proxy wants Basic authentication')).toBe('the proxy wants Basic authentication');
    expect(redactUrlCredentials('WWW-Authenticate: Basic realm="x"')).toBe('WWW-Authenticate: Basic realm="x"');
  });

  it('keeps any JSON document parseable', () => {
    const piece = fc.constantFrom(
      'authorization', 'Proxy-Authorization', ':', '=', ' ', '"', "'", '\\', 'http://', 'u', 'p', '@', 'Basic ',
      'Bearer ', 'dXNlcjpwYXNzd29yZA==', '/', '\n', ',', '{', '[', 'x',
    );
    const text = fc.string({ unit: piece, maxLength: 30 });
    const doc = fc.dictionary(text, fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.constant(null)), { maxKeys: 4 });
    fc.assert(
      fc.property(doc, (value) => {
        JSON.parse(redactUrlCredentials(JSON.stringify(value)));
      }),
      { numRuns: 500 },
    );
  });
});

describe('createScrubber', () => {
  it('replaces a secret in every form it takes on the wire', () => {
    const scrub = createScrubber(['alice:p@ss w/rd"x']);
    const secret = 'alice:p@ss w/rd"x';
    const forms = [
      secret,
      encodeURIComponent(secret),
      JSON.stringify(secret).slice(1, -1),
      Buffer.from(secret).toString('base64'),
      'alice:p%40ss%20w%2Frd%22x', // Go's userinfo escaping
    ];
    for (const form of forms) {
      const out = scrub(`before ${form} after`);
      expect(out).toBe(`before ${REDACTED} after`);
    }
  });

  it('covers the Basic header of a user:pass secret', () => {
    const scrub = createScrubber(['bob:hunter2']);
    const header = `Basic ${Buffer.from('bob:hunter2').toString('base64')}`;
    expect(scrub(`x-forwarded ${header}`)).not.toContain(Buffer.from('bob:hunter2').toString('base64'));
  });

  it('replaces longer secrets whole when one contains another', () => {
    const scrub = createScrubber(['abc', 'abcdef']);
    expect(scrub('abcdef abc')).toBe(`${REDACTED} ${REDACTED}`);
  });

  it('ignores secrets shorter than 3 characters and non-strings', () => {
    const scrub = createScrubber(['ab', '', undefined as unknown as string]);
    expect(scrub('ab cd')).toBe('ab cd');
  });

  it('also applies the URL and header rules', () => {
    expect(createScrubber([])('https://x:y@h')).toBe('https://x:xxxxx@h');
  });

  it('never lets a known secret through, whatever surrounds it', () => {
    const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split('')), minLength: 3, maxLength: 20 });
    // Surroundings without letters or digits cannot spell the secret themselves.
    const other = fc.string({ unit: fc.constantFrom(...[...' :/@%"\\\'=,;{}[]\n\t+-.~é€😀']), maxLength: 20 });
    fc.assert(
      fc.property(alnum, other, other, (secret, left, right) => {
        expect(createScrubber([secret])(`${left}${secret}${right}${secret}`)).not.toContain(secret);
      }),
      { numRuns: 300 },
    );
  });
});

describe('scrubDeep', () => {
  const scrub = createScrubber(['topsecret']);

  it('scrubs strings and keys at any depth and redacts sensitive keys', () => {
    const out = scrubDeep(
      {
        a: { b: [{ c: 'has topsecret inside' }] },
        'topsecret-key': 1,
        Proxy_Authorization: 'Basic x',
        password: 'pw',
        netrc: { machine: 'h' },
        token: null,
        hasPassword: true,
      },
      scrub,
    );
    expect(out).toEqual({
      a: { b: [{ c: `has ${REDACTED} inside` }] },
      [`${REDACTED}-key`]: 1,
      Proxy_Authorization: REDACTED,
      password: REDACTED,
      netrc: REDACTED,
      token: null,
      hasPassword: true,
    });
    expect(isSensitiveKey('pass')).toBe(false);
  });

  it('returns JSON-safe data: cycles, errors, bigints, buffers, undefined', () => {
    const cyclic: Record<string, unknown> = { n: 1n, e: new Error('boom topsecret'), u: undefined, buf: Buffer.from('abc') };
    cyclic.self = cyclic;
    const out = scrubDeep(cyclic, scrub) as Record<string, unknown>;
    expect(out).toEqual({ n: '1', e: { name: 'Error', message: `boom ${REDACTED}` }, buf: '[3 bytes]', self: '[Circular]' });
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('is bounded in depth', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { d: deep };
    expect(JSON.stringify(scrubDeep(deep, scrub, { maxDepth: 10, maxNodes: 1000 }))).toContain('[Truncated]');
  });
});
