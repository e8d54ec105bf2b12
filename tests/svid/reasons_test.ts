// Every X509SvidErrorReason and JwtSvidErrorReason is produced, each with its message (issue
// 13). The tables are Records over the reason unions, so a reason added to a type without a
// case here fails the type check. The other SVID tests assert the reason of every case too.
import { generateKeyPairSync } from "node:crypto";
import {
  JwtBundle,
  JwtSvid,
  JwtSvidError,
  type JwtSvidErrorReason,
  TrustDomain,
  verifyX509SvidSync,
  X509Bundle,
  X509BundleSet,
  X509Svid,
  X509SvidError,
  type X509SvidErrorReason,
} from "../../mod.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";
import { KU, TestCa } from "../_helpers/ca.ts";
import { mint } from "../_helpers/jwt.ts";

const ID = "spiffe://example.org/workload";
const root = await TestCa.root();
const leaf = await root.svid(ID);
const other = await root.svid(ID);
const caLeaf = await root.svid(ID, { isCA: true, keyUsage: KU.digitalSignature });
const strangerLeaf = await (await TestCa.root()).svid(ID);
const notCa = await root.intermediate("example.org", { isCA: false, keyUsage: KU.keyCertSign });
const underNotCa = await notCa.svid(ID);
const bundle = new X509BundleSet(
  X509Bundle.fromAuthorities(TrustDomain.parse("example.org"), [root.cert.cert]),
);
const YEAR = 365 * 24 * 3600_000;
const P = "x509svid: could not verify leaf certificate: x509: ";

const X509_CASES: Record<X509SvidErrorReason, { fn: () => unknown; message: string | RegExp }> = {
  "malformed-certificate": {
    fn: () => X509Svid.parse("no PEM", leaf.keyPem),
    message: "x509svid: cannot parse PEM encoded certificate: no PEM blocks found",
  },
  "malformed-private-key": {
    fn: () => X509Svid.parse(leaf.pem, leaf.pem),
    message: "x509svid: cannot parse PEM encoded private key: no PEM blocks found",
  },
  "no-certificates": {
    fn: () => X509Svid.parseRaw(new Uint8Array(), leaf.keyDer),
    message: "x509svid: certificate validation failed: no certificates found",
  },
  "invalid-certificate": {
    fn: () => X509Svid.parseRaw(caLeaf.der, caLeaf.keyDer),
    message:
      "x509svid: certificate validation failed: leaf certificate must not have CA flag set to true",
  },
  "invalid-private-key": {
    fn: () => X509Svid.parseRaw(leaf.der, other.keyDer),
    message: "x509svid: private key validation failed: leaf certificate does not match private key",
  },
  "too-many-certificates": {
    fn: () => verifyX509SvidSync(Array.from({ length: 17 }, () => leaf.der), bundle),
    message: "x509svid: too many certificates: 17 presented, at most 16 are accepted",
  },
  "bundle-not-found": {
    fn: () => verifyX509SvidSync([leaf.der], new X509BundleSet()),
    message:
      'x509svid: could not get X509 bundle: x509bundle: no X.509 bundle for trust domain "example.org"',
  },
  "expired": {
    fn: () => verifyX509SvidSync([leaf.der], bundle, { time: new Date(Date.now() + YEAR) }),
    message: new RegExp(`^${P}certificate has expired or is not yet valid: .* is after `),
  },
  "not-yet-valid": {
    fn: () => verifyX509SvidSync([leaf.der], bundle, { time: new Date(Date.now() - YEAR) }),
    message: new RegExp(`^${P}certificate has expired or is not yet valid: .* is before `),
  },
  "unknown-authority": {
    fn: () => verifyX509SvidSync([strangerLeaf.der], bundle),
    message: `${P}certificate signed by unknown authority`,
  },
  "invalid-chain": {
    fn: () => verifyX509SvidSync([underNotCa.der, notCa.cert.der], bundle),
    message: `${P}certificate is not authorized to sign other certificates`,
  },
};

