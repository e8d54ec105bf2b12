import { BundleError } from "../errors.ts";
import type { TrustDomain } from "../spiffeid/trust_domain.ts";
import { type BundleBytesMap, parseBundleMap } from "./_bundle_map.ts";
import { X509Bundle } from "./x509_bundle.ts";

/**
 * X.509 bundles keyed by trust domain, at most one per trust domain (go-spiffe's
 * `x509bundle.Set`). It is an `X509BundleSource`: verification picks the bundle of the peer's own
 * trust domain, never a merge of several.
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
  readonly #bundles = new Map<string, X509Bundle>();

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
    return new X509BundleSet(...parseBundleMap("x509bundle", map, X509Bundle.parseRaw));
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
    this.#bundles.set(bundle.trustDomain.name, bundle);
  }

  /**
   * Removes the bundle of a trust domain, if any.
   *
   * @param trustDomain The trust domain.
   * @returns Nothing.
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
  remove(trustDomain: TrustDomain): void {
    this.#bundles.delete(trustDomain.name);
  }

  /**
   * Whether the set has a bundle for the trust domain.
   *
   * @param trustDomain The trust domain.
   * @returns `true` when present.
   *
   * @example Checking for a trust domain
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new X509BundleSet().has(TrustDomain.parse("example.org")));
   * ```
   */
  has(trustDomain: TrustDomain): boolean {
    return this.#bundles.has(trustDomain.name);
  }

  /**
   * The bundle of a trust domain.
   *
   * @param trustDomain The trust domain.
   * @returns The bundle, or `undefined`.
   *
   * @example Getting a bundle
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, X509BundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new X509BundleSet().get(TrustDomain.parse("example.org")), undefined);
   * ```
   */
  get(trustDomain: TrustDomain): X509Bundle | undefined {
    return this.#bundles.get(trustDomain.name);
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
    return [...this.#bundles.keys()].sort().map((name) => this.#bundles.get(name)!);
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
    return new X509BundleSet(...[...this.#bundles.values()].map((bundle) => bundle.clone()));
  }

  /**
   * The bundle of a trust domain: the set is an `X509BundleSource`.
   *
   * @param trustDomain The trust domain.
   * @returns The bundle (not a copy).
   * @throws {BundleError} `x509bundle: no X.509 bundle for trust domain "<td>"`.
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
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    const bundle = this.#bundles.get(trustDomain.name);
    if (bundle === undefined) {
      throw new BundleError(
        `x509bundle: no X.509 bundle for trust domain ${JSON.stringify(trustDomain.name)}`,
      );
    }
    return bundle;
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
