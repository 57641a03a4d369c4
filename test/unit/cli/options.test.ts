// The command line as a new user types it (issue #12): -h, flags on either side of the subcommand,
// typos in flags and GOMODPROBE_* variables answered with the name they probably meant.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { didYouMean, parseOptions } from '../../../src/options.js';
import { formatGoDuration, parseDuration } from '../../../src/duration.js';

const parse = (argv: string[], env: Record<string, string> = {}) => parseOptions({ argv, env, stdoutIsTTY: false, terminationLogExists: false });

describe('command line', () => {
  it('-h is --help', () => {
    expect(parse(['-h']).command).toBe('help');
    expect(parse(['--timeout', '1s', '-h']).command).toBe('help');
  });

  it('flags are accepted before and after the demo subcommand', () => {
    for (const argv of [['demo', '--break', 'tcp', '--timeout', '2s'], ['--break', 'tcp', 'demo', '--timeout', '2s'], ['--break', 'tcp', '--timeout', '2s', 'demo']]) {
      const o = parse(argv);
      expect([o.command, o.demoBreak, o.timeoutMs], argv.join(' ')).toEqual(['demo', 'tcp', 2000]);
    }
  });

  it('--break takes the network stages and the toolchain hop, not config', () => {
    expect(parse(['demo', '--break', 'toolchain']).demoBreak).toBe('toolchain');
    expect(() => parse(['demo', '--break', 'config'])).toThrow(/not one of dns, tcp, tls, proxy, sumdb, redirect, toolchain/);
  });

  it("a flag's value that reads like a subcommand is a value", () => {
    const o = parse(['--junit', 'demo']);
    expect([o.command, o.junitFile]).toEqual(['probe', 'demo']);
  });

  it('an unknown GOMODPROBE_* variable is refused with the name it probably meant', () => {
    expect(() => parse([], { GOMODPROBE_FROMAT: 'pretty' })).toThrow(new InputError('GOMODPROBE_FROMAT', 'unknown variable (did you mean GOMODPROBE_FORMAT?) (the GOMODPROBE_* variables are listed in --help)'));
    expect(() => parse([], { GOMODPROBE_MODULES: 'x@v1.0.0' })).toThrow(/did you mean GOMODPROBE_MODULE\?/);
    // Known ones and other variables are fine.
    expect(parse([], { GOMODPROBE_FORMAT: 'pretty', GOPROXY: 'off', GOMODPROBE: 'x' }).format).toBe('pretty');
  });

  it('did you mean: only for near misses', () => {
    expect(didYouMean('modul', ['module', 'gomod'], '--')).toBe(' (did you mean --module?)');
    expect(didYouMean('xyz', ['module', 'gomod'], '--')).toBe('');
  });

  it('durations are written as go writes them, and read back', () => {
    const cases: [number, string][] = [[500, '500ms'], [5000, '5s'], [1500, '1.5s'], [60_000, '1m0s'], [90_000, '1m30s'], [3_723_000, '1h2m3s']];
    for (const [ms, text] of cases) {
      expect(formatGoDuration(ms)).toBe(text);
      expect(parseDuration(text)).toBe(ms);
    }
  });
});
