import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import {
  TrustDomain,
  verifyX509Svid,
  X509Bundle,
  X509BundleSet,
  X509SvidError,
  type X509SvidErrorReason,
} from "../../mod.ts";
import { EKU, KU, type TestCa, TestCa as Ca } from "../_helpers/ca.ts";
import { assertRejectsReason } from "../_helpers/assert.ts";

const td = TrustDomain.parse("example.org");
const ID = "spiffe://example.org/workload";
const HOUR = 3600_000;

function bundleOf(...cas: TestCa[]): X509Bundle {
  return X509Bundle.fromAuthorities(td, cas.map((ca) => ca.cert.cert));
}

/** Asserts an X509SvidError: its `reason` first, then its code and exact `message`. */
function rejects(
  promise: Promise<unknown>,
  reason: X509SvidErrorReason,
  message: string | RegExp,
) {
  return assertRejectsReason(promise, X509SvidError, "ERR_X509_SVID", reason, message);
}

const root = await Ca.root();
const bundle = bundleOf(root);
const unverified = "x509svid: could not verify leaf certificate: ";

Deno.test("verifies a leaf issued by a bundle authority", async () => {
  const leaf = await root.svid(ID);
  const { id, verifiedChains } = await verifyX509Svid([leaf.der], bundle);
  assert.equal(id.toString(), ID);
  assert.equal(verifiedChains.length, 1);
  assert.deepEqual(verifiedChains[0].map((cert) => cert.fingerprint256), [
    leaf.cert.fingerprint256,
    root.cert.cert.fingerprint256,
  ]);
});

Deno.test("verifies through an intermediate, given as X509Certificate objects", async () => {
  const intermediate = await root.intermediate();
  const leaf = await intermediate.svid(ID);
  const { id, verifiedChains } = await verifyX509Svid(
    [leaf.cert, intermediate.cert.cert],
    bundle,
  );
  assert.equal(id.toString(), ID);
  assert.equal(verifiedChains[0].length, 3);
  assert.ok(verifiedChains[0][0] instanceof X509Certificate);
});

Deno.test("verifies through two intermediates", async () => {
  const first = await root.intermediate();
  const second = await first.intermediate();
  const leaf = await second.svid(ID);
  const { verifiedChains } = await verifyX509Svid(
    [leaf.der, second.cert.der, first.cert.der],
    bundle,
  );
  assert.equal(verifiedChains[0].length, 4);
});

Deno.test("accepts every supported key type", async () => {
  for (const keyAlgorithm of ["P-384", "RSA", "Ed25519"] as const) {
    const ca = await Ca.root("example.org", { keyAlgorithm });
    const leaf = await ca.svid(ID, { keyAlgorithm });
    const { id } = await verifyX509Svid([leaf.der], bundleOf(ca));
    assert.equal(id.toString(), ID, keyAlgorithm);
  }
});

Deno.test("accepts a leaf without an extended key usage extension", async () => {
  const leaf = await root.svid(ID, { extKeyUsage: null });
  assert.equal((await verifyX509Svid([leaf.der], bundle)).id.toString(), ID);
});

Deno.test("chains to any authority of a bundle that holds several", async () => {
  const other = await Ca.root();
  const leaf = await other.svid(ID);
  const { verifiedChains } = await verifyX509Svid([leaf.der], bundleOf(root, other));
  assert.equal(verifiedChains[0][1].fingerprint256, other.cert.cert.fingerprint256);
});

Deno.test("rejects an empty chain and a missing bundle source", async () => {
  await rejects(
    verifyX509Svid([], bundle),
    "no-certificates",
    "x509svid: empty certificates chain",
  );
  const leaf = await root.svid(ID);
  await rejects(
    // deno-lint-ignore no-explicit-any
    verifyX509Svid([leaf.der], undefined as any),
    "bundle-not-found",
    "x509svid: bundleSource is required",
  );
});

Deno.test("rejects bytes that are not a certificate", async () => {
  await rejects(
    verifyX509Svid([new Uint8Array([0x30, 0x03, 1, 2, 3])], bundle),
    "malformed-certificate",
    /^x509svid: unable to parse certificate: /,
  );
});

