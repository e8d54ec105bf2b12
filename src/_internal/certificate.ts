/**
 * Parsing one DER certificate into a `node:crypto` `X509Certificate`, and the key by which
 * certificates are cached and compared.
 *
 * @module
 */
import { X509Certificate } from "node:crypto";
import { encodeBase64 } from "./base64.ts";
import { splitDerCertificates } from "./der.ts";

/** Bytes to the base64 key used for caching and comparing certificates. */
export const derKey: (der: Uint8Array) => string = encodeBase64;

/**
 * Parses exactly one DER certificate. `X509Certificate` alone accepts trailing bytes and keeps them
 * in `raw`, which would make two encodings of one certificate compare unequal; they are refused
 * here, as Go's `x509.ParseCertificate` refuses them.
 *
 * @param der The DER bytes of one certificate.
 * @returns The certificate.
 * @throws {SyntaxError} When the bytes are empty, truncated or followed by trailing data.
 * @throws {Error} Whatever `X509Certificate` throws for a malformed certificate.
 */
export function parseCertificateDer(der: Uint8Array): X509Certificate {
  const parts = splitDerCertificates(der);
  if (parts.length === 0) throw new SyntaxError("empty certificate");
  if (parts.length > 1) throw new SyntaxError("trailing data after certificate");
  return new X509Certificate(der);
}
