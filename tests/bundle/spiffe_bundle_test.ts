import assert from "node:assert";
import { Buffer } from "node:buffer";
import { generateKeyPairSync, type KeyObject, X509Certificate } from "node:crypto";
import { TrustDomain } from "../../src/spiffeid/mod.ts";
import { JwtBundle, SpiffeBundle, X509Bundle } from "../../src/bundle/mod.ts";
import { assertBundleError } from "./_assert.ts";
import { TestCa } from "../_helpers/ca.ts";

const td = TrustDomain.parse("example.org");
const other = TrustDomain.parse("other.org");
const ecCa = (await TestCa.root("example.org")).cert;
const rsaCa = (await TestCa.root("example.org", { keyAlgorithm: "RSA" })).cert;
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });

function jwk(key: KeyObject): Record<string, string> {
  return key.export({ format: "jwk" }) as Record<string, string>;
}

function x509Entry(cert: X509Certificate, ...more: string[]) {
  return { use: "x509-svid", ...jwk(cert.publicKey), x5c: [cert.raw.toString("base64"), ...more] };
}

function jwtEntry(kid: string | undefined, key: KeyObject) {
  return { use: "jwt-svid", ...jwk(key), ...(kid === undefined ? {} : { kid }) };
}

function parse(doc: unknown): SpiffeBundle {
  return SpiffeBundle.parse(td, JSON.stringify(doc));
}

function full(): SpiffeBundle {
  const bundle = new SpiffeBundle(td);
  bundle.addX509Authority(ecCa.cert);
  bundle.addX509Authority(rsaCa.cert);
  bundle.addJwtAuthority("ec", ec.publicKey);
  bundle.addJwtAuthority("rsa", rsa.publicKey);
  bundle.sequenceNumber = 2n ** 63n + 1n;
  bundle.refreshHint = 300_000;
  return bundle;
}

Deno.test("SpiffeBundle: round trip of X.509 and JWT authorities and metadata", () => {
  const bundle = full();
  const json = bundle.marshal();
  const parsed = SpiffeBundle.parse(td, json);
  assert.ok(parsed.equals(bundle));
  assert.equal(parsed.sequenceNumber, 9223372036854775809n);
  assert.equal(parsed.refreshHint, 300_000);
  assert.ok(json.endsWith(',"spiffe_sequence":9223372036854775809,"spiffe_refresh_hint":300}'));
  assert.equal(parsed.marshal(), json);
  assert.ok(SpiffeBundle.parse(td, new TextEncoder().encode(json)).equals(bundle));
});

Deno.test("SpiffeBundle.marshal: the SPIFFE bundle format", () => {
  const doc = JSON.parse(full().marshal());
  assert.deepEqual(doc.keys, [
    {
      use: "x509-svid",
      ...jwk(ecCa.cert.publicKey),
      x5c: [Buffer.from(ecCa.der).toString("base64")],
    },
    {
      use: "x509-svid",
      ...jwk(rsaCa.cert.publicKey),
      x5c: [Buffer.from(rsaCa.der).toString("base64")],
    },
    { use: "jwt-svid", kid: "ec", ...jwk(ec.publicKey) },
    { use: "jwt-svid", kid: "rsa", ...jwk(rsa.publicKey) },
  ]);
  assert.deepEqual(Object.keys(doc.keys[0]), ["use", "kty", "crv", "x", "y", "x5c"]);
  assert.equal(new SpiffeBundle(td).marshal(), '{"keys":[]}');
});

Deno.test("SpiffeBundle: spiffe_sequence keeps 64-bit precision", () => {
  const bundle = SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":9223372036854775809}');
  assert.equal(bundle.sequenceNumber, 2n ** 63n + 1n);
  assert.equal(bundle.marshal(), '{"keys":[],"spiffe_sequence":9223372036854775809}');
  const max = SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":18446744073709551615}');
  assert.equal(max.sequenceNumber, 2n ** 64n - 1n);
  assert.equal(
    SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":null}').sequenceNumber,
    undefined,
  );
  const message =
    'spiffebundle: unable to parse JWKS: "spiffe_sequence" must be an integer from 0 to 18446744073709551615';
  for (const bad of ["18446744073709551616", "-1", "1.5", "1e3", '"1"']) {
    assertBundleError(
      () => SpiffeBundle.parse(td, `{"keys":[],"spiffe_sequence":${bad}}`),
      "malformed",
      message,
    );
  }
});

