// The public values under Node 20, against the npm build (issue 13): their util.inspect forms
// (never key material or tokens), argument checks for JavaScript callers, and error reasons.
// tests/_internal/inspect_test.ts and the spiffeid, bundle and svid tests check the same on Deno.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { inspect } from "node:util";
import { before, test } from "node:test";
import {
  authorizeAllOf,
  authorizeAnyOf,
  authorizeId,
  authorizeIdPrefix,
  authorizeMemberOf,
  authorizeOneOf,
  BundleError,
  BundleSet,
  JwtBundleSet,
  JwtSvid,
  JwtSvidError,
  SpiffeBundle,
  SpiffeId,
  SpiffeIdError,
  TrustDomain,
  verifyX509Svid,
  X509Bundle,
  X509BundleSet,
  X509SvidError,
} from "../../npm/esm/mod.js";
import { CertificateAuthority } from "../../npm/esm/src/devagent/mod.js";

const td = TrustDomain.parse("example.org");
const id = SpiffeId.parse("spiffe://example.org/server");
const oneLine = (value) => inspect(value, { breakLength: Infinity });
let ca, svid, token, jwtSvid;

before(async () => {
  ca = await CertificateAuthority.create({ trustDomain: td, intermediate: true });
  svid = await ca.issueX509Svid(id, 3600_000, "internal");
  token = ca.signJwtSvid(SpiffeId.parse("spiffe://example.org/client"), ["server"], 300_000);
  jwtSvid = JwtSvid.parseAndValidate(token, ca.jwtBundle(), "server");
});

test("IDs and trust domains show their text", () => {
  assert.equal(inspect(td), "TrustDomain(example.org)");
  assert.equal(inspect(id), "SpiffeId(spiffe://example.org/server)");
  assert.equal(inspect({ peers: [id] }), "{ peers: [ SpiffeId(spiffe://example.org/server) ] }");
});

test("bundles and sets show trust domains, authorities and key types", () => {
  const x509 = ca.x509Bundle();
  const [root] = x509.x509Authorities();
  const subject = root.subject.split("\n").join(", ");
  assert.equal(
    oneLine(x509),
    `X509Bundle { trustDomain: TrustDomain(example.org), x509Authorities: [ '${subject}' ] }`,
  );
  const [kid] = ca.jwtBundle().jwtAuthorities().keys();
  assert.equal(
    oneLine(ca.jwtBundle()),
    `JwtBundle { trustDomain: TrustDomain(example.org), jwtAuthorities: Map(1) { '${kid}' => 'EC P-256' } }`,
  );
  const spiffe = new SpiffeBundle("a.org");
  spiffe.sequenceNumber = 7n;
  assert.equal(
    oneLine(spiffe),
    "SpiffeBundle { trustDomain: TrustDomain(a.org), x509Authorities: [], jwtAuthorities: Map(0) {}, sequenceNumber: 7n, refreshHint: undefined }",
  );
  assert.equal(
    oneLine(new X509BundleSet(x509, new X509Bundle("a.org"))),
    "X509BundleSet { trustDomains: [ 'a.org', 'example.org' ] }",
  );
  assert.equal(
    oneLine(new JwtBundleSet(ca.jwtBundle())),
    "JwtBundleSet { trustDomains: [ 'example.org' ] }",
  );
  assert.equal(oneLine(new BundleSet(spiffe)), "BundleSet { trustDomains: [ 'a.org' ] }");
});

test("SVIDs show what identifies them, never their key or token", () => {
  const leaf = svid.certificates[0];
  const notBefore = new Date(leaf.validFrom).toISOString();
  assert.equal(
    oneLine(svid),
    `X509Svid { id: SpiffeId(spiffe://example.org/server), hint: 'internal', notBefore: ${notBefore}, expiresAt: ${svid.expiresAt.toISOString()}, serialNumber: '${leaf.serialNumber}', chainLength: 2, keyType: 'EC P-256' }`,
  );
  assert.equal(
    oneLine(jwtSvid),
    `JwtSvid { id: SpiffeId(spiffe://example.org/client), hint: '', audience: [ 'server' ], expiresAt: ${jwtSvid.expiresAt.toISOString()} }`,
  );
  const keyDer = Buffer.from(svid.marshalRaw().privateKey);
  const secrets = [
    "PRIVATE KEY",
    "BEGIN",
    keyDer.toString("base64").slice(-40),
    keyDer.toString("hex").slice(-40),
    token,
    ...token.split("."),
  ];
  for (const value of [svid, jwtSvid, { nested: [svid, jwtSvid] }]) {
    for (const options of [{}, { showHidden: true, depth: Infinity }]) {
      const form = inspect(value, options);
      for (const secret of secrets) assert.ok(!form.includes(secret), `${form} shows ${secret}`);
    }
  }
  assert.equal(inspect({ a: { b: svid } }, { depth: 1 }), "{ a: { b: [X509Svid] } }");
  assert.deepEqual(Object.keys(svid), []);
});

