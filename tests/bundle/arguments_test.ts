// Trust domain arguments from JavaScript callers (issue 13): a string is parsed wherever a trust
// domain is taken; any other type is refused at the call, naming the call and what it got.
import assert from "node:assert/strict";
import {
  BundleSet,
  JwtBundle,
  JwtBundleSet,
  SpiffeBundle,
  SpiffeIdError,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
} from "../../mod.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";
import { TestCa } from "../_helpers/ca.ts";

const td = TrustDomain.parse("example.org");
const ca = (await TestCa.root("example.org")).cert;
const EXPECTED = "expected a trust domain string or TrustDomain";
// deno-lint-ignore no-explicit-any
const untyped = (value: unknown) => value as any;

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TypeError, `expected a TypeError, got ${err}`);
    assert.equal(err.message, message);
    return true;
  });
}

Deno.test("bundles take their trust domain as a string (issue 13: it used to fail later)", () => {
  const x509 = X509Bundle.parse("example.org", ca.pem);
  assert.ok(x509.trustDomain.equals(td));
  assert.equal(x509.getX509BundleForTrustDomain("spiffe://example.org"), x509);
  assert.ok(X509Bundle.parseRaw("example.org", ca.der).equals(x509));
  assert.ok(X509Bundle.fromAuthorities("example.org", [ca.cert]).equals(x509));
  assert.ok(new X509Bundle("example.org").trustDomain.equals(td));

  const jwt = JwtBundle.parse("example.org", '{"keys":[]}');
  assert.equal(jwt.getJwtBundleForTrustDomain("example.org"), jwt);
  assert.ok(JwtBundle.fromJwtAuthorities("example.org", new Map()).equals(jwt));
  assert.ok(new JwtBundle("example.org").equals(jwt));

  const spiffe = SpiffeBundle.parse("example.org", '{"keys":[]}');
  assert.equal(spiffe.getBundleForTrustDomain("example.org"), spiffe);
  assert.ok(spiffe.getX509BundleForTrustDomain("example.org"));
  assert.ok(spiffe.getJwtBundleForTrustDomain("example.org"));
  assert.ok(new SpiffeBundle("example.org").equals(spiffe));
});

Deno.test("bundle sets are looked up by string too", () => {
  const x509 = new X509BundleSet(new X509Bundle(td));
  const jwt = new JwtBundleSet(new JwtBundle(td));
  const spiffe = new BundleSet(new SpiffeBundle(td));
  for (const set of [x509, jwt, spiffe]) {
    assert.ok(set.has("example.org"));
    assert.ok(set.get("spiffe://example.org")?.trustDomain.equals(td));
    assert.equal(set.get("other.org"), undefined); // it used to be undefined for any string
  }
  assert.equal(x509.getX509BundleForTrustDomain("example.org"), x509.get(td));
  assert.equal(jwt.getJwtBundleForTrustDomain("example.org"), jwt.get(td));
  assert.equal(spiffe.getBundleForTrustDomain("example.org"), spiffe.get(td));
  assert.ok(spiffe.getX509BundleForTrustDomain("example.org"));
  assert.ok(spiffe.getJwtBundleForTrustDomain("example.org"));
  for (const set of [x509, jwt, spiffe]) {
    set.remove("example.org");
    assert.equal(set.size, 0);
  }
});

Deno.test("a string that is no trust domain fails as TrustDomain.parse does", () => {
  assertThrowsReason(
    () => X509Bundle.parse("Example.org", ca.pem),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    "bad-trust-domain-char",
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  );
  assertThrowsReason(
    () => new JwtBundleSet().get(""),
    SpiffeIdError,
    "ERR_SPIFFE_ID",
    "missing-trust-domain",
    "trust domain is missing",
  );
});

Deno.test("any other type is refused at the call, before the input is read", () => {
  const x509 = new X509Bundle(td);
  const jwt = new JwtBundle(td);
  const spiffe = new SpiffeBundle(td);
  const cases: [() => unknown, string, string][] = [
    [() => new X509Bundle(untyped(undefined)), "new X509Bundle(trustDomain)", "undefined"],
    [() => X509Bundle.parse(untyped(null), "not PEM"), "X509Bundle.parse(trustDomain)", "null"],
    [
      () => X509Bundle.parseRaw(untyped({}), new Uint8Array()),
      "X509Bundle.parseRaw(trustDomain)",
      "an object",
    ],
    [
      () => X509Bundle.fromAuthorities(untyped(1), []),
      "X509Bundle.fromAuthorities(trustDomain)",
      "number 1",
    ],
    [
      () => x509.getX509BundleForTrustDomain(untyped(x509)),
      "X509Bundle.getX509BundleForTrustDomain(trustDomain)",
      "an instance of X509Bundle",
    ],
    [() => new JwtBundle(untyped(undefined)), "new JwtBundle(trustDomain)", "undefined"],
    [() => JwtBundle.parse(untyped(undefined), "{"), "JwtBundle.parse(trustDomain)", "undefined"],
    [
      () => JwtBundle.fromJwtAuthorities(untyped(undefined), new Map()),
      "JwtBundle.fromJwtAuthorities(trustDomain)",
      "undefined",
    ],
    [
      () => jwt.getJwtBundleForTrustDomain(untyped(undefined)),
      "JwtBundle.getJwtBundleForTrustDomain(trustDomain)",
      "undefined",
    ],
    [() => new SpiffeBundle(untyped(undefined)), "new SpiffeBundle(trustDomain)", "undefined"],
    [
      () => SpiffeBundle.parse(untyped(undefined), "{"),
      "SpiffeBundle.parse(trustDomain)",
      "undefined",
    ],
    [
      () => spiffe.getBundleForTrustDomain(untyped(undefined)),
      "SpiffeBundle.getBundleForTrustDomain(trustDomain)",
      "undefined",
    ],
    [
      () => spiffe.getX509BundleForTrustDomain(untyped(undefined)),
      "SpiffeBundle.getX509BundleForTrustDomain(trustDomain)",
      "undefined",
    ],
    [
      () => spiffe.getJwtBundleForTrustDomain(untyped(undefined)),
      "SpiffeBundle.getJwtBundleForTrustDomain(trustDomain)",
      "undefined",
    ],
  ];
  for (
    const [set, name, getter] of [
      [new X509BundleSet(), "X509BundleSet", "getX509BundleForTrustDomain"],
      [new JwtBundleSet(), "JwtBundleSet", "getJwtBundleForTrustDomain"],
      [new BundleSet(), "BundleSet", "getBundleForTrustDomain"],
    ] as const
  ) {
    for (const method of ["get", "has", "remove", getter]) {
      cases.push([
        () => untyped(set)[method](undefined),
        `${name}.${method}(trustDomain)`,
        "undefined",
      ]);
    }
  }
  const bundles = new BundleSet();
  cases.push(
    [
      () => bundles.getX509BundleForTrustDomain(untyped(undefined)),
      "BundleSet.getX509BundleForTrustDomain(trustDomain)",
      "undefined",
    ],
    [
      () => bundles.getJwtBundleForTrustDomain(untyped(undefined)),
      "BundleSet.getJwtBundleForTrustDomain(trustDomain)",
      "undefined",
    ],
  );
  for (const [fn, where, given] of cases) rejects(fn, `${where}: ${EXPECTED}, got ${given}`);
});
