/**
 * Reading a JWK Set document (RFC 7517 §5) losslessly, for JWT and SPIFFE bundles.
 *
 * @module
 */
import { isLosslessNumber, parse } from "lossless-json";
import { BundleError } from "../errors.ts";

/** A JSON object as the parser returns it; numbers are `LosslessNumber`s. */
export type JsonObject = Record<string, unknown>;

/**
 * Parses JWKS JSON. Numbers stay exact (`LosslessNumber`, read with {@linkcode jsonInteger}), and
 * a member repeated with a different value is an error (`Duplicate key 'keys' encountered at
 * position 12`) instead of the silent last-one-wins of `JSON.parse`. An exact repeat (same
 * value) is accepted, as it cannot change the meaning.
 *
 * @param prefix The error prefix, e.g. `jwtbundle`.
 * @param input The JSON text or its UTF-8 bytes.
 * @returns The top-level object, or `null` for the JSON literal `null` (which, as in Go, reads
 * as a document without `keys`).
 * @throws {BundleError} `<prefix>: unable to parse JWKS: <reason>` for bad JSON, a top level that
 * is not an object, or `<prefix>: unable to parse JWKS: invalid UTF-8`.
 */
export function parseJwksDocument(prefix: string, input: string | Uint8Array): JsonObject | null {
  let text: string;
  try {
    text = typeof input === "string"
      ? input
      : new TextDecoder("utf-8", { fatal: true }).decode(input);
  } catch (cause) {
    throw new BundleError(`${prefix}: unable to parse JWKS: invalid UTF-8`, {
      cause,
      reason: "malformed",
    });
  }
  try {
    const doc = parse(text);
    if (doc === null) return null;
    if (typeof doc !== "object" || Array.isArray(doc) || isLosslessNumber(doc)) {
      throw new SyntaxError("JWKS must be a JSON object");
    }
    return doc as JsonObject;
  } catch (cause) {
    throw unableToParse(prefix, cause);
  }
}

/**
 * The `keys` of a JWKS document, each checked to be a JSON object.
 *
 * @param prefix The error prefix.
 * @param doc The document from {@linkcode parseJwksDocument}.
 * @returns The JWKs.
 * @throws {BundleError} `<prefix>: no authorities found` when `keys` is missing or `null`;
 * `<prefix>: unable to parse JWKS: ...` when it is not an array of objects.
 */
export function jwksKeys(prefix: string, doc: JsonObject | null): JsonObject[] {
  const keys = doc?.keys;
  // TDB §4.1.3: the keys member MUST be present (it may be empty).
  if (keys === undefined || keys === null) {
    throw new BundleError(`${prefix}: no authorities found`, { reason: "no-authorities" });
  }
  if (!Array.isArray(keys)) throw unableToParse(prefix, new TypeError(`"keys" must be an array`));
  keys.forEach((key, i) => {
    if (key === null || typeof key !== "object" || Array.isArray(key) || isLosslessNumber(key)) {
      throw unableToParse(prefix, new TypeError(`JWK ${i} must be a JSON object`));
    }
  });
  return keys as JsonObject[];
}

/**
 * Reads a top-level member that must be a plain JSON integer literal in `[0, max]`.
 *
 * @param prefix The error prefix.
 * @param doc The document.
 * @param name The member name, e.g. `spiffe_sequence`.
 * @param max The largest allowed value.
 * @returns The exact value, or `undefined` when the member is absent or `null`.
 * @throws {BundleError} `<prefix>: unable to parse JWKS: "<name>" must be an integer from 0 to
 * <max>`.
 */
export function jsonInteger(
  prefix: string,
  doc: JsonObject | null,
  name: string,
  max: bigint,
): bigint | undefined {
  const value = doc?.[name];
  if (value === undefined || value === null) return undefined;
  if (isLosslessNumber(value) && /^\d+$/.test(value.value)) {
    const n = BigInt(value.value);
    if (n <= max) return n;
  }
  throw unableToParse(prefix, new RangeError(`"${name}" must be an integer from 0 to ${max}`));
}

/**
 * Builds the error for a document that cannot be read.
 *
 * @param prefix The error prefix.
 * @param cause The underlying failure.
 * @param context What was being read, put before the cause's message.
 * @returns `<prefix>: unable to parse JWKS: [<context>: ]<cause message>`, with `cause` kept.
 */
export function unableToParse(prefix: string, cause: unknown, context?: string): BundleError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const detail = context === undefined ? reason : `${context}: ${reason}`;
  return new BundleError(`${prefix}: unable to parse JWKS: ${detail}`, {
    cause,
    reason: "malformed",
  });
}

/**
 * Builds the error for a JWKS entry that cannot become an authority.
 *
 * @param prefix The error prefix.
 * @param i The entry's index in `keys`.
 * @param cause The failure; a `BundleError` with the same prefix loses that prefix.
 * @returns `<prefix>: error adding authority <i> of JWKS: <reason>`, with `cause` kept, and the
 * cause's reason when it is a `BundleError` (else `malformed`).
 */
export function errorAddingAuthority(prefix: string, i: number, cause: unknown): BundleError {
  let reason = cause instanceof Error ? cause.message : String(cause);
  if (cause instanceof BundleError && reason.startsWith(`${prefix}: `)) {
    reason = reason.slice(prefix.length + 2);
  }
  return new BundleError(`${prefix}: error adding authority ${i} of JWKS: ${reason}`, {
    cause,
    reason: (cause instanceof BundleError ? cause.reason : undefined) ?? "malformed",
  });
}

/**
 * Reads the `kid` of JWKS entry for a JWT authority.
 *
 * @param prefix The error prefix.
 * @param jwk The entry.
 * @returns The non-empty key ID.
 * @throws {BundleError} `<prefix>: keyID cannot be empty` when it is missing or empty.
 * @throws {TypeError} When it is not a string.
 */
export function jwkKeyId(prefix: string, jwk: JsonObject): string {
  const kid = jwk.kid;
  if (kid !== undefined && kid !== null && typeof kid !== "string") {
    throw new TypeError(`JWK member "kid" must be a string`);
  }
  if (!kid) throw new BundleError(`${prefix}: keyID cannot be empty`, { reason: "missing-key-id" });
  return kid;
}
