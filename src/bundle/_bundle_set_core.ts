/**
 * What the three bundle sets (`X509BundleSet`, `JwtBundleSet`, `BundleSet`) share: at most one
 * bundle per trust domain, the lookup that names the missing trust domain in the set's own words,
 * and reading the Workload API's bundle maps (`X509BundlesResponse.bundles`,
 * `JWTBundlesResponse.bundles`, `X509SVIDResponse.federated_bundles`). Each public set keeps its
 * own methods and documentation and hands the work to this core.
 *
 * @module
 */
import { BundleError } from "../errors.ts";
import { TrustDomain } from "../spiffeid/trust_domain.ts";
import type { BundleBytesMap } from "./bundle_bytes_map.ts";

/** What a set needs of its bundles. */
export interface SetBundle<B> {
  /** The trust domain the bundle belongs to: the set's key. */
  readonly trustDomain: TrustDomain;
  /** A deep copy, for the set's `clone()`. */
  clone(): B;
}

/** How a set's error messages name its bundles. */
export interface BundleNames {
  /** The error prefix: `x509bundle`, `jwtbundle` or `spiffebundle`. */
  readonly prefix: string;
  /** The kind in `no <kind> bundle for trust domain "<td>"`: `X.509`, `JWT` or `SPIFFE`. */
  readonly kind: string;
}

/** Bundles keyed by trust domain name, at most one per trust domain. */
export class BundleSetCore<B extends SetBundle<B>> {
  readonly #names: BundleNames;
  readonly #bundles = new Map<string, B>();

  /**
   * Creates an empty core.
   *
   * @param names How error messages name the bundles.
   */
  constructor(names: BundleNames) {
    this.#names = names;
  }

  /** How many bundles the set holds. */
  get size(): number {
    return this.#bundles.size;
  }

  /**
   * Adds a bundle, replacing the one of the same trust domain if any.
   *
   * @param bundle The bundle (stored as is).
   */
  add(bundle: B): void {
    this.#bundles.set(bundle.trustDomain.name, bundle);
  }

  /**
   * Removes the bundle of a trust domain, if any.
   *
   * @param trustDomain The trust domain.
   */
  remove(trustDomain: TrustDomain): void {
    this.#bundles.delete(trustDomain.name);
  }

  /**
   * Whether the set has a bundle for the trust domain.
   *
   * @param trustDomain The trust domain.
   * @returns `true` when present.
   */
  has(trustDomain: TrustDomain): boolean {
    return this.#bundles.has(trustDomain.name);
  }

  /**
   * The bundle of a trust domain.
   *
   * @param trustDomain The trust domain.
   * @returns The bundle, or `undefined`.
   */
  get(trustDomain: TrustDomain): B | undefined {
    return this.#bundles.get(trustDomain.name);
  }

  /**
   * All bundles, sorted by trust domain name.
   *
   * @returns A new array.
   */
  sorted(): B[] {
    return [...this.#bundles.keys()].sort().map((name) => this.#bundles.get(name)!);
  }

  /**
   * A copy of every bundle, in the order they were added, for a new set.
   *
   * @returns A new array of copies.
   */
  cloned(): B[] {
    return [...this.#bundles.values()].map((bundle) => bundle.clone());
  }

  /**
   * The bundle of a trust domain, which must be there.
   *
   * @param trustDomain The trust domain.
   * @returns The bundle (not a copy).
   * @throws {BundleError} `<prefix>: no <kind> bundle for trust domain "<td>"`.
   */
  require(trustDomain: TrustDomain): B {
    const bundle = this.#bundles.get(trustDomain.name);
    if (bundle === undefined) {
      const { prefix, kind } = this.#names;
      throw new BundleError(
        `${prefix}: no ${kind} bundle for trust domain ${JSON.stringify(trustDomain.name)}`,
        { reason: "not-found" },
      );
    }
    return bundle;
  }
}

/**
 * Parses every entry of a bundle map. Keys may be the trust domain's SPIFFE ID
 * (`spiffe://example.org`, what SPIRE sends) or its bare name (`example.org`), as with
 * `TrustDomain.parse`. Two keys naming the same trust domain are an error.
 *
 * @param prefix The error prefix, e.g. `x509bundle`.
 * @param map The map.
 * @param parse Parses one bundle; throws a `BundleError` with the same prefix.
 * @returns The bundles, in the map's order.
 * @throws {BundleError} `<prefix>: invalid trust domain "<key>": <reason>`,
 * `<prefix>: duplicate bundle for trust domain "<td>"`, or
 * `<prefix>: cannot parse bundle for trust domain "<td>": <reason>` (with the reason of the
 * entry's own failure).
 */
export function parseBundleMap<B>(
  prefix: string,
  map: BundleBytesMap,
  parse: (trustDomain: TrustDomain, bytes: Uint8Array) => B,
): B[] {
  const entries = map instanceof Map ? [...map] : Object.entries(map);
  const seen = new Set<string>();
  return entries.map(([key, bytes]) => {
    let trustDomain: TrustDomain;
    try {
      trustDomain = TrustDomain.parse(key);
    } catch (cause) {
      throw new BundleError(
        `${prefix}: invalid trust domain ${JSON.stringify(key)}: ${messageOf(cause)}`,
        { cause, reason: "invalid-trust-domain" },
      );
    }
    const name = JSON.stringify(trustDomain.name);
    if (seen.has(trustDomain.name)) {
      throw new BundleError(`${prefix}: duplicate bundle for trust domain ${name}`, {
        reason: "duplicate-trust-domain",
      });
    }
    seen.add(trustDomain.name);
    try {
      return parse(trustDomain, bytes);
    } catch (cause) {
      let reason = messageOf(cause);
      if (reason.startsWith(`${prefix}: `)) reason = reason.slice(prefix.length + 2);
      throw new BundleError(`${prefix}: cannot parse bundle for trust domain ${name}: ${reason}`, {
        cause,
        reason: (cause instanceof BundleError ? cause.reason : undefined) ?? "malformed",
      });
    }
  });
}

/**
 * The message of a thrown value.
 *
 * @param cause The thrown value.
 * @returns Its message, or its string form.
 */
function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
