// Hardening contract of verifyX509Svid (issue #8): bounded path building, a cap on the
// presented and built chain, unloadable keys, signature algorithm and encoding rules,
// name constraints of every type, and RFC 5280 structure rules (Go's x509 strictness).
// Certificates come from the ASN.1 forge, so each case breaks exactly one rule.
import assert from "node:assert/strict";
import {
  TrustDomain,
  type VerifiedX509Svid,
  verifyX509Svid,
  X509Bundle,
  X509SvidError,
  type X509SvidErrorReason,
} from "../../mod.ts";
import { assertRejectsReason } from "../_helpers/assert.ts";
import {
  algorithmIdentifier,
  ecKeys,
  ed25519Keys,
  forge,
  type Forged,
  type ForgeOptions,
  forgeSvidChain,
  forgeWith,
  type KeyPair,
  KU,
  rsaKeys,
  SIG,
  signerOf,
  type SvidChainOptions,
  UNLOADABLE_KINDS,
  unloadableSpki,
} from "../_helpers/forge.ts";

const P = "x509svid: could not verify leaf certificate: ";
const ID = "spiffe://example.org/workload";
const HOUR = 3600_000;

/** Asserts an X509SvidError: its `reason` first, then its code and exact `message`. */
async function rejects(
  promise: Promise<unknown>,
  reason: X509SvidErrorReason,
  message: string | RegExp,
): Promise<void> {
  await assertRejectsReason(promise, X509SvidError, "ERR_X509_SVID", reason, message);
}

async function verifies(
  certs: Uint8Array[],
  bundle: X509Bundle,
  id = ID,
): Promise<VerifiedX509Svid> {
  let result: VerifiedX509Svid;
  try {
    result = await verifyX509Svid(certs, bundle);
  } catch (err) {
    assert.fail(`expected the chain to verify, got ${err}`);
  }
  assert.equal(result.id.toString(), id);
  return result;
}

/** Accepts either outcome, but an error must be an X509SvidError. */
async function settles(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "accepted";
  } catch (err) {
    assert.ok(err instanceof X509SvidError, `expected X509SvidError, got ${err}`);
    assert.equal(err.code, "ERR_X509_SVID");
    return `refused (${err.message})`;
  }
}

function bundleOf(root: Forged, trustDomain = "example.org"): X509Bundle {
  assert.ok(root.cert !== undefined, "node:crypto cannot parse the root");
  return X509Bundle.fromAuthorities(TrustDomain.parse(trustDomain), [root.cert]);
}

/** A bundle whose only authority is unrelated to anything a test presents. */
const unrelatedBundle = () => forgeSvidChain({ intermediate: false }).bundle;

// RSA key generation is slow: three pairs, handed out in turn (distinct within a chain).
const rsaPool = [rsaKeys(), rsaKeys(), rsaKeys()];
let rsaTurn = 0;
const rsa = (): KeyPair => rsaPool[rsaTurn++ % rsaPool.length];

Deno.test("the forge is sound: its clean chains verify", async () => {
  const withIntermediate = forgeSvidChain();
  const { verifiedChains } = await verifies(withIntermediate.chain, withIntermediate.bundle);
  assert.equal(verifiedChains[0].length, 3);
  const direct = forgeSvidChain({ intermediate: false });
  assert.equal((await verifies(direct.chain, direct.bundle)).verifiedChains[0].length, 2);
  for (const keys of [rsa, () => ecKeys("P-384")]) {
    const chain = forgeSvidChain({ keys });
    await verifies(chain.chain, chain.bundle);
  }
});

// --- 1. Bounded path building ----------------------------------------------------------

/** `n` self-signed CA certificates sharing `subject` and `keys`, differing in validity. */
function bombCas(n: number, subject: string, keys: KeyPair): Forged[] {
  return Array.from({ length: n }, (_, i) =>
    forge({
      subject,
      isCA: true,
      signer: { key: keys.privateKey, subject },
      notBefore: new Date(Date.now() - HOUR - i * 1000),
      notAfter: new Date(Date.now() + HOUR + i * 1000),
    }));
}