for (const [reason, { fn, message }] of Object.entries(X509_CASES)) {
  Deno.test(`X509SvidError reason "${reason}"`, () => {
    assertThrowsReason(fn, X509SvidError, "ERR_X509_SVID", reason as X509SvidErrorReason, message);
  });
}

// --- JWT-SVIDs -------------------------------------------------------------------------

const AUD = "spiffe://example.org/server";
const key = generateKeyPairSync("ec", { namedCurve: "P-256" });
const jwtBundle = new JwtBundle(TrustDomain.parse("example.org"));
jwtBundle.addJwtAuthority("k1", key.publicKey);
const now = () => Math.floor(Date.now() / 1000);

function token(
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  signer = key.privateKey,
): string {
  return mint(
    { sub: ID, aud: AUD, exp: now() + 300, ...claims },
    { key: signer, header: { alg: "ES256", kid: "k1", typ: "JWT", ...header } },
  );
}

const validate = (tok: string) => () => JwtSvid.parseAndValidate(tok, jwtBundle, AUD);

const JWT_CASES: Record<JwtSvidErrorReason, { fn: () => unknown; message: string }> = {
  "malformed": {
    fn: validate("a.b"),
    message: "jwtsvid: unable to parse JWT token: compact JWS format must have three parts",
  },
  "algorithm-not-allowed": {
    fn: validate(mint({ sub: ID }, { key: new Uint8Array(32), header: { alg: "HS256" } })),
    message: 'jwtsvid: unable to parse JWT token: unsupported signature algorithm "HS256"',
  },
  "invalid-type": {
    fn: validate(token({}, { typ: "at+jwt" })),
    message: "jwtsvid: token header type not equal to either JWT or JOSE",
  },
  "missing-subject": {
    fn: validate(token({ sub: undefined })),
    message: "jwtsvid: token missing subject claim",
  },
  "missing-expiration": {
    fn: validate(token({ exp: undefined })),
    message: "jwtsvid: token missing exp claim",
  },
  "invalid-subject": {
    fn: validate(token({ sub: "spiffe://example.org/a/" })),
    message: "jwtsvid: token has an invalid subject claim: path cannot have a trailing slash",
  },
  "missing-key-id": {
    fn: validate(token({}, { kid: undefined })),
    message: "jwtsvid: token header missing key id",
  },
  "bundle-not-found": {
    fn: validate(token({ sub: "spiffe://other.org/w" })),
    message: 'jwtsvid: no bundle found for trust domain "other.org"',
  },
  "authority-not-found": {
    fn: validate(token({}, { kid: "k2" })),
    message: 'jwtsvid: no JWT authority "k2" found for trust domain "example.org"',
  },
  "invalid-signature": {
    fn: validate(token({}, {}, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey)),
    message:
      "jwtsvid: unable to get claims from token: go-jose/go-jose: error in cryptographic primitive",
  },
  "audience-mismatch": {
    fn: validate(token({ aud: ["other"] })),
    message: 'jwtsvid: expected audience in ["spiffe://example.org/server"] (audience=["other"])',
  },
  "not-yet-valid": {
    fn: validate(token({ nbf: now() + 3600 })),
    message: "go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)",
  },
  "expired": {
    fn: validate(token({ exp: now() - 3600 })),
    message: "jwtsvid: token has expired",
  },
  "issued-in-the-future": {
    fn: validate(token({ iat: now() + 3600 })),
    message: "go-jose/go-jose/jwt: validation field, token issued in the future (iat)",
  },
};

for (const [reason, { fn, message }] of Object.entries(JWT_CASES)) {
  Deno.test(`JwtSvidError reason "${reason}"`, () => {
    assertThrowsReason(fn, JwtSvidError, "ERR_JWT_SVID", reason as JwtSvidErrorReason, message);
  });
}
