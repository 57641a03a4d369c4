import { describe, expect, it } from 'vitest';
import { formatJUnit } from '../../../src/report/junit.js';
import { failedRun, passedRun, stage, tlsFailure } from './fixtures.js';

// A small, strict XML 1.0 well-formedness checker that also builds a tree for assertions.
interface El {
  name: string;
  attrs: Record<string, string>;
  children: El[];
  text: string;
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_:.]*/;
const XML_CHARS = /^[\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function decodeRefs(text: string, where: string): string {
  return text.replace(/&([^;]*);|&/g, (m, ref: string | undefined) => {
    if (ref === undefined) throw new Error(`bare & in ${where}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref]!;
    const num = /^#(\d+)$/.exec(ref) ? Number(ref.slice(1)) : /^#x[0-9a-fA-F]+$/.exec(ref) ? parseInt(ref.slice(2), 16) : NaN;
    if (!Number.isInteger(num)) throw new Error(`bad reference ${m} in ${where}`);
    const ch = String.fromCodePoint(num);
    if (!XML_CHARS.test(ch)) throw new Error(`reference to a non-XML character ${m}`);
    return ch;
  });
}

function parseXml(doc: string): El {
  if (!XML_CHARS.test(doc)) throw new Error('document holds characters XML does not allow');
  let i = 0;
  const stack: El[] = [];
  let root: El | undefined;
  const expectOnlyWhitespace = (s: string) => {
    if (s.trim() !== '') throw new Error(`text outside the root element: ${JSON.stringify(s.slice(0, 40))}`);
  };
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt === -1 ? doc.length : lt);
    if (text.includes(']]>')) throw new Error(']]> in text');
    if (stack.length > 0) stack[stack.length - 1]!.text += decodeRefs(text, 'text');
    else expectOnlyWhitespace(text);
    if (lt === -1) break;
    i = lt;
    if (doc.startsWith('<?', i)) {
      const end = doc.indexOf('?>', i);
      if (end === -1) throw new Error('unterminated processing instruction');
      if (i !== 0 && doc.startsWith('<?xml ', i)) throw new Error('XML declaration not at the start');
      i = end + 2;
    } else if (doc.startsWith('<!--', i)) {
      const end = doc.indexOf('-->', i + 4);
      if (end === -1 || doc.slice(i + 4, end).includes('--')) throw new Error('bad comment');
      i = end + 3;
    } else if (doc.startsWith('<![CDATA[', i)) {
      if (stack.length === 0) throw new Error('CDATA outside the root');
      const end = doc.indexOf(']]>', i);
      if (end === -1) throw new Error('unterminated CDATA');
      stack[stack.length - 1]!.text += doc.slice(i + 9, end);
      i = end + 3;
    } else if (doc.startsWith('</', i)) {
      const m = /^<\/([A-Za-z_:][-A-Za-z0-9_:.]*)\s*>/.exec(doc.slice(i));
      const open = stack.pop();
      if (!m || !open || open.name !== m[1]) throw new Error(`mismatched end tag at ${i}`);
      i += m[0].length;
    } else {
      i++;
      const nm = NAME.exec(doc.slice(i));
      if (!nm) throw new Error(`bad tag name at ${i}`);
      i += nm[0].length;
      const el: El = { name: nm[0], attrs: {}, children: [], text: '' };
      for (;;) {
        const ws = /^\s*/.exec(doc.slice(i))![0];
        i += ws.length;
        if (doc.startsWith('/>', i) || doc[i] === '>') break;
        if (ws === '') throw new Error(`expected whitespace before an attribute at ${i}`);
        const an = NAME.exec(doc.slice(i));
        if (!an) throw new Error(`bad attribute name at ${i}`);
        i += an[0].length;
        const eq = /^\s*=\s*(["'])/.exec(doc.slice(i));
        if (!eq) throw new Error(`expected = and a quote at ${i}`);
        i += eq[0].length;
        const end = doc.indexOf(eq[1]!, i);
        if (end === -1) throw new Error('unterminated attribute value');
        const raw = doc.slice(i, end);
        if (raw.includes('<')) throw new Error('< in an attribute value');
        if (an[0] in el.attrs) throw new Error(`duplicate attribute ${an[0]}`);
        el.attrs[an[0]] = decodeRefs(raw, `attribute ${an[0]}`);
        i = end + 1;
      }
      const selfClosing = doc.startsWith('/>', i);
      i += selfClosing ? 2 : 1;
      if (stack.length > 0) stack[stack.length - 1]!.children.push(el);
      else if (root) throw new Error('second root element');
      else root = el;
      if (!selfClosing) stack.push(el);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed element ${stack[stack.length - 1]!.name}`);
  if (!root) throw new Error('no root element');
  return root;
}

const cases = (root: El) => root.children[0]!.children.filter((c) => c.name === 'testcase');
const child = (el: El, name: string) => el.children.find((c) => c.name === name);

describe('formatJUnit', () => {
  it('is well-formed, one testcase per stage, failures with cause, target, detail and hint', () => {
    const root = parseXml(formatJUnit(failedRun()));
    expect(root.name).toBe('testsuites');
    const suite = root.children[0]!;
    expect(suite.attrs).toMatchObject({ name: 'gomodprobe', tests: '7', failures: '1', skipped: '3', errors: '0' });
    const byName = Object.fromEntries(cases(root).map((c) => [c.attrs.name, c]));
    expect(Object.keys(byName)).toEqual(['config', 'dns', 'tcp', 'tls', 'proxy', 'sumdb', 'redirect']);
    for (const c of cases(root)) expect(c.attrs.classname).toBe('gomodprobe.stage');
    const failure = child(byName.tls!, 'failure')!;
    expect(failure.attrs.type).toBe('tls.unknown_authority');
    expect(failure.text).toContain(`target: ${tlsFailure.target}`);
    expect(failure.text).toContain(`detail: ${tlsFailure.detail}`);
    expect(failure.text).toContain(`hint: ${tlsFailure.hint}`);
    expect(byName.tls!.attrs.time).toBe('0.080');
    expect(child(byName.proxy!, 'skipped')).toBeDefined();
    expect(child(byName.dns!, 'failure')).toBeUndefined();
    expect(child(byName.dns!, 'system-out')?.text).toContain('dns.search_expansion');
  });

  it('escapes markup and removes characters XML cannot carry', () => {
    const hostile = 'a<b>&c"d\'e]]>f\x00\x01\x1b[31m\uFFFE\uD800g\ttab\nnl 😀';
    const failure = { ...tlsFailure, detail: hostile, target: hostile, hint: hostile };
    const root = parseXml(
      formatJUnit(failedRun({ failure, stages: [stage({ stage: 'config' }), stage({ stage: 'dns', status: 'fail', failure })] })),
    );
    const dns = cases(root).find((c) => c.attrs.name === 'dns')!;
    const f = child(dns, 'failure')!;
    const clean = 'a<b>&c"d\'e]]>fg\ttab\nnl 😀';
    expect(f.text).toContain(`detail: ${clean}`);
    // Attributes keep tabs and newlines through character references.
    expect(f.attrs.message).toBe(`tls.unknown_authority at ${clean}`);
  });

  it('adds a testcase per must-block target, failing when it was reachable', () => {
    const root = parseXml(
      formatJUnit(
        passedRun({
          verdict: 'fail',
          exitCode: 4,
          mustBlock: [
            { target: 'github.com:443', blocked: false, detail: 'TCP connect succeeded' },
            { target: '169.254.169.254:80', blocked: true, detail: 'timed out' },
          ],
        }),
      ),
    );
    const mb = cases(root).filter((c) => c.attrs.classname === 'gomodprobe.must_block');
    expect(mb.map((c) => [c.attrs.name, child(c, 'failure')?.attrs.type])).toEqual([
      ['github.com:443', 'must_block.reachable'],
      ['169.254.169.254:80', undefined],
    ]);
    expect(root.attrs.failures).toBe('1');
    // The skipped redirect stage is a skipped testcase, not a failure.
    const redirect = cases(root).find((c) => c.attrs.name === 'redirect')!;
    expect(child(redirect, 'skipped')).toBeDefined();
  });

  it('treats an expected failure as the passing outcome', () => {
    const root = parseXml(
      formatJUnit(failedRun({ verdict: 'pass', exitCode: 0, expect: { expected: 'tls', firstFailedStage: 'tls', met: true } })),
    );
    const tls = cases(root).find((c) => c.attrs.name === 'tls')!;
    expect(child(tls, 'failure')).toBeUndefined();
    expect(child(tls, 'system-out')?.text).toContain('expected failure');
    const expectCase = cases(root).find((c) => c.attrs.classname === 'gomodprobe.run' && c.attrs.name === 'expect')!;
    expect(child(expectCase, 'failure')).toBeUndefined();
    expect(root.attrs.failures).toBe('0');
  });

  it('fails the expect testcase when the expectation is not met', () => {
    const root = parseXml(
      formatJUnit(failedRun({ verdict: 'fail', exitCode: 3, expect: { expected: 'tcp', firstFailedStage: 'tls', met: false } })),
    );
    const expectCase = cases(root).find((c) => c.attrs.name === 'expect')!;
    expect(child(expectCase, 'failure')?.attrs.type).toBe('expect.not_met');
    expect(root.attrs.failures).toBe('2');
  });

  it('records a run that could not run as an error', () => {
    const root = parseXml(
      formatJUnit(failedRun({ verdict: 'error', exitCode: 1, stages: [], failure: undefined, error: { code: 'internal', message: 'x < y & z' } })),
    );
    const run = cases(root).find((c) => c.attrs.name === 'run')!;
    expect(child(run, 'error')?.attrs).toMatchObject({ type: 'internal', message: 'x < y & z' });
    expect(root.attrs).toMatchObject({ errors: '1', skipped: '7' });
  });

  it('the checker itself rejects malformed XML', () => {
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow();
    expect(() => parseXml('<a>1 < 2</a>')).toThrow();
    expect(() => parseXml('<a>\u0001</a>')).toThrow();
    expect(() => parseXml('<a x="1" x="2"/>')).toThrow();
  });
});
