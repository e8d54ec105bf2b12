import type { KeyObject } from "node:crypto";
import { BundleError } from "../errors.ts";
import { defineInspect, describeKey } from "../_internal/inspect.ts";
import { type TrustDomain, trustDomainArgument } from "../spiffeid/trust_domain.ts";
import { publicKeyFromJwk } from "./_jwk.ts";
import { JwtAuthorities } from "./_jwt_authorities.ts";
import { errorAddingAuthority, jwkKeyId, jwksKeys, parseJwksDocument } from "./_jwks.ts";

const PREFIX = "jwtbundle";

/**
 * The trusted JWT signing keys of one trust domain, by key ID: what a JWT-SVID from that trust
 * domain must be signed with (go-spiffe's `jwtbundle.Bundle`).
 *
 * Keys are `node:crypto` public `KeyObject`s. Every change bumps {@linkcode JwtBundle.revision}.
 * The bundle is also a `JwtBundleSource` for its own trust domain. It shows as
 * `JwtBundle { trustDomain: TrustDomain(example.org), jwtAuthorities: Map(1) { "key-1" => "EC
 * P-256" } }` (key IDs and key types) in `console.log` and `util.inspect`.
 *
 * @example Parsing a JWKS and finding a key
 * ```ts
 * import assert from "node:assert";
 * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
 *
 * const jwks = JSON.stringify({
 *   keys: [{
 *     kty: "EC",
 *     kid: "key-1",
 *     crv: "P-256",
 *     x: "D4F7nNf6MqkQR9j8rI9PgyTxke-3rqKFcdxEe9PJnPc",
 *     y: "d2OOi_vIy0wgpupkJ9KKO8AYG1-XnQWB7Hueh1NomK0",
 *   }],
 * });
 * const bundle = JwtBundle.parse(TrustDomain.parse("example.org"), jwks);
 * assert.equal(bundle.findJwtAuthority("key-1")?.asymmetricKeyType, "ec");
 * ```
 */
export class JwtBundle {
  static {
    defineInspect(this, "JwtBundle", (bundle) => ({
      trustDomain: bundle.trustDomain,
      jwtAuthorities: new Map(
        Array.from(bundle.jwtAuthorities(), ([keyId, key]) => [keyId, describeKey(key)]),
      ),
    }));
  }

  readonly #trustDomain: TrustDomain;
  readonly #authorities = new JwtAuthorities();
  #revision = 0;

  /**
   * Creates an empty bundle.
   *
   * @param trustDomain The trust domain the bundle belongs to (a `TrustDomain`, or a string to parse).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Creating an empty bundle
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new JwtBundle(TrustDomain.parse("example.org")).jwtAuthorities().size, 0);
   * ```
   */
  constructor(trustDomain: TrustDomain | string) {
    this.#trustDomain = trustDomainArgument(trustDomain, "new JwtBundle(trustDomain)");
  }

  /**
   * Creates a bundle holding the given keys.
   *
   * @param trustDomain The trust domain the bundle belongs to.
   * @param authorities Public keys by key ID.
   * @returns The bundle.
   * @throws {BundleError} `jwtbundle: keyID cannot be empty` (reason `missing-key-id`), or
   * `jwtbundle: JWT authority must be a public key` (reason `not-public-key`).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Wrapping keys you already have
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
   * const td = TrustDomain.parse("example.org");
   * const bundle = JwtBundle.fromJwtAuthorities(td, new Map([["key-1", publicKey]]));
   * assert.ok(bundle.hasJwtAuthority("key-1"));
   * ```
   */
  static fromJwtAuthorities(
    trustDomain: TrustDomain | string,
    authorities: ReadonlyMap<string, KeyObject>,
  ): JwtBundle {
    trustDomain = trustDomainArgument(trustDomain, "JwtBundle.fromJwtAuthorities(trustDomain)");
    const bundle = new JwtBundle(trustDomain);
    for (const [keyId, key] of authorities) bundle.#authorities.set(PREFIX, keyId, key);
    return bundle;
  }

