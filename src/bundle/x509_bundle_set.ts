import { defineInspect } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { type BundleNames, BundleSetCore, parseBundleMap } from "./_bundle_set_core.ts";
import type { BundleBytesMap } from "./bundle_bytes_map.ts";
import { X509Bundle } from "./x509_bundle.ts";

const NAMES: BundleNames = { prefix: "x509bundle", kind: "X.509" };

/**
 * X.509 bundles keyed by trust domain, at most one per trust domain (go-spiffe's
 * `x509bundle.Set`). It is an `X509BundleSource`: verification picks the bundle of the peer's own
 * trust domain, never a merge of several. It shows as
 * `X509BundleSet { trustDomains: [ "a.org", "example.org" ] }` in `console.log` and `util.inspect`.
 *
 * @example Choosing the bundle of a trust domain
 * ```ts
 * import assert from "node:assert";
 * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const set = new X509BundleSet(new X509Bundle(td), new X509Bundle(TrustDomain.parse("a.org")));
 * assert.equal(set.getX509BundleForTrustDomain(td).trustDomain.name, "example.org");
 * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "example.org"]);
 * ```
 */
export class X509BundleSet {
  static {
    defineInspect(this, "X509BundleSet", (set) => ({
      trustDomains: set.bundles().map((bundle) => bundle.trustDomain.name),
    }));
  }

  readonly #bundles = new BundleSetCore<X509Bundle>(NAMES);

  /**
   * Creates a set; of several bundles for one trust domain, the last wins.
   *
   * @param bundles The initial bundles.
   *
   * @example Creating a set
   * ```ts
   * import assert from "node:assert";
   * import { X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new X509BundleSet().size, 0);
   * ```
   */
  constructor(...bundles: X509Bundle[]) {
    for (const bundle of bundles) this.add(bundle);
  }

  /**
   * Parses the Workload API's map of trust domain → concatenated DER certificates
   * (`X509BundlesResponse.bundles`, `X509SVIDResponse.federated_bundles`). Keys may be
   * `spiffe://example.org` (what SPIRE sends) or `example.org`.
   *
   * @param map The map, as a plain object or a `Map`.
   * @returns The set.
   * @throws {BundleError} `x509bundle: invalid trust domain "<key>": <reason>`,
   * `x509bundle: duplicate bundle for trust domain "<td>"`, or
   * `x509bundle: cannot parse bundle for trust domain "<td>": cannot parse certificate: <reason>`.
   *
   * @example Parsing a Workload API bundle map
   * ```ts
   * import assert from "node:assert";
   * import { X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const set = X509BundleSet.parseRawMap({ "spiffe://example.org": new Uint8Array() });
   * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["example.org"]);
   * ```
   */
  static parseRawMap(map: BundleBytesMap): X509BundleSet {
    return new X509BundleSet(...parseBundleMap(NAMES.prefix, map, X509Bundle.parseRaw));
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
   * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new X509BundleSet(new X509Bundle(td));
   * const newer = new X509Bundle(td);
   * set.add(newer);
   * assert.equal(set.get(td), newer);
   * ```
   */
  add(bundle: X509Bundle): void {
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
   * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new X509BundleSet(new X509Bundle(td));
   * set.remove(td);
   * assert.ok(!set.has(td));
   * ```
   */
  remove(trustDomain: TrustDomain | string): void {
    this.#bundles.remove(trustDomainArgument(trustDomain, "X509BundleSet.remove(trustDomain)"));
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
   * import { TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new X509BundleSet().has(TrustDomain.parse("example.org")));
   * ```
   */
  has(trustDomain: TrustDomain | string): boolean {
    return this.#bundles.has(trustDomainArgument(trustDomain, "X509BundleSet.has(trustDomain)"));
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
   * import { TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new X509BundleSet().get(TrustDomain.parse("example.org")), undefined);
   * ```
   */
  get(trustDomain: TrustDomain | string): X509Bundle | undefined {
    return this.#bundles.get(trustDomainArgument(trustDomain, "X509BundleSet.get(trustDomain)"));
  }

  /**
   * All bundles, sorted by trust domain name.
   *
   * @returns A new array.
   *
   * @example Listing bundles
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const set = new X509BundleSet(
   *   new X509Bundle(TrustDomain.parse("b.org")),
   *   new X509Bundle(TrustDomain.parse("a.org")),
   * );
   * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "b.org"]);
   * ```
   */
  bundles(): X509Bundle[] {
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
   * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new X509BundleSet(new X509Bundle(td));
   * assert.notEqual(set.clone().get(td), set.get(td));
   * ```
   */
  clone(): X509BundleSet {
    return new X509BundleSet(...this.#bundles.cloned());
  }

  /**
   * The bundle of a trust domain: the set is an `X509BundleSource`.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The bundle (not a copy).
   * @throws {BundleError} `x509bundle: no X.509 bundle for trust domain "<td>"` (reason
   * `not-found`).
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Using a set as a source
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.throws(() => new X509BundleSet().getX509BundleForTrustDomain(TrustDomain.parse("a.org")), {
   *   message: 'x509bundle: no X.509 bundle for trust domain "a.org"',
   * });
   * ```
   */
  getX509BundleForTrustDomain(trustDomain: TrustDomain | string): X509Bundle {
    return this.#bundles.require(
      trustDomainArgument(trustDomain, "X509BundleSet.getX509BundleForTrustDomain(trustDomain)"),
    );
  }

  /**
   * Every bundle of the set (`X509BundleSource.getX509Bundles`), as {@linkcode X509BundleSet.bundles}.
   *
   * @returns The bundles, ordered by trust domain name (not copies).
   *
   * @example Listing a set's bundles
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509Bundle, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * const set = new X509BundleSet(new X509Bundle(TrustDomain.parse("example.org")));
   * assert.deepEqual(set.getX509Bundles().map((b) => b.trustDomain.name), ["example.org"]);
   * ```
   */
  getX509Bundles(): X509Bundle[] {
    return this.bundles();
  }
}