Deno.test("SpiffeBundle: refresh hint is seconds on the wire and milliseconds in the API", () => {
  const bundle = SpiffeBundle.parse(td, '{"keys":[],"spiffe_refresh_hint":60}');
  assert.equal(bundle.refreshHint, 60_000);
  bundle.refreshHint = 1_500;
  assert.equal(bundle.marshal(), '{"keys":[],"spiffe_refresh_hint":2}');
  bundle.refreshHint = 0;
  assert.equal(bundle.marshal(), '{"keys":[],"spiffe_refresh_hint":0}');
  bundle.refreshHint = undefined;
  assert.equal(bundle.marshal(), '{"keys":[]}');
  assertBundleError(
    () => SpiffeBundle.parse(td, '{"keys":[],"spiffe_refresh_hint":-5}'),
    "malformed",
    'spiffebundle: unable to parse JWKS: "spiffe_refresh_hint" must be an integer from 0 to 9007199254740',
  );
});

Deno.test("SpiffeBundle: setters validate and bump the revision", () => {
  const bundle = new SpiffeBundle(td);
  bundle.sequenceNumber = 1n;
  bundle.sequenceNumber = 1n;
  bundle.refreshHint = 10;
  assert.equal(bundle.revision, 2);
  assert.throws(() => (bundle.sequenceNumber = -1n), RangeError);
  assert.throws(() => (bundle.sequenceNumber = 2n ** 64n), RangeError);
  assert.throws(() => (bundle.sequenceNumber = 1 as unknown as bigint), RangeError);
  assert.throws(() => (bundle.refreshHint = -1), RangeError);
  assert.throws(() => (bundle.refreshHint = Infinity), RangeError);
  assert.throws(() => (bundle.refreshHint = NaN), RangeError);
  assert.equal(bundle.sequenceNumber, 1n);
  assert.equal(bundle.revision, 2);
});

Deno.test("SpiffeBundle.parse: JWKs of unknown kty or with missing or unknown use are ignored", () => {
  const bundle = parse({
    keys: [
      { ...x509Entry(ecCa.cert), kty: "PQC" },
      { ...jwtEntry("no-kty", ec.publicKey), kty: undefined },
      { kty: "oct", use: "jwt-svid", kid: "secret", k: "AAAA" },
      { ...jwtEntry("no-use", ec.publicKey), use: undefined },
      { ...jwtEntry("other-use", ec.publicKey), use: "sig" },
      { ...jwtEntry("wit", ec.publicKey), use: "wit-svid" },
      { ...jwtEntry("upper", ec.publicKey), use: "JWT-SVID" },
      jwtEntry("kept", rsa.publicKey),
    ],
    unknown_member: { anything: [1, 2, 3] },
  });
  assert.deepEqual([...bundle.jwtAuthorities().keys()], ["kept"]);
  assert.equal(bundle.x509Authorities().length, 0);
});

Deno.test("SpiffeBundle.parse: x509-svid entries without x5c are skipped, extra x5c ignored", () => {
  const bundle = parse({
    keys: [
      { ...x509Entry(ecCa.cert), x5c: [] },
      { ...x509Entry(ecCa.cert), x5c: undefined },
      x509Entry(rsaCa.cert, "not even base64!", Buffer.from(ecCa.der).toString("base64")),
    ],
  });
  assert.equal(bundle.x509Authorities().length, 1);
  assert.ok(bundle.hasX509Authority(rsaCa.cert));
  assert.ok(!bundle.hasX509Authority(ecCa.cert));
  // An x5c-only JWK (no key parameters) is accepted.
  const bare = parse({
    keys: [{ kty: "EC", use: "x509-svid", x5c: [ecCa.cert.raw.toString("base64")] }],
  });
  assert.ok(bare.hasX509Authority(ecCa.cert));
});

