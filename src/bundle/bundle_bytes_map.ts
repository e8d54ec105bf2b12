/**
 * The Workload API's bundle maps as callers hand them over: trust domain → bundle bytes.
 *
 * @module
 */

/**
 * A bundle map as callers hold it: a plain object or a `Map` from trust domain (its SPIFFE ID
 * `spiffe://example.org`, or its bare name) to bundle bytes. `X509BundleSet.parseRawMap` and
 * `JwtBundleSet.parseMap` read it.
 */
export type BundleBytesMap =
  | Readonly<Record<string, Uint8Array>>
  | ReadonlyMap<string, Uint8Array>;
