import assert from "node:assert";
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { X509Bundle } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";
import { concatDer, TestCa } from "../_helpers/ca.ts";

const td = TrustDomain.parse("example.org");
const td2 = TrustDomain.parse("other.org");
const ca1 = (await TestCa.root("example.org")).cert;
const ca2 = (await TestCa.root("example.org", { keyAlgorithm: "RSA" })).cert;
const ca3 = (await TestCa.root("other.org")).cert;

// A block of another type, generated here so no key material sits in the repository.
const KEY_PEM = generateKeyPairSync("ed25519").privateKey
  .export({ type: "pkcs8", format: "pem" }) as string;

function names(certs: X509Certificate[]): string[] {
  return certs.map((c) => c.fingerprint256);
}

Deno.test("X509Bundle.parse: PEM round trip keeps order and bytes", () => {
  const pem = `${ca1.pem}${ca2.pem}`;
  const bundle = X509Bundle.parse(td, pem);
  assert.equal(bundle.trustDomain, td);
  assert.deepEqual(names(bundle.x509Authorities()), names([ca1.cert, ca2.cert]));
  // Both certificates were written with 64-character lines, as marshal writes them.
  assert.equal(bundle.marshal(), pem);
  assert.ok(X509Bundle.parse(td, bundle.marshal()).equals(bundle));
  assert.ok(X509Bundle.parse(td, new TextEncoder().encode(pem)).equals(bundle));
});

Deno.test("X509Bundle.parse: reads only CERTIFICATE blocks, ignores text around them", () => {
  const bundle = X509Bundle.parse(td, `leading text\n${KEY_PEM}${ca1.pem}\ntrailing text\n`);
  assert.deepEqual(names(bundle.x509Authorities()), names([ca1.cert]));
  // Blocks were found but none is a certificate: an empty bundle, as in go-spiffe.
  assert.equal(X509Bundle.parse(td, KEY_PEM).x509Authorities().length, 0);
});

Deno.test("X509Bundle.parse: duplicates are stored once", () => {
  const bundle = X509Bundle.parse(td, `${ca1.pem}\n${ca1.pem}\n`);
  assert.equal(bundle.x509Authorities().length, 1);
});

Deno.test("X509Bundle.parse: errors", () => {
  const noBlocks = "x509bundle: cannot parse certificate: no PEM blocks found";
  assertBundleError(() => X509Bundle.parse(td, ""), "malformed", noBlocks);
  assertBundleError(() => X509Bundle.parse(td, "not PEM at all"), "malformed", noBlocks);
  assertBundleError(() => X509Bundle.parse(td, new Uint8Array([1, 2, 3])), "malformed", noBlocks);
  assertBundleError(
    () => X509Bundle.parse(td, "-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"),
    "malformed",
    "x509bundle: cannot parse certificate: PEM block body is not valid base64",
  );
  const truncated = ca1.pem.split("\n").slice(0, 3).join("\n") + "\n-----END CERTIFICATE-----\n";
  const err = assertBundleError(
    () => X509Bundle.parse(td, truncated),
    "malformed",
    `x509bundle: cannot parse certificate: truncated DER: certificate 0 needs ${ca1.der.length} bytes, 96 remain`,
  );
  assert.ok(err.cause instanceof SyntaxError);
  const withTrailing = "-----BEGIN CERTIFICATE-----\n" +
    btoa(String.fromCharCode(...ca1.der, 0x30, 0x00)) + "\n-----END CERTIFICATE-----\n";
  assertBundleError(
    () => X509Bundle.parse(td, withTrailing),
    "malformed",
    "x509bundle: cannot parse certificate: trailing data after certificate",
  );
});

Deno.test("X509Bundle.parseRaw: a SEQUENCE that is not a certificate keeps the cause", () => {
  const notACert = new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]);
  let reason = "";
  try {
    new X509Certificate(notACert);
  } catch (cause) {
    reason = (cause as Error).message;
  }
  assert.notEqual(reason, "");
  const err = assertBundleError(
    () => X509Bundle.parseRaw(td, notACert),
    "malformed",
    `x509bundle: cannot parse certificate: ${reason}`,
  );
  assert.ok(err.cause instanceof Error);
});

Deno.test("X509Bundle.parseRaw: DER round trip of concatenated certificates", () => {
  const bundle = X509Bundle.parseRaw(td, concatDer(ca1.der, ca2.der, ca1.der));
  assert.deepEqual(names(bundle.x509Authorities()), names([ca1.cert, ca2.cert]));
  const raw = concatDer(...bundle.x509Authorities().map((c) => new Uint8Array(c.raw)));
  assert.ok(X509Bundle.parseRaw(td, raw).equals(bundle));
  assert.ok(bundle.equals(X509Bundle.fromAuthorities(td, [ca1.cert, ca2.cert])));
});

