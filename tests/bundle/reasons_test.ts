// Every BundleErrorReason is produced, each with its message (issue 13). The table is a
// Record over the reason union, so a reason added to the type without a case here fails the
// type check.
import { generateKeyPairSync } from "node:crypto";
import {
  BundleError,
  type BundleErrorReason,
  JwtBundle,
  JwtBundleSet,
  SpiffeBundle,
  TrustDomain,
  X509Bundle,
  X509BundleSet,
} from "../../mod.ts";
import { assertThrowsReason } from "../_helpers/assert.ts";
import { forge, rsaPssKeys } from "../_helpers/forge.ts";

const td = TrustDomain.parse("example.org");
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const pss = rsaPssKeys();
const pssCa = forge({ signer: { key: pss.privateKey, subject: "CN=pss" }, isCA: true });

const CASES: Record<BundleErrorReason, { fn: () => unknown; message: string | RegExp }> = {
  "not-found": {
    fn: () => new X509BundleSet().getX509BundleForTrustDomain(TrustDomain.parse("a.org")),
    message: 'x509bundle: no X.509 bundle for trust domain "a.org"',
  },
  "malformed": {
    fn: () => X509Bundle.parse(td, "no PEM here"),
    message: "x509bundle: cannot parse certificate: no PEM blocks found",
  },
  "no-authorities": {
    fn: () => JwtBundle.parse(td, "{}"),
    message: "jwtbundle: no authorities found",
  },
  "missing-key-id": {
    fn: () => new JwtBundle(td).addJwtAuthority("", ec.publicKey),
    message: "jwtbundle: keyID cannot be empty",
  },
  "not-public-key": {
    fn: () => new SpiffeBundle(td).addJwtAuthority("k", ec.privateKey),
    message: "spiffebundle: JWT authority must be a public key",
  },
  "invalid-trust-domain": {
    fn: () => X509BundleSet.parseRawMap({ "Example.org": new Uint8Array() }),
    message:
      'x509bundle: invalid trust domain "Example.org": trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores',
  },
  "duplicate-trust-domain": {
    fn: () =>
      X509BundleSet.parseRawMap(
        new Map([["example.org", new Uint8Array()], ["spiffe://example.org", new Uint8Array()]]),
      ),
    message: 'x509bundle: duplicate bundle for trust domain "example.org"',
  },
  "marshal-failed": {
    fn: () => {
      const bundle = new SpiffeBundle(td);
      bundle.addX509Authority(pssCa.cert!); // RSA-PSS keys have no JWK form in node:crypto
      return bundle.marshal();
    },
    message: /^spiffebundle: cannot marshal X\.509 authority 0: /,
  },
};

for (const [reason, { fn, message }] of Object.entries(CASES)) {
  Deno.test(`BundleError reason "${reason}"`, () => {
    assertThrowsReason(fn, BundleError, "ERR_BUNDLE", reason as BundleErrorReason, message);
  });
}

Deno.test("a bundle map entry that fails keeps the reason of its own failure", () => {
  const jwks = (text: string) => new TextEncoder().encode(text);
  assertThrowsReason(
    () => JwtBundleSet.parseMap({ "spiffe://a.org": jwks("{}") }),
    BundleError,
    "ERR_BUNDLE",
    "no-authorities",
    'jwtbundle: cannot parse bundle for trust domain "a.org": no authorities found',
  );
  assertThrowsReason(
    () => JwtBundleSet.parseMap({ "spiffe://a.org": jwks("{") }),
    BundleError,
    "ERR_BUNDLE",
    "malformed",
    /^jwtbundle: cannot parse bundle for trust domain "a\.org": unable to parse JWKS: /,
  );
});
