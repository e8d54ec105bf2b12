import { defineInspect } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { type BundleNames, BundleSetCore, parseBundleMap } from "./_bundle_set_core.ts";
import type { BundleBytesMap } from "./bundle_bytes_map.ts";
import { JwtBundle } from "./jwt_bundle.ts";

const NAMES: BundleNames = { prefix: "jwtbundle", kind: "JWT" };

/**
 * JWT bundles keyed by trust domain, at most one per trust domain (go-spiffe's `jwtbundle.Set`).
 * It is a `JwtBundleSource`: validation picks the bundle of the token's own trust domain, never a
 * merge of several. It shows as `JwtBundleSet { trustDomains: [ "a.org", "example.org" ] }` in
 * `console.log` and `util.inspect`.
 *
 * @example Choosing the bundle of a trust domain
 * ```ts
 * import assert from "node:assert";
 * import { TrustDomain, JwtBundle, JwtBundleSet } from "@spiffe-ts/spiffe";
 *
 * const td = TrustDomain.parse("example.org");
 * const set = new JwtBundleSet(new JwtBundle(td), new JwtBundle(TrustDomain.parse("a.org")));
 * assert.equal(set.getJwtBundleForTrustDomain(td).trustDomain.name, "example.org");
 * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "example.org"]);
 * ```
 */
export class JwtBundleSet {
  static {
    defineInspect(this, "JwtBundleSet", (set) => ({
      trustDomains: set.bundles().map((bundle) => bundle.trustDomain.name),
    }));
  }

  readonly #bundles = new BundleSetCore<JwtBundle>(NAMES);

  /**
   * Creates a set; of several bundles for one trust domain, the last wins.
   *
   * @param bundles The initial bundles.
   *
   * @example Creating a set
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new JwtBundleSet().size, 0);
   * ```
   */
  constructor(...bundles: JwtBundle[]) {
    for (const bundle of bundles) this.add(bundle);
  }

  /**
   * Parses the Workload API's map of trust domain → JWKS JSON bytes
   * (`JWTBundlesResponse.bundles`). Keys may be `spiffe://example.org` (what SPIRE sends) or
   * `example.org`.
   *
   * @param map The map, as a plain object or a `Map`.
   * @returns The set.
   * @throws {BundleError} `jwtbundle: invalid trust domain "<key>": <reason>`,
   * `jwtbundle: duplicate bundle for trust domain "<td>"`, or
   * `jwtbundle: cannot parse bundle for trust domain "<td>": <reason>` (the reason of
   * `JwtBundle.parse`, e.g. `no authorities found`).
   *
   * @example Parsing a Workload API bundle map
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * const jwks = new TextEncoder().encode('{"keys":[]}');
   * const set = JwtBundleSet.parseMap(new Map([["spiffe://example.org", jwks]]));
   * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["example.org"]);
   * ```
   */
  static parseMap(map: BundleBytesMap): JwtBundleSet {
    return new JwtBundleSet(...parseBundleMap(NAMES.prefix, map, JwtBundle.parse));
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
   * import { TrustDomain, JwtBundle, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new JwtBundleSet(new JwtBundle(td));
   * const newer = new JwtBundle(td);
   * set.add(newer);
   * assert.equal(set.get(td), newer);
   * ```
   */
  add(bundle: JwtBundle): void {
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
   * import { TrustDomain, JwtBundle, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new JwtBundleSet(new JwtBundle(td));
   * set.remove(td);
   * assert.ok(!set.has(td));
   * ```
   */
  remove(trustDomain: TrustDomain | string): void {
    this.#bundles.remove(trustDomainArgument(trustDomain, "JwtBundleSet.remove(trustDomain)"));
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
   * import { TrustDomain, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new JwtBundleSet().has(TrustDomain.parse("example.org")));
   * ```
   */
  has(trustDomain: TrustDomain | string): boolean {
    return this.#bundles.has(trustDomainArgument(trustDomain, "JwtBundleSet.has(trustDomain)"));
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
   * import { TrustDomain, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new JwtBundleSet().get(TrustDomain.parse("example.org")), undefined);
   * ```
   */
  get(trustDomain: TrustDomain | string): JwtBundle | undefined {
    return this.#bundles.get(trustDomainArgument(trustDomain, "JwtBundleSet.get(trustDomain)"));
  }

  /**
   * All bundles, sorted by trust domain name.
   *
   * @returns A new array.
   *
   * @example Listing bundles
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, JwtBundle, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * const set = new JwtBundleSet(
   *   new JwtBundle(TrustDomain.parse("b.org")),
   *   new JwtBundle(TrustDomain.parse("a.org")),
   * );
   * assert.deepEqual(set.bundles().map((b) => b.trustDomain.name), ["a.org", "b.org"]);
   * ```
   */
  bundles(): JwtBundle[] {
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
   * import { TrustDomain, JwtBundle, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const set = new JwtBundleSet(new JwtBundle(td));
   * assert.notEqual(set.clone().get(td), set.get(td));
   * ```
   */
  clone(): JwtBundleSet {
    return new JwtBundleSet(...this.#bundles.cloned());
  }

  /**
   * The bundle of a trust domain: the set is a `JwtBundleSource`.
   *
   * @param trustDomain The trust domain (a `TrustDomain`, or a string to parse).
   * @returns The bundle (not a copy).
   * @throws {BundleError} `jwtbundle: no JWT bundle for trust domain "<td>"` (reason
   * `not-found`).
   * @throws {TypeError} When `trustDomain` is neither.
   *
   * @example Using a set as a source
   * ```ts
   * import assert from "node:assert";
   * import { TrustDomain, JwtBundleSet } from "@spiffe-ts/spiffe";
   *
   * assert.throws(() => new JwtBundleSet().getJwtBundleForTrustDomain(TrustDomain.parse("a.org")), {
   *   message: 'jwtbundle: no JWT bundle for trust domain "a.org"',
   * });
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    return this.#bundles.require(
      trustDomainArgument(trustDomain, "JwtBundleSet.getJwtBundleForTrustDomain(trustDomain)"),
    );
  }
}
