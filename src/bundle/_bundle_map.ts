/**
 * Reading the bundle maps of the Workload API (`X509BundlesResponse.bundles`,
 * `JWTBundlesResponse.bundles`, `X509SVIDResponse.federated_bundles`): trust domain → bundle bytes.
 *
 * @module
 */
import { BundleError } from "../errors.ts";
import { TrustDomain } from "../spiffeid/trust_domain.ts";

/** A bundle map as callers hold it: a plain object or a `Map`. */
export type BundleBytesMap =
  | Readonly<Record<string, Uint8Array>>
  | ReadonlyMap<string, Uint8Array>;

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
