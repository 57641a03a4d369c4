import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { buildClientHello, EXT, goHelloProfile, keyShareBytes, mlkemEncapsulationKey, parseClientHello } from '../../../src/net/clienthello.js';

describe('ML-KEM encapsulation keys in the key share', () => {
  it('are 768 (1024) twelve-bit coefficients below 3329 plus a 32-byte seed', () => {
    for (const k of [3, 4] as const) {
      const ek = mlkemEncapsulationKey(k, randomBytes);
      expect(ek.length).toBe(k * 384 + 32);
      for (let i = 0; i < k * 128; i++) {
        const a = ek[3 * i]! | ((ek[3 * i + 1]! & 0x0f) << 8);
        const b = (ek[3 * i + 1]! >> 4) | (ek[3 * i + 2]! << 4);
        expect(a).toBeLessThan(3329);
        expect(b).toBeLessThan(3329);
      }
    }
  });

  it('X25519MLKEM768 is 1216 bytes, as go sends it', () => {
    expect(keyShareBytes(0x11ec)).toBe(1216);
    expect(keyShareBytes(0x001d)).toBe(32);
  });
});

describe('go 1.27 ClientHello', () => {
  it('sends SNI first for a host name, none for an IP literal, and the hybrid share first', () => {
    const profile = goHelloProfile({ minor: 27, godebug: '' });
    const named = parseClientHello(buildClientHello(profile, 'proxy.golang.org.'));
    expect(named.serverName).toBe('proxy.golang.org');
    expect(named.extensions[0]).toBe(EXT.server_name);
    expect(named.keyShares).toEqual([{ group: 0x11ec, bytes: 1216 }, { group: 0x001d, bytes: 32 }]);
    const literal = parseClientHello(buildClientHello(profile, '[2001:db8::1]'));
    expect(literal.serverName).toBeUndefined();
    expect(literal.extensions).not.toContain(EXT.server_name);
  });

  it('is small again with tlsmlkem=0', () => {
    const small = buildClientHello(goHelloProfile({ minor: 27, godebug: 'tlsmlkem=0' }), '198.18.0.1');
    const big = buildClientHello(goHelloProfile({ minor: 27, godebug: '' }), '198.18.0.1');
    expect(small.length).toBeLessThan(300);
    expect(big.length).toBeGreaterThan(1500);
  });
});
