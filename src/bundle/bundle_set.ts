import { defineInspect } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { type BundleNames, BundleSetCore } from "./_bundle_set_core.ts";
import type { JwtBundle } from "./jwt_bundle.ts";
import type { SpiffeBundle } from "./spiffe_bundle.ts";
import type { X509Bundle } from "./x509_bundle.ts";

const NAMES: BundleNames = { prefix: "spiffebundle", kind: "SPIFFE" };

/**
 * SPIFFE bundles keyed by trust domain, at most one per trust domain (go-spiffe's
 * `spiffebundle.Set`), e.g. the bundles of the trust domains this one federates with. It is a
 * source of all three bundle kinds: `SpiffeBundleSource`, `X509BundleSource` and
 * `JwtBundleSource`. It shows as `BundleSet { trustDomains: [ "a.org", "example.org" ] }` in
 * `console.log` and `util.inspect`.
 *
 * @example Choosing the bundle of a trust domain
 * ```ts
 * import assert from "node:assert";
 * import { TrustDomain, SpiffeBundle, BundleSet } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const set = new BundleSet(new SpiffeBundle(td), new SpiffeBundle(TrustDomain.parse("a.org")));
 * assert.equal(set.getJwtBundleForTrustDomain(td).trustDomain.name, "example.org");
 * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "example.org"]);
 * ```
 */
export class BundleSet {
  static {
    defineInspect(this, "BundleSet", (set) => ({
      trustDomains: set.bundles().map((bundle) => bundle.trustDomain.name),
    }));
  }

  readonly #bundles = new BundleSetCore<SpiffeBundle>(NAMES);

  /**
   * Creates a set; of several bundles for one trust domain, the last wins.
   *
   * @param bundles The initial bundles.
   *
   * @example Creating a set
   * ```ts
   * import assert from "node:assert";
   * import { BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new BundleSet().size, 0);
   * ```
   */
  constructor(...bundles: SpiffeBundle[]) {
    for (const bundle of bundles) this.add(bundle);
  }

  /** How many bundles the set holds. */
  get size(): number {
    return this.#bundles.size;
  }

  /**
   * Adds a bundle, replacing the one of the same trust domain if any.
   *
   * @param bundle The bundle (stored as is, not copied).
   * @returns Nothing.
   *
   * @example Adding and replacing
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, SpiffeBundle, BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new BundleSet(new SpiffeBundle(td));
   * const newer = new SpiffeBundle(td);
   * set.add(newer);
   * assert.equal(set.get(td), newer);
   * ```
   */
  add(bundle: SpiffeBundle): void {
    this.#bundles.add(bundle);
  }

  /**
   * Removes the bundle of a trust domain, if any.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns Nothing.
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Removing a bundle
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, SpiffeBundle, BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new BundleSet(new SpiffeBundle(td));
   * set.remove(td);
   * assert.ok(!set.has(td));
   * ```
   */
  remove(trustDomain: TrustDomain | string): void {
    this.#bundles.remove(trustDomainArgument(trustDomain, "BundleSet.remove(trustDomain)"));
  }

  /**
   * Whether the set has a bundle for the trust domain.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns `true` when present.
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Checking for a trust domain
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new BundleSet().has(TrustDomain.parse("example.org")));
   * ```
   */
  has(trustDomain: TrustDomain | string): boolean {
    return this.#bundles.has(trustDomainArgument(trustDomain, "BundleSet.has(trustDomain)"));
  }

  /**
   * The bundle of a trust domain.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The bundle, or `undefined`.
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Getting a bundle
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new BundleSet().get(TrustDomain.parse("example.org")), undefined);
   * ```
   */
  get(trustDomain: TrustDomain | string): SpiffeBundle | undefined {
    return this.#bundles.get(trustDomainArgument(trustDomain, "BundleSet.get(trustDomain)"));
  }

  /**
   * All bundles, sorted by trust domain name.
   *
   * @returns A new array.
   *
   * @example Listing bundles
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, SpiffeBundle, BundleSet } from "@spiffe-ts/spiffe";
   *
   * const set = new BundleSet(
   *   new SpiffeBundle(TrustDomain.parse("b.org")),
   *   new SpiffeBundle(TrustDomain.parse("a.org")),
   * );
   * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "b.org"]);
   * ```
   */
  bundles(): SpiffeBundle[] {
    return this.#bundles.sorted();
  }

