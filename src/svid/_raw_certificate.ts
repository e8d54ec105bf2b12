// The byte-exact layout of a DER certificate (RFC 5280 §4.1): what is signed, how, and
// the signature, plus the raw TBS fields compared or hashed byte for byte.
import { contentBytes, DerError, elementBytes, readChildren, readElement } from "./_der_reader.ts";

const SEQUENCE = 0x30;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
const VERSION_TAG = 0xa0;

/** The raw pieces of one certificate (views into its DER). */
export interface RawCertificate {
  /** The DER of tbsCertificate: the signed bytes. */
  readonly tbs: Uint8Array;
  /** The DER of the outer signatureAlgorithm. */
  readonly outerAlgorithm: Uint8Array;
  /** The DER of tbsCertificate.signature (the inner algorithm). */
  readonly innerAlgorithm: Uint8Array;
  /** The signature BIT STRING's unused-bits count. */
  readonly signatureUnusedBits: number;
  /** The signature bits (after the unused-bits byte). */
  readonly signature: Uint8Array;
  /** The content bytes of the serial number INTEGER. */
  readonly serial: Uint8Array;
  /** The DER of subjectPublicKeyInfo. */
  readonly subjectPublicKeyInfo: Uint8Array;
}

/**
 * Splits a certificate into its raw pieces.
 *
 * @throws {DerError} When the outer structure is not strict DER.
 */
export function rawCertificate(der: Uint8Array): RawCertificate {
  const outer = readElement(der, 0);
  if (outer.tag !== SEQUENCE || outer.end !== der.length) {
    throw new DerError("not a single certificate SEQUENCE");
  }
  const parts = readChildren(der, outer);
  if (parts.length !== 3) throw new DerError("a certificate has three parts");
  const [tbs, algorithm, signature] = parts;
  if (tbs.tag !== SEQUENCE || algorithm.tag !== SEQUENCE || signature.tag !== BIT_STRING) {
    throw new DerError("unexpected certificate part");
  }
  if (signature.end === signature.contentStart) throw new DerError("empty signature");
  const fields = readChildren(der, tbs);
  const first = fields[0]?.tag === VERSION_TAG ? 1 : 0;
  // serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo.
  const [serial, inner, , , , spki] = fields.slice(first);
  if (serial?.tag !== INTEGER || inner?.tag !== SEQUENCE || spki?.tag !== SEQUENCE) {
    throw new DerError("unexpected TBS field");
  }
  return {
    tbs: elementBytes(der, tbs),
    outerAlgorithm: elementBytes(der, algorithm),
    innerAlgorithm: elementBytes(der, inner),
    signatureUnusedBits: der[signature.contentStart],
    signature: der.subarray(signature.contentStart + 1, signature.end),
    serial: contentBytes(der, serial),
    subjectPublicKeyInfo: elementBytes(der, spki),
  };
}

/**
 * Whether `signature` is an ECDSA-Sig-Value in strict DER: a SEQUENCE of exactly two
 * minimally encoded, positive INTEGERs and nothing after it.
 */
export function isDerEcdsaSignature(signature: Uint8Array): boolean {
  try {
    const sequence = readElement(signature, 0);
    if (sequence.tag !== SEQUENCE || sequence.end !== signature.length) return false;
    const values = readChildren(signature, sequence);
    return values.length === 2 && values.every((value) => {
      if (value.tag !== INTEGER) return false;
      const bytes = contentBytes(signature, value);
      if (bytes.length === 0 || bytes[0] & 0x80) return false; // empty or negative
      return !(bytes.length > 1 && bytes[0] === 0 && (bytes[1] & 0x80) === 0); // padded
    });
  } catch (err) {
    if (err instanceof DerError) return false;
    throw err;
  }
}