Deno.test("SpiffeBundle.parse: bad x509-svid entries", () => {
  assertBundleError(
    () =>
      parse({ keys: [{ ...x509Entry(ecCa.cert), x5c: [ecCa.cert.raw.toString("base64url")] }] }),
    "malformed",
    "spiffebundle: unable to parse JWKS: x509-svid entry 0: cannot parse x5c certificate: x5c[0] is not valid base64",
  );
  assertBundleError(
    () => parse({ keys: [{ ...x509Entry(ecCa.cert), ...jwk(ec.publicKey) }] }),
    "malformed",
    "spiffebundle: unable to parse JWKS: x509-svid entry 0: public keys in key and x5c fields do not match",
  );
  assertBundleError(
    () => parse({ keys: [{ ...x509Entry(ecCa.cert), x5c: "abc" }] }),
    "malformed",
    'spiffebundle: unable to parse JWKS: x509-svid entry 0: "x5c" must be an array',
  );
  assertBundleError(
    () => parse({ keys: [{ ...x509Entry(ecCa.cert), x5c: [1] }] }),
    "malformed",
    'spiffebundle: unable to parse JWKS: x509-svid entry 0: "x5c" values must be strings',
  );
  assertBundleError(
    () =>
      parse({
        keys: [{ ...x509Entry(ecCa.cert), x5c: [Buffer.from([0x30, 0x05]).toString("base64")] }],
      }),
    "malformed",
    "spiffebundle: unable to parse JWKS: x509-svid entry 0: cannot parse x5c certificate: truncated DER: certificate 0 needs 7 bytes, 2 remain",
  );
});

Deno.test("SpiffeBundle.parse: a jwt-svid entry without kid fails the parse", () => {
  assertBundleError(
    () => parse({ keys: [x509Entry(ecCa.cert), jwtEntry(undefined, ec.publicKey)] }),
    "missing-key-id",
    "spiffebundle: error adding authority 1 of JWKS: keyID cannot be empty",
  );
  assertBundleError(
    () => parse({ keys: [jwtEntry("", ec.publicKey)] }),
    "missing-key-id",
    "spiffebundle: error adding authority 0 of JWKS: keyID cannot be empty",
  );
});

Deno.test("SpiffeBundle.parse: a jwt-svid private JWK gives its public key only", () => {
  const bundle = parse({ keys: [{ use: "jwt-svid", kid: "k", ...jwk(ec.privateKey) }] });
  assert.equal(bundle.findJwtAuthority("k")!.type, "public");
  assert.ok(!bundle.marshal().includes('"d"'));
});

Deno.test("SpiffeBundle.parse: missing keys, bad JSON, duplicate members", () => {
  assertBundleError(
    () => SpiffeBundle.parse(td, "{}"),
    "no-authorities",
    "spiffebundle: no authorities found",
  );
  assertBundleError(
    () => SpiffeBundle.parse(td, '{"keys":null}'),
    "no-authorities",
    "spiffebundle: no authorities found",
  );
  assertBundleError(
    () => SpiffeBundle.parse(td, "null"),
    "no-authorities",
    "spiffebundle: no authorities found",
  );
  assertBundleError(
    () => SpiffeBundle.parse(td, ""),
    "malformed",
    "spiffebundle: unable to parse JWKS: JSON value expected but reached end of input at position 0",
  );
  assertBundleError(
    () => SpiffeBundle.parse(td, '{"keys":[],"spiffe_sequence":1,"spiffe_sequence":2}'),
    "malformed",
    "spiffebundle: unable to parse JWKS: Duplicate key 'spiffe_sequence' encountered at position 32",
  );
  assertBundleError(
    () => SpiffeBundle.parse(td, '{"keys":[{"kty":"EC","use":"jwt-svid","kid":"a","kid":"b"}]}'),
    "malformed",
    "spiffebundle: unable to parse JWKS: Duplicate key 'kid' encountered at position 49",
  );
});

Deno.test("SpiffeBundle: conversions to and from X.509 and JWT bundles", () => {
  const bundle = full();
  const x509 = bundle.toX509Bundle();
  assert.ok(x509.equals(X509Bundle.fromAuthorities(td, [ecCa.cert, rsaCa.cert])));
  const jwt = bundle.toJwtBundle();
  assert.ok(
    jwt.equals(
      JwtBundle.fromJwtAuthorities(td, new Map([["ec", ec.publicKey], ["rsa", rsa.publicKey]])),
    ),
  );
  x509.remove(ecCa.cert); // a copy
  assert.ok(bundle.hasX509Authority(ecCa.cert));
  const fromX509 = SpiffeBundle.fromX509Bundle(x509);
  assert.equal(fromX509.trustDomain, td);
  assert.deepEqual(fromX509.x509Authorities().map((c) => c.fingerprint256), [
    rsaCa.cert.fingerprint256,
  ]);
  assert.equal(fromX509.jwtAuthorities().size, 0);
  const fromJwt = SpiffeBundle.fromJwtBundle(jwt);
  assert.ok(fromJwt.toJwtBundle().equals(jwt));
  assert.equal(fromJwt.x509Authorities().length, 0);
});

