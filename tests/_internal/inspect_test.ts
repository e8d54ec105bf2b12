// How the public values show in console.log / Deno.inspect / util.inspect (issue 13): useful
// fields, never key material or tokens. tests/node/values.test.mjs checks the same under Node.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { generateKeyPairSync } from "node:crypto";
import { inspect } from "node:util";
import {
  BundleSet,
  JwtBundle,
  JwtBundleSet,
  JwtSvid,
  SpiffeBundle,
  SpiffeId,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
  X509Svid,
} from "../../mod.ts";
import { TestCa } from "../_helpers/ca.ts";
import { mint } from "../_helpers/jwt.ts";

const td = TrustDomain.parse("example.org");
const id = SpiffeId.parse("spiffe://example.org/server");
const root = await TestCa.root("example.org", { commonName: "Example CA" });
const intermediate = await root.intermediate();
const leaf = await intermediate.svid("spiffe://example.org/server");
const svid = X509Svid.parse(leaf.pem + intermediate.cert.pem, leaf.keyPem, { hint: "internal" });
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const x509 = X509Bundle.fromAuthorities(td, [root.cert.cert]);
const jwt = new JwtBundle(td);
jwt.addJwtAuthority("key-1", ec.publicKey);
jwt.addJwtAuthority("rsa", rsa.publicKey);
const spiffe = SpiffeBundle.fromX509Bundle(x509);
spiffe.addJwtAuthority("key-1", ec.publicKey);
spiffe.sequenceNumber = 3n;
spiffe.refreshHint = 300_000;
const token = mint(
  {
    sub: "spiffe://example.org/client",
    aud: ["server"],
    exp: 2_000_000_000,
    secret_claim: "do-not-log-me",
  },
  { key: ec.privateKey, header: { alg: "ES256", kid: "key-1", typ: "JWT" } },
);
const jwtSvid = JwtSvid.parseAndValidate(token, jwt, "server", { hint: "h" });

/** Deno's form on one line. */
const oneLine = (value: unknown) => Deno.inspect(value, { breakLength: Infinity });

Deno.test("IDs and trust domains show their text", () => {
  assert.equal(Deno.inspect(td), "TrustDomain(example.org)");
  assert.equal(Deno.inspect(id), "SpiffeId(spiffe://example.org/server)");
  assert.equal(
    Deno.inspect({ peers: [id] }),
    "{ peers: [ SpiffeId(spiffe://example.org/server) ] }",
  );
  assert.equal(inspect(id), "SpiffeId(spiffe://example.org/server)"); // node:util in Deno
  assert.equal(String(id), "spiffe://example.org/server"); // unchanged
  assert.equal(
    JSON.stringify({ id, td }),
    '{"id":"spiffe://example.org/server","td":"example.org"}',
  );
});

Deno.test("bundles show their trust domain and authorities", () => {
  assert.equal(
    oneLine(x509),
    'X509Bundle { trustDomain: TrustDomain(example.org), x509Authorities: [ "CN=Example CA" ] }',
  );
  assert.equal(
    oneLine(jwt),
    'JwtBundle { trustDomain: TrustDomain(example.org), jwtAuthorities: Map(2) { "key-1" => "EC P-256", "rsa" => "RSA 2048" } }',
  );
  assert.equal(
    oneLine(spiffe),
    'SpiffeBundle { trustDomain: TrustDomain(example.org), x509Authorities: [ "CN=Example CA" ], jwtAuthorities: Map(1) { "key-1" => "EC P-256" }, sequenceNumber: 3n, refreshHint: 300000 }',
  );
  assert.equal(
    oneLine(new SpiffeBundle("a.org")),
    "SpiffeBundle { trustDomain: TrustDomain(a.org), x509Authorities: [], jwtAuthorities: Map(0) {}, sequenceNumber: undefined, refreshHint: undefined }",
  );
  // Long forms break over lines as any object does.
  assert.equal(
    Deno.inspect(jwt),
    [
      "JwtBundle {",
      "  trustDomain: TrustDomain(example.org),",
      '  jwtAuthorities: Map(2) { "key-1" => "EC P-256", "rsa" => "RSA 2048" }',
      "}",
    ].join("\n"),
  );
});

Deno.test("bundle sets show their trust domains, sorted", () => {
  const a = TrustDomain.parse("a.org");
  assert.equal(
    oneLine(new X509BundleSet(x509, new X509Bundle(a))),
    'X509BundleSet { trustDomains: [ "a.org", "example.org" ] }',
  );
  assert.equal(oneLine(new JwtBundleSet(jwt)), 'JwtBundleSet { trustDomains: [ "example.org" ] }');
  assert.equal(oneLine(new BundleSet()), "BundleSet { trustDomains: [] }");
});

Deno.test("an X509-SVID shows ID, hint, validity, serial, chain length and key type", () => {
  const notBefore = new Date(leaf.cert.validFrom).toISOString();
  const serial = leaf.cert.serialNumber.toUpperCase().padStart(2, "0");
  assert.equal(
    oneLine(svid),
    `X509Svid { id: SpiffeId(spiffe://example.org/server), hint: "internal", notBefore: ${notBefore}, expiresAt: ${svid.expiresAt.toISOString()}, serialNumber: "${serial}", chainLength: 2, keyType: "EC P-256" }`,
  );
});

Deno.test("a JWT-SVID shows ID, hint, audience and expiry", () => {
  assert.equal(
    oneLine(jwtSvid),
    'JwtSvid { id: SpiffeId(spiffe://example.org/client), hint: "h", audience: [ "server" ], expiresAt: 2033-05-18T03:33:20.000Z }',
  );
});

Deno.test("no private key, PEM, token or private claim is ever shown", () => {
  const keyDer = Buffer.from(leaf.keyDer);
  const secrets = [
    "PRIVATE KEY",
    "BEGIN",
    keyDer.toString("base64").slice(-40),
    keyDer.toString("hex").slice(-40),
    token,
    ...token.split("."), // header, payload and signature, each
    "do-not-log-me",
    "secret_claim",
  ];
  const forms = [svid, jwtSvid, x509, jwt, spiffe].flatMap((value) => [
    Deno.inspect(value),
    Deno.inspect(value, { showHidden: true, depth: Infinity }),
    inspect(value, { showHidden: true, depth: Infinity }),
    Deno.inspect({ nested: [value] }, { depth: Infinity }),
  ]);
  for (const form of forms) {
    for (const secret of secrets) assert.ok(!form.includes(secret), `${form} shows ${secret}`);
  }
});

Deno.test("nested values follow the depth and colors asked for", () => {
  assert.equal(Deno.inspect({ a: { b: svid } }, { depth: 1 }), "{ a: { b: [X509Svid] } }");
  assert.equal(inspect({ svid }, { depth: 0 }), "{ svid: [X509Svid] }");
  assert.equal(Deno.inspect({ a: { b: id } }, { depth: 0 }), "{ a: [Object] }");
  const colored = Deno.inspect(jwtSvid, { colors: true });
  assert.ok(colored.includes("\x1b["), colored);
  assert.ok(colored.includes("SpiffeId(spiffe://example.org/client)"), colored);
});

Deno.test("the hooks are not enumerable and add no own properties", () => {
  for (const value of [td, id, x509, jwt, spiffe, svid, jwtSvid, new BundleSet()]) {
    assert.deepEqual(Object.keys(value), []);
    assert.deepEqual(Object.getOwnPropertySymbols(value), []);
  }
  assert.deepEqual({ ...svid }, {});
});