  /**
   * Parses a standard JWK Set (RFC 7517), the form the Workload API sends
   * (`JWTBundlesResponse.bundles`). Every key needs a `kid`; `use` is not looked at. Only the
   * public members of each JWK are read, so a private JWK contributes its public key only.
   * Numbers are read losslessly and a member repeated with another value is an error.
   *
   * @param trustDomain The trust domain the bundle belongs to.
   * @param jwksJson The JWKS JSON text, or its UTF-8 bytes.
   * @returns The bundle.
   * @throws {BundleError} `jwtbundle: unable to parse JWKS: <reason>` for bad JSON (reason
   * `malformed`); `jwtbundle: no authorities found` when `keys` is missing (`no-authorities`);
   * `jwtbundle: error adding authority <i> of JWKS: keyID cannot be empty` for a key without
   * `kid` (`missing-key-id`); `jwtbundle: error adding authority <i> of JWKS: <reason>` for a key
   * that cannot be imported (`malformed`).
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Parsing a key set
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * assert.equal(JwtBundle.parse(td, '{"keys":[]}').jwtAuthorities().size, 0);
   * assert.throws(() => JwtBundle.parse(td, "{}"), {
   *   message: "jwtbundle: no authorities found",
   * });
   * ```
   */
  static parse(trustDomain: TrustDomain | string, jwksJson: string | Uint8Array): JwtBundle {
    trustDomain = trustDomainArgument(trustDomain, "JwtBundle.parse(trustDomain)");
    const keys = jwksKeys(PREFIX, parseJwksDocument(PREFIX, jwksJson));
    const bundle = new JwtBundle(trustDomain);
    keys.forEach((jwk, i) => {
      try {
        bundle.#authorities.set(PREFIX, jwkKeyId(PREFIX, jwk), publicKeyFromJwk(jwk));
      } catch (cause) {
        throw errorAddingAuthority(PREFIX, i, cause);
      }
    });
    return bundle;
  }

  /** The trust domain the bundle belongs to. */
  get trustDomain(): TrustDomain {
    return this.#trustDomain;
  }

  /**
   * A counter that grows whenever the keys change, so that caches built from the bundle can tell
   * when to rebuild. Re-adding an equal key under the same ID leaves it unchanged.
   */
  get revision(): number {
    return this.#revision;
  }

  /**
   * The keys by key ID, in insertion order.
   *
   * @returns A new map; changing it does not change the bundle.
   *
   * @example Listing key IDs
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
   * bundle.addJwtAuthority("a", generateKeyPairSync("ed25519").publicKey);
   * assert.deepEqual([...bundle.jwtAuthorities().keys()], ["a"]);
   * ```
   */
  jwtAuthorities(): Map<string, KeyObject> {
    return this.#authorities.toMap();
  }

  /**
   * The key with the given ID.
   *
   * @param keyId The key ID (a JWT header's `kid`).
   * @returns The public key, or `undefined` when the bundle has none under that ID.
   *
   * @example Finding a key
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.equal(new JwtBundle(TrustDomain.parse("example.org")).findJwtAuthority("x"), undefined);
   * ```
   */
  findJwtAuthority(keyId: string): KeyObject | undefined {
    return this.#authorities.get(keyId);
  }

  /**
   * Whether the bundle has a key with the given ID.
   *
   * @param keyId The key ID.
   * @returns `true` when present.
   *
   * @example Checking for a key
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * assert.ok(!new JwtBundle(TrustDomain.parse("example.org")).hasJwtAuthority("x"));
   * ```
   */
  hasJwtAuthority(keyId: string): boolean {
    return this.#authorities.has(keyId);
  }