for (let n = 4; n <= 10; n++) {
  Deno.test(`a bomb of ${n} CAs sharing one subject and key, untrusted, is refused`, async () => {
    const keys = ecKeys();
    const subject = `CN=bomb ${n}`;
    const cas = bombCas(n, subject, keys);
    const leaf = forgeWith({ uris: [ID], signer: signerOf(cas[0]) });
    await rejects(
      verifyX509Svid([leaf.der, ...cas.map((ca) => ca.der)], unrelatedBundle()),
      "unknown-authority",
      `${P}x509: certificate signed by unknown authority`,
    );
  });
}

Deno.test("a bomb on a bundle root's own subject and key terminates", async () => {
  for (let n = 4; n <= 10; n++) {
    const keys = ecKeys();
    const subject = `CN=trusted bomb ${n}`;
    const root = forge({ subject, isCA: true, signer: { key: keys.privateKey, subject } });
    const cas = bombCas(n, subject, keys);
    const leaf = forgeWith({ uris: [ID], signer: signerOf(root) });
    const start = performance.now();
    const outcome = await settles(
      verifyX509Svid([leaf.der, ...cas.map((ca) => ca.der)], bundleOf(root)),
    );
    console.log(`trusted bomb N=${n}: ${(performance.now() - start).toFixed(1)} ms, ${outcome}`);
  }
});

Deno.test("a graph needing more than 100 signature checks hits the budget", async () => {
  // Three layers of five CAs; every CA of a layer has that layer's subject and key and is
  // signed by the next layer's key, so 5 + 25 + 125 candidate parents all need a check.
  // The last layer's issuer exists nowhere: nothing can succeed. 16 certificates in all.
  const layers = 3, width = 5;
  const keys = Array.from({ length: layers + 1 }, () => ecKeys());
  const subject = (layer: number) => `CN=budget layer ${layer}`;
  const cas: Forged[] = [];
  for (let layer = 1; layer <= layers; layer++) {
    for (let i = 0; i < width; i++) {
      cas.push(forge({
        subject: subject(layer),
        isCA: true,
        publicKey: keys[layer - 1].publicKey,
        signer: {
          key: keys[layer].privateKey,
          subject: subject(layer + 1),
          spki: keys[layer].publicKey,
        },
      }));
    }
  }
  const leaf = forgeWith({
    uris: [ID],
    signer: { key: keys[0].privateKey, subject: subject(1), spki: keys[0].publicKey },
  });
  const certs = [leaf.der, ...cas.map((ca) => ca.der)];
  assert.equal(certs.length, 16);
  await rejects(
    verifyX509Svid(certs, unrelatedBundle()),
    "invalid-chain",
    `${P}x509: signature check attempts limit reached while verifying certificate chain`,
  );
});

// --- 2. At most 16 presented certificates ------------------------------------------------

/** `count` distinct CA certificates signed by `root` (not on any needed path). */
function spareCas(root: Forged, count: number): Forged[] {
  return Array.from({ length: count }, () => forgeWith({ isCA: true, signer: signerOf(root) }));
}

Deno.test("more than 16 presented certificates are refused before anything else", async () => {
  const { root, leaf, intermediate, bundle } = forgeSvidChain();
  const copies = Array.from({ length: 16 }, () => intermediate!.der);
  await rejects(
    verifyX509Svid([leaf.der, ...copies], bundle),
    "too-many-certificates",
    "x509svid: too many certificates: 17 presented, at most 16 are accepted",
  );
  const distinct = [leaf.der, intermediate!.der, ...spareCas(root, 15).map((ca) => ca.der)];
  await rejects(
    verifyX509Svid(distinct, bundle),
    "too-many-certificates",
    "x509svid: too many certificates: 17 presented, at most 16 are accepted",
  );
  await rejects(
    verifyX509Svid([...distinct, intermediate!.der], bundle),
    "too-many-certificates",
    "x509svid: too many certificates: 18 presented, at most 16 are accepted",
  );
  await verifies(distinct.slice(0, 16), bundle);
});

