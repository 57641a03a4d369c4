// crypto/tls's names on the wire, shared by the verifying handshake (tls.ts) and go's own ClientHello
// (clienthello.ts, gohello.ts): the text go prints for an alert, the server name a host gets in SNI.

import { parseNetIp } from './netip.js';

/** TLS alert descriptions as Go prints them (crypto/tls alert.go). */
export const ALERT_TEXT: Readonly<Record<number, string>> = {
  0: 'close notify', 10: 'unexpected message', 20: 'bad record MAC', 21: 'decryption failed', 22: 'record overflow',
  30: 'decompression failure', 40: 'handshake failure', 42: 'bad certificate', 43: 'unsupported certificate',
  44: 'revoked certificate', 45: 'expired certificate', 46: 'unknown certificate', 47: 'illegal parameter',
  48: 'unknown certificate authority', 49: 'access denied', 50: 'error decoding message', 51: 'error decrypting message',
  60: 'export restriction', 70: 'protocol version not supported', 71: 'insufficient security level', 80: 'internal error',
  86: 'inappropriate fallback', 90: 'user canceled', 100: 'no renegotiation', 109: 'missing extension',
  110: 'unsupported extension', 111: 'certificate unobtainable', 112: 'unrecognized name',
  113: 'bad certificate status response', 114: 'bad certificate hash value', 115: 'unknown PSK identity',
  116: 'certificate required', 120: 'no application protocol', 121: 'encrypted client hello required',
};

/** go's text for an alert it received (`tls: ` + alert.go's string; `remote error: ` is the caller's). */
export function alertText(n: number): string {
  const t = ALERT_TEXT[n];
  return t ? `tls: ${t}` : `tls: alert(${n})`;
}

/** hostnameInSNI (crypto/tls): no SNI for IP literals, trailing dots dropped. */
export function hostnameInSNI(name: string): string {
  let host = name;
  if (host.length > 0 && host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const pct = host.lastIndexOf('%');
  if (pct > 0) host = host.slice(0, pct);
  if (parseNetIp(host)) return '';
  return name.replace(/\.+$/, '');
}
