// The public keys chain validation accepts, decided from the SubjectPublicKeyInfo
// itself so that Deno and Node decide alike (each runtime's node:crypto loads a
// different set of curves): EC on P-256/P-384/P-521, RSA of at least 1024 bits (Go's
// floor), RSASSA-PSS keys and Ed25519. Anything else is refused with its OID.
import { createPublicKey, type KeyObject } from "node:crypto";
import { Buffer } from "node:buffer";
import { AsnConvert } from "@peculiar/asn1-schema";
import { ECParameters } from "@peculiar/asn1-ecc";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";

/** Why a key cannot be used; `message` follows Go's `x509: ...` form. */
export class UnsupportedKeyError extends Error {}

const EC_PUBLIC_KEY = "1.2.840.10045.2.1";
const CURVES = new Map([
  ["1.2.840.10045.3.1.7", "P-256"],
  ["1.3.132.0.34", "P-384"],
  ["1.3.132.0.35", "P-521"],
]);
const KEY_TYPES = new Map([
  ["1.2.840.113549.1.1.1", "rsa"],
  ["1.2.840.113549.1.1.10", "rsa-pss"],
  ["1.3.101.112", "ed25519"],
  [EC_PUBLIC_KEY, "ec"],
]);
const MIN_RSA_BITS = 1024;

/** The kinds of key a signature algorithm can be checked with. */
export type KeyKind = "ec" | "rsa" | "rsa-pss" | "ed25519";

/** A loaded, allowed public key. */
export interface PublicKey {
  readonly kind: KeyKind;
  readonly key: KeyObject;
}

/** Keys by SPKI bytes (as a string key), or why they were refused. */
const loaded = new Map<string, PublicKey | UnsupportedKeyError>();
const LIMIT = 4096;

/**
 * Loads a SubjectPublicKeyInfo if its algorithm is allowed, caching the answer.
 *
 * @param spki The DER of the SubjectPublicKeyInfo.
 * @param cacheKey A string identifying `spki`.
 * @throws {UnsupportedKeyError} For any key that is not allowed or does not load.
 */
export function loadPublicKey(spki: Uint8Array, cacheKey: string): PublicKey {
  let result = loaded.get(cacheKey);
  if (result === undefined) {
    result = tryLoad(spki);
    if (loaded.size >= LIMIT) loaded.delete(loaded.keys().next().value!);
    loaded.set(cacheKey, result);
  }
  if (result instanceof UnsupportedKeyError) throw result;
  return result;
}

function tryLoad(spki: Uint8Array): PublicKey | UnsupportedKeyError {
  try {
    return load(spki);
  } catch (err) {
    if (err instanceof UnsupportedKeyError) return err;
    return new UnsupportedKeyError(
      `x509: unsupported public key: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function load(spki: Uint8Array): PublicKey {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  const oid = info.algorithm.algorithm;
  const kind = KEY_TYPES.get(oid) as KeyKind | undefined;
  if (kind === undefined) {
    throw new UnsupportedKeyError(`x509: unsupported public key algorithm ${oid}`);
  }
  if (kind === "ec") {
    const params = info.algorithm.parameters;
    const curve = params ? namedCurve(params) : undefined;
    if (curve === undefined || !CURVES.has(curve)) {
      throw new UnsupportedKeyError(
        `x509: unsupported public key: elliptic curve ${curve ?? "(not named)"}`,
      );
    }
  }
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  if (kind === "rsa" || kind === "rsa-pss") {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new UnsupportedKeyError(
        `x509: unsupported public key: ${bits}-bit RSA keys are too small`,
      );
    }
  }
  return { kind, key };
}

/** The OID in EC parameters; undefined for explicit or implicit curve parameters. */
function namedCurve(params: ArrayBuffer): string | undefined {
  return AsnConvert.parse(params, ECParameters).namedCurve;
}