test("strings are accepted for trust domains and IDs, other types refused at the call", () => {
  const pem = ca.x509Bundle().marshal();
  const bundle = X509Bundle.parse("example.org", pem);
  assert.equal(bundle.getX509BundleForTrustDomain("example.org"), bundle);
  assert.equal(new X509BundleSet(bundle).get("spiffe://example.org"), bundle);
  authorizeId("spiffe://example.org/server")(id, []);
  const cases = [
    [
      () => X509Bundle.parse(undefined, pem),
      "X509Bundle.parse(trustDomain): expected a trust domain string or TrustDomain, got undefined",
    ],
    [
      () => SpiffeId.parse(undefined),
      "SpiffeId.parse(text): expected a SPIFFE ID string, got undefined",
    ],
    [
      () => authorizeId(),
      "authorizeId(id): expected a SPIFFE ID string or SpiffeId, got undefined",
    ],
    [
      () => authorizeOneOf(id, 42),
      "authorizeOneOf(ids[1]): expected a SPIFFE ID string or SpiffeId, got number 42",
    ],
  ];
  for (const [fn, message] of cases) assert.throws(fn, { name: "TypeError", message });
});

test("errors carry a reason per condition", async () => {
  const expect = (fn, type, reason, message) =>
    assert.throws(fn, (err) => {
      assert.ok(err instanceof type, String(err));
      assert.equal(err.reason, reason);
      assert.equal(err.message, message);
      return true;
    });
  expect(
    () => SpiffeId.parse("spiffe://example.org/a/"),
    SpiffeIdError,
    "trailing-slash",
    "path cannot have a trailing slash",
  );
  expect(
    () => new X509BundleSet().getX509BundleForTrustDomain(td),
    BundleError,
    "not-found",
    'x509bundle: no X.509 bundle for trust domain "example.org"',
  );
  expect(
    () => JwtSvid.parseAndValidate(token, ca.jwtBundle(), "other"),
    JwtSvidError,
    "audience-mismatch",
    'jwtsvid: expected audience in ["other"] (audience=["server"])',
  );
  expect(
    () => JwtSvid.parseInsecure(token, "server", { time: new Date(Date.now() + 3600_000) }),
    JwtSvidError,
    "expired",
    "jwtsvid: token has expired",
  );
  const stranger = await CertificateAuthority.create({ trustDomain: td });
  await assert.rejects(verifyX509Svid(svid.certificates, stranger.x509Bundle()), (err) => {
    assert.ok(err instanceof X509SvidError, String(err));
    assert.equal(err.reason, "unknown-authority");
    assert.equal(
      err.message,
      "x509svid: could not verify leaf certificate: x509: certificate signed by unknown authority",
    );
    return true;
  });
});

test("authorizeIdPrefix and the combinators decide as on Deno", () => {
  const id = (text) => SpiffeId.parse(text);
  const prefix = authorizeIdPrefix("spiffe://example.org/db");
  prefix(id("spiffe://example.org/db/replica"), []);
  assert.throws(() => prefix(id("spiffe://example.org/dbx"), []), {
    message: 'unexpected ID "spiffe://example.org/dbx"',
  });
  const any = authorizeAnyOf(authorizeId("spiffe://example.org/a"), authorizeMemberOf("b.org"));
  any(id("spiffe://b.org/x"), []);
  assert.throws(() => any(id("spiffe://example.org/c"), []), {
    message: 'unexpected ID "spiffe://example.org/c"',
  });
  const all = authorizeAllOf(authorizeMemberOf("example.org"), prefix);
  assert.throws(() => all(id("spiffe://other.org/db"), []), {
    message: 'unexpected trust domain "other.org"',
  });
});
