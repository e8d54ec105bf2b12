import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createPrivateKey } from "node:crypto";
import { X509Svid, X509SvidError, type X509SvidErrorReason } from "../../mod.ts";
import { concatDer, KU, TestCa } from "../_helpers/ca.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";

const ID = "spiffe://example.org/workload";
const root = await TestCa.root();
const intermediate = await root.intermediate();
const leaf = await intermediate.svid(ID);

/** Asserts an X509SvidError: its `reason` first, then its code and exact `message`. */
function throws(fn: () => unknown, reason: X509SvidErrorReason, message: string | RegExp) {
  assertThrowsReason(fn, X509SvidError, "ERR_X509_SVID", reason, message);
}

Deno.test("parses a PEM chain and key", () => {
  const svid = X509Svid.parse(leaf.pem + intermediate.cert.pem, leaf.keyPem, { hint: "internal" });
  assert.equal(svid.id.toString(), ID);
  assert.equal(svid.certificates.length, 2);
  assert.equal(svid.certificates[0].fingerprint256, leaf.cert.fingerprint256);
  assert.equal(svid.hint, "internal");
  assert.equal(svid.expiresAt.getTime(), new Date(leaf.cert.validTo).getTime());
  assert.equal(svid.privateKey.asymmetricKeyType, "ec");
  assert.equal(svid.getX509Svid(), svid);
});

Deno.test("parses the Workload API's DER form, and round-trips both forms", () => {
  const svid = X509Svid.parseRaw(concatDer(leaf.der, intermediate.cert.der), leaf.keyDer);
  assert.equal(svid.id.toString(), ID);
  assert.equal(svid.hint, "");
  const raw = svid.marshalRaw();
  assert.deepEqual(raw.certificates, concatDer(leaf.der, intermediate.cert.der));
  assert.deepEqual(raw.privateKey, leaf.keyDer);
  const pem = svid.marshal();
  const again = X509Svid.parse(pem.certificates, pem.privateKey);
  assert.deepEqual(again.marshalRaw(), raw);
});

Deno.test("parses every supported key type", async () => {
  for (const keyAlgorithm of ["P-384", "RSA", "Ed25519"] as const) {
    const cert = await root.svid(ID, { keyAlgorithm });
    assert.equal(X509Svid.parseRaw(cert.der, cert.keyDer).id.toString(), ID, keyAlgorithm);
  }
});

Deno.test("rejects input without the expected PEM blocks", () => {
  throws(
    () => X509Svid.parse("nothing here", leaf.keyPem),
    "malformed-certificate",
    "x509svid: cannot parse PEM encoded certificate: no PEM blocks found",
  );
  throws(
    () => X509Svid.parse(leaf.pem, leaf.pem),
    "malformed-private-key",
    "x509svid: cannot parse PEM encoded private key: no PEM blocks found",
  );
  const sec1 = leaf.privateKey.export({ format: "pem", type: "sec1" }).toString();
  throws(
    () => X509Svid.parse(leaf.pem, sec1),
    "malformed-private-key",
    "x509svid: cannot parse PEM encoded private key: no PEM blocks found",
  );
});

Deno.test("rejects undecodable certificates and keys", () => {
  throws(
    () =>
      X509Svid.parse("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", leaf.keyPem),
    "malformed-certificate",
    /^x509svid: cannot parse PEM encoded certificate: /,
  );
  throws(
    () => X509Svid.parseRaw(leaf.der.subarray(0, 100), leaf.keyDer),
    "malformed-certificate",
    /^x509svid: cannot parse DER encoded certificate: /,
  );
  throws(
    () => X509Svid.parseRaw(leaf.der, new Uint8Array([1, 2, 3])),
    "malformed-private-key",
    /^x509svid: cannot parse DER encoded private key: /,
  );
  const sec1 = new Uint8Array(leaf.privateKey.export({ format: "der", type: "sec1" }));
  throws(
    () => X509Svid.parseRaw(leaf.der, sec1),
    "malformed-private-key",
    /^x509svid: cannot parse DER encoded private key: /,
  );
});

const certificateCases: [string, Parameters<TestCa["issue"]>[0], string][] = [
  [
    "no URI SAN",
    { uris: [], dnsNames: ["x.example.org"] },
    "cannot get leaf certificate SPIFFE ID: certificate contains no URI SAN",
  ],
  [
    "two URI SANs",
    { uris: [ID, "spiffe://example.org/b"] },
    "cannot get leaf certificate SPIFFE ID: certificate contains more than one URI SAN",
  ],
  [
    "a root ID",
    { uris: ["spiffe://example.org"] },
    "leaf certificate SPIFFE ID must have a non-root path",
  ],
  [
    "the CA flag",
    { isCA: true, keyUsage: KU.digitalSignature },
    "leaf certificate must not have CA flag set to true",
  ],
  [
    "no digitalSignature",
    { keyUsage: KU.keyAgreement },
    "leaf certificate must have 'digitalSignature' set as key usage",
  ],
  [
    "keyCertSign",
    { keyUsage: KU.digitalSignature | KU.keyCertSign },
    "leaf certificate must not have 'keyCertSign' set as key usage",
  ],
  [
    "cRLSign",
    { keyUsage: KU.digitalSignature | KU.cRLSign },
    "leaf certificate must not have 'cRLSign' set as key usage",
  ],
  [
    "clientAuth only",
    { extKeyUsage: ["1.3.6.1.5.5.7.3.2"] },
    "leaf certificate extended key usage must include serverAuth and clientAuth",
  ],
];

for (const [name, options, reason] of certificateCases) {
  Deno.test(`rejects an SVID whose leaf has ${name}`, async () => {
    const cert = await root.svid(ID, options);
    throws(
      () => X509Svid.parseRaw(cert.der, cert.keyDer),
      "invalid-certificate",
      `x509svid: certificate validation failed: ${reason}`,
    );
  });
}

Deno.test("rejects signing certificates that are not CAs with keyCertSign", async () => {
  const notCa = await root.intermediate("example.org", { isCA: false, keyUsage: KU.keyCertSign });
  const under = await notCa.svid(ID);
  throws(
    () => X509Svid.parseRaw(concatDer(under.der, notCa.cert.der), under.keyDer),
    "invalid-certificate",
    "x509svid: certificate validation failed: signing certificate must have CA flag set to true",
  );
  const noSign = await root.intermediate("example.org", { keyUsage: KU.cRLSign });
  const below = await noSign.svid(ID);
  throws(
    () => X509Svid.parseRaw(concatDer(below.der, noSign.cert.der), below.keyDer),
    "invalid-certificate",
    "x509svid: certificate validation failed: signing certificate must have 'keyCertSign' set as key usage",
  );
});

Deno.test("rejects a key that does not match the leaf", async () => {
  const other = await root.svid(ID);
  throws(
    () => X509Svid.parseRaw(leaf.der, other.keyDer),
    "invalid-private-key",
    "x509svid: private key validation failed: leaf certificate does not match private key",
  );
});

Deno.test("rejects an unsupported key type", () => {
  // An X25519 key can never sign a TLS handshake.
  const x25519 = createPrivateKey({
    key: Buffer.from("302e020100300506032b656e04220420" + "11".repeat(32), "hex"),
    format: "der",
    type: "pkcs8",
  });
  const der = new Uint8Array(x25519.export({ format: "der", type: "pkcs8" }));
  throws(
    () => X509Svid.parseRaw(leaf.der, der),
    "invalid-private-key",
    "x509svid: private key validation failed: unsupported private key type x25519",
  );
});
