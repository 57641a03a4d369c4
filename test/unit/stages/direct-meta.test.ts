// direct.ts's go-import discovery parser against cmd/go 1.23's parseMetaGoImports (vcs/discovery.go):
// the expected lists below are what a verbatim copy of that function (encoding/xml, non-strict) returned
// for the same input, run with go 1.23 when this file was written.
import { describe, expect, it } from 'vitest';
import { parseMetaGoImports } from '../../../src/stages/direct.js';

type Vector = [html: string, imports: { prefix: string; vcs: string; repo: string }[]];

const GO_1_23: Vector[] = [
  ["<html><head><meta name=\"go-import\" content=\"example.com/m git https://git.example.com/m\"></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://git.example.com/m"}]],
  ["<html><head><meta name=\"go-import\" content=\"example.com/m git https://git.example.com/m\"><meta name=\"go-import\" content=\"example.com/m mod https://proxy.example.com\"></head></html>", [{"prefix": "example.com/m", "vcs": "mod", "repo": "https://proxy.example.com"}]],
  ["<html><head></head><meta name=\"go-import\" content=\"example.com/m git https://x\"></html>", []],
  ["<html><head><title>t</title></head><body><meta name=\"go-import\" content=\"example.com/m git https://x\"></body></html>", []],
  ["<html><HEAD><META NAME=\"go-import\" CONTENT=\"example.com/m git https://x\"></HEAD></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><meta name=\"Go-Import\" content=\"example.com/m git https://x\"></head></html>", []],
  ["<html><head><meta name='go-import' content='example.com/m hg https://x'></head></html>", [{"prefix": "example.com/m", "vcs": "hg", "repo": "https://x"}]],
  ["<html><head><meta name=go-import content=\"example.com/m svn https://x\"></head></html>", [{"prefix": "example.com/m", "vcs": "svn", "repo": "https://x"}]],
  ["<html><head><!-- <meta name=\"go-import\" content=\"example.com/c git https://commented\"> --><meta name=\"go-import\" content=\"example.com/m git https://x\"></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><meta name=\"go-import\" content=\"example.com/m git\"><meta name=\"go-import\" content=\"example.com/m git https://x extra\"></head></html>", []],
  ["<html><head><meta name=\"go-import\" content=\"  example.com/m   git\n https://x?a=1&amp;b=2  \"></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x?a=1&b=2"}]],
  ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta name=\"go-import\" content=\"example.com/a git https://a\"><meta name=\"go-import\" content=\"example.com/b mod https://b\"><meta name=\"go-import\" content=\"example.com/b git https://b-git\"></head></html>", [{"prefix": "example.com/b", "vcs": "mod", "repo": "https://b"}, {"prefix": "example.com/a", "vcs": "git", "repo": "https://a"}]],
  ["<html><head><script>var s = '<meta name=\"go-import\" content=\"example.com/s git https://script\">';</script><meta name=\"go-import\" content=\"example.com/m git https://x\"></head></html>", [{"prefix": "example.com/s", "vcs": "git", "repo": "https://script"}, {"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><meta content=\"example.com/m git https://x\" name=\"go-import\"/></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><meta name=\"go-import\" content=\"example.com/m git https://x\"><body>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><!-- <body> --><meta name=\"go-import\" content=\"example.com/m git https://x\"></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><![CDATA[<meta name=\"go-import\" content=\"example.com/c git https://cdata\">]]><meta name=\"go-import\" content=\"example.com/m git https://x\"></head></html>", [{"prefix": "example.com/m", "vcs": "git", "repo": "https://x"}]],
  ["<html><head><body/><meta name=\"go-import\" content=\"example.com/m git https://x\"></head></html>", []],
];

const WHAT = [
  'one git entry',
  'a mod entry supersedes a VCS entry with the same prefix',
  'a meta after </head> is not read',
  'a meta inside <body> is not read',
  'element and attribute names are case-insensitive',
  'the name value is case-sensitive',
  'single-quoted attributes',
  'unquoted attributes (non-strict XML)',
  'a meta inside an HTML comment is not an element',
  'content with 2 or 4 fields is ignored',
  'content fields split on any white space; entities decoded',
  'mod entries first, then the rest in document order',
  'XML does not know <script>: a meta in a script string counts',
  'attributes in any order, self-closing tag',
  'a document cut off at <body>',
  'a <body> inside a comment does not end the head',
  'a meta inside CDATA is text',
  'a self-closing <body/> ends the head',
];

describe('parseMetaGoImports agrees with go 1.23', () => {
  for (const [i, [html, want]] of GO_1_23.entries()) {
    it(WHAT[i] ?? `vector ${i}`, () => {
      expect(parseMetaGoImports(html)).toEqual(want);
    });
  }
});

describe('parseMetaGoImports: the fourth field (a subdirectory) by go version (vcs/discovery.go)', () => {
  const html = '<html><head><meta name="go-import" content="example.com/m git https://git.example/r sub/dir"><meta name="go-import" content="example.com/m/v2 mod https://proxy.example"></head></html>';
  it('go ≤1.24 skips a tag without exactly three fields', () => {
    expect(parseMetaGoImports(html, { subdir: false })).toEqual([{ prefix: 'example.com/m/v2', vcs: 'mod', repo: 'https://proxy.example' }]);
  });
  it('go 1.25+ reads the subdirectory', () => {
    expect(parseMetaGoImports(html, { subdir: true })).toEqual([
      { prefix: 'example.com/m/v2', vcs: 'mod', repo: 'https://proxy.example' },
      { prefix: 'example.com/m', vcs: 'git', repo: 'https://git.example/r', subdir: 'sub/dir' },
    ]);
  });
  it('five fields are skipped by every go', () => {
    expect(parseMetaGoImports('<meta name="go-import" content="a git https://r s extra">', { subdir: true })).toEqual([]);
  });
});
