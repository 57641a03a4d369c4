import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseNsswitch } from '../../../src/net/nsswitch.js';

const order = (text: string | undefined) => parseNsswitch(text).order;

describe('parseNsswitch (nss.go + conf.lookupOrder, pure Go)', () => {
  it('defaults to files,dns when the file or the hosts line is missing', () => {
    expect(parseNsswitch(undefined)).toEqual({ order: 'files,dns', note: 'no nsswitch.conf: go uses files,dns' });
    expect(order('')).toBe('files,dns');
    expect(order('passwd: files\n')).toBe('files,dns');
    expect(order('hosts:\n')).toBe('files,dns');
  });

  it('follows the order of files and dns', () => {
    expect(order('hosts: files dns\n')).toBe('files,dns');
    expect(order('hosts: dns files\n')).toBe('dns,files');
    expect(order('hosts: files\n')).toBe('files');
    expect(order('hosts: dns\n')).toBe('dns');
    expect(parseNsswitch('hosts: files\n').note).toMatch(/files only/);
  });

  it('skips unknown sources when dns is listed, and treats them as dns when it is not', () => {
    expect(order('hosts: files mdns4_minimal [NOTFOUND=return] dns myhostname\n')).toBe('files,dns');
    expect(parseNsswitch('hosts: files mdns4_minimal [NOTFOUND=return] dns\n').note).toMatch(/skips hosts sources mdns4_minimal.*ignores \[status=action\]/);
    // Confirmed against go 1.23: "myhostname files" resolves through DNS first.
    expect(order('hosts: myhostname files\n')).toBe('dns,files');
    expect(order('hosts: files resolve\n')).toBe('files,dns');
    expect(order('hosts: resolve\n')).toBe('dns');
    expect(parseNsswitch('hosts: files resolve\n').note).toMatch(/treats hosts sources resolve as dns/);
  });

  it('splits sources at spaces only: a tab joins two sources into one unknown name (confirmed against go 1.23)', () => {
    expect(order('hosts:\tfiles\tdns\n')).toBe('dns');
    expect(order('hosts: files\tdns\n')).toBe('dns');
    expect(order('\thosts : files dns \t\n')).toBe('files,dns');
  });

  it('appends sources of repeated hosts lines and ignores comments', () => {
    expect(order('hosts: files\nhosts: dns\n')).toBe('files,dns');
    expect(order('hosts: dns # files\n')).toBe('dns');
    expect(order('# hosts: files\nhosts: dns files\n')).toBe('dns,files');
    expect(order('Hosts: files\n')).toBe('files,dns');
  });

  it('falls back to files,dns when Go cannot parse the file (confirmed against go 1.23)', () => {
    expect(parseNsswitch('hosts: dns [NOTFOUND=return files\n')).toEqual({
      order: 'files,dns',
      note: 'go cannot parse nsswitch.conf (unclosed criterion bracket): it falls back to files,dns',
    });
    expect(order('hosts: dns [x] files\n')).toBe('files,dns');
    expect(order('hosts: dns [!=] files\n')).toBe('files,dns');
    expect(order('hosts: dns\nnonsense line\n')).toBe('files,dns');
    expect(order('hosts: dns [!NOTFOUND=return success=continue] files\n')).toBe('dns,files');
  });

  it('never throws', () => {
    const token = fc.constantFrom('hosts', ':', ' ', '\t', '\n', 'files', 'dns', '[', ']', '!', '=', 'NOTFOUND', 'return', '#', 'mdns');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.array(token, { maxLength: 150 }).map((a) => a.join(''))), (text) => {
        const r = parseNsswitch(text);
        expect(['files,dns', 'dns,files', 'files', 'dns']).toContain(r.order);
      }),
      { numRuns: 500 },
    );
  });
});