// --- 3. Built chains are at most 8 certificates long ------------------------------------

/** A ladder: root → I_k → ... → I_1 → leaf; returns the presented chain and bundle. */
function ladder(intermediates: number): { certs: Uint8Array[]; bundle: X509Bundle } {
  const { root, bundle } = forgeSvidChain({ intermediate: false });
  let issuer = root;
  const cas: Forged[] = [];
  for (let i = 0; i < intermediates; i++) {
    issuer = forgeWith({ isCA: true, signer: signerOf(issuer) });
    cas.unshift(issuer);
  }
  const leaf = forgeWith({ uris: [ID], signer: signerOf(issuer) });
  return { certs: [leaf.der, ...cas.map((ca) => ca.der)], bundle };
}

Deno.test("a chain of 10 (and of 9) certificates is longer than the cap of 8", async () => {
  for (const intermediates of [8, 7]) {
    const { certs, bundle } = ladder(intermediates);
    await rejects(
      verifyX509Svid(certs, bundle),
      "invalid-chain",
      `${P}x509: certificate chain is longer than 8 certificates`,
    );
  }
});

Deno.test("a chain of exactly 8 certificates verifies", async () => {
  const { certs, bundle } = ladder(6);
  assert.equal((await verifies(certs, bundle)).verifiedChains[0].length, 8);
});

// --- 4. Public keys node:crypto cannot load (or must not use) ---------------------------

const UNSUPPORTED = /^x509svid: could not verify leaf certificate: x509: unsupported public key/;

for (const kind of UNLOADABLE_KINDS) {
  Deno.test(`an extra ${kind} certificate that is not needed does not matter`, async () => {
    const { root, intermediate, leaf, bundle } = forgeSvidChain();
    // Same subject as the intermediate and no SKI: a real candidate parent of the leaf.
    const twin = forge({
      subject: intermediate!.subject,
      isCA: true,
      publicKey: unloadableSpki(kind),
      subjectKeyId: null,
      signer: signerOf(root),
    });
    const stranger = forge({ isCA: true, publicKey: unloadableSpki(kind), signer: signerOf(root) });
    await verifies([leaf.der, twin.der, intermediate!.der], bundle);
    await verifies([leaf.der, intermediate!.der, twin.der], bundle);
    await verifies([leaf.der, stranger.der, intermediate!.der], bundle);
  });

  Deno.test(`a needed intermediate with a ${kind} key is unsupported`, async () => {
    const { root, bundle } = forgeSvidChain({ intermediate: false });
    const spki = unloadableSpki(kind);
    const intermediate = forge({ isCA: true, publicKey: spki, signer: signerOf(root) });
    // Nobody holds the intermediate's private key: the leaf is signed by a stand-in.
    const leaf = forgeWith({
      uris: [ID],
      signer: { key: ecKeys().privateKey, subject: intermediate.subject, spki },
    });
    await rejects(
      verifyX509Svid([leaf.der, intermediate.der], bundle),
      "invalid-chain",
      UNSUPPORTED,
    );
  });

  Deno.test(`a leaf with a ${kind} key is unsupported`, async () => {
    const spki = unloadableSpki(kind);
    const direct = forgeSvidChain({ intermediate: false, leaf: { publicKey: spki } });
    await rejects(verifyX509Svid(direct.chain, direct.bundle), "invalid-chain", UNSUPPORTED);
    const below = forgeSvidChain({ leaf: { publicKey: spki } });
    await rejects(verifyX509Svid(below.chain, below.bundle), "invalid-chain", UNSUPPORTED);
  });
}