Deno.test("SpiffeBundle: add, has, remove, find and revision", () => {
  const bundle = new SpiffeBundle(td);
  bundle.addX509Authority(ecCa.cert);
  bundle.addX509Authority(new X509Certificate(ecCa.der));
  assert.equal(bundle.revision, 1);
  bundle.addJwtAuthority("a", ec.publicKey);
  bundle.addJwtAuthority("a", ec.publicKey);
  assert.equal(bundle.revision, 2);
  assert.ok(bundle.hasX509Authority(ecCa.cert));
  assert.ok(bundle.hasJwtAuthority("a"));
  assert.ok(bundle.findJwtAuthority("a")!.equals(ec.publicKey));
  bundle.removeX509Authority(ecCa.cert);
  bundle.removeJwtAuthority("a");
  bundle.removeJwtAuthority("a");
  assert.equal(bundle.revision, 4);
  assertBundleError(
    () => bundle.addJwtAuthority("", ec.publicKey),
    "missing-key-id",
    "spiffebundle: keyID cannot be empty",
  );
  assertBundleError(
    () => bundle.addJwtAuthority("k", ec.privateKey),
    "not-public-key",
    "spiffebundle: JWT authority must be a public key",
  );
});

Deno.test("SpiffeBundle: equals and clone", () => {
  const bundle = full();
  const copy = bundle.clone();
  assert.ok(copy.equals(bundle));
  assert.equal(copy.revision, 0);
  copy.refreshHint = 1;
  assert.ok(!copy.equals(bundle));
  assert.equal(bundle.refreshHint, 300_000);
  const seq = bundle.clone();
  seq.sequenceNumber = undefined;
  assert.ok(!seq.equals(bundle));
  const jwt = bundle.clone();
  jwt.removeJwtAuthority("ec");
  assert.ok(!jwt.equals(bundle));
  assert.ok(!new SpiffeBundle(td).equals(new SpiffeBundle(other)));
});

Deno.test("SpiffeBundle: a source of all three kinds for its own trust domain", () => {
  const bundle = full();
  assert.equal(bundle.getBundleForTrustDomain(td), bundle);
  const x509 = bundle.getX509BundleForTrustDomain(td);
  assert.ok(x509.equals(bundle.toX509Bundle()));
  const jwt = bundle.getJwtBundleForTrustDomain(td);
  assert.ok(jwt.equals(bundle.toJwtBundle()));
  assertBundleError(
    () => bundle.getBundleForTrustDomain(other),
    "not-found",
    'spiffebundle: no SPIFFE bundle for trust domain "other.org"',
  );
  assertBundleError(
    () => bundle.getX509BundleForTrustDomain(other),
    "not-found",
    'spiffebundle: no X.509 bundle for trust domain "other.org"',
  );
  assertBundleError(
    () => bundle.getJwtBundleForTrustDomain(other),
    "not-found",
    'spiffebundle: no JWT bundle for trust domain "other.org"',
  );
});

Deno.test("SpiffeBundle: derived X.509 and JWT bundles are reused until their part changes", () => {
  const bundle = full();
  const x509 = bundle.getX509BundleForTrustDomain(td);
  const jwt = bundle.getJwtBundleForTrustDomain(td);
  assert.equal(bundle.getX509BundleForTrustDomain(td), x509);
  bundle.removeJwtAuthority("ec"); // a JWT change keeps the X.509 view
  bundle.sequenceNumber = 5n;
  assert.equal(bundle.getX509BundleForTrustDomain(td), x509);
  const jwt2 = bundle.getJwtBundleForTrustDomain(td);
  assert.notEqual(jwt2, jwt);
  assert.ok(!jwt2.hasJwtAuthority("ec"));
  bundle.removeX509Authority(rsaCa.cert);
  const x509b = bundle.getX509BundleForTrustDomain(td);
  assert.notEqual(x509b, x509);
  assert.equal(x509b.x509Authorities().length, 1);
  // A view that a caller changed is not handed out again.
  x509b.add(rsaCa.cert);
  const x509c = bundle.getX509BundleForTrustDomain(td);
  assert.notEqual(x509c, x509b);
  assert.equal(x509c.x509Authorities().length, 1);
});
