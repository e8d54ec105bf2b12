/**
 * Trust bundles (go-spiffe's `bundle/x509bundle`, `bundle/jwtbundle` and `bundle/spiffebundle`):
 * the keys a workload trusts, per trust domain.
 *
 * - {@linkcode X509Bundle}: CA certificates for X509-SVIDs (PEM, or the Workload API's DER).
 * - {@linkcode JwtBundle}: public keys for JWT-SVIDs, by key ID (JWKS).
 * - {@linkcode SpiffeBundle}: both, in the SPIFFE bundle format used for federation, with
 *   `spiffe_sequence` (a `bigint`) and `spiffe_refresh_hint` (in milliseconds).
 * - {@linkcode X509BundleSet}, {@linkcode JwtBundleSet}, {@linkcode BundleSet}: one bundle per
 *   trust domain.
 * - {@linkcode X509BundleSource}, {@linkcode JwtBundleSource}, {@linkcode SpiffeBundleSource}: the
 *   one-method interfaces that verification depends on; bundles, sets and live sources implement
 *   them. A missing bundle is a `BundleError`.
 *
 * Certificates are `node:crypto` `X509Certificate`s and JWT keys `node:crypto` public
 * `KeyObject`s.
 *
 * @example Federating with another trust domain
 * ```ts
 * import assert from "node:assert";
 * import { BundleSet, SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const partner = TrustDomain.parse("partner.org");
 * const bundle = SpiffeBundle.parse(partner, '{"keys":[],"spiffe_refresh_hint":300}');
 * const set = new BundleSet(bundle);
 * assert.equal(set.getBundleForTrustDomain(partner).refreshHint, 300_000);
 * assert.equal(set.getX509BundleForTrustDomain(partner).x509Authorities().length, 0);
 * ```
 *
 * @module
 */
export { X509Bundle } from "./x509_bundle.ts";
export { JwtBundle } from "./jwt_bundle.ts";
export { SpiffeBundle } from "./spiffe_bundle.ts";
export { X509BundleSet } from "./x509_bundle_set.ts";
export { JwtBundleSet } from "./jwt_bundle_set.ts";
export { BundleSet } from "./bundle_set.ts";
export type { BundleBytesMap } from "./bundle_bytes_map.ts";
export type { JwtBundleSource, SpiffeBundleSource, X509BundleSource } from "./source.ts";
// Re-exported as a type so this module's documentation is complete on its own; the class itself
// lives in spiffeid.
export type { TrustDomain } from "../spiffeid/trust_domain.ts";