  /**
   * Adds a key, replacing any key stored under the same ID.
   *
   * @param keyId The key ID; must not be empty.
   * @param key A `node:crypto` public key.
   * @returns Nothing.
   * @throws {BundleError} `jwtbundle: keyID cannot be empty` (reason `missing-key-id`), or
   * `jwtbundle: JWT authority must be a public key` for a private or secret key
   * (`not-public-key`).
   *
   * @example Adding a key
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
   * const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
   * bundle.addJwtAuthority("key-1", publicKey);
   * assert.throws(() => bundle.addJwtAuthority("", publicKey), {
   *   message: "jwtbundle: keyID cannot be empty",
   * });
   * ```
   */
  addJwtAuthority(keyId: string, key: KeyObject): void {
    if (this.#authorities.set(PREFIX, keyId, key)) this.#revision++;
  }

  /**
   * Removes the key with the given ID, if present.
   *
   * @param keyId The key ID.
   * @returns Nothing.
   *
   * @example Removing a key
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
   * bundle.addJwtAuthority("key-1", generateKeyPairSync("ed25519").publicKey);
   * bundle.removeJwtAuthority("key-1");
   * assert.ok(!bundle.hasJwtAuthority("key-1"));
   * ```
   */
  removeJwtAuthority(keyId: string): void {
    if (this.#authorities.delete(keyId)) this.#revision++;
  }

  /**
   * Whether `other` belongs to the same trust domain and holds equal keys under the same IDs.
   *
   * @param other The bundle to compare with.
   * @returns `true` when equal.
   *
   * @example Comparing bundles
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * assert.ok(new JwtBundle(td).equals(JwtBundle.parse(td, '{"keys":[]}')));
   * ```
   */
  equals(other: JwtBundle): boolean {
    return this.#trustDomain.equals(other.#trustDomain) &&
      this.#authorities.equals(other.#authorities);
  }

  /**
   * Encodes the keys as a standard JWKS document (no SPIFFE members): `{"keys":[...]}` with
   * `kty`, `kid` and the public key parameters of each key.
   *
   * @returns The JWKS JSON text.
   *
   * @example JWKS round trip
   * ```ts
   * import assert from "node:assert";
   * import { generateKeyPairSync } from "node:crypto";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const td = TrustDomain.parse("example.org");
   * const bundle = new JwtBundle(td);
   * bundle.addJwtAuthority("key-1", generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey);
   * assert.ok(JwtBundle.parse(td, bundle.marshal()).equals(bundle));
   * ```
   */
  marshal(): string {
    return JSON.stringify({ keys: this.#authorities.toJwks() });
  }

  /**
   * Copies the bundle; changes to the copy do not reach the original.
   *
   * @returns The copy, with revision 0.
   *
   * @example Copying a bundle
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
   * assert.ok(bundle.clone().equals(bundle));
   * ```
   */
  clone(): JwtBundle {
    return JwtBundle.fromJwtAuthorities(this.#trustDomain, this.#authorities.toMap());
  }

  /**
   * Returns this bundle when asked for its own trust domain: a bundle is a `JwtBundleSource`.
   *
   * @param trustDomain The trust domain wanted (a `TrustDomain`, or a string to parse).
   * @returns This bundle.
   * @throws {BundleError} `jwtbundle: no JWT bundle for trust domain "<td>"` (reason
   * `not-found`) for any other trust domain.
   * @throws {TypeError} When `trustDomain` is neither a `TrustDomain` nor a string.
   *
   * @example Using a bundle as a JwtBundleSource
   * ```ts
   * import assert from "node:assert";
   * import { JwtBundle, TrustDomain } from "@spiffe-ts/spiffe";
   *
   * const bundle = new JwtBundle(TrustDomain.parse("example.org"));
   * assert.equal(bundle.getJwtBundleForTrustDomain(TrustDomain.parse("example.org")), bundle);
   * assert.throws(() => bundle.getJwtBundleForTrustDomain(TrustDomain.parse("other.org")), {
   *   message: 'jwtbundle: no JWT bundle for trust domain "other.org"',
   * });
   * ```
   */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain | string): JwtBundle {
    trustDomain = trustDomainArgument(
      trustDomain,
      "JwtBundle.getJwtBundleForTrustDomain(trustDomain)",
    );
    if (!this.#trustDomain.equals(trustDomain)) {
      throw new BundleError(
        `${PREFIX}: no JWT bundle for trust domain ${JSON.stringify(trustDomain.name)}`,
        { reason: "not-found" },
      );
    }
    return this;
  }
}
