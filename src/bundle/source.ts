import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { JwtBundle } from "./jwt_bundle.ts";
import type { SpiffeBundle } from "./spiffe_bundle.ts";
import type { X509Bundle } from "./x509_bundle.ts";

/**
 * Anything that can hand out the X.509 bundle of a trust domain: an `X509Bundle` (for its own
 * trust domain), an `X509BundleSet`, a `SpiffeBundle`, a `BundleSet`, or a live Workload API
 * source. X509-SVID verification depends on this one method only; `getX509Bundles` is an
 * optional extra for TLS (see there).
 *
 * @example Writing a source
 * ```ts
 * import assert from "node:assert";
 * import { TrustDomain, X509Bundle, type X509BundleSource } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const source: X509BundleSource = new X509Bundle(td);
 * assert.equal(source.getX509BundleForTrustDomain(td).trustDomain.name, "example.org");
 * ```
 */
export interface X509BundleSource {
  /**
   * The X.509 bundle of a trust domain.
   *
   * @param trustDomain The trust domain, usually the peer SVID's.
   * @returns The bundle; treat it as read-only.
   * @throws {BundleError} When the source has no bundle for the trust domain.
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle;

  /**
   * Optional: every X.509 bundle the source holds now, one per trust domain. Verification
   * never needs it. The TLS layer uses it to give node:tls the bundles as its `ca` list,
   * so that the TLS stack refuses a chain of no trusted domain during the handshake and a
   * plain node:tls client (`https.request`, grpc-js) can run the SPIFFE check; a source
   * without it still works with `dialWithMode`, `listenWithMode`, `spiffeServer`,
   * `spiffeConnect` and `verifyPeer`, which then verify after the handshake only. Our
   * bundles, bundle sets, `X509Source` and `BundleSource` implement it.
   *
   * @returns The bundles, as the source holds them now; treat them as read-only.
   */
  getX509Bundles?(): X509Bundle[];
}

/**
 * Anything that can hand out the JWT bundle of a trust domain: a `JwtBundle`, a `JwtBundleSet`, a
 * `SpiffeBundle`, a `BundleSet`, or a live Workload API source. JWT-SVID validation depends on
 * this one method only.
 *
 * @example Writing a source
 * ```ts
 * import assert from "node:assert";
 * import { JwtBundle, type JwtBundleSource, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const source: JwtBundleSource = new JwtBundle(td);
 * assert.equal(source.getJwtBundleForTrustDomain(td).trustDomain.name, "example.org");
 * ```
 */
export interface JwtBundleSource {
  /**
   * The JWT bundle of a trust domain.
   *
   * @param trustDomain The trust domain, usually the token subject's.
   * @returns The bundle; treat it as read-only.
   * @throws {BundleError} When the source has no bundle for the trust domain.
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle;
}

/**
 * Anything that can hand out the SPIFFE bundle of a trust domain: a `SpiffeBundle`, a
 * `BundleSet`, or a live Workload API source.
 *
 * @example Writing a source
 * ```ts
 * import assert from "node:assert";
 * import { SpiffeBundle, type SpiffeBundleSource, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const source: SpiffeBundleSource = new SpiffeBundle(td);
 * assert.equal(source.getBundleForTrustDomain(td).trustDomain.name, "example.org");
 * ```
 */
export interface SpiffeBundleSource {
  /**
   * The SPIFFE bundle of a trust domain.
   *
   * @param trustDomain The trust domain.
   * @returns The bundle; treat it as read-only.
   * @throws {BundleError} When the source has no bundle for the trust domain.
   */
  getBundleForTrustDomain(trustDomain: TrustDomain): SpiffeBundle;
}
