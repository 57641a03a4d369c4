// Certificate policy validation as go 1.24+ does it after building chains (crypto/x509/verify.go
// policiesValid: RFC 5280 6.1 as updated by RFC 9618, a policy graph instead of a tree). go ≤1.23 has no
// policy validation: it does not even parse policyConstraints, policyMappings or inhibitAnyPolicy.
//
// cmd/go never sets VerifyOptions.CertificatePolicies, so the user's initial policy set is anyPolicy and
// the explicit-policy, policy-mapping and any-policy counters start at n+1: a chain fails only where a CA
// demands an explicit policy (requireExplicitPolicy) that the certificates below it do not carry, or maps
// to or from anyPolicy. This port follows go 1.27's placement of the prune after policy mappings (go 1.24
// prunes after each deleted mapping; the result is the same).

import type { ParsedCertificate } from './parse.js';

/** anyPolicy, 2.5.29.32.0, as the hex of its DER content (Go's OID.der). */
const ANY_POLICY = '551d2000';

interface PolicyNode {
  readonly validPolicy: string;
  expectedPolicySet: string[];
  readonly parents: Set<PolicyNode>;
  readonly children: Set<PolicyNode>;
}

function newNode(valid: string, parents: readonly PolicyNode[]): PolicyNode {
  const n: PolicyNode = { validPolicy: valid, expectedPolicySet: [valid], parents: new Set(), children: new Set() };
  for (const p of parents) {
    p.children.add(n);
    n.parents.add(p);
  }
  return n;
}

/** policyGraph: one map per depth, keyed by the node's valid policy. */
class PolicyGraph {
  readonly strata: Map<string, PolicyNode>[];
  private parentIndex = new Map<string, PolicyNode[]>();
  depth = 0;

  constructor() {
    this.strata = [new Map([[ANY_POLICY, newNode(ANY_POLICY, [])]])];
  }

  insert(n: PolicyNode): void {
    this.strata[this.depth]!.set(n.validPolicy, n);
  }

  parentsWithExpected(expected: string): PolicyNode[] {
    return this.depth === 0 ? [] : (this.parentIndex.get(expected) ?? []);
  }

  parentWithAnyPolicy(): PolicyNode | undefined {
    return this.depth === 0 ? undefined : this.strata[this.depth - 1]!.get(ANY_POLICY);
  }

  parents(): PolicyNode[] {
    return this.depth === 0 ? [] : [...this.strata[this.depth - 1]!.values()];
  }

  leaves(): Map<string, PolicyNode> {
    return this.strata[this.depth]!;
  }

  leafWithPolicy(policy: string): PolicyNode | undefined {
    return this.strata[this.depth]!.get(policy);
  }

  deleteLeaf(policy: string): void {
    const n = this.strata[this.depth]!.get(policy);
    if (!n) return;
    for (const p of n.parents) p.children.delete(n);
    for (const c of n.children) c.parents.delete(n);
    this.strata[this.depth]!.delete(policy);
  }

  validPolicyNodes(): PolicyNode[] {
    const valid: PolicyNode[] = [];
    for (let i = this.depth; i >= 0; i--) {
      for (const n of this.strata[i]!.values()) {
        if (n.validPolicy === ANY_POLICY) continue;
        if (n.parents.size === 1 && [...n.parents][0]!.validPolicy === ANY_POLICY) valid.push(n);
      }
    }
    return valid;
  }

  prune(): void {
    for (let i = this.depth - 1; i > 0; i--) {
      for (const n of [...this.strata[i]!.values()]) {
        if (n.children.size === 0) {
          for (const p of n.parents) p.children.delete(n);
          this.strata[i]!.delete(n.validPolicy);
        }
      }
    }
  }

  incrDepth(): void {
    this.parentIndex = new Map();
    for (const n of this.strata[this.depth]!.values()) {
      for (const e of n.expectedPolicySet) {
        const list = this.parentIndex.get(e);
        if (list) list.push(n);
        else this.parentIndex.set(e, [n]);
      }
    }
    this.depth++;
    this.strata.push(new Map());
  }
}

/** A present, non-negative constraint (Go's `X > 0 || XZero`). */
function present(v: number | undefined): v is number {
  return v !== undefined && v >= 0;
}

