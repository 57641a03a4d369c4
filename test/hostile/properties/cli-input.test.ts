// Properties of the CLI boundary: durations (src/duration.ts) and argv/env parsing (src/options.ts).
// Whatever a pod spec or a shell hands over, the probe either runs or says in one clean line what is
// wrong: never a throw of another kind, never a control character or a 100 KB value echoed back.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../../src/duration.js';
import { InputError, ParseError } from '../../../src/errors.js';
import { FLAGS, parseOptions } from '../../../src/options.js';

const DAY_MS = 24 * 3_600_000;

describe('parseDuration', () => {
  it('never throws anything but ParseError, and what it accepts is a finite 0..24h', () => {
    const alphabet = fc.constantFrom(...'0123456789.hmsuµn +-e_x'.split(''), 'ms', 'us', 'ns', 'µs', 'Infinity', 'NaN');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: alphabet, maxLength: 30 }), fc.string({ maxLength: 80 })), (text) => {
        try {
          const ms = parseDuration(text);
          expect(Number.isFinite(ms)).toBe(true);
          expect(ms).toBeGreaterThanOrEqual(0);
          expect(ms).toBeLessThanOrEqual(DAY_MS);
        } catch (err) {
          expect(err).toBeInstanceOf(ParseError);
          expect((err as ParseError).code).toBe('duration.invalid');
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips Go-style renderings (1h2m3s, 1500ms, 0.5s) of any whole-millisecond duration up to 24h', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: DAY_MS }), fc.constantFrom('hms', 'ms', 's'), (ms, style) => {
        let text: string;
        if (style === 'ms') text = `${ms}ms`;
        else if (style === 's') text = `${ms / 1000}s`;
        else {
          const h = Math.floor(ms / 3_600_000);
          const m = Math.floor((ms % 3_600_000) / 60_000);
          const s = (ms % 60_000) / 1000;
          text = `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
        }
        expect(parseDuration(text)).toBe(ms);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects a bare number with a hint that names the unit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1_000_000 }), (n) => {
        expect(() => parseDuration(String(n))).toThrow(`write e.g. ${n}s`);
      }),
    );
  });
});

describe('parseOptions', () => {
  const flagNames = FLAGS.map((f) => f.name);
  const nasty = fc.constantFrom('', ' ', '=', '-', '--', '\n', '\r', '\u0000', '\u001b[31m', '\u007f', 'é', '😀', ',', '@', ':', '1s', '0', 'pass', 'fail:tls', 'x'.repeat(70_000));
  const value = fc.oneof(fc.string({ maxLength: 20 }), nasty);
  const arg = fc.oneof(
    value,
    fc.constantFrom(...flagNames).map((n) => `--${n}`),
    fc.tuple(fc.constantFrom(...flagNames), value).map(([n, v]) => `--${n}=${v}`),
    fc.tuple(fc.constantFrom(...flagNames), value).map(([n, v]) => `-${n}=${v}`),
  );
  const envName = fc.constantFrom(...FLAGS.flatMap((f) => (f.env ? [f.env] : [])), 'GOPROXY', 'NO_COLOR', 'HTTPS_PROXY');
  const env = fc.dictionary(envName, value, { maxKeys: 4 });

  it('never throws anything but InputError, whose message is one clean line that names its source', () => {
    fc.assert(
      fc.property(fc.array(arg, { maxLength: 6 }), env, fc.boolean(), (argv, environment, tty) => {
        try {
          const o = parseOptions({ argv, env: environment, stdoutIsTTY: tty, terminationLogExists: false });
          expect(Object.isFrozen(o)).toBe(true);
          expect(o.timeoutMs).toBeGreaterThan(0);
          expect(o.deadlineMs).toBeGreaterThan(0);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          const e = err as InputError;
          expect(e.message.startsWith(`${e.source}: `)).toBe(true);
          // eslint-disable-next-line no-control-regex
          expect(e.message).not.toMatch(/[\u0000-\u001f\u007f]/);
          expect(e.message.length).toBeLessThan(300);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('names the flag when a flag and its variable are both set and the flag is bad', () => {
    fc.assert(
      fc.property(fc.constantFrom('timeout', 'deadline'), fc.stringMatching(/^[a-z]{1,8}$/), (name, junk) => {
        const spec = FLAGS.find((f) => f.name === name)!;
        expect(() => parseOptions({ argv: [`--${name}`, junk], env: { [spec.env!]: '3s' }, stdoutIsTTY: false, terminationLogExists: false }))
          .toThrow(new RegExp(`^--${name}: `));
      }),
    );
  });
});
