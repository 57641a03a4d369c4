// GODEBUG as the go runtime reads it at start-up (runtime/runtime1.go parsegodebug, the same in 1.21 to
// 1.27): comma-separated key=value fields, left to right, a later field overriding an earlier one, a
// field without "=" ignored; no trimming ("tlskyber=0 " sets tlskyber to "0 "). Unknown keys are
// ignored too. Since go 1.27 a removed setting set to one of its old values stops go before main.

import type { GoRules, RemovedGodebug } from './goversion.js';

export interface GodebugField {
  readonly key: string;
  readonly value: string;
}

export function parseGodebug(raw: string): GodebugField[] {
  const out: GodebugField[] = [];
  for (const field of raw.split(',')) {
    const i = field.indexOf('=');
    if (i < 0) continue;
    out.push({ key: field.slice(0, i), value: field.slice(i + 1) });
  }
  return out;
}

/** The value each key ends with (the last field wins, as at start-up). */
export function godebugValues(raw: string): ReadonlyMap<string, string> {
  return new Map(parseGodebug(raw).map((f) => [f.key, f.value]));
}

export interface RemovedGodebugHit {
  readonly setting: RemovedGodebug;
  readonly value: string;
  /** go's own words, as it prints them before exiting with status 2 (runtime/proc.go main). */
  readonly goError: string;
}

/**
 * The removed setting that stops this go at start-up, if any: the first field, left to right, that
 * names a removed setting with one of its old values (parsegodebug stops parsing there). A removed
 * setting with any other value is fine (go.dev/issue/76163).
 */
export function removedGodebug(raw: string, rules: GoRules): RemovedGodebugHit | undefined {
  if (rules.removedGodebugs.length === 0) return undefined;
  for (const f of parseGodebug(raw)) {
    const setting = rules.removedGodebugs.find((r) => r.name === f.key);
    if (setting && setting.old.includes(f.value)) {
      return {
        setting,
        value: f.value,
        goError: `fatal error: removed GODEBUG "${f.key}" set to old value "${f.value}" in environment (https://go.dev/doc/godebug#go-1${setting.removed})`,
      };
    }
  }
  return undefined;
}

/**
 * GODEBUG settings that change how go fetches modules, and what each does to the version modelled.
 * Returned as messages for info findings: the probe's own wire behaviour (ClientHello, HTTP/2) is
 * issue #14's; here the user learns that the setting is in effect for that go.
 */
export function fetchGodebugNotes(raw: string, rules: GoRules): string[] {
  const values = godebugValues(raw);
  const notes: string[] = [];
  const v = `go1.${rules.version.minor}`;
  const is = (k: string, val: string): boolean => values.get(k) === val;
  if (is('http2client', '0')) notes.push(`http2client=0: ${v} speaks HTTP/1.1 to GOPROXY and the checksum database instead of HTTP/2`);
  if (is('tlsmlkem', '0') && rules.version.minor >= 24) notes.push(`tlsmlkem=0: ${v} leaves the X25519MLKEM768 key share out of its ClientHello (a small hello, as go1.23's)`);
  if (is('tlssecpmlkem', '0') && rules.version.minor >= 26) notes.push(`tlssecpmlkem=0: ${v} does not offer the SecP256r1MLKEM768/SecP384r1MLKEM1024 groups`);
  if (values.has('netedns0')) notes.push(`netedns0=${values.get('netedns0')}: ${v}'s resolver ${is('netedns0', '0') ? 'sends no EDNS(0) option' : 'sends an EDNS(0) option'} in its DNS queries`);
  if (is('x509negativeserial', '1') && rules.x509RejectsNegativeSerial) notes.push(`x509negativeserial=1: ${v} accepts certificates with a negative serial number`);
  if (is('tlssha1', '1') && rules.tlsRejectsSha1Handshake) notes.push(`tlssha1=1: ${v} accepts SHA-1 signatures in TLS 1.2 handshakes again`);
  return notes;
}