Deno.test("X509Bundle.parseRaw: empty bytes give an empty bundle", () => {
  const bundle = X509Bundle.parseRaw(td, new Uint8Array());
  assert.equal(bundle.x509Authorities().length, 0);
  assert.equal(bundle.marshal(), "");
});

Deno.test("X509Bundle.parseRaw: truncated and malformed DER", () => {
  const err = assertBundleError(
    () => X509Bundle.parseRaw(td, concatDer(ca1.der, ca2.der.subarray(0, 40))),
    "malformed",
    `x509bundle: cannot parse certificate: truncated DER: certificate 1 needs ${ca2.der.length} bytes, 40 remain`,
  );
  assert.ok(err.cause instanceof SyntaxError);
  assertBundleError(
    () => X509Bundle.parseRaw(td, new TextEncoder().encode(ca1.pem)),
    "malformed",
    "x509bundle: cannot parse certificate: malformed DER: certificate 0 does not start with a SEQUENCE tag at offset 0",
  );
});

Deno.test("X509Bundle: add, has, remove and revision", () => {
  const bundle = new X509Bundle(td);
  assert.equal(bundle.revision, 0);
  bundle.addX509Authority(ca1.cert);
  assert.equal(bundle.revision, 1);
  // The same certificate as another object is a duplicate.
  bundle.addX509Authority(new X509Certificate(ca1.der));
  assert.equal(bundle.revision, 1);
  assert.ok(bundle.hasX509Authority(new X509Certificate(ca1.pem)));
  assert.ok(!bundle.has(ca2.cert));
  bundle.add(ca2.cert);
  assert.equal(bundle.revision, 2);
  assert.ok(bundle.has(ca2.cert));
  bundle.remove(ca1.cert);
  assert.equal(bundle.revision, 3);
  bundle.removeX509Authority(ca1.cert); // absent: no change
  assert.equal(bundle.revision, 3);
  assert.deepEqual(names(bundle.x509Authorities()), names([ca2.cert]));
  // The list is a copy.
  bundle.x509Authorities().push(ca1.cert);
  assert.equal(bundle.x509Authorities().length, 1);
  assert.throws(
    () => bundle.add({} as X509Certificate),
    new TypeError("X.509 authority must be a node:crypto X509Certificate"),
  );
});

Deno.test("X509Bundle: equals compares trust domain and ordered authorities", () => {
  const a = X509Bundle.fromAuthorities(td, [ca1.cert, ca2.cert]);
  assert.ok(a.equals(X509Bundle.fromAuthorities(td, [ca1.cert, ca2.cert, ca1.cert])));
  assert.ok(!a.equals(X509Bundle.fromAuthorities(td, [ca2.cert, ca1.cert])));
  assert.ok(!a.equals(X509Bundle.fromAuthorities(td2, [ca1.cert, ca2.cert])));
  assert.ok(!a.equals(X509Bundle.fromAuthorities(td, [ca1.cert])));
  assert.ok(new X509Bundle(td).equals(new X509Bundle(td)));
});

Deno.test("X509Bundle: clone is independent", () => {
  const original = X509Bundle.fromAuthorities(td, [ca1.cert]);
  const copy = original.clone();
  assert.ok(copy.equals(original));
  copy.add(ca3.cert);
  assert.equal(original.x509Authorities().length, 1);
  assert.equal(original.revision, 0);
});

Deno.test("X509Bundle: getX509BundleForTrustDomain", () => {
  const bundle = new X509Bundle(td);
  assert.equal(
    bundle.getX509BundleForTrustDomain(TrustDomain.parse("spiffe://example.org")),
    bundle,
  );
  assertBundleError(
    () => bundle.getX509BundleForTrustDomain(td2),
    "not-found",
    'x509bundle: no X.509 bundle found for trust domain: "other.org"',
  );
});

Deno.test("X509Bundle.parse: hostile PEM costs linear time (no quadratic marker search)", () => {
  // Before the linear reader, 16,000 unterminated BEGIN lines took 4 s and every 4x more
  // input cost 16x; 200,000 of them (5 MB) would have taken about 10 minutes. Each shape
  // below once made the search scan to the end of the input for every marker.
  const noBlocks = "x509bundle: cannot parse certificate: no PEM blocks found";
  const shapes = [
    "-----BEGIN CERTIFICATE-----\n".repeat(200_000),
    Array.from({ length: 100_000 }, (_, i) => `-----BEGIN X${i}-----\n`).join(""),
    "-----BEGIN ".repeat(300_000),
    "-----END CERTIFICATE-----\n".repeat(100_000) + "-----BEGIN CERTIFICATE-----\n",
  ];
  for (const text of shapes) {
    assertBundleError(() => X509Bundle.parse(td, text), "malformed", noBlocks);
  }
  // Blocks after a flood of noise are still found.
  const noisy = "-----BEGIN CERTIFICATE-----\n".repeat(50_000) + ca1.pem;
  assert.deepEqual(names(X509Bundle.parse(td, noisy).x509Authorities()), names([ca1.cert]));
});
