import assert from "node:assert";
import { generateKeyPairSync } from "node:crypto";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { BundleSet, SpiffeBundle } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";
import { TestCa } from "../_helpers/ca.ts";

const a = TrustDomain.parse("a.org");
const b = TrustDomain.parse("b.org");
const caA = (await TestCa.root("a.org")).cert;
const key = generateKeyPairSync("ed25519").publicKey;

function bundleOf(td: TrustDomain): SpiffeBundle {
  const bundle = new SpiffeBundle(td);
  bundle.addX509Authority(caA.cert);
  bundle.addJwtAuthority("k", key);
  return bundle;
}

Deno.test("BundleSet: add, replace, remove, has, get, size, sorted bundles", () => {
  const bundleB = new SpiffeBundle(b);
  const bundleA = new SpiffeBundle(a);
  const set = new BundleSet(bundleB, bundleA);
  assert.deepEqual(set.bundles(), [bundleA, bundleB]);
  const newerA = bundleOf(a);
  set.add(newerA);
  assert.equal(set.size, 2);
  assert.equal(set.get(a), newerA);
  set.remove(b);
  assert.ok(!set.has(b));
  assert.deepEqual(set.bundles(), [newerA]);
});

Deno.test("BundleSet: clone copies the bundles too", () => {
  const set = new BundleSet(bundleOf(a));
  const copy = set.clone();
  assert.ok(copy.get(a)!.equals(set.get(a)!));
  copy.get(a)!.removeJwtAuthority("k");
  assert.ok(set.get(a)!.hasJwtAuthority("k"));
});

Deno.test("BundleSet: a source of all three kinds", () => {
  const bundle = bundleOf(a);
  const set = new BundleSet(bundle);
  assert.equal(set.getBundleForTrustDomain(a), bundle);
  const x509 = set.getX509BundleForTrustDomain(a);
  assert.ok(x509.has(caA.cert));
  assert.equal(set.getX509BundleForTrustDomain(a), x509); // the bundle's cached view
  assert.ok(set.getJwtBundleForTrustDomain(a).findJwtAuthority("k")!.equals(key));
  const message = 'spiffebundle: no SPIFFE bundle for trust domain "b.org"';
  assertBundleError(() => set.getBundleForTrustDomain(b), "not-found", message);
  assertBundleError(() => set.getX509BundleForTrustDomain(b), "not-found", message);
  assertBundleError(() => set.getJwtBundleForTrustDomain(b), "not-found", message);
});
