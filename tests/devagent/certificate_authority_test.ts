// The devagent's CA on its own: what it issues, and how a rotation keeps the old root and
// JWT key in the bundles for as long as something they signed is still valid.
import assert from "node:assert/strict";
import { JwtSvid, SpiffeId, TrustDomain, verifyX509Svid } from "../../mod.ts";
import { CertificateAuthority } from "../../src/devagent/mod.ts";

const TD = TrustDomain.parse("example.org");
const ID = SpiffeId.parse("spiffe://example.org/workload");
const AUDIENCE = "spiffe://example.org/db";

Deno.test("CertificateAuthority issues X509-SVIDs that verify against its bundle", async () => {
  const ca = await CertificateAuthority.create({ trustDomain: TD });
  assert.ok(ca.trustDomain.equals(TD));
  const svid = await ca.issueX509Svid(ID, 60_000, "internal");
  assert.ok(svid.id.equals(ID));
  assert.equal(svid.hint, "internal");
  assert.equal(svid.certificates.length, 1);
  assert.ok(svid.expiresAt.getTime() <= Date.now() + 60_000);
  const verified = await verifyX509Svid(svid.certificates, ca.x509Bundle());
  assert.ok(verified.id.equals(ID));
  await assert.rejects(ca.issueX509Svid(SpiffeId.parse("spiffe://other.org/x"), 60_000), {
    name: "RangeError",
    message: "spiffe://other.org/x is not a member of trust domain example.org",
  });
});

Deno.test("CertificateAuthority signs JWT-SVIDs that validate against its JWT bundle", async () => {
  const ca = await CertificateAuthority.create({ trustDomain: TD });
  const token = ca.signJwtSvid(ID, [AUDIENCE, "spiffe://example.org/cache"], 60_000);
  const svid = JwtSvid.parseAndValidate(token, ca.jwtBundle(), AUDIENCE);
  assert.ok(svid.id.equals(ID));
  assert.deepEqual(svid.audience, [AUDIENCE, "spiffe://example.org/cache"]);
  assert.equal(
    JwtSvid.parseAndValidate(ca.signJwtSvid(ID, [AUDIENCE], 60_000), ca.jwtBundle(), AUDIENCE)
      .claims.aud,
    AUDIENCE,
  );
  assert.throws(() => ca.signJwtSvid(ID, [], 60_000), {
    name: "TypeError",
    message: "audience must be specified",
  });
});

Deno.test("CertificateAuthority rotation keeps the old authority while it has live SVIDs", async () => {
  const ca = await CertificateAuthority.create({ trustDomain: TD });
  const [firstRoot] = ca.x509Bundle().x509Authorities();
  const oldSvid = await ca.issueX509Svid(ID, 60_000);
  const oldToken = ca.signJwtSvid(ID, [AUDIENCE], 60_000);

  // prepare(): the next root is published but does not sign yet.
  await ca.prepare();
  assert.equal(ca.x509Bundle().x509Authorities().length, 2);
  assert.equal(ca.jwtBundle().jwtAuthorities().size, 2);
  const stillOld = await ca.issueX509Svid(ID, 60_000);
  assert.equal(stillOld.certificates[0].issuer, firstRoot.subject);

  // activate(): the new root signs; both roots and keys stay in the bundles.
  await ca.activate();
  const newSvid = await ca.issueX509Svid(ID, 60_000);
  assert.notEqual(newSvid.certificates[0].issuer, firstRoot.subject);
  const bundle = ca.x509Bundle();
  assert.equal(bundle.x509Authorities().length, 2);
  assert.ok(bundle.hasX509Authority(firstRoot));
  await verifyX509Svid(oldSvid.certificates, bundle);
  await verifyX509Svid(newSvid.certificates, bundle);
  JwtSvid.parseAndValidate(oldToken, ca.jwtBundle(), AUDIENCE);
  JwtSvid.parseAndValidate(ca.signJwtSvid(ID, [AUDIENCE], 60_000), ca.jwtBundle(), AUDIENCE);
});

Deno.test("CertificateAuthority rotation drops an authority that signed nothing", async () => {
  const ca = await CertificateAuthority.create({ trustDomain: TD });
  const [firstRoot] = ca.x509Bundle().x509Authorities();
  await ca.rotate();
  const roots = ca.x509Bundle().x509Authorities();
  assert.equal(roots.length, 1);
  assert.ok(!ca.x509Bundle().hasX509Authority(firstRoot));
  assert.equal(ca.jwtBundle().jwtAuthorities().size, 1);
});

Deno.test("CertificateAuthority with an intermediate issues leaf + intermediate", async () => {
  const ca = await CertificateAuthority.create({
    trustDomain: TD,
    keyType: "ec-p384",
    intermediate: true,
  });
  const svid = await ca.issueX509Svid(ID, 60_000);
  assert.equal(svid.certificates.length, 2);
  const [root] = ca.x509Bundle().x509Authorities();
  assert.equal(svid.certificates[1].issuer, root.subject);
  const verified = await verifyX509Svid(svid.certificates, ca.x509Bundle());
  assert.equal(verified.verifiedChains[0].length, 3);
  await assert.rejects(
    CertificateAuthority.create({ trustDomain: TD, keyType: "ed448" as "ec-p256" }),
    { name: "RangeError", message: 'unsupported key type "ed448"' },
  );
});
