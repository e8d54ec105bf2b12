/**
 * Converting between JWKs (RFC 7517) and `node:crypto` public `KeyObject`s.
 *
 * @module
 */
import { createPublicKey, type KeyObject } from "node:crypto";

/**
 * The public members of each key type `node:crypto` imports. Anything else in a JWK, in
 * particular the private members (`d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`), is never read.
 */
const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ["crv", "x", "y"],
  RSA: ["n", "e"],
  OKP: ["crv", "x"],
};

/**
 * Whether `kty` names a key type this library can import (`EC`, `RSA`, `OKP`). The SPIFFE bundle
 * format asks consumers to ignore JWKs of any other type.
 *
 * @param kty The JWK's `kty` member.
 * @returns `true` for a supported type.
 */
export function isSupportedKeyType(kty: unknown): boolean {
  return typeof kty === "string" && Object.hasOwn(PUBLIC_MEMBERS, kty);
}

/** The member holding the key material proper, per key type. */
const KEY_MATERIAL: Readonly<Record<string, string>> = { EC: "x", RSA: "n", OKP: "x" };

/**
 * Whether the JWK carries key material at all (an `x5c`-only JWK may not).
 *
 * @param jwk The JWK; its `kty` must be supported.
 * @returns `true` when the key material member of its type (`x` or `n`) is present.
 */
export function hasKeyParameters(jwk: Record<string, unknown>): boolean {
  return jwk[KEY_MATERIAL[jwk.kty as string]] !== undefined;
}

/**
 * Imports the public key of a JWK, reading only its public members: a private JWK yields its
 * public half, never a private key.
 *
 * @param jwk The JWK object.
 * @returns The public key.
 * @throws {TypeError} For an unsupported `kty` or a non-string member.
 * @throws {Error} Whatever `createPublicKey` throws for bad parameters.
 */
export function publicKeyFromJwk(jwk: Record<string, unknown>): KeyObject {
  const kty = jwk.kty;
  if (!isSupportedKeyType(kty)) {
    throw new TypeError(`unsupported key type ${JSON.stringify(String(kty))}`);
  }
  const key: Record<string, string> = { kty: kty as string };
  for (const name of PUBLIC_MEMBERS[kty as string]) {
    const value = jwk[name];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new TypeError(`JWK member "${name}" must be a string`);
    key[name] = value;
  }
  return createPublicKey({ key, format: "jwk" } as Parameters<typeof createPublicKey>[0]);
}

/**
 * Exports a public key as a JWK (`kty` first, then its public parameters).
 *
 * @param key The public key.
 * @returns The JWK members.
 */
export function jwkFromPublicKey(key: KeyObject): Record<string, string> {
  return key.export({ format: "jwk" }) as Record<string, string>;
}
