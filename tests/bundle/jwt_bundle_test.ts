import assert from "node:assert";
import { createSecretKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { JwtBundle } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";

const td = TrustDomain.parse("example.org");
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const ed = generateKeyPairSync("ed25519");

function jwk(key: KeyObject): Record<string, string> {
  return key.export({ format: "jwk" }) as Record<string, string>;
}

Deno.test("JwtBundle: JWKS round trip with EC P-256, RSA and Ed25519 keys", () => {
  const bundle = JwtBundle.fromJwtAuthorities(
    td,
    new Map([["ec", ec.publicKey], ["rsa", rsa.publicKey], ["ed", ed.publicKey]]),
  );
  const json = bundle.marshal();
  const doc = JSON.parse(json);
  assert.deepEqual(doc, {
    keys: [
      { kid: "ec", ...jwk(ec.publicKey) },
      { kid: "rsa", ...jwk(rsa.publicKey) },
      { kid: "ed", ...jwk(ed.publicKey) },
    ],
  });
  assert.deepEqual(Object.keys(doc.keys[0]), ["kty", "kid", "crv", "x", "y"]);
  const parsed = JwtBundle.parse(td, json);
  assert.ok(parsed.equals(bundle));
  assert.ok(parsed.findJwtAuthority("rsa")!.equals(rsa.publicKey));
  assert.ok(JwtBundle.parse(td, new TextEncoder().encode(json)).equals(bundle));
});

Deno.test("JwtBundle.parse: a private JWK contributes only its public key", () => {
  const json = JSON.stringify({ keys: [{ kid: "k", ...jwk(ec.privateKey), use: "sig" }] });
  const key = JwtBundle.parse(td, json).findJwtAuthority("k")!;
  assert.equal(key.type, "public");
  assert.ok(key.equals(ec.publicKey));
  assert.ok(!JwtBundle.parse(td, json).marshal().includes('"d"'));
});

Deno.test("JwtBundle.parse: empty keys give an empty bundle", () => {
  assert.equal(JwtBundle.parse(td, '{"keys":[]}').jwtAuthorities().size, 0);
});

Deno.test("JwtBundle.parse: errors", () => {
  assertBundleError(
    () => JwtBundle.parse(td, "{}"),
    "no-authorities",
    "jwtbundle: no authorities found",
  );
  assertBundleError(
    () => JwtBundle.parse(td, '{"keys":null}'),
    "no-authorities",
    "jwtbundle: no authorities found",
  );
  const err = assertBundleError(
    () => JwtBundle.parse(td, "{"),
    "malformed",
    "jwtbundle: unable to parse JWKS: Quoted object key or end of object '}' expected but reached end of input at position 1",
  );
  assert.ok(err.cause instanceof SyntaxError);
  assertBundleError(
    () => JwtBundle.parse(td, "[]"),
    "malformed",
    "jwtbundle: unable to parse JWKS: JWKS must be a JSON object",
  );
  assertBundleError(
    () => JwtBundle.parse(td, '{"keys":{}}'),
    "malformed",
    'jwtbundle: unable to parse JWKS: "keys" must be an array',
  );
  assertBundleError(
    () => JwtBundle.parse(td, '{"keys":[1]}'),
    "malformed",
    "jwtbundle: unable to parse JWKS: JWK 0 must be a JSON object",
  );
  assertBundleError(
    () => JwtBundle.parse(td, new Uint8Array([0x7b, 0xff, 0x7d])),
    "malformed",
    "jwtbundle: unable to parse JWKS: invalid UTF-8",
  );
  const ok = { kid: "a", ...jwk(ec.publicKey) };
  assertBundleError(
    () => JwtBundle.parse(td, JSON.stringify({ keys: [ok, jwk(ec.publicKey)] })),
    "missing-key-id",
    "jwtbundle: error adding authority 1 of JWKS: keyID cannot be empty",
  );
  assertBundleError(
    () => JwtBundle.parse(td, JSON.stringify({ keys: [{ ...ok, kid: "" }] })),
    "missing-key-id",
    "jwtbundle: error adding authority 0 of JWKS: keyID cannot be empty",
  );
  assertBundleError(
    () => JwtBundle.parse(td, JSON.stringify({ keys: [{ ...ok, kid: 7 }] })),
    "malformed",
    'jwtbundle: error adding authority 0 of JWKS: JWK member "kid" must be a string',
  );
  assertBundleError(
    () => JwtBundle.parse(td, JSON.stringify({ keys: [{ kty: "oct", kid: "s", k: "AAAA" }] })),
    "malformed",
    'jwtbundle: error adding authority 0 of JWKS: unsupported key type "oct"',
  );
  assertBundleError(
    () => JwtBundle.parse(td, JSON.stringify({ keys: [{ ...ok, x: 5 }] })),
    "malformed",
    'jwtbundle: error adding authority 0 of JWKS: JWK member "x" must be a string',
  );
});

Deno.test("JwtBundle.parse: duplicate JSON members are an error", () => {
  const key = JSON.stringify({ kid: "a", ...jwk(ec.publicKey) });
  assertBundleError(
    () => JwtBundle.parse(td, `{"keys":[],"keys":[${key}]}`),
    "malformed",
    "jwtbundle: unable to parse JWKS: Duplicate key 'keys' encountered at position 12",
  );
});

Deno.test("JwtBundle: add, find, remove and revision", () => {
  const bundle = new JwtBundle(td);
  bundle.addJwtAuthority("a", ec.publicKey);
  assert.equal(bundle.revision, 1);
  bundle.addJwtAuthority("a", jwkKeyCopy(ec.publicKey)); // an equal key: no change
  assert.equal(bundle.revision, 1);
  bundle.addJwtAuthority("a", rsa.publicKey); // replaced
  assert.equal(bundle.revision, 2);
  assert.ok(bundle.findJwtAuthority("a")!.equals(rsa.publicKey));
  assert.ok(bundle.hasJwtAuthority("a"));
  assert.equal(bundle.findJwtAuthority("b"), undefined);
  bundle.removeJwtAuthority("b");
  assert.equal(bundle.revision, 2);
  bundle.removeJwtAuthority("a");
  assert.equal(bundle.revision, 3);
  assert.ok(!bundle.hasJwtAuthority("a"));
  // The map is a copy.
  bundle.jwtAuthorities().set("x", ec.publicKey);
  assert.equal(bundle.jwtAuthorities().size, 0);
});

Deno.test("JwtBundle: only public keys with a key ID are accepted", () => {
  const bundle = new JwtBundle(td);
  assertBundleError(
    () => bundle.addJwtAuthority("", ec.publicKey),
    "missing-key-id",
    "jwtbundle: keyID cannot be empty",
  );
  assertBundleError(
    () => bundle.addJwtAuthority("a", ec.privateKey),
    "not-public-key",
    "jwtbundle: JWT authority must be a public key",
  );
  assertBundleError(
    () => bundle.addJwtAuthority("a", createSecretKey(new Uint8Array(32))),
    "not-public-key",
    "jwtbundle: JWT authority must be a public key",
  );
  assertBundleError(
    () => JwtBundle.fromJwtAuthorities(td, new Map([["", ec.publicKey]])),
    "missing-key-id",
    "jwtbundle: keyID cannot be empty",
  );
  assert.equal(bundle.revision, 0);
});

Deno.test("JwtBundle: equals and clone", () => {
  const a = JwtBundle.fromJwtAuthorities(td, new Map([["a", ec.publicKey]]));
  const b = JwtBundle.fromJwtAuthorities(td, new Map([["a", jwkKeyCopy(ec.publicKey)]]));
  assert.ok(a.equals(b));
  assert.ok(!a.equals(JwtBundle.fromJwtAuthorities(td, new Map([["b", ec.publicKey]]))));
  assert.ok(!a.equals(JwtBundle.fromJwtAuthorities(td, new Map([["a", ed.publicKey]]))));
  assert.ok(
    !a.equals(JwtBundle.fromJwtAuthorities(TrustDomain.parse("b.org"), a.jwtAuthorities())),
  );
  const copy = a.clone();
  assert.ok(copy.equals(a));
  copy.removeJwtAuthority("a");
  assert.ok(a.hasJwtAuthority("a"));
});

Deno.test("JwtBundle: getJwtBundleForTrustDomain", () => {
  const bundle = new JwtBundle(td);
  assert.equal(bundle.getJwtBundleForTrustDomain(TrustDomain.parse("example.org")), bundle);
  assertBundleError(
    () => bundle.getJwtBundleForTrustDomain(TrustDomain.parse("other.org")),
    "not-found",
    'jwtbundle: no JWT bundle for trust domain "other.org"',
  );
});

function jwkKeyCopy(key: KeyObject): KeyObject {
  return JwtBundle.parse(td, JSON.stringify({ keys: [{ kid: "c", ...jwk(key) }] }))
    .findJwtAuthority("c")!;
}
