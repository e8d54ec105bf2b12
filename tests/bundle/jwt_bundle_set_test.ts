import assert from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { JwtBundle, JwtBundleSet } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";

const a = TrustDomain.parse("a.org");
const b = TrustDomain.parse("b.org");
const key = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
const jwks = (kid: string) =>
  new TextEncoder().encode(JSON.stringify({ keys: [{ kid, ...key.export({ format: "jwk" }) }] }));

Deno.test("JwtBundleSet: add, replace, remove, has, get, size, sorted bundles", () => {
  const bundleB = new JwtBundle(b);
  const bundleA = new JwtBundle(a);
  const set = new JwtBundleSet(bundleB, bundleA);
  assert.deepEqual(set.bundles(), [bundleA, bundleB]);
  const newerA = JwtBundle.fromJwtAuthorities(a, new Map([["k", key]]));
  set.add(newerA);
  assert.equal(set.size, 2);
  assert.equal(set.get(a), newerA);
  set.remove(a);
  assert.ok(!set.has(a));
  assert.ok(set.has(b));
  assert.equal(set.size, 1);
});

Deno.test("JwtBundleSet: clone copies the bundles too", () => {
  const set = new JwtBundleSet(JwtBundle.fromJwtAuthorities(a, new Map([["k", key]])));
  const copy = set.clone();
  copy.get(a)!.removeJwtAuthority("k");
  assert.ok(set.get(a)!.hasJwtAuthority("k"));
});

Deno.test("JwtBundleSet: getJwtBundleForTrustDomain", () => {
  const bundleA = new JwtBundle(a);
  const set = new JwtBundleSet(bundleA);
  assert.equal(set.getJwtBundleForTrustDomain(a), bundleA);
  assertBundleError(
    () => set.getJwtBundleForTrustDomain(b),
    "not-found",
    'jwtbundle: no JWT bundle for trust domain "b.org"',
  );
});

Deno.test("JwtBundleSet.parseMap: Workload API map with spiffe:// and bare keys", () => {
  const set = JwtBundleSet.parseMap({ "spiffe://b.org": jwks("kb"), "a.org": jwks("ka") });
  assert.deepEqual(set.bundles().map((x) => x.trustDomain.name), ["a.org", "b.org"]);
  assert.ok(set.get(a)!.findJwtAuthority("ka")!.equals(key));
  assert.ok(set.get(b)!.hasJwtAuthority("kb"));
  const fromMap = JwtBundleSet.parseMap(new Map([["spiffe://a.org", jwks("ka")]]));
  assert.ok(fromMap.get(a)!.equals(set.get(a)!));
});

Deno.test("JwtBundleSet.parseMap: errors name the trust domain", () => {
  assertBundleError(
    () => JwtBundleSet.parseMap({ "spiffe://": jwks("k") }),
    "invalid-trust-domain",
    'jwtbundle: invalid trust domain "spiffe://": trust domain is missing',
  );
  assertBundleError(
    () => JwtBundleSet.parseMap(new Map([["a.org", jwks("1")], ["spiffe://a.org", jwks("2")]])),
    "duplicate-trust-domain",
    'jwtbundle: duplicate bundle for trust domain "a.org"',
  );
  assertBundleError(
    () => JwtBundleSet.parseMap({ "spiffe://a.org": new TextEncoder().encode("{}") }),
    "no-authorities",
    'jwtbundle: cannot parse bundle for trust domain "a.org": no authorities found',
  );
  assertBundleError(
    () => JwtBundleSet.parseMap({ "spiffe://b.org": jwks("") }),
    "missing-key-id",
    'jwtbundle: cannot parse bundle for trust domain "b.org": error adding authority 0 of JWKS: keyID cannot be empty',
  );
});
