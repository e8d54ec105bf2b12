// Test-only JWT minting with node:crypto: any header, any claims, any (even wrong) signature.
import { Buffer } from "node:buffer";
import { constants, createHmac, type KeyObject, sign } from "node:crypto";

/** Unpadded base64url of JSON (or of raw bytes). */
export function b64url(value: unknown): string {
  const bytes = value instanceof Uint8Array ? value : Buffer.from(JSON.stringify(value));
  return Buffer.from(bytes).toString("base64url");
}

const HASHES: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/**
 * Signs `input` as `alg` says: ES* in IEEE P1363 (r || s), PS* with a digest-length salt, RS*
 * PKCS#1 v1.5, HS* with `key` as HMAC secret, `none` with nothing.
 */
export function signInput(alg: string, key: KeyObject | Uint8Array, input: string): Uint8Array {
  if (alg === "none") return new Uint8Array();
  const hash = HASHES[alg.slice(2)];
  const data = Buffer.from(input);
  switch (alg.slice(0, 2)) {
    case "HS":
      return new Uint8Array(createHmac(hash, key as Uint8Array).update(data).digest());
    case "ES":
      return new Uint8Array(sign(hash, data, { key: key as KeyObject, dsaEncoding: "ieee-p1363" }));
    case "PS":
      return new Uint8Array(sign(hash, data, {
        key: key as KeyObject,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: Number(alg.slice(2)) / 8,
      }));
    case "RS":
      return new Uint8Array(sign(hash, data, key as KeyObject));
  }
  throw new Error(`cannot sign ${alg}`);
}

/** What {@linkcode mint} signs with. */
export interface MintOptions {
  /** The signing key (private key, or HMAC secret bytes for HS*). */
  key: KeyObject | Uint8Array;
  /** The protected header, including `alg`. */
  header: Record<string, unknown>;
  /** Sign as this algorithm instead of the header's `alg` (to forge mismatches). */
  signAs?: string;
}

/** A compact JWS of `claims` (an object, or raw payload text). */
export function mint(claims: Record<string, unknown> | string, options: MintOptions): string {
  const payload = typeof claims === "string" ? b64url(Buffer.from(claims)) : b64url(claims);
  const input = `${b64url(options.header)}.${payload}`;
  const alg = options.signAs ?? String(options.header.alg);
  return `${input}.${b64url(signInput(alg, options.key, input))}`;
}
