/**
 * Splitting concatenated DER certificates, the form the Workload API uses for X.509 bundles and
 * SVID chains (`X509SVID.bundle`, `X509BundlesResponse.bundles`, ...): certificates laid end to
 * end with no separator.
 *
 * Only the outer header of each certificate is read here. A certificate is an ASN.1 SEQUENCE, so
 * every element starts with the tag byte `0x30`, followed by a length in DER form:
 *
 * - short form: one byte `0x00`–`0x7f` is the content length itself;
 * - long form: `0x80 | n` (n = 1–4 here) followed by n big-endian bytes holding the length;
 * - `0x80` alone is BER's indefinite length, which DER forbids.
 *
 * The element ends `header + length` bytes after its start, which is where the next one begins.
 * Parsing the contents is left to `node:crypto`'s `X509Certificate`.
 *
 * @module
 */

/** The ASN.1 tag of a constructed SEQUENCE, which every certificate is. */
const SEQUENCE_TAG = 0x30;

/** Long-form lengths of more than 4 bytes (≥ 4 GiB) cannot describe a real certificate. */
const MAX_LENGTH_BYTES = 4;

/**
 * Splits concatenated DER certificates into one byte array per certificate. Each part is a view
 * into `bytes` (no copy). Empty input gives an empty list.
 *
 * @param bytes The concatenated DER.
 * @returns The DER of each certificate, in order.
 * @throws {SyntaxError} When an element is not a SEQUENCE, uses an indefinite or oversized
 * length, or is cut short (e.g. `truncated DER: certificate 1 needs 420 bytes, 17 remain`).
 *
 * @example Splitting two certificates
 * ```ts ignore
 * import { splitDerCertificates } from "./der.ts";
 *
 * const parts = splitDerCertificates(new Uint8Array([0x30, 0x01, 0x00, 0x30, 0x00]));
 * console.log(parts.length); // 2
 * ```
 */
export function splitDerCertificates(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const index = parts.length;
    const end = offset + derElementLength(bytes, offset, index);
    parts.push(bytes.subarray(offset, end));
    offset = end;
  }
  return parts;
}

/**
 * Reads the header of the element at `offset` and returns the element's total length.
 *
 * @param bytes The whole input.
 * @param offset Where the element starts.
 * @param index The element's position, for error messages.
 * @returns Header length plus content length; the element fits in `bytes`.
 */
function derElementLength(bytes: Uint8Array, offset: number, index: number): number {
  const remaining = bytes.length - offset;
  if (bytes[offset] !== SEQUENCE_TAG) {
    throw new SyntaxError(
      `malformed DER: certificate ${index} does not start with a SEQUENCE tag at offset ${offset}`,
    );
  }
  if (remaining < 2) {
    throw new SyntaxError(`truncated DER: certificate ${index} has no length`);
  }
  const first = bytes[offset + 1];
  let headerLength = 2;
  let contentLength = first;
  if (first & 0x80) {
    // Long form: the low 7 bits count the length bytes that follow.
    const count = first & 0x7f;
    if (count === 0) {
      throw new SyntaxError(`malformed DER: certificate ${index} uses an indefinite length`);
    }
    if (count > MAX_LENGTH_BYTES) {
      throw new SyntaxError(`malformed DER: certificate ${index} has a ${count}-byte length`);
    }
    headerLength += count;
    if (remaining < headerLength) {
      throw new SyntaxError(`truncated DER: certificate ${index} has an incomplete length`);
    }
    contentLength = 0;
    for (let i = 0; i < count; i++) {
      // Multiply rather than shift: a 4-byte length can exceed the signed 32-bit range.
      contentLength = contentLength * 256 + bytes[offset + 2 + i];
    }
  }
  const total = headerLength + contentLength;
  if (total > remaining) {
    throw new SyntaxError(
      `truncated DER: certificate ${index} needs ${total} bytes, ${remaining} remain`,
    );
  }
  return total;
}
