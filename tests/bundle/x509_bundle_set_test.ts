import assert from "node:assert";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { X509Bundle, X509BundleSet } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";
import { concatDer, TestCa } from "../_helpers/ca.ts";

const a = TrustDomain.parse("a.org");
const b = TrustDomain.parse("b.org");
const c = TrustDomain.parse("c.org");
const caA = (await TestCa.root("a.org")).cert;
const caB = (await TestCa.root("b.org")).cert;
const caB2 = (await TestCa.root("b.org", { keyAlgorithm: "RSA" })).cert;

Deno.test("X509BundleSet: add, replace, remove, has, get, size, sorted bundles", () => {
  const bundleC = new X509Bundle(c);
  const bundleA = X509Bundle.fromAuthorities(a, [caA.cert]);
  const set = new X509BundleSet(bundleC, bundleA);
  assert.equal(set.size, 2);
  assert.deepEqual(set.bundles().map((x) => x.trustDomain.name), ["a.org", "c.org"]);
  const bundleB = X509Bundle.fromAuthorities(b, [caB.cert]);
  set.add(bundleB);
  assert.deepEqual(set.bundles(), [bundleA, bundleB, bundleC]);
  const newerB = X509Bundle.fromAuthorities(b, [caB2.cert]);
  set.add(newerB); // replaces the bundle of b.org
  assert.equal(set.size, 3);
  assert.equal(set.get(TrustDomain.parse("spiffe://b.org")), newerB);
  assert.ok(set.has(b));
  set.remove(b);
  set.remove(b);
  assert.ok(!set.has(b));
  assert.equal(set.get(b), undefined);
  assert.equal(set.size, 2);
  // The last of several bundles for one trust domain wins.
  assert.equal(new X509BundleSet(bundleB, newerB).get(b), newerB);
});

Deno.test("X509BundleSet: clone copies the bundles too", () => {
  const set = new X509BundleSet(X509Bundle.fromAuthorities(a, [caA.cert]));
  const copy = set.clone();
  assert.ok(copy.get(a)!.equals(set.get(a)!));
  copy.get(a)!.remove(caA.cert);
  copy.remove(a);
  assert.ok(set.get(a)!.has(caA.cert));
});

Deno.test("X509BundleSet: getX509BundleForTrustDomain", () => {
  const bundleA = new X509Bundle(a);
  const set = new X509BundleSet(bundleA);
  assert.equal(set.getX509BundleForTrustDomain(a), bundleA);
  assertBundleError(
    () => set.getX509BundleForTrustDomain(b),
    "not-found",
    'x509bundle: no X.509 bundle for trust domain "b.org"',
  );
});

Deno.test("X509BundleSet.parseRawMap: Workload API map with spiffe:// and bare keys", () => {
  const set = X509BundleSet.parseRawMap({
    "spiffe://b.org": concatDer(caB.der, caB2.der),
    "a.org": caA.der,
    "c.org": new Uint8Array(),
  });
  assert.deepEqual(set.bundles().map((x) => x.trustDomain.name), ["a.org", "b.org", "c.org"]);
  assert.ok(set.get(b)!.equals(X509Bundle.fromAuthorities(b, [caB.cert, caB2.cert])));
  assert.ok(set.get(a)!.has(caA.cert));
  assert.equal(set.get(c)!.x509Authorities().length, 0);
  const fromMap = X509BundleSet.parseRawMap(new Map([["spiffe://a.org", caA.der]]));
  assert.ok(fromMap.get(a)!.equals(set.get(a)!));
  assert.equal(X509BundleSet.parseRawMap({}).size, 0);
});

Deno.test("X509BundleSet.parseRawMap: errors name the trust domain", () => {
  const err = assertBundleError(
    () => X509BundleSet.parseRawMap({ "Bad.org": caA.der }),
    "invalid-trust-domain",
    'x509bundle: invalid trust domain "Bad.org": trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  );
  assert.equal((err.cause as { code?: string }).code, "ERR_SPIFFE_ID");
  assertBundleError(
    () => X509BundleSet.parseRawMap({ "spiffe://a.org": caA.der, "a.org": caA.der }),
    "duplicate-trust-domain",
    'x509bundle: duplicate bundle for trust domain "a.org"',
  );
  const truncated = assertBundleError(
    () => X509BundleSet.parseRawMap({ "spiffe://a.org": caA.der.subarray(0, 10) }),
    "malformed",
    `x509bundle: cannot parse bundle for trust domain "a.org": cannot parse certificate: truncated DER: certificate 0 needs ${caA.der.length} bytes, 10 remain`,
  );
  assert.equal(
    (truncated.cause as Error).message,
    `x509bundle: cannot parse certificate: truncated DER: certificate 0 needs ${caA.der.length} bytes, 10 remain`,
  );
});