// --- 5. Signature algorithms and encodings ---------------------------------------------

/** The same flaw on the leaf, then on the intermediate. */
async function onLeafAndIntermediate(
  flaw: Partial<ForgeOptions>,
  message: string | RegExp,
  base: SvidChainOptions = {},
): Promise<void> {
  const onLeaf = forgeSvidChain({ ...base, leaf: flaw });
  await rejects(verifyX509Svid(onLeaf.chain, onLeaf.bundle), "invalid-chain", message);
  const onIntermediate = forgeSvidChain({ ...base, intermediateOptions: flaw });
  await rejects(
    verifyX509Svid(onIntermediate.chain, onIntermediate.bundle),
    "invalid-chain",
    message,
  );
}

const insecure = (name: string) => `${P}x509: cannot verify signature: insecure algorithm ${name}`;

Deno.test("SHA-1 and MD5 signatures are insecure", async () => {
  await onLeafAndIntermediate({ hash: "sha1" }, insecure("SHA1-RSA"), { keys: rsa });
  await onLeafAndIntermediate({ hash: "md5" }, insecure("MD5-RSA"), { keys: rsa });
  await onLeafAndIntermediate({ hash: "sha1" }, insecure("ECDSA-SHA1"));
});

Deno.test("a bundle root self-signed with SHA1-RSA is refused", async () => {
  for (const intermediate of [true, false]) {
    const chain = forgeSvidChain({ intermediate, keys: rsa, root: { hash: "sha1" } });
    await rejects(verifyX509Svid(chain.chain, chain.bundle), "invalid-chain", insecure("SHA1-RSA"));
  }
});

Deno.test("inner and outer signature algorithms must be identical", async () => {
  const mismatch = `${P}x509: inner and outer signature algorithm identifiers don't match`;
  await onLeafAndIntermediate(
    { outerAlgorithm: algorithmIdentifier(SIG["sha384-ecdsa"]) },
    mismatch,
  );
  await onLeafAndIntermediate(
    { innerAlgorithm: algorithmIdentifier(SIG["sha384-ecdsa"]) },
    mismatch,
  );
  // Same OID, but NULL parameters inside and absent ones outside.
  await onLeafAndIntermediate(
    { outerAlgorithm: algorithmIdentifier(SIG["sha256-rsa"]) },
    mismatch,
    { keys: rsa },
  );
});

Deno.test("ECDSA signature algorithms must have absent parameters", async () => {
  await onLeafAndIntermediate(
    { ecdsaNullParams: true },
    `${P}x509: signature algorithm parameters must be absent for ECDSA`,
  );
});

Deno.test("the signature bit string must have no unused bits", async () => {
  for (const bits of [1, 7]) {
    await onLeafAndIntermediate(
      { signatureUnusedBits: bits },
      `${P}x509: signature bit string has unused bits`,
    );
  }
});

Deno.test("an ECDSA signature must be DER, not BER", async () => {
  for (const berSignature of ["length", "integer"] as const) {
    await onLeafAndIntermediate({ berSignature }, `${P}x509: ECDSA signature is not DER encoded`);
  }
});

Deno.test("RSA-PSS, P-521 (ECDSA-SHA512) and Ed25519 chains verify", async () => {
  const pss = { rsaPss: { saltLength: 32 }, hash: "sha256" } as const;
  const rsaPss = forgeSvidChain({ keys: rsa, root: pss, intermediateOptions: pss, leaf: pss });
  await verifies(rsaPss.chain, rsaPss.bundle);
  const p521 = forgeSvidChain({ keys: () => ecKeys("P-521") });
  await verifies(p521.chain, p521.bundle);
  const ed25519 = forgeSvidChain({ keys: ed25519Keys });
  await verifies(ed25519.chain, ed25519.bundle);
});

// --- 6. Name constraints ---------------------------------------------------------------

const NOT_AUTHORIZED = /not authorized to sign for this name/;

