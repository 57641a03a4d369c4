// The lab's nftables policies on IPv6: a lab host's IPv6 address is matched with ip6 daddr, and only
// addresses inside 2001:db8::/32 (documentation space) may be named, as only 198.18.0.0/15 is for IPv4.
import { describe, expect, it } from 'vitest';
import { matchExpr, renderPolicy } from './lab/nft.js';
import { HOST_IPS, HOST_IPS6, podAddressing6 } from './lab/topology.js';

describe('nft policies for the IPv6 lab', () => {
  it('matches the IPv6 addresses of lab hosts with ip6 daddr, and IPv4 with ip daddr', () => {
    expect(matchExpr({ to: ['dual', 'dualStorage'], family: 'ipv6', proto: 'tcp', ports: [443] }))
      .toBe(`ip6 daddr { ${HOST_IPS6.dual}, ${HOST_IPS6.dualStorage} } tcp dport { 443 }`);
    expect(matchExpr({ to: ['dual'], proto: 'tcp' })).toBe(`ip daddr { ${HOST_IPS.dual} } meta l4proto tcp`);
    const script = renderPolicy({ kind: 'deny', name: 'v6', rules: [{ to: [{ cidr: '2001:db8:1::/64' }], family: 'ipv6', verdict: 'reject' }] }, { index: 3, hostIf: 'gx3s' });
    expect(script).toContain('ip6 daddr { 2001:db8:1::/64 } meta l4proto tcp reject with tcp reset');
  });

  it('refuses an IPv6 address outside 2001:db8::/32, and a lab host without an IPv6 address', () => {
    expect(() => matchExpr({ to: [{ cidr: '2001:4860::/32' }], family: 'ipv6' })).toThrow(/2001:db8::\/32/);
    expect(() => matchExpr({ to: [{ cidr: '198.18.0.1' }], family: 'ipv6' })).toThrow(/2001:db8::\/32/);
    expect(() => matchExpr({ to: ['proxy'], family: 'ipv6' })).toThrow(/no ipv6 address/);
  });

  it('gives each pod its own /64 from 2001:db8:2::/48', () => {
    expect(podAddressing6(0)).toEqual({ gateway: '2001:db8:2:0::1', pod: '2001:db8:2:0::2', prefix: 64 });
    expect(podAddressing6(255).pod).toBe('2001:db8:2:ff::2');
    expect(() => podAddressing6(-1)).toThrow(RangeError);
  });
});
