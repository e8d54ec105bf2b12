/**
 * PEM (RFC 7468) reading and writing, just enough for certificate bundles.
 *
 * @module
 */
import { decodeBase64Strict, encodeBase64 } from "./_base64.ts";

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and its undecoded body. */
export interface PemBlock {
  /** The label between `BEGIN ` and the dashes. */
  type: string;
  /** The text between the BEGIN and END lines; decode it with {@linkcode decodePemBody}. */
  body: string;
}

/** `-----BEGIN X-----`, a body, then the matching `-----END X-----`. Text around blocks is ignored. */
const BLOCK = /-----BEGIN ([^\r\n-][^\r\n]*?)-----([\s\S]*?)-----END \1-----/g;

/**
 * Finds every PEM block in `text`, in order. Bodies are left undecoded so that blocks of other
 * types (an encrypted key with RFC 1421 headers, say) can be skipped without being understood.
 *
 * @param text The PEM text.
 * @returns The blocks; empty when there is none.
 */
export function findPemBlocks(text: string): PemBlock[] {
  return Array.from(text.matchAll(BLOCK), ([, type, body]) => ({ type, body }));
}

/**
 * Decodes a PEM body: base64 with line breaks, no headers.
 *
 * @param body The text between the BEGIN and END lines.
 * @returns The bytes.
 * @throws {SyntaxError} When the body is not valid base64.
 */
export function decodePemBody(body: string): Uint8Array {
  return decodeBase64Strict(body.replace(/\s+/g, ""), "PEM block body");
}

/**
 * Encodes DER certificates as concatenated PEM `CERTIFICATE` blocks with 64-character lines, each
 * block ending in a newline (the layout of Go's `pem.EncodeToMemory`).
 *
 * @param ders The DER of each certificate.
 * @returns The PEM text; empty for no certificates.
 */
export function encodePemCertificates(ders: Iterable<Uint8Array>): string {
  let out = "";
  for (const der of ders) {
    const base64 = encodeBase64(der);
    out += "-----BEGIN CERTIFICATE-----\n";
    for (let i = 0; i < base64.length; i += 64) out += base64.slice(i, i + 64) + "\n";
    out += "-----END CERTIFICATE-----\n";
  }
  return out;
}