Deno.test("an excluded example.org also excludes the trust domain example.org.", async () => {
  const id = "spiffe://example.org./w";
  const uri = { nameConstraints: { excluded: [{ uri: "example.org" }] } };
  const viaIntermediate = forgeSvidChain({ id, intermediateOptions: uri });
  await rejects(
    verifyX509Svid(viaIntermediate.chain, viaIntermediate.bundle),
    "invalid-chain",
    NOT_AUTHORIZED,
  );
  const viaRoot = forgeSvidChain({ id, intermediate: false, root: uri });
  await rejects(verifyX509Svid(viaRoot.chain, viaRoot.bundle), "invalid-chain", NOT_AUTHORIZED);
  // A DNS constraint applies to a DNS SAN with the same trailing dot.
  const dns = forgeSvidChain({
    id,
    intermediateOptions: { nameConstraints: { excluded: [{ dns: "example.org" }] } },
    leaf: { dnsNames: ["example.org."] },
  });
  await rejects(verifyX509Svid(dns.chain, dns.bundle), "invalid-chain", NOT_AUTHORIZED);
});

Deno.test("a URI constraint never matches a URI whose host is an IP literal", async () => {
  const id = "spiffe://10.0.0.1/w";
  const uri = { nameConstraints: { permitted: [{ uri: ".example.org" }] } };
  const viaIntermediate = forgeSvidChain({ id, intermediateOptions: uri });
  await rejects(
    verifyX509Svid(viaIntermediate.chain, viaIntermediate.bundle),
    "invalid-chain",
    NOT_AUTHORIZED,
  );
  const viaRoot = forgeSvidChain({ id, intermediate: false, root: uri });
  await rejects(verifyX509Svid(viaRoot.chain, viaRoot.bundle), "invalid-chain", NOT_AUTHORIZED);
});

Deno.test("IP address constraints are enforced on IP SANs only", async () => {
  const constrained = { nameConstraints: { permitted: [{ ip: "10.0.0.0/8" }] } };
  const none = forgeSvidChain({ intermediateOptions: constrained });
  await verifies(none.chain, none.bundle);
  const outside = forgeSvidChain({
    intermediateOptions: constrained,
    leaf: { ips: ["192.168.1.1"] },
  });
  await rejects(verifyX509Svid(outside.chain, outside.bundle), "invalid-chain", NOT_AUTHORIZED);
  const inside = forgeSvidChain({ intermediateOptions: constrained, leaf: { ips: ["10.1.2.3"] } });
  await verifies(inside.chain, inside.bundle);
});

Deno.test("an e-mail constraint refuses only a leaf with an e-mail SAN", async () => {
  const constrained = { nameConstraints: { permitted: [{ email: "example.org" }] } };
  const none = forgeSvidChain({ intermediateOptions: constrained });
  await verifies(none.chain, none.bundle);
  const mail = forgeSvidChain({
    intermediateOptions: constrained,
    leaf: { emails: ["w@other.org"] },
  });
  await rejects(verifyX509Svid(mail.chain, mail.bundle), "invalid-chain", /x509: /);
});

Deno.test("a directoryName constraint refuses a leaf with another subject", async () => {
  const chain = forgeSvidChain({
    intermediateOptions: { nameConstraints: { permitted: [{ directoryName: "O=Allowed" }] } },
  });
  await rejects(verifyX509Svid(chain.chain, chain.bundle), "invalid-chain", /x509: /);
});

// --- 7. Structure (Go's x509 strictness) ------------------------------------------------

const NEGATIVE_SERIAL = new Uint8Array([0x80, 0x12, 0x34, 0x56]);
const LONG_SERIAL = new Uint8Array(21).fill(0x11);

Deno.test("a path length constraint on a non-CA leaf is refused", async () => {
  const chain = forgeSvidChain({ leaf: { pathLength: 0 } });
  await rejects(
    verifyX509Svid(chain.chain, chain.bundle),
    "invalid-chain",
    `${P}x509: certificate has a path length constraint but is not a CA`,
  );
});