  /**
   * Copies the set and every bundle in it; changes to the copy do not reach the original.
   *
   * @returns The copy.
   *
   * @example Copying a set
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, SpiffeBundle, BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new BundleSet(new SpiffeBundle(td));
   * assert.notEqual(set.clone().get(td), set.get(td));
   * ```
   */
  clone(): BundleSet {
    return new BundleSet(...this.#bundles.cloned());
  }

  /**
   * The bundle of a trust domain: the set is a `SpiffeBundleSource`.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The bundle (not a copy).
   * @throws {BundleError} `spiffebundle: no SPIFFE bundle for trust domain "<td>"` (reason
   * `not-found`).
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Using a set as a source
   * ```ts
   * import assert from "node:assert";
   * import { BundleSet, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.throws(() => new BundleSet().getBundleForTrustDomain(TrustDomain.parse("a.org")), {
   *   message: 'spiffebundle: no SPIFFE bundle for trust domain "a.org"',
   * });
   * ```
   */
  getBundleForTrustDomain(trustDomain: TrustDomain | string): SpiffeBundle {
    return this.#bundles.require(
      trustDomainArgument(trustDomain, "BundleSet.getBundleForTrustDomain(trustDomain)"),
    );
  }

  /**
   * The X.509 part of a trust domain's bundle: the set is an `X509BundleSource`. See
   * `SpiffeBundle.getX509BundleForTrustDomain`: the result is a read-only view that stays the
   * same object while the bundle's X.509 authorities do not change.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The X.509 bundle.
   * @throws {BundleError} `spiffebundle: no SPIFFE bundle for trust domain "<td>"` (reason
   * `not-found`).
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Using a set as an X509BundleSource
   * ```ts
   * import assert from "node:assert";
   * import { BundleSet, SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new BundleSet(new SpiffeBundle(td));
   * assert.equal(set.getX509BundleForTrustDomain(td).x509Authorities().length, 0);
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    trustDomain = trustDomainArgument(
      trustDomain,
      "BundleSet.getX509BundleForTrustDomain(trustDomain)",
    );
    return this.getBundleForTrustDomain(trustDomain).getX509BundleForTrustDomain(trustDomain);
  }

  /**
   * The X.509 part of every bundle of the set (`X509BundleSource.getX509Bundles`), as the
   * read-only views {@linkcode BundleSet.getX509BundleForTrustDomain} gives.
   *
   * @returns The X.509 bundles, ordered by trust domain name.
   *
   * @example Listing a set's X.509 bundles
   * ```ts
   * import assert from "node:assert";
   * import { BundleSet, SpiffeBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const set = new BundleSet(new SpiffeBundle(TrustDomain.parse("example.org")));
   * assert.deepEqual(set.getX509Bundles().map((b) => b.trustDomain.name), ["example.org"]);
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return this.bundles().map((bundle) => bundle.getX509BundleForTrustDomain(bundle.trustDomain));
  }

  /**
   * The JWT part of a trust domain's bundle: the set is a `JwtBundleSource`. The result is a
   * read-only view, as with {@linkcode BundleSet.getX509BundleForTrustDomain}.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The JWT bundle.
   * @throws {BundleError} `spiffebundle: no SPIFFE bundle for trust domain "<td>"` (reason
   * `not-found`).
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Using a set as a JwtBundleSource
   * ```ts
   * import assert from "node:assert";
   * import { BundleSet, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.throws(() => new BundleSet().getJwtBundleForTrustDomain(TrustDomain.parse("a.org")), {
   *   message: 'spiffebundle: no SPIFFE bundle for trust domain "a.org"',
   * });
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    trustDomain = trustDomainArgument(
      trustDomain,
      "BundleSet.getJwtBundleForTrustDomain(trustDomain)",
    );
    return this.getBundleForTrustDomain(trustDomain).getJwtBundleForTrustDomain(trustDomain);
  }
}