const leafIdCases: [string, Parameters<TestCa["issue"]>[0], string][] = [
  ["no URI SAN", { dnsNames: ["example.org"] }, "certificate contains no URI SAN"],
  [
    "two URI SANs",
    { uris: [ID, "spiffe://example.org/other"] },
    "certificate contains more than one URI SAN",
  ],
  ["an https URI", { uris: ["https://example.org/workload"] }, "scheme is missing or invalid"],
  [
    "an uppercase trust domain",
    { uris: ["spiffe://Example.org/workload"] },
    "trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores",
  ],
  [
    "a comma-smuggled second URI",
    { uris: ["spiffe://example.org/a, URI:spiffe://evil.org/x"] },
    "path segment characters are limited to letters, numbers, dots, dashes, and underscores",
  ],
  ["a dot segment", { uris: ["spiffe://example.org/a/../b"] }, "path cannot contain dot segments"],
];

for (const [name, options, reason] of leafIdCases) {
  Deno.test(`rejects a leaf with ${name}`, async () => {
    const leaf = await root.issue(options);
    await rejects(
      verifyX509Svid([leaf.der], bundle),
      "invalid-certificate",
      `x509svid: could not get leaf SPIFFE ID: ${reason}`,
    );
  });
}

const leafRuleCases: [string, Parameters<TestCa["issue"]>[0], X509SvidErrorReason, string][] = [
  [
    "a root ID",
    { uris: ["spiffe://example.org"] },
    "invalid-certificate",
    "x509svid: leaf certificate SPIFFE ID must have a non-root path",
  ],
  [
    "the CA flag",
    { isCA: true, keyUsage: KU.digitalSignature },
    "invalid-certificate",
    "x509svid: leaf certificate with CA flag set to true",
  ],
  [
    "keyCertSign",
    { keyUsage: KU.digitalSignature | KU.keyCertSign },
    "invalid-certificate",
    "x509svid: leaf certificate with KeyCertSign key usage",
  ],
  [
    "cRLSign",
    { keyUsage: KU.digitalSignature | KU.cRLSign },
    "invalid-certificate",
    "x509svid: leaf certificate with KeyCrlSign key usage",
  ],
  [
    "no digitalSignature",
    { keyUsage: KU.keyEncipherment },
    "invalid-certificate",
    "x509svid: leaf certificate without DigitalSignature key usage",
  ],
  [
    "no key usage extension",
    { keyUsage: null },
    "invalid-certificate",
    "x509svid: leaf certificate without DigitalSignature key usage",
  ],
  [
    "serverAuth only",
    { extKeyUsage: [EKU.serverAuth] },
    "invalid-certificate",
    "x509svid: leaf certificate extended key usage must include serverAuth and clientAuth",
  ],
  [
    "codeSigning only",
    { extKeyUsage: ["1.3.6.1.5.5.7.3.3"] },
    "invalid-certificate",
    "x509svid: leaf certificate extended key usage must include serverAuth and clientAuth",
  ],
  [
    "an unknown critical extension",
    { unknownCriticalExtension: true },
    "invalid-chain",
    `${unverified}x509: unhandled critical extension`,
  ],
];

for (const [name, options, reason, message] of leafRuleCases) {
  Deno.test(`rejects a leaf with ${name}`, async () => {
    const leaf = await root.svid(ID, options);
    await rejects(verifyX509Svid([leaf.der], bundle), reason, message);
  });
}

Deno.test("rejects a trust domain with no bundle", async () => {
  const leaf = await root.svid("spiffe://other.org/workload");
  await rejects(
    verifyX509Svid([leaf.der], new X509BundleSet(bundle)),
    "bundle-not-found",
    'x509svid: could not get X509 bundle: x509bundle: no X.509 bundle for trust domain "other.org"',
  );
});

Deno.test("rejects a leaf from an unknown authority", async () => {
  const stranger = await Ca.root();
  const leaf = await stranger.svid(ID);
  await rejects(
    verifyX509Svid([leaf.der], bundle),
    "unknown-authority",
    `${unverified}x509: certificate signed by unknown authority`,
  );
});