Deno.test("a version 1 or 2 certificate with extensions is refused", async () => {
  for (const version of [0, 1]) {
    await onLeafAndIntermediate({ version }, `${P}x509: version 1 or 2 certificate has extensions`);
  }
});

Deno.test("an unknown certificate version is refused", async () => {
  await onLeafAndIntermediate(
    { version: 3 },
    /^(x509svid: could not verify leaf certificate: x509: unknown certificate version 4|x509svid: unable to parse certificate: .+)$/,
  );
});

Deno.test("a negative or over-long serial number is refused", async () => {
  await onLeafAndIntermediate({ serial: NEGATIVE_SERIAL }, `${P}x509: negative serial number`);
  await onLeafAndIntermediate(
    { serial: LONG_SERIAL },
    `${P}x509: serial number longer than 20 octets`,
  );
  const twenty = forgeSvidChain({ leaf: { serial: new Uint8Array(20).fill(0x11) } });
  await verifies(twenty.chain, twenty.bundle);
});

Deno.test("a leaf with an empty issuer name is refused", async () => {
  const chain = forgeSvidChain({ leaf: { issuer: null } });
  await rejects(
    verifyX509Svid(chain.chain, chain.bundle),
    "invalid-chain",
    `${P}x509: empty issuer name`,
  );
});

Deno.test("an empty subject needs a critical subject alternative name", async () => {
  const nonCritical = forgeSvidChain({ leaf: { subject: null } });
  await rejects(
    verifyX509Svid(nonCritical.chain, nonCritical.bundle),
    "invalid-chain",
    `${P}x509: empty subject name without a critical subject alternative name extension`,
  );
  const critical = forgeSvidChain({ leaf: { subject: null, sanCritical: true } });
  await verifies(critical.chain, critical.bundle);
});

Deno.test("an intermediate CA without a key usage extension is refused", async () => {
  const chain = forgeSvidChain({ intermediateOptions: { keyUsage: null } });
  await rejects(
    verifyX509Svid(chain.chain, chain.bundle),
    "invalid-chain",
    `${P}x509: CA certificate without key usage extension`,
  );
});

const extraFlaws: [string, Partial<ForgeOptions>][] = [
  ["a path length on a non-CA", { isCA: false, pathLength: 0, keyUsage: KU.keyCertSign }],
  ["version 1 with extensions", { version: 0 }],
  ["version 2 with extensions", { version: 1 }],
  ["version 4", { version: 3 }],
  ["a negative serial", { serial: NEGATIVE_SERIAL }],
  ["a 21-octet serial", { serial: LONG_SERIAL }],
  ["an empty issuer", { issuer: null }],
  ["an empty subject", { subject: null }],
  ["no key usage", { keyUsage: null }],
  ["a SHA-1 signature", { hash: "sha1" }],
  ["mismatched algorithms", { outerAlgorithm: algorithmIdentifier(SIG["sha384-ecdsa"]) }],
  ["NULL ECDSA parameters", { ecdsaNullParams: true }],
  ["unused signature bits", { signatureUnusedBits: 1 }],
  ["a BER signature", { berSignature: true }],
];

for (const [name, flaw] of extraFlaws) {
  Deno.test(`an extra certificate with ${name}, not needed, does not matter`, async () => {
    const { root, intermediate, leaf, bundle } = forgeSvidChain();
    // The intermediate's twin (same subject and key) but flawed: a real candidate parent.
    const twin = forge({
      subject: intermediate!.subject,
      isCA: true,
      uris: ["spiffe://example.org"],
      publicKey: intermediate!.key,
      signer: signerOf(root),
      ...flaw,
    });
    await verifies([leaf.der, twin.der, intermediate!.der], bundle);
    await verifies([leaf.der, intermediate!.der, twin.der], bundle);
  });
}
