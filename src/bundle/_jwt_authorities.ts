/**
 * The JWT authorities of a bundle, shared by `JwtBundle` and `SpiffeBundle`.
 *
 * @module
 */
import { KeyObject } from "node:crypto";
import { BundleError } from "../errors.ts";
import { jwkFromPublicKey } from "./_jwk.ts";

/** JWT signing keys by key ID. Only public `KeyObject`s get in. */
export class JwtAuthorities {
  readonly #byKeyId = new Map<string, KeyObject>();

  /**
   * Adds or replaces the key stored under `keyId`.
   *
   * @param prefix The error prefix of the calling package, e.g. `jwtbundle`.
   * @param keyId The key ID; must not be empty.
   * @param key The public key.
   * @returns Whether the content changed (an equal key under the same ID changes nothing).
   * @throws {BundleError} `<prefix>: keyID cannot be empty`, or
   * `<prefix>: JWT authority must be a public key` for a private or secret key.
   */
  set(prefix: string, keyId: string, key: KeyObject): boolean {
    if (typeof keyId !== "string" || keyId === "") {
      throw new BundleError(`${prefix}: keyID cannot be empty`, { reason: "missing-key-id" });
    }
    if (!(key instanceof KeyObject) || key.type !== "public") {
      throw new BundleError(`${prefix}: JWT authority must be a public key`, {
        reason: "not-public-key",
      });
    }
    const old = this.#byKeyId.get(keyId);
    if (old !== undefined && old.equals(key)) return false;
    this.#byKeyId.set(keyId, key);
    return true;
  }

  /**
   * Removes the key stored under `keyId`.
   *
   * @param keyId The key ID.
   * @returns Whether the content changed.
   */
  delete(keyId: string): boolean {
    return this.#byKeyId.delete(keyId);
  }

  /**
   * The key stored under `keyId`.
   *
   * @param keyId The key ID.
   * @returns The key, or `undefined`.
   */
  get(keyId: string): KeyObject | undefined {
    return this.#byKeyId.get(keyId);
  }

  /**
   * Whether a key is stored under `keyId`.
   *
   * @param keyId The key ID.
   * @returns `true` when present.
   */
  has(keyId: string): boolean {
    return this.#byKeyId.has(keyId);
  }

  /**
   * A copy of the key map, in insertion order.
   *
   * @returns A new map (the `KeyObject`s themselves are immutable).
   */
  toMap(): Map<string, KeyObject> {
    return new Map(this.#byKeyId);
  }

  /**
   * The keys as JWKS `keys` entries: (`use`,) `kty`, `kid`, then the public key parameters.
   *
   * @param use The `use` member to add, if any (SPIFFE bundles say `jwt-svid`).
   * @returns The JWK objects, in insertion order.
   */
  toJwks(use?: string): Record<string, string>[] {
    return Array.from(this.#byKeyId, ([kid, key]) => {
      const { kty, ...params } = jwkFromPublicKey(key);
      return use === undefined ? { kty, kid, ...params } : { use, kty, kid, ...params };
    });
  }

  /** How many keys are stored. */
  get size(): number {
    return this.#byKeyId.size;
  }

  /**
   * Whether both hold the same key IDs with equal keys.
   *
   * @param other The other authorities.
   * @returns `true` when equal.
   */
  equals(other: JwtAuthorities): boolean {
    if (this.#byKeyId.size !== other.#byKeyId.size) return false;
    for (const [keyId, key] of this.#byKeyId) {
      const theirs = other.#byKeyId.get(keyId);
      if (theirs === undefined || !theirs.equals(key)) return false;
    }
    return true;
  }
}