/** policiesValid(chain, opts) with cmd/go's options (no user policies, no inhibit/require flags). Chain: leaf first. */
export function policiesValid(chain: readonly ParsedCertificate[]): boolean {
  if (chain.length === 1) return true;
  const n = chain.length - 1;
  let pg: PolicyGraph | undefined = new PolicyGraph();
  let inhibitAnyPolicy = n + 1;
  let explicitPolicy = n + 1;
  let policyMapping = n + 1;

  for (let i = n - 1; i >= 0; i--) {
    const cert = chain[i]!;
    const isSelfSigned = cert.rawIssuer.equals(cert.rawSubject);

    // 6.1.3 (e)
    if (cert.policies.length === 0) pg = undefined;
    // 6.1.3 (f)
    if (explicitPolicy === 0 && pg === undefined) return false;

    if (pg) {
      pg.incrDepth();
      const policies = new Set<string>();
      // 6.1.3 (d) (1)
      for (const policy of cert.policies) {
        policies.add(policy);
        if (policy === ANY_POLICY) continue;
        let parents = pg.parentsWithExpected(policy);
        if (parents.length === 0) {
          const anyParent = pg.parentWithAnyPolicy();
          if (anyParent) parents = [anyParent];
        }
        if (parents.length > 0) pg.insert(newNode(policy, parents));
      }
      // 6.1.3 (d) (2); Go's chain runs leaf to anchor, so the spec's "i < n" is "n-i < n" here.
      if (policies.has(ANY_POLICY) && (inhibitAnyPolicy > 0 || (n - i < n && isSelfSigned))) {
        const missing = new Map<string, PolicyNode[]>();
        const leaves = pg.leaves();
        for (const p of pg.parents()) {
          for (const expected of p.expectedPolicySet) {
            if (!leaves.has(expected)) {
              const list = missing.get(expected);
              if (list) list.push(p);
              else missing.set(expected, [p]);
            }
          }
        }
        for (const [oid, parents] of missing) pg.insert(newNode(oid, parents));
      }
      // 6.1.3 (d) (3)
      pg.prune();

      if (i !== 0 && cert.policyMappings.length > 0) {
        // 6.1.4 (b)
        const mappings = new Map<string, string[]>();
        for (const m of cert.policyMappings) {
          if (policyMapping > 0) {
            if (m.issuerDomainPolicy === ANY_POLICY || m.subjectDomainPolicy === ANY_POLICY) return false;
            const list = mappings.get(m.issuerDomainPolicy);
            if (list) list.push(m.subjectDomainPolicy);
            else mappings.set(m.issuerDomainPolicy, [m.subjectDomainPolicy]);
          } else {
            pg.deleteLeaf(m.issuerDomainPolicy);
          }
        }
        pg.prune();
        for (const [issuer, subjects] of mappings) {
          const matching = pg.leafWithPolicy(issuer);
          if (matching) {
            matching.expectedPolicySet = subjects;
          } else {
            const any = pg.leafWithPolicy(ANY_POLICY);
            if (any) {
              const node = newNode(issuer, [any]);
              node.expectedPolicySet = subjects;
              pg.insert(node);
            }
          }
        }
      }
    }

    if (i !== 0) {
      // 6.1.4 (h)
      if (!isSelfSigned) {
        if (explicitPolicy > 0) explicitPolicy--;
        if (policyMapping > 0) policyMapping--;
        if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
      }
      // 6.1.4 (i), (j)
      if (present(cert.requireExplicitPolicy) && cert.requireExplicitPolicy < explicitPolicy) explicitPolicy = cert.requireExplicitPolicy;
      if (present(cert.inhibitPolicyMapping) && cert.inhibitPolicyMapping < policyMapping) policyMapping = cert.inhibitPolicyMapping;
      if (present(cert.inhibitAnyPolicy) && cert.inhibitAnyPolicy < inhibitAnyPolicy) inhibitAnyPolicy = cert.inhibitAnyPolicy;
    }
  }

  // 6.1.5 (a), (b)
  if (explicitPolicy > 0) explicitPolicy--;
  if (chain[0]!.requireExplicitPolicy === 0) explicitPolicy = 0;

  // 6.1.5 (g): with anyPolicy as the user's set, the user-constrained set is the authority-constrained one.
  const validPolicyNodeSet: PolicyNode[] = [];
  if (pg) {
    validPolicyNodeSet.push(...pg.validPolicyNodes());
    const currentAny = pg.leafWithPolicy(ANY_POLICY);
    if (currentAny) validPolicyNodeSet.push(currentAny);
  }
  return !(explicitPolicy === 0 && validPolicyNodeSet.length === 0);
}
