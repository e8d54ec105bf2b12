// The SPIFFE-specific facts of a leaf certificate: its one URI SAN as a SPIFFE ID.
import { SpiffeId } from "../spiffeid/spiffe_id.ts";
import type { ParsedCertificate } from "./_certificate.ts";

/**
 * The SPIFFE ID in the certificate's single URI SAN (SPIFFE X509-SVID §2).
 * Throws a plain Error with go-spiffe's reason; callers add their prefix.
 */
export function idFromCertificate(cert: ParsedCertificate): SpiffeId {
  const known = ids.get(cert);
  if (known !== undefined) return known;
  const uris = cert.sans.flatMap((name) =>
    name.uniformResourceIdentifier === undefined ? [] : [name.uniformResourceIdentifier]
  );
  if (uris.length === 0) throw new Error("certificate contains no URI SAN");
  if (uris.length > 1) throw new Error("certificate contains more than one URI SAN");
  const id = SpiffeId.parse(uris[0]);
  ids.set(cert, id);
  return id;
}

/** IDs already read, per parsed (cached) certificate. */
const ids = new WeakMap<ParsedCertificate, SpiffeId>();