Deno.test("anchors only in the bundle of the leaf's own trust domain", async () => {
  // A CA of other.org issues an ID in example.org: both bundles are loaded, yet the
  // chain must anchor in example.org's bundle, where that CA is not.
  const otherCa = await Ca.root("other.org");
  const forged = await otherCa.svid(ID);
  const set = new X509BundleSet(
    bundle,
    X509Bundle.fromAuthorities(TrustDomain.parse("other.org"), [otherCa.cert.cert]),
  );
  await rejects(
    verifyX509Svid([forged.der], set),
    "unknown-authority",
    `${unverified}x509: certificate signed by unknown authority`,
  );
  const genuine = await otherCa.svid("spiffe://other.org/workload");
  assert.equal((await verifyX509Svid([genuine.der], set)).id.trustDomain.name, "other.org");
});

Deno.test("never trusts a presented certificate as an anchor", async () => {
  const attacker = await Ca.root();
  const leaf = await attacker.svid(ID);
  await rejects(
    verifyX509Svid([leaf.der, attacker.cert.der], bundle),
    "unknown-authority",
    `${unverified}x509: certificate signed by unknown authority`,
  );
});

Deno.test("rejects a leaf signed by a different key under the authority's name", async () => {
  const impostor = await Ca.root("example.org", { commonName: root.name.slice(3) });
  const leaf = await impostor.svid(ID);
  await rejects(
    verifyX509Svid([leaf.der], bundle),
    "unknown-authority",
    `${unverified}x509: certificate signed by unknown authority`,
  );
});

Deno.test("rejects expired and not-yet-valid certificates anywhere in the chain", async () => {
  const past = {
    notBefore: new Date(Date.now() - 3 * HOUR),
    notAfter: new Date(Date.now() - HOUR),
  };
  const future = {
    notBefore: new Date(Date.now() + HOUR),
    notAfter: new Date(Date.now() + 2 * HOUR),
  };
  const expired =
    /^x509svid: could not verify leaf certificate: x509: certificate has expired or is not yet valid: current time \S+ is after \S+$/;
  const early =
    /^x509svid: could not verify leaf certificate: x509: certificate has expired or is not yet valid: current time \S+ is before \S+$/;

  await rejects(verifyX509Svid([(await root.svid(ID, past)).der], bundle), "expired", expired);
  await rejects(
    verifyX509Svid([(await root.svid(ID, future)).der], bundle),
    "not-yet-valid",
    early,
  );

  const oldIntermediate = await root.intermediate("example.org", past);
  const leaf = await oldIntermediate.svid(ID);
  await rejects(verifyX509Svid([leaf.der, oldIntermediate.cert.der], bundle), "expired", expired);

  const oldRoot = await Ca.root("example.org", past);
  await rejects(
    verifyX509Svid([(await oldRoot.svid(ID)).der], bundleOf(oldRoot)),
    "expired",
    expired,
  );
});

Deno.test("verifies at the time given", async () => {
  const oldRoot = await Ca.root("example.org", { notBefore: new Date(Date.now() - 5 * HOUR) });
  const leaf = await oldRoot.svid(ID, {
    notBefore: new Date(Date.now() - 3 * HOUR),
    notAfter: new Date(Date.now() - 2 * HOUR),
  });
  const time = new Date(Date.now() - 2.5 * HOUR);
  const oldBundle = bundleOf(oldRoot);
  assert.equal((await verifyX509Svid([leaf.der], oldBundle, { time })).id.toString(), ID);
  await rejects(verifyX509Svid([leaf.der], oldBundle), "expired", /is after/);
});

const signerCases: [string, Parameters<TestCa["intermediate"]>[1], string][] = [
  [
    "is not a CA",
    { isCA: false, keyUsage: KU.keyCertSign },
    "x509: certificate is not authorized to sign other certificates",
  ],
  [
    "has no basic constraints",
    { basicConstraints: false },
    "x509: certificate is not authorized to sign other certificates",
  ],
  [
    "lacks keyCertSign",
    { keyUsage: KU.cRLSign },
    "x509: certificate is not authorized to sign other certificates",
  ],
  [
    "has an unknown critical extension",
    { unknownCriticalExtension: true },
    "x509: unhandled critical extension",
  ],
  [
    "is constrained to another trust domain",
    { permittedUris: ["other.org"] },
    'x509: a root or intermediate certificate is not authorized to sign for this name: URI name "spiffe://example.org/workload" is not permitted by any constraint',
  ],
  [
    "excludes the trust domain",
    { excludedUris: ["example.org"] },
    'x509: a root or intermediate certificate is not authorized to sign for this name: URI name "spiffe://example.org/workload" is excluded by constraint "example.org"',
  ],
  [
    "excludes the parent domain's subdomains",
    { excludedUris: [".org"] },
    'x509: a root or intermediate certificate is not authorized to sign for this name: URI name "spiffe://example.org/workload" is excluded by constraint ".org"',
  ],
];

