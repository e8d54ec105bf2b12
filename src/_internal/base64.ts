/**
 * Standard (RFC 4648 §4, not base64url) base64, as PEM bodies and JWK `x5c` values use it.
 *
 * @module
 */
import { Buffer } from "node:buffer";

/** Standard base64, padded to a multiple of four characters. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard, padded base64, refusing anything else (base64url, stray characters), as
 * Go's `base64.StdEncoding` does. `Buffer.from(text, "base64")` alone would skip bad characters.
 *
 * @param text The base64 text, without whitespace.
 * @param what What is being decoded, for the error message.
 * @returns The bytes.
 * @throws {SyntaxError} When `text` is not standard padded base64: `<what> is not valid base64`.
 */
export function decodeBase64Strict(text: string, what: string): Uint8Array {
  if (!BASE64.test(text)) throw new SyntaxError(`${what} is not valid base64`);
  return new Uint8Array(Buffer.from(text, "base64"));
}

/**
 * Encodes bytes as standard, padded base64.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 */
export function encodeBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}
