// A strict JWS Compact Serialization reader (RFC 7515 §7.1) and signature check for the
// algorithms a JWT-SVID may use (JWT-SVID §2.1). Errors are plain Errors with the bare reason;
// jwt_svid.ts adds go-spiffe's prefix.
import { Buffer } from "node:buffer";
import { constants, type KeyObject, verify } from "node:crypto";

/** The signature algorithms a JWT-SVID may use (JWT-SVID §2.1). */
export type JwsAlgorithm =
  | "RS256"
  | "RS384"
  | "RS512"
  | "ES256"
  | "ES384"
  | "ES512"
  | "PS256"
  | "PS384"
  | "PS512";

type AlgorithmSpec =
  | { family: "RS"; hash: string }
  | { family: "PS"; hash: string; saltLength: number }
  | { family: "ES"; hash: string; curve: string; size: number };

// A Map, not an object literal, so that `alg: "__proto__"` or `"toString"` finds nothing.
const ALGORITHMS: ReadonlyMap<string, AlgorithmSpec> = new Map<JwsAlgorithm, AlgorithmSpec>([
  ["RS256", { family: "RS", hash: "sha256" }],
  ["RS384", { family: "RS", hash: "sha384" }],
  ["RS512", { family: "RS", hash: "sha512" }],
  ["PS256", { family: "PS", hash: "sha256", saltLength: 32 }],
  ["PS384", { family: "PS", hash: "sha384", saltLength: 48 }],
  ["PS512", { family: "PS", hash: "sha512", saltLength: 64 }],
  ["ES256", { family: "ES", hash: "sha256", curve: "prime256v1", size: 32 }],
  ["ES384", { family: "ES", hash: "sha384", curve: "secp384r1", size: 48 }],
  ["ES512", { family: "ES", hash: "sha512", curve: "secp521r1", size: 66 }],
]);

/** The smallest RSA modulus accepted, as Go's crypto/rsa enforces since Go 1.24. */
const MIN_RSA_BITS = 1024;

/** A compact JWS whose structure and algorithm have been checked, but not its signature. */
export interface CompactJws {
  /** The decoded protected header. */
  header: Record<string, unknown>;
  /** The header's `alg`, one of the allowed algorithms. */
  alg: JwsAlgorithm;
  /** The header's `kid`, when present. */
  kid: string | undefined;
  /** The decoded payload bytes. */
  payload: Uint8Array;
  /** `BASE64URL(header) || '.' || BASE64URL(payload)`, the bytes that were signed. */
  signingInput: Uint8Array;
  /** The decoded signature. */
  signature: Uint8Array;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Decodes unpadded base64url (RFC 7515 §2) strictly: no padding, no other alphabet, no
 * whitespace, and no non-zero trailing bits (so that every byte string has exactly one spelling).
 */
function decodeBase64Url(text: string, what: string): Uint8Array {
  const bytes = Buffer.from(text, "base64url");
  if (
    !BASE64URL.test(text) || text.length % 4 === 1 || bytes.toString("base64url") !== text
  ) {
    throw new SyntaxError(`${what} is not valid unpadded base64url`);
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Decodes UTF-8 JSON that must be an object (RFC 7515 §4, RFC 7519 §7.2). Invalid UTF-8 and a
 * byte order mark are refused; a repeated member keeps its last value, as RFC 7515 §4 allows.
 */
export function decodeJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes));
  } catch (err) {
    throw new SyntaxError(`${what} is not valid JSON`, { cause: err });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SyntaxError(`${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** A JWS whose `alg` is not on the JWT-SVID allow-list. */
export class UnsupportedAlgorithmError extends SyntaxError {}

/**
 * Reads a JWS in Compact Serialization. The `alg` allow-list is checked as soon as the header is
 * decoded, before the payload or signature are looked at. `crit` is refused, since no extension
 * is understood (RFC 7515 §4.1.11). Header members such as `jwk`, `jku`, `x5u` and `x5c` are
 * returned but never used to find a key.
 *
 * @throws {SyntaxError} With the reason, e.g. `header "alg" must be a string`; an
 * {@linkcode UnsupportedAlgorithmError} for `unsupported signature algorithm "HS256"`.
 */
export function parseCompactJws(token: string): CompactJws {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SyntaxError("compact JWS format must have three parts");
  const [headerPart, payloadPart, signaturePart] = parts;

  const header = decodeJsonObject(decodeBase64Url(headerPart, "header"), "header");
  const alg = header.alg;
  if (typeof alg !== "string") throw new SyntaxError('header "alg" must be a string');
  if (!ALGORITHMS.has(alg)) {
    throw new UnsupportedAlgorithmError(`unsupported signature algorithm ${JSON.stringify(alg)}`);
  }
  if (Object.hasOwn(header, "crit")) throw new SyntaxError('header "crit" is not supported');
  // A null kid counts as absent, as Go's JSON decoding reads it.
  const kid = Object.hasOwn(header, "kid") && header.kid !== null ? header.kid : undefined;
  if (kid !== undefined && typeof kid !== "string") {
    throw new SyntaxError('header "kid" must be a string');
  }

  return {
    header,
    alg: alg as JwsAlgorithm,
    kid,
    payload: decodeBase64Url(payloadPart, "payload"),
    signingInput: new TextEncoder().encode(`${headerPart}.${payloadPart}`),
    signature: decodeBase64Url(signaturePart, "signature"),
  };
}

/**
 * Checks the signature of a parsed JWS with a trusted public key. The key must suit the
 * algorithm (RFC 7518 §3): an RSA key of at least 1024 bits for RS and PS (RSASSA-PKCS1-v1_5;
 * RSASSA-PSS with MGF1 and a salt as long as the digest), and an EC key on the algorithm's own
 * curve for ES (P-256, P-384, P-521; `r || s` signatures of exactly twice the field size).
 *
 * @throws {Error} With the reason, when the key does not suit the algorithm or the signature
 * does not verify.
 */
export function verifyCompactJws(jws: CompactJws, key: KeyObject): void {
  const spec = ALGORITHMS.get(jws.alg);
  if (spec === undefined) throw new Error(`unsupported signature algorithm "${jws.alg}"`);
  if (key.type !== "public") throw new Error(`${jws.alg} requires a public key, got ${key.type}`);
  const { signingInput: data, signature } = jws;
  let valid: boolean;
  switch (spec.family) {
    case "ES": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (key.asymmetricKeyType !== "ec" || curve !== spec.curve) {
        throw new Error(`${jws.alg} requires an EC ${spec.curve} key, got ${describe(key)}`);
      }
      if (signature.byteLength !== 2 * spec.size) {
        throw new Error(`${jws.alg} signature must be ${2 * spec.size} bytes`);
      }
      valid = verify(spec.hash, data, { key, dsaEncoding: "ieee-p1363" }, signature);
      break;
    }
    case "RS":
    case "PS": {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      if (key.asymmetricKeyType !== "rsa") {
        throw new Error(`${jws.alg} requires an RSA key, got ${describe(key)}`);
      }
      if (bits < MIN_RSA_BITS) {
        throw new Error(`${jws.alg} requires an RSA key of at least ${MIN_RSA_BITS} bits`);
      }
      valid = spec.family === "RS"
        ? verify(spec.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
        : verify(spec.hash, data, {
          key,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: spec.saltLength,
        }, signature);
      break;
    }
  }
  if (!valid) throw new Error(`${jws.alg} signature verification failed`);
}

function describe(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? key.type}${curve === undefined ? "" : ` ${curve}`}`;
}