Deno.test("an e-mail name constraint does not stop a leaf that has no e-mail names", async () => {
  const intermediate = await root.intermediate("example.org", {
    uris: [],
    permittedEmails: ["a@example.org"],
  });
  const leaf = await intermediate.svid(ID);
  const { id } = await verifyX509Svid([leaf.der, intermediate.cert.der], bundle);
  assert.equal(id.toString(), ID);
});

for (const [name, options, reason] of signerCases) {
  Deno.test(`rejects a chain whose intermediate ${name}`, async () => {
    const intermediate = await root.intermediate("example.org", { uris: [], ...options });
    const leaf = await intermediate.svid(ID);
    await rejects(
      verifyX509Svid([leaf.der, intermediate.cert.der], bundle),
      "invalid-chain",
      `${unverified}${reason}`,
    );
  });
}

Deno.test("accepts URI name constraints that permit the trust domain", async () => {
  for (const permitted of ["example.org", ".org"]) {
    const intermediate = await root.intermediate("example.org", {
      uris: [],
      permittedUris: [permitted],
    });
    const leaf = await intermediate.svid(ID);
    const { id } = await verifyX509Svid([leaf.der, intermediate.cert.der], bundle);
    assert.equal(id.toString(), ID, permitted);
  }
});

Deno.test("enforces path length constraints", async () => {
  const strictRoot = await Ca.root("example.org", { pathLength: 0 });
  const intermediate = await strictRoot.intermediate();
  const leaf = await intermediate.svid(ID);
  await rejects(
    verifyX509Svid([leaf.der, intermediate.cert.der], bundleOf(strictRoot)),
    "invalid-chain",
    `${unverified}x509: too many intermediates for path length constraint`,
  );
  const direct = await strictRoot.svid(ID);
  assert.equal((await verifyX509Svid([direct.der], bundleOf(strictRoot))).id.toString(), ID);

  const oneLevel = await root.intermediate("example.org", { pathLength: 0 });
  const below = await oneLevel.svid(ID);
  assert.equal((await verifyX509Svid([below.der, oneLevel.cert.der], bundle)).id.toString(), ID);
});

Deno.test("a cached chain is not accepted once its authority leaves the bundle", async () => {
  const ca = await Ca.root();
  const rotating = bundleOf(ca);
  const leaf = await ca.svid(ID);
  await verifyX509Svid([leaf.der], rotating);
  await verifyX509Svid([leaf.der], rotating); // served from the cache
  rotating.removeX509Authority(ca.cert.cert);
  await rejects(
    verifyX509Svid([leaf.der], rotating),
    "unknown-authority",
    `${unverified}x509: certificate signed by unknown authority`,
  );
  rotating.addX509Authority(ca.cert.cert);
  assert.equal((await verifyX509Svid([leaf.der], rotating)).id.toString(), ID);
});

Deno.test("a cached chain is not accepted after it expires", async () => {
  const leaf = await root.svid(ID, { notAfter: new Date(Date.now() + HOUR) });
  await verifyX509Svid([leaf.der], bundle);
  await rejects(
    verifyX509Svid([leaf.der], bundle, { time: new Date(Date.now() + 2 * HOUR) }),
    "expired",
    /is after/,
  );
});

Deno.test("a failure is never cached into an acceptance", async () => {
  const ca = await Ca.root();
  const leaf = await ca.svid(ID);
  const empty = new X509Bundle(td);
  await rejects(verifyX509Svid([leaf.der], empty), "unknown-authority", /unknown authority/);
  await rejects(verifyX509Svid([leaf.der], empty), "unknown-authority", /unknown authority/);
  assert.equal((await verifyX509Svid([leaf.der], bundleOf(ca))).id.toString(), ID);
});
